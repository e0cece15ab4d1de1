/**
 * Property tests: whatever the input - truncated or shuffled fixtures,
 * token soup, deep nesting, huge functions, goto mazes - `check` answers
 * with valid JSON and exit 0 or 1, never an internal error, and in bounded
 * time (the wall-clock limit only guards against hangs; the engine's own
 * state budget is what keeps it fast). Inputs are generated from a fixed
 * seed, so a failure reproduces.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CheckJson } from '../support/fixtures';
import { generate, rng } from '../support/generators';

function checkDir(dir: string, args: string[]): { out?: CheckJson; error?: string; ms: number } {
  const t0 = Date.now();
  const r = runCli(['check', '--format', 'json', ...args], { cwd: dir, timeoutMs: 180_000 });
  const ms = Date.now() - t0;
  if (r.status !== 0 && r.status !== 1) return { error: `exit ${r.status}: ${r.stderr.slice(0, 800)}`, ms };
  if (/internal error/i.test(r.stderr)) return { error: `internal error: ${r.stderr.slice(0, 800)}`, ms };
  try {
    return { out: JSON.parse(r.stdout) as CheckJson, ms };
  } catch {
    return { error: `stdout is not JSON: ${r.stdout.slice(0, 200)}`, ms };
  }
}

test('check never throws on broken, random, deep or huge input, and finishes', { timeout: 10 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmll-fuzz-'));
  try {
    const files = generate();
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const all = checkDir(dir, ['.']);
    if (all.error) {
      // Find the culprits one by one, so the report names them.
      const bad: string[] = [];
      for (const name of files.keys()) {
        const one = checkDir(dir, [name]);
        if (one.error) bad.push(`${name}: ${one.error}`);
      }
      assert.fail(`check failed on the generated inputs (${all.error})\n${bad.join('\n')}`);
    }
    const out = all.out!;
    assert.equal(out.stats.files, files.size, 'every generated file is analysed (all are UTF-8 C text under 4 MB)');
    for (const d of out.diagnostics) {
      assert.ok(files.has(d.file.replace(/^\.\//, '')), `finding for an unknown file ${d.file}`);
      const lines = files.get(d.file.replace(/^\.\//, ''))!.split(/\r?\n/).length;
      assert.ok(d.line >= 1 && d.line <= lines && d.column >= 1, `position out of the file: ${JSON.stringify(d)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file made of random bytes is skipped or analysed, never a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmll-bytes-'));
  try {
    const r = rng(42);
    for (let k = 0; k < 6; k++) {
      const buf = Buffer.alloc(2000 + Math.floor(r() * 20000));
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256);
      writeFileSync(join(dir, `bytes-${k}.c`), buf);
    }
    writeFileSync(join(dir, 'ok.c'), 'int ok;\n');
    const res = checkDir(dir, ['.']);
    assert.equal(res.error, undefined, res.error);
    assert.ok(res.out!.stats.files >= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
