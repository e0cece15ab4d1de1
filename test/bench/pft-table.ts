/**
 * The primer's pft table (section 8): Ice Lake, 2 sockets x 32 cores x 2,
 * faults/sec, harmonic means of 10 runs (Punit Agrawal, 2023-02-28, reply to
 * the per-VMA lock series v2). Shared by the fidelity benchmark and test.
 */
import { runSimulation, validateConfig } from '../../server/src/simulator';

export const PFT_THREADS = [1, 4, 7, 12, 21, 30, 48, 79, 110, 128];

export interface PftRow { name: string; vmaPerThread: boolean; perVma: boolean; measured: number[] }

export const PFT_ROWS: PftRow[] = [
  { name: 'one shared VMA, mmap_lock', vmaPerThread: false, perVma: false, measured: [898782, 2965589, 4144512, 4969514, 5814379, 6153685, 6197953, 6167135, 6264768, 6460728] },
  { name: 'one shared VMA, per-VMA', vmaPerThread: false, perVma: true, measured: [894247, 2683652, 3891644, 4829731, 5941405, 6489312, 7216321, 7425927, 7813329, 7875665] },
  { name: 'VMA per thread, mmap_lock', vmaPerThread: true, perVma: false, measured: [905492, 2994284, 4177411, 4892848, 5823534, 6247211, 6274617, 6187291, 6454542, 6472971] },
  { name: 'VMA per thread, per-VMA', vmaPerThread: true, perVma: true, measured: [887245, 3154237, 4933286, 6054577, 7637637, 8598151, 9467132, 11919063, 15050228, 16647276] },
];

/** The cells the cost model is calibrated on: [row, thread count]. Every other cell is a prediction. */
export const CALIBRATION_CELLS: Array<[number, number]> = [[0, 1], [0, 128], [1, 128], [3, 12], [3, 128]];

export function isCalibrationCell(row: number, threads: number): boolean {
  return CALIBRATION_CELLS.some(([r, n]) => r === row && n === threads);
}

/** Simulated pft faults/sec for one cell. */
export function simulatePft(row: PftRow, threads: number, durationS: number, set: Record<string, number | string | boolean> = {}, seed = 1): number {
  const v = validateConfig({ scenario: 'pft', seed, set: { threads, vma_per_thread: row.vmaPerThread, per_vma_locks: row.perVma, duration_s: durationS, ...set } });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return runSimulation(v.config).faults.per_s;
}

export interface FidelityCell { row: number; threads: number; measured: number; simulated: number; error: number; calibration: boolean }

export function fidelityTable(durationS: number, set: Record<string, number | string | boolean> = {}): FidelityCell[] {
  const out: FidelityCell[] = [];
  PFT_ROWS.forEach((row, r) => {
    PFT_THREADS.forEach((n, i) => {
      const simulated = simulatePft(row, n, durationS, set);
      const measured = row.measured[i];
      out.push({ row: r, threads: n, measured, simulated, error: (simulated - measured) / measured, calibration: isCalibrationCell(r, n) });
    });
  });
  return out;
}

export function formatTable(cells: FidelityCell[]): string {
  const lines: string[] = [];
  const m = (x: number): string => (x / 1e6).toFixed(2).padStart(6);
  PFT_ROWS.forEach((row, r) => {
    lines.push(`${row.name}`);
    lines.push(`  threads   ${PFT_THREADS.map((n) => String(n).padStart(7)).join('')}`);
    const rc = cells.filter((c) => c.row === r);
    lines.push(`  measured  ${rc.map((c) => ' ' + m(c.measured)).join('')}   (M faults/s)`);
    lines.push(`  simulated ${rc.map((c) => ' ' + m(c.simulated)).join('')}`);
    lines.push(`  error %   ${rc.map((c) => ((c.error * 100).toFixed(1) + (c.calibration ? '*' : ' ')).padStart(7)).join('')}`);
  });
  const pred = cells.filter((c) => !c.calibration);
  const worst = pred.reduce((a, c) => (Math.abs(c.error) > Math.abs(a.error) ? c : a), pred[0]);
  const mean = pred.reduce((a, c) => a + Math.abs(c.error), 0) / pred.length;
  lines.push(`* calibration cell. Predicted cells: ${pred.length}, mean |error| ${(mean * 100).toFixed(1)} %, worst ${(worst.error * 100).toFixed(1)} % (${PFT_ROWS[worst.row].name}, ${worst.threads} threads), within 30 %: ${pred.filter((c) => Math.abs(c.error) <= 0.3).length}/${pred.length}`);
  return lines.join('\n');
}
