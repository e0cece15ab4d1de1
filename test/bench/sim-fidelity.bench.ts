/**
 * The primer's pft table, measured vs simulated, all 40 cells side by side
 * with the error. Calibration cells are starred; the rest are predictions.
 */
import { fidelityTable, formatTable } from './pft-table';

const t0 = performance.now();
const cells = fidelityTable(0.02);
console.log(formatTable(cells));
console.log(`(${cells.length} cells, 0.02 s simulated each, ${((performance.now() - t0) / 1000).toFixed(1)} s wall)`);
