// Runs the test suites with Node's test runner: `node scripts/run-tests.mjs [suite...]`.
// A suite is a folder of test/ (unit, lsp, webview, vscode, e2e); its compiled
// files out/test/<suite>/**/*.test.js are run. No argument: every suite.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = ['unit', 'lsp', 'webview', 'vscode', 'e2e'];
const suites = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const s of suites) if (!all.includes(s)) { console.error(`run-tests: unknown suite '${s}' (known: ${all.join(', ')})`); process.exit(2); }

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const files = suites.flatMap((s) => walk(join(root, 'out', 'test', s), []));
if (!files.length) { console.error('run-tests: no test files found; did the build run?'); process.exit(1); }
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
