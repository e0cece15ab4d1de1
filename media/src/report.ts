/**
 * What the panel reads out of two simulation results: the A/B metric table
 * with the ratios that matter, the CSV and JSON exports, the one-line summary
 * for a mailing-list reply, and the latency distributions for the charts.
 * Pure: no DOM (unit-tested, and shared by the page and the CLI).
 */
import type { SimResult } from '../../server/src/simulator/api';

export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us === 0) return '0';
  if (us < 1) return `${us.toPrecision(2)} us`;
  if (us < 1000) return `${us < 10 ? us.toFixed(2) : us < 100 ? us.toFixed(1) : us.toFixed(0)} us`;
  if (us < 1e6) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1e6).toPrecision(3)} s`;
}

export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(3)} k`;
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export type Unit = 'us' | 'count' | 'rate';

export interface Metric {
  id: string;
  label: string;
  unit: Unit;
  /** Which way is better, for colouring the ratio. */
  better: 'lower' | 'higher' | 'none';
  /** Shown in the summary table's first rows (the ratios that matter). */
  key: boolean;
  get(r: SimResult): number;
}

const n = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : NaN);

interface GroupStats { name: string; ops: number; completed: number; latency_us: Record<string, number> }

/** The simulator's per-group figures (the `path` scenario's group `path` is the function under study). */
export function group(r: SimResult, name: string): GroupStats | undefined {
  const groups = r.groups;
  if (!Array.isArray(groups)) return undefined;
  return groups.find((g): g is GroupStats => !!g && typeof g === 'object' && (g as GroupStats).name === name && typeof (g as GroupStats).latency_us === 'object');
}

const pathLatency = (q: string) => (r: SimResult) => n(group(r, 'path')?.latency_us[q]);

export const METRICS: Metric[] = [
  { id: 'path.per_s', label: 'path runs per second', unit: 'rate', better: 'higher', key: true, get: (r) => { const g = group(r, 'path'); return g && r.simulated_s > 0 ? g.completed / r.simulated_s : NaN; } },
  { id: 'path.mean', label: 'path latency mean', unit: 'us', better: 'lower', key: true, get: pathLatency('mean') },
  { id: 'path.p50', label: 'path latency p50', unit: 'us', better: 'lower', key: true, get: pathLatency('p50') },
  { id: 'path.p90', label: 'path latency p90', unit: 'us', better: 'lower', key: false, get: pathLatency('p90') },
  { id: 'path.p99', label: 'path latency p99', unit: 'us', better: 'lower', key: true, get: pathLatency('p99') },
  { id: 'path.p999', label: 'path latency p99.9', unit: 'us', better: 'lower', key: true, get: pathLatency('p999') },
  { id: 'path.max', label: 'path latency max', unit: 'us', better: 'lower', key: false, get: pathLatency('max') },
  { id: 'faults.per_s', label: 'faults per second (path and background)', unit: 'rate', better: 'higher', key: true, get: (r) => n(r.faults.per_s) },
  { id: 'faults.p50', label: 'fault latency p50 (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.p50) },
  { id: 'faults.p90', label: 'fault latency p90 (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.p90) },
  { id: 'faults.p99', label: 'fault latency p99 (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.p99) },
  { id: 'faults.p999', label: 'fault latency p99.9 (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.p999) },
  { id: 'faults.max', label: 'fault latency max (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.max) },
  { id: 'faults.mean', label: 'fault latency mean (all faults)', unit: 'us', better: 'lower', key: false, get: (r) => n(r.faults.latency_us.mean) },
  { id: 'writers.per_s', label: 'mmap writers per second', unit: 'rate', better: 'higher', key: false, get: (r) => n(r.writers.per_s) },
  { id: 'writers.p50', label: 'writer latency p50', unit: 'us', better: 'lower', key: false, get: (r) => n(r.writers.latency_us.p50) },
  { id: 'writers.p99', label: 'writer latency p99', unit: 'us', better: 'lower', key: true, get: (r) => n(r.writers.latency_us.p99) },
  { id: 'writers.p999', label: 'writer latency p99.9', unit: 'us', better: 'lower', key: false, get: (r) => n(r.writers.latency_us.p999) },
  { id: 'writers.max', label: 'writer latency max', unit: 'us', better: 'lower', key: false, get: (r) => n(r.writers.latency_us.max) },
  { id: 'writers.wait_mean', label: 'writer wait for mmap_lock, mean', unit: 'us', better: 'lower', key: false, get: (r) => n(r.writers.wait_us.mean) },
  { id: 'mmap.read_acq', label: 'mmap_lock read acquisitions', unit: 'count', better: 'lower', key: true, get: (r) => n(r.mmap_lock.read_acquisitions) },
  { id: 'mmap.write_acq', label: 'mmap_lock write acquisitions', unit: 'count', better: 'none', key: false, get: (r) => n(r.mmap_lock.write_acquisitions) },
  { id: 'mmap.read_wait_mean', label: 'mmap_lock read wait, mean', unit: 'us', better: 'lower', key: true, get: (r) => n(r.mmap_lock.read_wait_us.mean) },
  { id: 'mmap.read_wait_p99', label: 'mmap_lock read wait, p99', unit: 'us', better: 'lower', key: false, get: (r) => n(r.mmap_lock.read_wait_us.p99) },
  { id: 'mmap.write_wait_mean', label: 'mmap_lock write wait, mean', unit: 'us', better: 'lower', key: false, get: (r) => n(r.mmap_lock.write_wait_us.mean) },
  { id: 'mmap.write_wait_p99', label: 'mmap_lock write wait, p99', unit: 'us', better: 'lower', key: false, get: (r) => n(r.mmap_lock.write_wait_us.p99) },
  { id: 'vma.success', label: 'vma_lock_success', unit: 'count', better: 'none', key: false, get: (r) => n(r.vma_lock.success) },
  { id: 'vma.retry', label: 'vma_lock_retry', unit: 'count', better: 'lower', key: false, get: (r) => n(r.vma_lock.retry) },
  { id: 'vma.abort', label: 'vma_lock_abort', unit: 'count', better: 'lower', key: false, get: (r) => n(r.vma_lock.abort) },
  { id: 'vma.miss', label: 'vma_lock_miss', unit: 'count', better: 'lower', key: false, get: (r) => n(r.vma_lock.miss) },
];

export function fmtMetric(m: Metric, v: number): string {
  return m.unit === 'us' ? fmtUs(v) : m.unit === 'rate' ? `${fmtCount(v)}/s` : fmtCount(v);
}

/** B relative to A; NaN when A is 0 or either side is missing. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return NaN;
  if (a === 0) return b === 0 ? 1 : NaN;
  return b / a;
}

/** Whether B is better, worse or about the same as A on this metric (±5 %). */
export function verdict(m: Metric, r: number): 'better' | 'worse' | 'same' | 'none' {
  if (m.better === 'none' || !Number.isFinite(r)) return 'none';
  if (Math.abs(r - 1) < 0.05) return 'same';
  return (r < 1) === (m.better === 'lower') ? 'better' : 'worse';
}

export interface ReportContext {
  function: string;
  file: string;
  line: number;
  kernelVersion: string;
  comparison: string;
  labelA: string;
  labelB: string;
  seed: number;
  params: Record<string, number | boolean | string>;
}

function csvCell(s: string | number): string {
  const t = String(s);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function toCsv(ctx: ReportContext, a?: SimResult, b?: SimResult): string {
  const rows: (string | number)[][] = [['metric', `A: ${ctx.labelA}`, `B: ${ctx.labelB}`, 'B/A']];
  for (const m of METRICS) {
    const va = a ? m.get(a) : NaN;
    const vb = b ? m.get(b) : NaN;
    const r = ratio(va, vb);
    rows.push([m.id, Number.isFinite(va) ? va : '', Number.isFinite(vb) ? vb : '', Number.isFinite(r) ? Number(r.toPrecision(4)) : '']);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function toJson(ctx: ReportContext, a?: SimResult, b?: SimResult): string {
  return JSON.stringify({ tool: 'mm-lock-lens simulate', ...ctx, results: { A: a ?? null, B: b ?? null } }, null, 2) + '\n';
}

/** One line for a mailing-list reply: the path, the process, the key ratios. */
export function oneLineSummary(ctx: ReportContext, a: SimResult, b: SimResult): string {
  const p = ctx.params;
  const proc = [
    p.threads !== undefined ? `${p.threads} threads running it` : '',
    typeof p.bg_threads === 'number' && p.bg_threads > 0 ? `${p.bg_threads} faulting in the background` : '',
    p.cpus !== undefined ? `${p.cpus} CPUs` + (typeof p.sockets === 'number' && p.sockets > 1 ? ` on ${p.sockets} sockets` : '') : '',
    p.writers_per_s !== undefined ? `${p.writers_per_s} mmap writers/s` + (p.writer_hold_us !== undefined ? ` holding ${p.writer_hold_us} us` : '') : '',
  ].filter(Boolean).join(', ');
  const m = (id: string) => METRICS.find((x) => x.id === id)!;
  const pa = group(a, 'path') ? m('path.p99') : m('faults.p99');
  const mean = group(a, 'path') ? m('path.mean') : m('faults.mean');
  const what = group(a, 'path') ? 'path' : 'fault';
  const pair = (x: Metric) => `${fmtUs(x.get(a))} vs ${fmtUs(x.get(b))} (${fmtRatio(ratio(x.get(a), x.get(b)))})`;
  const rate = ratio(a.faults.per_s, b.faults.per_s);
  return `${ctx.function}() (${ctx.file}:${ctx.line}, ${ctx.kernelVersion}) simulated with ${proc || 'the default process'}: ` +
    `${ctx.labelA} vs ${ctx.labelB}: ${what} p99 ${pair(pa)}, mean ${pair(mean)}, ` +
    `faults/s ${fmtCount(a.faults.per_s)} vs ${fmtCount(b.faults.per_s)} (${fmtRatio(rate)}), ` +
    `mmap_lock read acquisitions ${fmtCount(a.mmap_lock.read_acquisitions)} vs ${fmtCount(b.mmap_lock.read_acquisitions)} ` +
    `[mm-lock-lens simulate, seed ${ctx.seed}]`;
}

/** A latency distribution as bucket upper edges (us) and counts. */
export interface Distribution {
  edges_us: number[];
  counts: number[];
  /** True when built from the percentiles only (the simulator gave no histogram). */
  fromPercentiles: boolean;
}

function histogramOf(x: unknown): Distribution | null {
  if (!x || typeof x !== 'object') return null;
  // The simulator's export: rows of [upper bound in us, count].
  if (Array.isArray(x)) {
    if (!x.length || !x.every((row) => Array.isArray(row) && row.length === 2 && typeof row[0] === 'number' && typeof row[1] === 'number' && row[1] >= 0)) return null;
    return { edges_us: x.map((row) => row[0] as number), counts: x.map((row) => row[1] as number), fromPercentiles: false };
  }
  const h = x as Record<string, unknown>;
  const edges = (h.edges_us ?? h.bounds_us ?? h.upper_us ?? h.le_us) as unknown;
  const counts = h.counts as unknown;
  if (!Array.isArray(edges) || !Array.isArray(counts) || edges.length !== counts.length || edges.length === 0) return null;
  if (!edges.every((e) => typeof e === 'number') || !counts.every((c) => typeof c === 'number' && c >= 0)) return null;
  return { edges_us: edges as number[], counts: counts as number[], fromPercentiles: false };
}

/** The latency distribution of faults or writers: the simulator's histogram
 * when it gives one, else a coarse one spanned by the percentiles. */
export function distribution(r: SimResult, which: 'faults' | 'writers'): Distribution | null {
  const part = r[which] as unknown as Record<string, unknown>;
  const top = (r as Record<string, unknown>).latency_histogram as Record<string, unknown> | undefined;
  const found = histogramOf(top?.[which]) ?? histogramOf(part.histogram);
  if (found) return found;
  const l = r[which].latency_us;
  const total = r[which].count;
  if (!total || !Number.isFinite(l.p50)) return null;
  const qs: [number, number][] = [[l.p50, 0.5], [l.p90, 0.9], [l.p99, 0.99], [l.p999, 0.999], [l.max, 1]];
  const edges: number[] = [];
  const counts: number[] = [];
  let prev = 0;
  for (const [edge, q] of qs) {
    if (!Number.isFinite(edge)) continue;
    if (edges.length && edge <= edges[edges.length - 1]) {
      counts[counts.length - 1] += (q - prev) * total;
    } else {
      edges.push(edge);
      counts.push((q - prev) * total);
    }
    prev = q;
  }
  return { edges_us: edges, counts, fromPercentiles: true };
}

/** Cumulative fractions at each edge. */
export function cdf(d: Distribution): { x: number[]; y: number[] } {
  const total = d.counts.reduce((s, c) => s + c, 0) || 1;
  let acc = 0;
  const x: number[] = [];
  const y: number[] = [];
  d.edges_us.forEach((e, i) => {
    acc += d.counts[i];
    if (e > 0) {
      x.push(e);
      y.push(acc / total);
    }
  });
  return { x, y };
}
