/**
 * Real kernel trees: a clean Linux release gives no error-severity finding
 * ("never cry wolf"), and each mutation that re-introduces a known bug
 * (test/support/mutations.ts) is caught. Runs when Debian's
 * linux-source-6.12 tarball is present (.ci/run installs it on CI); the
 * 6.1 tree (no per-VMA locks) is checked too when its tarball is present.
 * Nothing of the kernel is committed: the tree is extracted to a temp dir.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, fixturesDir, runCli, type CheckJson } from '../support/fixtures';
import { extractParts, tarballPath } from '../support/kernel-tree';
import { MUTATIONS_6_12, applyMutation, expectedLines } from '../support/mutations';

const PARTS = ['mm', 'arch/x86/mm'];
/** Opt-in until a cold check of the tree is fast enough for every `npm test`
 * (the suite would otherwise spend minutes here); CI sets it. */
const ENABLED = process.env.MMLL_REAL_TREE === '1';

interface KnownGaps { mutations?: Record<string, string>; cleanTree?: Record<string, string> }
const gapsPath = join(fixturesDir, 'known-gaps.json');
const gaps: KnownGaps = existsSync(gapsPath) ? JSON.parse(readFileSync(gapsPath, 'utf8')) as KnownGaps : {};

function check(tree: string): CheckJson {
  const r = runCli(['check', '--format', 'json', ...PARTS], { cwd: tree, timeoutMs: 5 * 60_000 });
  assert.ok(r.status === 0 || r.status === 1, `check exited ${r.status}: ${r.stderr.slice(0, 1000)}`);
  return JSON.parse(r.stdout) as CheckJson;
}

const errorKey = (d: { file: string; line: number; rule: string }): string => `${d.file}:${d.line}:${d.rule}`;

function assertNoErrors(version: string, out: CheckJson): void {
  const errors = out.diagnostics.filter((d) => d.severity === 'error');
  const allowed = gaps.cleanTree ?? {};
  const unexpected = errors.filter((d) => !(`${version}:${errorKey(d)}` in allowed));
  assert.ok(unexpected.length === 0,
    `linux ${version}: ${unexpected.length} error-severity finding(s) on a clean release tree:\n` +
    unexpected.map((d) => `  ${d.file}:${d.line}:${d.column}: ${d.message} [${d.rule}]`).join('\n'));
  const seen = new Set(errors.map((d) => `${version}:${errorKey(d)}`));
  const gone = Object.keys(allowed).filter((k) => k.startsWith(`${version}:`) && !seen.has(k));
  assert.deepEqual(gone, [], 'known clean-tree gaps that no longer show: remove them from test/fixtures/known-gaps.json');
}

test('linux 6.12 mm/ and arch/x86/mm/: clean tree has no error finding; every mutation is caught', { timeout: 15 * 60_000 }, (t) => {
  if (!ENABLED) { t.skip('set MMLL_REAL_TREE=1 to run'); return; }
  if (!existsSync(tarballPath('6.12'))) {
    t.skip(`${tarballPath('6.12')} missing: apt-get install linux-source-6.12`);
    return;
  }
  assert.ok(existsSync(cliPath), 'dist/cli.js is missing: run the build first');
  const tree = extractParts('6.12', PARTS);
  try {
    // The version comes from the tree's top Makefile.
    const ctx = runCli(['context', 'mm/memory.c', 'do_anonymous_page', '--format', 'json'], { cwd: tree, timeoutMs: 5 * 60_000 });
    assert.equal(ctx.status, 0, ctx.stderr);
    assert.equal((JSON.parse(ctx.stdout) as { kernelVersion: string }).kernelVersion, '6.12');

    const clean = check(tree);
    assert.ok(clean.stats.files >= 150, `only ${clean.stats.files} files analysed`);
    assertNoErrors('6.12', clean);
    const baseline = new Set(clean.diagnostics.map(errorKey));

    const missed: string[] = [];
    for (const m of MUTATIONS_6_12) {
      const path = join(tree, m.file);
      const original = readFileSync(path, 'utf8');
      const mutated = applyMutation(original, m);
      const want = expectedLines(mutated, m);
      writeFileSync(path, mutated);
      try {
        const out = check(tree);
        const hit = out.diagnostics.some((d) => d.file === m.file && d.rule === m.rule && d.line >= want.first && d.line <= want.last);
        if (!hit && !(m.name in (gaps.mutations ?? {}))) {
          const near = out.diagnostics.filter((d) => d.file === m.file && !baseline.has(errorKey(d)));
          missed.push(`${m.name}: no ${m.rule} at ${m.file}:${want.first}${want.last !== want.first ? `-${want.last}` : ''}` +
            (near.length ? `; new findings: ${near.map((d) => `${d.line} ${d.rule}`).join(', ')}` : '; no new finding in that file'));
        }
        if (hit && m.name in (gaps.mutations ?? {})) missed.push(`${m.name}: caught now; remove it from known-gaps.json`);
      } finally {
        writeFileSync(path, original);
      }
    }
    assert.deepEqual(missed, [], `mutations not caught:\n  ${missed.join('\n  ')}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test('linux 6.1 mm/ and arch/x86/mm/ (no per-VMA locks): no error finding', { timeout: 10 * 60_000 }, (t) => {
  if (!ENABLED) { t.skip('set MMLL_REAL_TREE=1 to run'); return; }
  if (!existsSync(tarballPath('6.1'))) {
    t.skip(`${tarballPath('6.1')} missing: apt-get install linux-source-6.1`);
    return;
  }
  const tree = extractParts('6.1', PARTS);
  try {
    const out = check(tree);
    assert.ok(out.stats.files >= 140, `only ${out.stats.files} files analysed`);
    assertNoErrors('6.1', out);
    for (const rule of ['anon-vma-prepare-under-vma-lock', 'vma-used-after-fault-lock-dropped', 'mmap-lock-under-vma-lock', 'lock-vma-under-rcu-private-file']) {
      assert.equal(out.diagnostics.filter((d) => d.rule === rule).length, 0, `${rule} on a tree without per-VMA locks`);
    }
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
