// Builds everything the extension, the CLI and the tests need:
//  - tsc emits out/ (tests import from there) and typechecks; the pure config
//    checks that the core, catalogue, rules and simulator use no Node/DOM API;
//  - esbuild bundles dist/ (client, server, CLI, webview page and worker);
//  - the tree-sitter wasm files are copied next to the bundles.
// Entries whose source does not exist yet are skipped, so the build stays green
// while parts are being written.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(args) {
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`build: tsc ${args.join(' ')} failed (errors above)`);
    process.exit(1);
  }
}

run(['-p', 'tsconfig.json']);
run(['-p', 'server/tsconfig.pure.json']);
if (existsSync(join(root, 'media/src')) && readdirSync(join(root, 'media/src')).some((f) => f.endsWith('.ts'))) run(['-p', 'media/tsconfig.json']);

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', absWorkingDir: root };
const nodeEntries = [
  ['client/src/extension.ts', 'dist/client.js', ['vscode']],
  ['server/src/lsp/main.ts', 'dist/server.js', []],
  ['server/src/cli/main.ts', 'dist/cli.js', []],
  ['server/src/node/body-worker.ts', 'dist/body-worker.js', []],
];
const browserEntries = [
  ['media/src/sim-worker.ts', 'dist/media/sim-worker.js'],
];
const jobs = [];
for (const [entry, outfile, external] of nodeEntries) {
  if (!existsSync(join(root, entry))) continue;
  // web-tree-sitter's ESM build needs import.meta.url, which a CJS bundle lacks: bundle its CJS build.
  const alias = { 'web-tree-sitter': require.resolve('web-tree-sitter') };
  jobs.push(build({ ...common, entryPoints: [entry], outfile, platform: 'node', format: 'cjs', target: 'node20', external, alias }));
}
const browser = { ...common, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } };
for (const [entry, outfile] of browserEntries) {
  if (!existsSync(join(root, entry))) continue;
  jobs.push(build({ ...browser, entryPoints: [entry], outfile }));
}
// The panel starts its worker from the worker bundle's text, inlined here: in a
// webview, fetching it would be a round trip through the extension host before
// the first result (about 0.4 s in code-server).
if (existsSync(join(root, 'media/src/panel.ts')) && existsSync(join(root, 'media/src/sim-worker.ts'))) {
  jobs.push(build({ ...browser, entryPoints: ['media/src/sim-worker.ts'], write: false, sourcemap: false, minify: true }).then((w) =>
    build({ ...browser, entryPoints: ['media/src/panel.ts'], outfile: 'dist/media/panel.js', define: { MM_LOCK_LENS_SIM_WORKER: JSON.stringify(w.outputFiles[0].text) } })));
}
await Promise.all(jobs);

mkdirSync(join(root, 'dist'), { recursive: true });
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), join(root, 'dist', 'tree-sitter.wasm'));
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), join(root, 'dist', 'tree-sitter-c.wasm'));
