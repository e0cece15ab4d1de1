/**
 * `npm run package`'s vsce step on the built dist/: the .vsix holds what the
 * extension needs (bundles, tree-sitter wasm files, grammar, rule docs,
 * manifest, README, licence) and nothing else; and the language server
 * extracted from it runs on its own (no node_modules) and finds a hazard.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readZip } from '../support/zip';
import { ServerUnderTest, uriOf } from '../lsp/harness';

const root = path.resolve(__dirname, '..', '..', '..');

test('the .vsix contains exactly what the extension needs, and its server runs from it', { timeout: 180_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmll-vsix-'));
  try {
    // The same vsce command line as the package script (after its build step).
    const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.package;
    const vsceArgs = script.split('&&').pop()!.trim().split(/\s+/);
    assert.equal(vsceArgs[0], 'vsce');
    const out = path.join(tmp, 'mm-lock-lens.vsix');
    const args = vsceArgs.slice(1).map((a, i, all) => (all[i - 1] === '-o' ? out : a));
    execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), ...args], { cwd: root, stdio: 'pipe', timeout: 120_000 });
    const entries = readZip(out);
    const files = [...entries.keys()].filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)).sort();

    const required = [
      'package.json', 'readme.md', 'LICENSE.txt',
      'dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/tree-sitter.wasm', 'dist/tree-sitter-c.wasm',
      'syntaxes/mm-locks.injection.tmLanguage.json',
      ...fs.readdirSync(path.join(root, 'docs', 'rules')).filter((f) => f.endsWith('.md')).map((f) => `docs/rules/${f}`),
      ...['dist/media/panel.js', 'dist/media/sim-worker.js', 'dist/body-worker.js'].filter((f) => fs.existsSync(path.join(root, f))),
    ];
    for (const f of required) assert.ok(files.includes(f), `${f} is in the .vsix (has: ${files.join(', ')})`);
    const allowed = /^(package\.json|readme\.md|LICENSE\.txt|dist\/[\w.-]+\.(js|wasm)|dist\/media\/[\w.-]+\.(js|css)|syntaxes\/[\w.-]+\.json|docs\/rules\/[a-z0-9-]+\.md)$/;
    const unwanted = files.filter((f) => !allowed.test(f));
    assert.deepEqual(unwanted, [], 'nothing else (no sources, tests, maps, node_modules, examples, caches)');
    const manifest = JSON.parse(entries.get('extension/package.json')!.toString('utf8'));
    assert.equal(manifest.main, './dist/client.js');
    assert.ok(entries.get('extension/dist/tree-sitter-c.wasm')!.length > 100_000, 'the C grammar wasm is the real one');

    // The server as shipped: extracted alone, it loads its wasm files and analyses a file.
    const ext = path.join(tmp, 'extension');
    for (const [name, data] of entries) {
      if (!name.startsWith('extension/dist/')) continue;
      fs.mkdirSync(path.join(tmp, path.dirname(name)), { recursive: true });
      fs.writeFileSync(path.join(tmp, name), data);
    }
    const ws = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(ws, 'drivers'), { recursive: true });
    fs.copyFileSync(path.join(root, 'examples', 'Makefile'), path.join(ws, 'Makefile'));
    const sample = path.join(ws, 'drivers', 'sample_ringbuf.c');
    fs.copyFileSync(path.join(root, 'examples', 'drivers', 'misc', 'sample_ringbuf.c'), sample);
    const s = await ServerUnderTest.start({ serverPath: path.join(ext, 'dist', 'server.js'), workspace: ws });
    try {
      await s.ready();
      const ds = await s.diagnostics(uriOf(sample), 0, (d) => d.some((x) => x.code === 'anon-vma-prepare-under-vma-lock'));
      assert.ok(ds.length > 0);
    } finally { await s.stop(); }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
