// Scenarios end to end through the public API: the anon_vma policies, the
// seed workload, determinism, validation, the path scenario, the event budget.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createSimulation, listScenarios, runSimulation, validateConfig } from '../../server/src/simulator';
import type { SimConfig, SimResult } from '../../server/src/simulator/api';

function cfg(scenario: string, set: Record<string, number | string | boolean> = {}, seed = 1): SimConfig {
  const v = validateConfig({ scenario, seed, set });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  return v.config;
}

function errorsOf(input: unknown): Array<{ key: string; message: string }> {
  const v = validateConfig(input);
  assert.equal(v.ok, false, `expected ${JSON.stringify(input)} to be rejected`);
  return v.ok ? [] : v.errors;
}

const small = { threads: 400, cpus: 32, sockets: 2, text_mb: 16, think_us: 100, writers_per_s: 2000 };

test('the early anon_vma check sends private-file read faults to mmap_lock; the late check does not', () => {
  const early = runSimulation(cfg('seed-text', { ...small, anon_vma_check: 'early' }));
  const late = runSimulation(cfg('seed-text', { ...small, anon_vma_check: 'late' }));
  const faults = 16 * 256;
  assert.equal(early.faults.count, faults);
  assert.equal(late.faults.count, faults);
  assert.equal(early.vma_lock.abort, faults);
  assert.equal(early.vma_lock.success, 0);
  assert.equal(early.mmap_lock.read_acquisitions, faults);
  assert.equal((early.fallbacks as Record<string, number>).anon_vma_early, faults);
  assert.equal(late.vma_lock.success, faults);
  assert.equal(late.vma_lock.abort + late.vma_lock.retry, 0);
  assert.equal(late.mmap_lock.read_acquisitions, 0);
});

test('early-anon (6.4-6.9) leaves text faults on the VMA lock but sends first touches of a fresh anonymous VMA to mmap_lock', () => {
  const text = runSimulation(cfg('seed-text', { ...small, anon_vma_check: 'early-anon' }));
  assert.equal(text.vma_lock.success, text.faults.count);
  const zeroPage = (check: string): SimResult => runSimulation(cfg('path', { path_lock: 'vma', path_fallback: 'anon_vma', anon_vma_present: false, path_fallback_prob: 1, anon_vma_check: check, bg_threads: 0, writers_per_s: 0, duration_s: 0.05 }));
  const ea = zeroPage('early-anon'), late = zeroPage('late');
  // Counts are of faults started; latencies of faults completed: the 16 threads may have one in flight at the end.
  const near = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) <= 16, `${a} vs ${b} ${msg ?? ''}`);
  near(ea.vma_lock.abort, ea.faults.count, 'early-anon: every fault on an anon VMA without anon_vma aborts');
  assert.equal(late.vma_lock.abort, 0);
  // 6.10+: vmf_anon_prepare's mmap_read_trylock succeeds when nobody waits: no retry at all.
  assert.equal(late.vma_lock.retry, 0);
  near(late.mmap_lock.read_acquisitions, late.faults.count);
  // 6.7-6.9: the late check always retries.
  const k69 = runSimulation(cfg('path', { path_lock: 'vma', path_fallback: 'anon_vma', anon_vma_present: false, path_fallback_prob: 1, anon_vma_check: 'late', kernel_version: '6.9', bg_threads: 0, writers_per_s: 0, duration_s: 0.05 }));
  near(k69.vma_lock.retry, k69.faults.count);
});

test('seed-text defaults: the p99 fault latency with the early check is at least 10 times the late one', () => {
  const early = runSimulation(cfg('seed-text', { anon_vma_check: 'early' }));
  const late = runSimulation(cfg('seed-text', { anon_vma_check: 'late' }));
  assert.equal(early.faults.count, 204800, 'every page of 800 MB faulted once');
  assert.equal(late.faults.count, 204800);
  assert.ok(early.faults.latency_us.p99 >= 10 * late.faults.latency_us.p99, `early p99 ${early.faults.latency_us.p99} us, late p99 ${late.faults.latency_us.p99} us`);
  // The mechanism: early faults queue on mmap_lock behind writers; late faults never touch it.
  assert.ok(early.mmap_lock.read_wait_us.p99 > 10);
  assert.equal(late.mmap_lock.read_acquisitions, 0);
});

test('same seed, same result bit for bit; another seed, another result', () => {
  const strip = (r: SimResult): SimResult => ({ ...r, wall_ms: 0 });
  const a = strip(runSimulation(cfg('seed-text', small, 7)));
  const b = strip(runSimulation(cfg('seed-text', small, 7)));
  assert.deepEqual(a, b);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  const c = strip(runSimulation(cfg('seed-text', small, 8)));
  assert.notEqual(JSON.stringify(a.faults), JSON.stringify(c.faults));
  // Stepwise in odd chunks gives the same as run-to-completion.
  const sim = createSimulation(cfg('seed-text', small, 7));
  while (!sim.step(997)) { /* chunks */ }
  assert.equal(JSON.stringify(strip(sim.result())), JSON.stringify(a));
});

test('validation: unknown keys name the allowed ones; bad and absurd values name the key and the range', () => {
  const unknown = errorsOf({ scenario: 'pft', set: { thread: 4 } });
  assert.equal(unknown[0].key, 'thread');
  assert.match(unknown[0].message, /unknown key 'thread'.*allowed: threads, cpus/);
  const huge = errorsOf({ scenario: 'seed-text', set: { threads: 1e9 } });
  assert.match(huge[0].message, /threads: 1000000000 is out of range; allowed: an integer from 1 to 100000/);
  assert.match(errorsOf({ scenario: 'seed-text', set: { writers_per_s: -5 } })[0].message, /writers_per_s: -5 is out of range; allowed: a number from 0 to 1000000/);
  assert.match(errorsOf({ scenario: 'seed-text', set: { duration_s: 3.15e7 } })[0].message, /duration_s: .* out of range; allowed: a number from 1e-6 to 60 s|duration_s: .* out of range; allowed: a number from 0.000001 to 60 s/);
  assert.match(errorsOf({ scenario: 'mm1', set: { arrival_rate_per_s: 200000 } })[0].message, /rho .* must be below 1/);
  assert.match(errorsOf({ scenario: 'mm1', set: { service: 'gamma' } })[0].message, /one of exponential, deterministic/);
  assert.match(errorsOf({ scenario: 'pft', set: { per_vma_locks: 'maybe' } })[0].message, /true or false/);
  assert.match(errorsOf({ scenario: 'pft', set: { kernel_version: 'six' } })[0].message, /kernel_version/);
  assert.match(errorsOf({ scenario: 'pft', set: { threads: 2.5 } })[0].message, /not an integer/);
  assert.match(errorsOf({ scenario: 'nope' })[0].message, /unknown scenario "nope"; scenarios: mm1, seed-text, pft/);
  assert.equal(errorsOf({ scenario: 'pft', seed: -1 })[0].key, 'seed');
  assert.match(errorsOf({ scenario: 'seed-text', set: { writers_per_s: 100000, writer_hold_us: 100 } })[0].message, /writers_per_s x writer_hold_us/);
  assert.equal(errorsOf('pft')[0].key, 'scenario');
  // Strings from the command line are coerced.
  const v = validateConfig({ scenario: 'pft', seed: '3', set: { threads: '8', per_vma_locks: 'false' } });
  assert.ok(v.ok && v.config.params.threads === 8 && v.config.params.per_vma_locks === false && v.config.seed === 3);
});

test('the event budget bounds a run: it stops, truncated, never hangs', () => {
  const r = runSimulation(cfg('pft', { duration_s: 1, max_events: 20000 }));
  assert.equal(r.truncated, true);
  assert.ok(r.events <= 20000);
  assert.ok(r.simulated_s < 1);
});

test('cancel returns partial results; progress is reported', () => {
  let polls = 0;
  const fractions: number[] = [];
  const r = runSimulation(cfg('mm1', { count: 2_000_000 }), { shouldCancel: () => ++polls > 2, onProgress: (p) => fractions.push(p.fraction) });
  assert.equal(r.canceled, true);
  assert.ok(r.writers.count > 0 && r.writers.count < 2_000_000);
  assert.ok(fractions.length === 2 && fractions[1] > fractions[0] && fractions[1] < 1);
});

test('every scenario has the shared keys under the same names, and runs', () => {
  const scenarios = listScenarios();
  for (const name of ['mm1', 'seed-text', 'pft', 'app-launch', 'writer-storm', 'path']) assert.ok(scenarios.some((s) => s.name === name), name);
  for (const s of scenarios.filter((x) => x.name !== 'mm1')) {
    const keys = s.keys.map((k) => k.key);
    for (const k of ['threads', 'cpus', 'sockets', 'duration_s', 'writers_per_s', 'writer_hold_us', 'kernel_version', 'anon_vma_check']) assert.ok(keys.includes(k), `${s.name} lacks ${k}`);
    const r = runSimulation(cfg(s.name, { duration_s: 0.01, ...(s.name === 'seed-text' ? small : {}) }));
    assert.ok(r.faults.count > 0, s.name);
  }
});

test('path: no lock takes no lock; mmap_write runs as a writer; mmap_read never tries the VMA lock', () => {
  const base = { bg_threads: 0, writers_per_s: 0, duration_s: 0.02 };
  const none = runSimulation(cfg('path', { ...base, path_lock: 'none' }));
  assert.ok(none.faults.count > 1000);
  assert.equal(none.mmap_lock.read_acquisitions + none.mmap_lock.write_acquisitions, 0);
  assert.equal(none.vma_lock.success, 0);
  const w = runSimulation(cfg('path', { ...base, path_lock: 'mmap_write' }));
  assert.ok(w.writers.count > 1000);
  assert.ok(w.mmap_lock.write_acquisitions - w.writers.count <= 16);
  const r = runSimulation(cfg('path', { ...base, path_lock: 'mmap_read' }));
  assert.equal(r.vma_lock.success + r.vma_lock.abort, 0);
  assert.ok(Math.abs(r.mmap_lock.read_acquisitions - r.faults.count) <= 16);
  // I/O fallback: the fault drops the VMA lock, waits, and retries under mmap_lock.
  const io = runSimulation(cfg('path', { ...base, path_fallback: 'io', path_fallback_prob: 0.5 }));
  const fb = io.fallbacks as Record<string, number>;
  assert.ok(fb.io > 0 && Math.abs(io.vma_lock.retry / io.faults.count - 0.5) < 0.1);
  assert.ok(io.faults.latency_us.p90 > 50, 'the I/O wait shows in the latency');
});

test('extra chart data stays small and bounded', () => {
  const r = runSimulation(cfg('seed-text', small));
  const json = JSON.stringify(r);
  assert.ok(json.length < 200_000, `result is ${json.length} bytes`);
  const tp = r.throughput as { faults_per_s: number[] };
  assert.ok(tp.faults_per_s.length <= 100 && tp.faults_per_s.some((x) => x > 0));
  const tl = r.timeline as { states: string[]; threads: Array<{ segments: unknown[] }> };
  const tlt = tl.threads as Array<{ group: string; segments: Array<[number, number]> }>;
  assert.equal(tlt.filter((t) => t.group === 'faulters').length, 8);
  assert.equal(tlt.filter((t) => t.group === 'writers').length, 2);
  assert.ok(tlt.every((t) => t.segments.length > 0 && t.segments.length <= 300));
  // A writer slot shows the write lock held, then idle between arrivals.
  const w = tlt.find((t) => t.group === 'writers')!;
  const states = new Set(w.segments.map(([, s]) => tl.states[s]));
  assert.ok(states.has('mmap_write') && states.has('idle'), [...states].join(','));
  const h = r.latency_histogram as { faults: Array<[number, number]> };
  assert.equal(h.faults.reduce((a, [, c]) => a + c, 0), r.faults.count);
});

test('threads beyond the CPUs wait for one: throughput is bounded by the CPU count', () => {
  const rate = (cpus: number): number => runSimulation(cfg('path', { path_lock: 'none', threads: 8, cpus, path_think_us: 0, path_service_us: 10, bg_threads: 0, writers_per_s: 0, duration_s: 0.05 })).faults.per_s;
  const two = rate(2), eight = rate(8);
  // Service is 10 us of CPU: 2 CPUs give about 200,000 ops/s, 8 CPUs about 800,000.
  assert.ok(Math.abs(two - 200_000) / 200_000 < 0.05, `2 CPUs: ${two}/s`);
  assert.ok(Math.abs(eight - 800_000) / 800_000 < 0.05, `8 CPUs: ${eight}/s`);
});

test('writer kinds (mmap, munmap, mprotect, brk) run with their own rates and holds; brk locks only the heap VMA', () => {
  const r = runSimulation(cfg('path', { writers_per_s: 0, mmap_per_s: 1000, munmap_per_s: 500, mprotect_per_s: 300, brk_per_s: 2000, brk_hold_us: 50, bg_threads: 0, duration_s: 0.2 }));
  const groups = r.groups as Array<{ name: string; completed: number }>;
  const names = groups.map((g) => g.name);
  for (const k of ['mmap', 'munmap', 'mprotect', 'brk']) assert.ok(names.includes(k), k);
  const writerOps = groups.filter((g) => ['mmap', 'munmap', 'mprotect', 'brk'].includes(g.name)).reduce((a, g) => a + g.completed, 0);
  assert.equal(r.writers.count, writerOps);
  assert.ok(Math.abs(groups.find((g) => g.name === 'brk')!.completed / 0.2 - 2000) < 300);
  // brk write-locks VMA 0 (the heap): the path's runs there abort while brk holds it.
  const other = runSimulation(cfg('path', { writers_per_s: 0, brk_per_s: 5000, brk_hold_us: 100, vma_count: 2, bg_threads: 0, duration_s: 0.1 }));
  assert.ok((other.fallbacks as Record<string, number>).write_locked > 0, 'path runs on VMA 0 meet brk');
  assert.match(errorsOf({ scenario: 'path', set: { munmap_per_s: 20000, munmap_hold_us: 50 } })[0].message, /would hold mmap_lock 1\.\d\d of the time: must stay below 0.95/);
});

test("Little's law holds for a closed workload: threads = throughput x (think + latency)", () => {
  for (const lock of ['vma', 'mmap_read']) {
    const r = runSimulation(cfg('path', { path_lock: lock, threads: 16, cpus: 16, path_think_us: 20, path_service_us: 5, bg_threads: 0, writers_per_s: 3000, writer_hold_us: 20, duration_s: 0.5 }));
    const g = (r.groups as Array<{ name: string; completed: number; latency_us: { mean: number } }>).find((x) => x.name === 'path')!;
    const x = g.completed / r.simulated_s / 1e6; // per us
    const n = x * (20 + g.latency_us.mean);
    assert.ok(Math.abs(n - 16) / 16 < 0.02, `${lock}: X(Z+R) = ${n.toFixed(2)} threads`);
  }
});

test('notes tell how parameters were read: a kernel newer than the model knows, no per-VMA locks before 6.4', () => {
  const newer = runSimulation(cfg('pft', { kernel_version: '7.3', threads: 2, duration_s: 0.001 }));
  assert.match((newer.notes as string[])[0], /7.3 is newer than the newest kernel the model knows \(6.19\)/);
  const old = runSimulation(cfg('pft', { kernel_version: '6.1', threads: 2, duration_s: 0.001 }));
  assert.match((old.notes as string[]).join('\n'), /no per-VMA locks/);
  assert.equal(old.vma_lock.success + old.vma_lock.abort, 0);
  assert.ok(old.mmap_lock.read_acquisitions > 0);
  assert.deepEqual(runSimulation(cfg('pft', { threads: 2, duration_s: 0.001 })).notes, []);
});
