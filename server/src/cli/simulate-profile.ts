/**
 * `mm-lock-lens simulate --profile FILE:FUNCTION`: the terminal side of the
 * "simulate this path" panel. Analyses FUNCTION in FILE (the same engine and
 * scope as `context`), maps its lock profile onto the simulator's `path`
 * scenario (simulator/profile-scenario.ts, as the panel does), runs the
 * variants the profile makes meaningful and prints them side by side.
 * `--set` and `--seed` apply to every variant; `--compare ID` runs one pair.
 */
import * as fs from 'fs';
import { createSimulation, listScenarios, validateConfig } from '../simulator';
import type { SimResult } from '../simulator/api';
import { profileToScenario, variantConfig, type ParamSet, type ProfileScenario, type Variant } from '../simulator/profile-scenario';
import { fmtMetric, fmtRatio, METRICS, ratio } from '../../../media/src/report';
import { defaultScope } from './context';
import { loadFiles } from '../node/load';
import { Progress } from '../node/progress';
import { UsageError } from '../node/files';

export interface ProfileRunOptions {
  seed?: number;
  set: ParamSet;
  format: 'text' | 'json';
  compare?: string;
}

/** FILE:FUNCTION, split at the last colon (paths may hold colons, C identifiers never). */
export function parseProfileSpec(spec: string): { file: string; fn: string } {
  const i = spec.lastIndexOf(':');
  const file = i > 0 ? spec.slice(0, i) : '';
  const fn = i > 0 ? spec.slice(i + 1) : '';
  if (!file || !/^[A-Za-z_]\w*$/.test(fn)) throw new UsageError(`--profile ${spec}: expected FILE:FUNCTION, e.g. mm/memory.c:do_anonymous_page`);
  return { file, fn };
}

interface Column {
  label: string;
  config: ReturnType<typeof variantConfig>['config'];
  result?: SimResult;
}

/** The variants to run: both sides of each comparison, identical configurations once. */
function columnsOf(plan: ProfileScenario, opts: ProfileRunOptions): Column[] {
  const keys = listScenarios().find((s) => s.name === plan.scenario)?.keys ?? [];
  const comparisons = opts.compare ? plan.comparisons.filter((c) => c.id === opts.compare) : plan.comparisons;
  if (opts.compare && !comparisons.length) {
    throw new UsageError(`--compare ${opts.compare}: this profile's comparisons are ${plan.comparisons.map((c) => c.id).join(', ')}`);
  }
  const out: Column[] = [];
  const seen = new Map<string, Column>();
  const add = (v: Variant) => {
    const { config } = variantConfig(plan, v, opts.set, opts.seed ?? 1, keys);
    const key = JSON.stringify(Object.entries(config.set ?? {}).sort());
    const had = seen.get(key);
    if (had) {
      if (!had.label.split(' = ').includes(v.label)) had.label += ` = ${v.label}`;
      return;
    }
    const col = { label: v.label, config };
    seen.set(key, col);
    out.push(col);
  };
  for (const c of comparisons) {
    add(c.a);
    add(c.b);
  }
  return out;
}

async function run(col: Column, tty: boolean): Promise<string | null> {
  const v = validateConfig(col.config);
  if (!v.ok) return v.errors.map((e) => e.message).join('; ');
  const sim = createSimulation(v.config, () => performance.now());
  const t0 = Date.now();
  while (!sim.step(500_000)) {
    if (tty && Date.now() - t0 > 1000) process.stderr.write(`\rsimulate: ${col.label}: ${(sim.progress().fraction * 100).toFixed(0)}%\x1b[K`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (tty && Date.now() - t0 > 1000) process.stderr.write('\r\x1b[K');
  col.result = sim.result();
  return null;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

function textReport(plan: ProfileScenario, cols: Column[]): string {
  const out: string[] = [];
  out.push(`${plan.function}() at ${plan.file}:${plan.line} (kernel ${plan.kernelVersion}): simulated as the 'path' scenario`);
  for (const r of plan.reasons) out.push(`  ${r}`);
  const set = Object.entries(cols[0].config.set ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  out.push(`  keys: ${set}`);
  out.push('');
  const names = cols.map((_c, i) => `[${i + 1}]`);
  cols.forEach((c, i) => out.push(`${names[i]} ${c.label}`));
  out.push('');
  const rows: string[][] = [['', ...names, ...(cols.length === 2 ? ['[2]/[1]'] : [])]];
  for (const m of METRICS) {
    const vals = cols.map((c) => (c.result ? m.get(c.result) : NaN));
    if (vals.every((v) => !Number.isFinite(v))) continue;
    rows.push([m.label, ...vals.map((v) => (Number.isFinite(v) ? fmtMetric(m, v) : '–')), ...(cols.length === 2 ? [fmtRatio(ratio(vals[0], vals[1]))] : [])]);
  }
  out.push(...table(rows));
  if (plan.fallbacks.length) {
    out.push('', 'fallback points:');
    for (const f of plan.fallbacks) out.push(`  ${plan.file}:${f.line}: ${f.condition} (${f.kind}): ${f.why}`);
  }
  out.push('', 'comparisons:');
  for (const c of plan.comparisons) out.push(`  ${c.id}: ${c.a.label} vs ${c.b.label} — ${c.question}`);
  return out.join('\n') + '\n';
}

/** Runs `simulate --profile SPEC`; returns the exit code (0 done, 2 usage or nothing to profile). */
export async function runProfile(spec: string, opts: ProfileRunOptions): Promise<number> {
  const err = (m: string) => process.stderr.write(`mm-lock-lens simulate: ${m}\n`);
  let file: string;
  let fn: string;
  let cols: Column[];
  let plan: ProfileScenario;
  try {
    ({ file, fn } = parseProfileSpec(spec));
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`--profile ${spec}: ${file}: no such file`);
    const scope = defaultScope(file);
    const progress = new Progress();
    const { host } = await loadFiles(scope.files, { makefile: scope.makefile, progress });
    const kv = host.kernelVersion();
    if (kv.note) err(kv.note);
    const reason = host.skipReason(file);
    if (reason) { progress.done(); throw new UsageError(`--profile ${spec}: ${file}: ${reason}`); }
    const profile = host.profile(file, fn);
    progress.done();
    if (!profile) throw new UsageError(`--profile ${spec}: no function '${fn}' defined in ${file}`);
    plan = profileToScenario(profile);
    cols = columnsOf(plan, opts);
  } catch (e) {
    if (e instanceof UsageError) { err(e.message); return 2; }
    throw e;
  }
  const tty = process.stderr.isTTY === true;
  for (const c of cols) {
    const invalid = await run(c, tty);
    if (invalid) {
      err(`${c.label}: ${invalid}`);
      process.stderr.write('(see mm-lock-lens simulate --list)\n');
      return 2;
    }
  }
  const out = opts.format === 'json'
    ? JSON.stringify({
      function: plan.function, file: plan.file, line: plan.line, kernelVersion: plan.kernelVersion,
      path_lock: plan.pathLock, reasons: plan.reasons, fallbacks: plan.fallbacks, comparisons: plan.comparisons,
      variants: cols.map((c) => ({ label: c.label, config: c.config, result: c.result })),
    }, null, 2) + '\n'
    : textReport(plan, cols);
  await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()));
  return 0;
}
