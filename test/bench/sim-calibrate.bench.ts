/**
 * Re-fits the simulator's cost model on the calibration cells of the pft
 * table (pft-table.ts, CALIBRATION_CELLS) and prints the fitted values next
 * to the defaults in server/src/simulator/model.ts and scenarios.ts. One
 * parameter per cell, fitted in turn (bisection in log space), three rounds:
 *   fault_us            <- one shared VMA, mmap_lock, 1 thread
 *   cacheline_local_ns  <- one shared VMA, mmap_lock, 128 threads (remote = 2 x local)
 *   vma line factor     <- one shared VMA, per-VMA, 128 threads
 *   uncore_beta         <- VMA per thread, per-VMA, 12 threads
 *   smt_factor          <- VMA per thread, per-VMA, 128 threads
 */
import { DEFAULT_COSTS } from '../../server/src/simulator/model';
import { PFT_FAULT_US } from '../../server/src/simulator';
import { PFT_ROWS, PFT_THREADS, simulatePft } from './pft-table';

const DURATION = 0.02;

interface Param { name: string; value: number; lo: number; hi: number; row: number; threads: number; increasing: boolean }

const params: Param[] = [
  { name: 'fault_us', value: PFT_FAULT_US, lo: 0.5, hi: 2, row: 0, threads: 1, increasing: false },
  { name: 'cacheline_local_ns', value: DEFAULT_COSTS.lineLocalUs * 1000, lo: 10, hi: 200, row: 0, threads: 128, increasing: false },
  { name: 'vma_line_factor', value: DEFAULT_COSTS.vmaLineFactor, lo: 0.3, hi: 2, row: 1, threads: 128, increasing: false },
  { name: 'uncore_beta', value: DEFAULT_COSTS.uncoreBeta, lo: 0.01, hi: 1, row: 3, threads: 12, increasing: false },
  { name: 'smt_factor', value: DEFAULT_COSTS.smtFactor, lo: 1, hi: 2, row: 3, threads: 128, increasing: false },
];

function settings(): Record<string, number> {
  const v = Object.fromEntries(params.map((p) => [p.name, p.value]));
  return {
    fault_us: v.fault_us, cacheline_local_ns: v.cacheline_local_ns, cacheline_remote_ns: 2 * v.cacheline_local_ns,
    vma_line_factor: v.vma_line_factor, uncore_beta: v.uncore_beta, smt_factor: v.smt_factor,
  };
}

function measuredOf(p: Param): number {
  return PFT_ROWS[p.row].measured[PFT_THREADS.indexOf(p.threads)];
}

const t0 = performance.now();
for (let round = 0; round < 3; round++) {
  for (const p of params) {
    const target = measuredOf(p);
    let lo = p.lo, hi = p.hi;
    for (let i = 0; i < 14; i++) {
      p.value = Math.sqrt(lo * hi);
      const sim = simulatePft(PFT_ROWS[p.row], p.threads, DURATION, settings());
      // Every parameter here is a cost: a higher value gives fewer faults/s.
      if (sim > target) lo = p.value; else hi = p.value;
    }
    p.value = Number(Math.sqrt(lo * hi).toPrecision(3));
  }
}
console.log(`calibration on ${params.length} cells (${((performance.now() - t0) / 1000).toFixed(1)} s):`);
for (const p of params) {
  const sim = simulatePft(PFT_ROWS[p.row], p.threads, DURATION, settings());
  console.log(`  ${p.name.padEnd(20)} fitted ${String(p.value).padEnd(8)} (cell: ${PFT_ROWS[p.row].name}, ${p.threads} threads: measured ${measuredOf(p)}, simulated ${Math.round(sim)})`);
}
console.log(`  defaults: fault_us ${PFT_FAULT_US}, cacheline_local_ns ${DEFAULT_COSTS.lineLocalUs * 1000}, vma_line_factor ${DEFAULT_COSTS.vmaLineFactor}, uncore_beta ${DEFAULT_COSTS.uncoreBeta}, smt_factor ${DEFAULT_COSTS.smtFactor}`);
