/**
 * `mm-lock-lens` command line: a thin adapter over the analysis core and the
 * simulator core. Each subcommand lives in its own module.
 * Exit codes: 0 fine, 1 error-severity findings, 2 usage error or nothing analysable.
 */
const USAGE = `usage: mm-lock-lens <command> [options]

commands:
  check [--format text|json|sarif] [--kernel-version X.Y] PATH...
  context FILE FUNCTION [--format text|json] [--root DIR] [--kernel-version X.Y]
  simulate [--scenario NAME | --config FILE.json | --profile FILE:FUNCTION] [--seed N] [--set KEY=VALUE]... [--format text|json] [--list]
`;

import { tuneV8 } from '../node/v8-tuning';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./check')).main,
  context: async () => (await import('./context')).main,
  simulate: async () => (await import('./simulate')).main,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`mm-lock-lens: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  // (the analysis' V8 settings; the simulator keeps V8's defaults, its loop gains from inlining)
  if (name !== 'simulate') tuneV8();
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`mm-lock-lens: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
