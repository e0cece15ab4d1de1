/**
 * Simulator speed: events per second on several scenarios, the seed-text
 * defaults' wall time (and their p99s), and mm1 customers per second against
 * SimPy 2 running the same M/M/1 (test/bench/mm1_simpy.py), side by side.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, validateConfig } from '../../server/src/simulator';
import type { SimResult } from '../../server/src/simulator/api';

/**
 * Wall time and CPU time of one run. The machine's 2 cores are shared with
 * other jobs: CPU time (process.cpuUsage) is the figure that does not depend
 * on how busy the machine is; both are printed.
 */
function run(scenario: string, set: Record<string, number | string | boolean> = {}): { r: SimResult; ms: number; cpuMs: number } {
  const v = validateConfig({ scenario, seed: 1, set });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runSimulation(v.config, { now: () => performance.now() });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { r, ms, cpuMs: (c.user + c.system) / 1000 };
}

const M = (x: number): string => (x / 1e6).toFixed(2);

// Warm the JIT once, as a long-running worker or CLI run would be.
run('mm1', { count: 100_000 });
run('pft', { threads: 16, duration_s: 0.005 });
run('seed-text', { threads: 1000, text_mb: 40, anon_vma_check: 'early' });

console.log('events per second');
const cases: Array<[string, string, Record<string, number | string | boolean>]> = [
  ['mm1 (10^6 arrivals, rho 0.8)', 'mm1', {}],
  ['pft 128 threads, mmap_lock', 'pft', { per_vma_locks: false, duration_s: 0.1 }],
  ['pft 128 threads, VMA each, per-VMA', 'pft', { vma_per_thread: true, duration_s: 0.03 }],
  ['writer-storm', 'writer-storm', { duration_s: 0.2 }],
  ['app-launch', 'app-launch', {}],
  ['seed-text early (defaults)', 'seed-text', { anon_vma_check: 'early' }],
];
let totalEvents = 0, totalMs = 0, totalCpu = 0;
for (const [name, scenario, set] of cases) {
  const { r, ms, cpuMs } = run(scenario, set);
  totalEvents += r.events; totalMs += ms; totalCpu += cpuMs;
  console.log(`  ${name.padEnd(38)} ${r.events.toLocaleString('en-US').padStart(11)} events  wall ${ms.toFixed(0).padStart(5)} ms ${M(r.events / ms * 1000).padStart(6)} M/s  cpu ${cpuMs.toFixed(0).padStart(5)} ms ${M(r.events / cpuMs * 1000).padStart(6)} M/s`);
}
console.log(`  ${'all of the above'.padEnd(38)} ${totalEvents.toLocaleString('en-US').padStart(11)} events  wall ${totalMs.toFixed(0).padStart(5)} ms ${M(totalEvents / totalMs * 1000).padStart(6)} M/s  cpu ${totalCpu.toFixed(0).padStart(5)} ms ${M(totalEvents / totalCpu * 1000).padStart(6)} M/s (target >= 5 M events/s)`);

console.log('\nseed-text defaults (10,000 threads, 448 CPUs, 800 MB text, 1 s limit)');
const p99: Record<string, number> = {};
for (const check of ['early', 'early-anon', 'late']) {
  const { r, ms, cpuMs } = run('seed-text', { anon_vma_check: check });
  p99[check] = r.faults.latency_us.p99;
  console.log(`  ${check.padEnd(10)} wall ${ms.toFixed(0).padStart(5)} ms, cpu ${cpuMs.toFixed(0).padStart(5)} ms (target < 2000)  simulated ${r.simulated_s.toFixed(3)} s  faults ${r.faults.count}  latency p50 ${r.faults.latency_us.p50} p99 ${r.faults.latency_us.p99} p99.9 ${r.faults.latency_us.p999} max ${r.faults.latency_us.max} us  mmap_lock read wait p99 ${r.mmap_lock.read_wait_us.p99} us`);
}
console.log(`  p99 early / late = ${(p99.early / p99.late).toFixed(1)}x (target >= 10x); early-anon / late = ${(p99['early-anon'] / p99.late).toFixed(2)}x`);

console.log('\nmm1 (M/M/1, rho 0.8) against SimPy 2');
const count = 1_000_000;
const ours = run('mm1', { count, arrival_rate_per_s: 80000, hold_us: 10 });
const oursRate = count / ours.ms * 1000;
const oursCpuRate = count / ours.cpuMs * 1000;
console.log(`  mm-lock-lens: ${count.toLocaleString('en-US')} customers, wall ${ours.ms.toFixed(0)} ms = ${M(oursRate)} M/s, cpu ${ours.cpuMs.toFixed(0)} ms = ${M(oursCpuRate)} M/s; mean wait ${ours.r.writers.wait_us.mean} us (M/M/1: 40 us)`);
const script = join(__dirname, '..', '..', '..', 'test', 'bench', 'mm1_simpy.py');
const pythons = ['/usr/bin/python3', 'python3'].filter((p) => !p.startsWith('/') || existsSync(p));
let simpy: { customers: number; wall_s: number; cpu_s: number; mean_wait_us: number } | undefined;
for (const py of pythons) {
  const r = spawnSync(py, [script, String(count), '80000', '10'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) { simpy = JSON.parse(r.stdout.trim().split('\n').pop()!); break; }
}
if (!simpy) {
  console.log('  SimPy 2 not found: install it with `apt-get install -y python3-simpy` (Debian), then rerun `npm run bench sim-perf`');
} else {
  const theirs = simpy.customers / simpy.wall_s;
  const theirsCpu = simpy.customers / simpy.cpu_s;
  console.log(`  SimPy 2:      ${simpy.customers.toLocaleString('en-US')} customers, wall ${(simpy.wall_s * 1000).toFixed(0)} ms = ${M(theirs)} M/s, cpu ${(simpy.cpu_s * 1000).toFixed(0)} ms = ${M(theirsCpu)} M/s; mean wait ${simpy.mean_wait_us.toFixed(2)} us`);
  console.log(`  ratio: ${(oursRate / theirs).toFixed(1)}x SimPy's customers per wall second, ${(oursCpuRate / theirsCpu).toFixed(1)}x per CPU second (target >= 20x)`);
}

console.log('\nmemory: flat in the number of events');
for (const count of [200_000, 2_000_000]) {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  const { r } = run('mm1', { count });
  const after = process.memoryUsage().heapUsed;
  console.log(`  mm1 ${count.toLocaleString('en-US').padStart(9)} arrivals, ${r.events.toLocaleString('en-US').padStart(10)} events: heap +${((after - before) / 1e6).toFixed(1)} MB`);
}
