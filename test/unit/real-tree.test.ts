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
import { MUTATIONS_6_12, applyMutation, expectedLines, type Mutation } from '../support/mutations';

const PARTS = ['mm', 'arch/x86/mm'];

/** Groups mutations so that no two in a group touch the same function (kernel style: a function's
 * body opens with `{` alone on a line). */
function batches(tree: string, ms: Mutation[]): Mutation[][] {
  const fnOf = (m: Mutation): string => {
    const text = readFileSync(join(tree, m.file), 'utf8');
    return `${m.file}@${text.lastIndexOf('\n{\n', text.indexOf(m.from))}`;
  };
  const out: { fns: Set<string>; ms: Mutation[] }[] = [];
  for (const m of ms) {
    const f = fnOf(m);
    let b = out.find((x) => !x.fns.has(f));
    if (!b) out.push((b = { fns: new Set(), ms: [] }));
    b.fns.add(f);
    b.ms.push(m);
  }
  return out.map((b) => b.ms);
}
/** Runs in CI (CI=true; .ci/run installs linux-source-6.12) and on request (MMLL_REAL_TREE=1):
 * it takes a minute or two, too long for every local `npm test`. */
const ENABLED = process.env.MMLL_REAL_TREE === '1' || process.env.CI === 'true';

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
  if (!ENABLED) { t.skip('runs in CI, or with MMLL_REAL_TREE=1'); return; }
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

    // Mutations in different functions go in one batch (one check run each batch): a cold
    // check of the tree takes seconds, thirteen of them would dominate the suite.
    const missed: string[] = [];
    for (const batch of batches(tree, MUTATIONS_6_12)) {
      const originals = new Map<string, string>();
      for (const m of batch) {
        const path = join(tree, m.file);
        if (!originals.has(m.file)) originals.set(m.file, readFileSync(path, 'utf8'));
        writeFileSync(path, applyMutation(readFileSync(path, 'utf8'), m));
      }
      try {
        const out = check(tree);
        for (const m of batch) {
          const want = expectedLines(readFileSync(join(tree, m.file), 'utf8'), m);
          const hit = out.diagnostics.some((d) => d.file === m.file && d.rule === m.rule && d.line >= want.first && d.line <= want.last);
          const gap = m.name in (gaps.mutations ?? {});
          if (!hit && !gap) {
            const near = out.diagnostics.filter((d) => d.file === m.file && !baseline.has(errorKey(d)));
            missed.push(`${m.name}: no ${m.rule} at ${m.file}:${want.first}${want.last !== want.first ? `-${want.last}` : ''}` +
              (near.length ? `; new findings in that file: ${near.map((d) => `${d.line} ${d.rule}`).join(', ')}` : '; no new finding in that file'));
          }
          if (hit && gap) missed.push(`${m.name}: caught now; remove it from known-gaps.json`);
        }
      } finally {
        for (const [file, text] of originals) writeFileSync(join(tree, file), text);
      }
    }
    assert.deepEqual(missed, [], `mutations not caught:\n  ${missed.join('\n  ')}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test('linux 6.1 mm/ and arch/x86/mm/ (no per-VMA locks): no error finding', { timeout: 10 * 60_000 }, (t) => {
  if (!ENABLED) { t.skip('runs in CI, or with MMLL_REAL_TREE=1'); return; }
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
