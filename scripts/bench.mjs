// Runs every benchmark (out/test/bench/*.bench.js) in turn; each prints its
// figures and ratios. Benchmarks never fail on a timing: they report.
// `node scripts/bench.mjs NAME` runs only the benchmarks whose file name contains NAME.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'out', 'test', 'bench');
const filter = process.argv[2] ?? '';
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort() : [];
if (!files.length) { console.error('bench: no benchmarks found'); process.exit(1); }
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
