/**
 * Option parsing shared by the subcommands: Node's `util.parseArgs`, with
 * every problem turned into a UsageError whose message names the option, and
 * the validators the subcommands share.
 */
import { parseArgs, type ParseArgsConfig } from 'util';
import { isValidVersion } from '../core/version';
import { UsageError } from '../node/files';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `-h`/`--help` throws an empty UsageError (the caller prints the usage alone). */
export function readArgs<O extends Options>(argv: string[], options: O) {
  if (argv.includes('-h') || argv.includes('--help')) throw new UsageError('');
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const name = /'(-[^' ]+)/.exec(err.message ?? '')?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${name} needs a value`);
    throw new UsageError(err.message ?? String(e));
  }
}

/** One of `allowed`, or a UsageError listing them. */
export function formatOption<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`unknown format '${value}' (${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]})`);
  }
  return value as T;
}

export function kernelVersionOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isValidVersion(value)) throw new UsageError(`bad kernel version '${value}' (expected X.Y, e.g. 6.12)`);
  return value;
}
