/**
 * `mm-lock-lens simulate`: runs a scenario of the contention simulator and
 * prints its figures (a table, or JSON with the keys of SimResult).
 * Exit codes: 0 done, 2 usage or configuration error, 130 interrupted (partial results printed).
 */
import { readFileSync } from 'node:fs';
import { createSimulation, listScenarios, validateConfig } from '../simulator';
import type { KeySpec, LatencySummary, SimConfigInput, SimResult } from '../simulator/api';
import { UsageError } from '../node/files';
import { formatOption, readArgs } from './args';

const USAGE = `usage: mm-lock-lens simulate [--scenario NAME | --config FILE.json | --profile FILE:FUNCTION]
                             [--seed N] [--set KEY=VALUE]... [--format text|json] [--list]

  --scenario NAME      a scenario (see --list); default seed-text
  --config FILE.json   {"scenario": NAME, "seed": N, "set": {KEY: VALUE}}; --seed and --set override it
  --profile FILE:FUNC  simulate the lock profile of a kernel function (the "simulate this path" feature):
                       runs the variants the profile makes meaningful and prints them side by side
  --compare ID         with --profile: run only that comparison (its two variants, with their ratio)
  --seed N             PRNG seed (same seed, same result); default 1
  --set KEY=VALUE      set a scenario key (repeatable)
  --format text|json   output format; default text
  --list               list the scenarios and their keys with defaults, units and ranges
`;

interface Options {
  scenario?: string;
  config?: string;
  profile?: string;
  compare?: string;
  seed?: string;
  set: Array<[string, string]>;
  format: 'text' | 'json';
  list: boolean;
}

function parseArgs(argv: string[]): Options {
  const { values, positionals } = readArgs(argv, {
    scenario: { type: 'string' }, config: { type: 'string' }, profile: { type: 'string' }, compare: { type: 'string' },
    seed: { type: 'string' }, set: { type: 'string', multiple: true }, format: { type: 'string' }, list: { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unknown argument '${positionals[0]}'`);
  const set = (values.set ?? []).map((kv): [string, string] => {
    const j = kv.indexOf('=');
    if (j <= 0) throw new UsageError(`--set ${kv}: expected KEY=VALUE`);
    return [kv.slice(0, j), kv.slice(j + 1)];
  });
  const o: Options = {
    scenario: values.scenario, config: values.config, profile: values.profile, compare: values.compare, seed: values.seed,
    set, format: formatOption(values.format, ['text', 'json'] as const, 'text'), list: values.list ?? false,
  };
  const sources = [o.scenario, o.config, o.profile].filter((x) => x !== undefined).length;
  if (sources > 1) throw new UsageError('--scenario, --config and --profile are exclusive: give one');
  if (o.compare !== undefined && o.profile === undefined) throw new UsageError('--compare goes with --profile');
  return o;
}

function keyRange(k: KeySpec): string {
  if (k.type === 'enum') return k.values!.join('|');
  if (k.type === 'bool') return 'true|false';
  if (k.type === 'string') return 'X.Y';
  return `${k.min}..${k.max}`;
}

function listText(): string {
  const lines: string[] = [];
  for (const s of listScenarios()) {
    lines.push(`${s.name}`);
    lines.push(...wrap(s.description, 76).map((l) => `  ${l}`));
    const w = Math.max(...s.keys.map((k) => k.key.length));
    for (const k of s.keys) {
      const def = `${k.default}${k.unit ? ' ' + k.unit : ''}`;
      lines.push(`    ${k.key.padEnd(w)}  ${def.padEnd(14)} ${keyRange(k).padEnd(22)} ${k.description}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

const fmt = (x: number): string => {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e12) return x.toExponential(3);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(3);
};

function textReport(r: SimResult): string {
  const out: string[] = [];
  out.push(`scenario ${r.scenario}  seed ${r.seed}  simulated ${fmt(r.simulated_s)} s  events ${r.events.toLocaleString('en-US')}  wall ${fmt(r.wall_ms)} ms${r.canceled ? '  (CANCELED: partial)' : ''}${r.truncated ? '  (TRUNCATED: event budget reached)' : ''}`);
  out.push(...wrap(Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '), 100).map((l) => `  ${l}`));
  out.push('');
  const head = ['', 'count', 'per_s', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const rows: string[][] = [head];
  const lat = (name: string, count: number, perS: number, l: LatencySummary): string[] =>
    [name, count.toLocaleString('en-US'), fmt(perS), fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.p999), fmt(l.max)];
  rows.push(lat('faults (us)', r.faults.count, r.faults.per_s, r.faults.latency_us));
  const groups = (r.groups as Array<{ name: string; completed: number; latency_us: LatencySummary }> | undefined) ?? [];
  const opGroups = groups.filter((g) => g.name !== 'writers');
  if (opGroups.length > 1) for (const g of opGroups) rows.push(lat(`  ${g.name}`, g.completed, g.completed / (r.simulated_s || 1), g.latency_us));
  rows.push(lat('writers (us)', r.writers.count, r.writers.per_s, r.writers.latency_us));
  const w = r.writers.wait_us;
  rows.push(['  writer wait', '', '', fmt(w.mean), fmt(w.p50), '', fmt(w.p99), '', fmt(w.max)]);
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) out.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  out.push('');
  const m = r.mmap_lock;
  out.push(`mmap_lock   read acquisitions ${m.read_acquisitions.toLocaleString('en-US')}, wait mean ${fmt(m.read_wait_us.mean)} us, p99 ${fmt(m.read_wait_us.p99)} us`);
  out.push(`            write acquisitions ${m.write_acquisitions.toLocaleString('en-US')}, wait mean ${fmt(m.write_wait_us.mean)} us, p99 ${fmt(m.write_wait_us.p99)} us`);
  const v = r.vma_lock;
  out.push(`vma_lock    success ${v.success.toLocaleString('en-US')}  retry ${v.retry.toLocaleString('en-US')}  abort ${v.abort.toLocaleString('en-US')}  miss ${v.miss.toLocaleString('en-US')}`);
  const fb = Object.entries((r.fallbacks as Record<string, number>) ?? {}).filter(([, n]) => n > 0);
  if (fb.length) out.push(`fallbacks   ${fb.map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join('  ')}`);
  return out.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  let input: SimConfigInput;
  try {
    opts = parseArgs(argv);
    if (opts.list) { process.stdout.write(listText()); return 0; }
    if (opts.config !== undefined) {
      let text: string;
      try { text = readFileSync(opts.config, 'utf8'); } catch (e) { throw new UsageError(`--config ${opts.config}: cannot read: ${(e as Error).message}`); }
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch (e) { throw new UsageError(`--config ${opts.config}: not valid JSON: ${(e as Error).message}`); }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--config ${opts.config}: expected an object {"scenario": NAME, "seed": N, "set": {KEY: VALUE}}`);
      input = parsed as SimConfigInput;
    } else if (opts.profile !== undefined) {
      if (opts.seed !== undefined && !/^\d+$/.test(opts.seed)) throw new UsageError(`--seed ${opts.seed}: expected a non-negative integer`);
      const { runProfile } = await import('./simulate-profile');
      return await runProfile(opts.profile, { seed: opts.seed === undefined ? undefined : Number(opts.seed), set: Object.fromEntries(opts.set), format: opts.format, compare: opts.compare });
    } else {
      input = { scenario: opts.scenario ?? 'seed-text' };
    }
    if (opts.seed !== undefined) input = { ...input, seed: /^\d+$/.test(opts.seed) ? Number(opts.seed) : (opts.seed as unknown as number) };
    if (opts.set.length) {
      const base = typeof input.set === 'object' && input.set !== null ? input.set : {};
      input = { ...input, set: { ...base, ...Object.fromEntries(opts.set) } };
    }
  } catch (e) {
    if (e instanceof UsageError) {
      // -h/--help: the usage alone, on stdout
      if (!e.message) { process.stdout.write(USAGE); return 0; }
      process.stderr.write(`mm-lock-lens simulate: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const v = validateConfig(input);
  if (!v.ok) {
    for (const err of v.errors) process.stderr.write(`mm-lock-lens simulate: ${err.message}\n`);
    process.stderr.write('(see mm-lock-lens simulate --list)\n');
    return 2;
  }
  let interrupted = false;
  const onSigint = (): void => { interrupted = true; };
  process.on('SIGINT', onSigint);
  const t0 = Date.now();
  let lastReport = t0;
  let reported = false;
  const tty = process.stderr.isTTY === true;
  // Stepwise, yielding to the event loop between chunks so that Ctrl-C is seen.
  const sim = createSimulation(v.config, () => performance.now());
  try {
    for (;;) {
      if (interrupted) { sim.cancel(); break; }
      const done = sim.step(500_000);
      const t = Date.now();
      if (!done && t - t0 >= 1000 && t - lastReport >= (tty ? 200 : 2000)) {
        lastReport = t;
        reported = true;
        const p = sim.progress();
        const line = `simulate: ${(p.fraction * 100).toFixed(0)}%  ${(p.events / 1e6).toFixed(1)} M events  ${p.simulated_s.toFixed(3)} s simulated`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      }
      if (done) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const result = sim.result();
  for (const note of (result.notes as string[] | undefined) ?? []) process.stderr.write(`mm-lock-lens simulate: note: ${note}\n`);
  if (reported && tty) process.stderr.write('\r\x1b[K');
  process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : textReport(result));
  return interrupted ? 130 : 0;
}
