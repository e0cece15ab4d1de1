/**
 * Contexts of the functions no rule judges (nothing below them takes a lock) wait
 * until something reads them (analysis.ts completeContexts): findings never wait
 * for them, a query completes them with the shorter witness chains first (as one
 * breadth-first queue would), and an edit that makes such a function one a rule
 * judges finds what a fresh analysis finds (witness chains and their lines too, as
 * code above a call moves), whether or not a query completed the contexts in between.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalysisHost } from '../../server/src/core';
import type { Analysis } from '../../server/src/core/analysis';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { analyse, REAL_TREE, sampleFiles, withTexts } from '../support/analysis';
import { fixturesDir, listFixtures } from '../support/fixtures';
import { extractParts, sourceFiles, tarballPath } from '../support/kernel-tree';

const path = join(fixturesDir, 'core', 'waiting.c');
const text = readFileSync(path, 'utf8');

test('findings do not wait for contexts no rule reads; a query completes them, shorter chains first', async () => {
  const a = await analyse([[path, text]], '6.12');
  assert.ok(a.waiting > 0, 'demo_account() and demo_count() wait');
  assert.deepEqual(a.findingsFor().map((f) => `${f.def.fn.name}: ${f.rule.id}`), ['demo_stat_fault: anon-vma-prepare-under-vma-lock']);
  assert.ok(a.waiting > 0, 'the findings did not complete them');
  const count = a.prog.byName.get('demo_count')![0]!;
  const r = a.resultOf(count)!;
  assert.equal(a.waiting, 0, 'a query completes them');
  const vmaRead = r.contexts.find((c) => c.key === 'K1:vma_read1');
  assert.ok(vmaRead, `demo_count() entered under the per-VMA lock: ${r.contexts.map((c) => c.key).join(' ')}`);
  // demo_hop3() takes a lock, so it is judged and hands its context on in the main queue;
  // the one-hop chain through demo_account() is the one shown all the same
  assert.deepEqual(vmaRead.via.map((v) => v.function), ['demo_stat_vm_ops.fault', 'demo_stat_fault', 'demo_account', 'demo_count']);
});

test('the host completes what waits when asked (the language server does once it is ready)', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.indexFile(path, text);
  host.allFindings();
  const analysis = (host as unknown as { analysis: Analysis }).analysis;
  assert.ok(analysis.waiting > 0);
  host.complete();
  assert.equal(analysis.waiting, 0);
  assert.ok(host.profile(path, 'demo_count')!.entry.some((e) => e.locks.includes('vma_read')));
});

test('an edit that makes a waiting function one a rule judges finds what a fresh analysis finds, queried in between or not', async () => {
  const lang = await loadCLanguage();
  // demo_count() blocks on mmap_lock: under the per-VMA lock of the fault, a finding
  const locked = text.replace('\tcount_vm_event(PGFAULT);\n', '\tmmap_read_lock(vma->vm_mm);\n\tcount_vm_event(PGFAULT);\n\tmmap_read_unlock(vma->vm_mm);\n');
  const steps = [
    text,
    locked,
    // a line more in the fault handler, above its calls: the chain's lines follow
    locked.replace('\tdemo_hop1(vma);\n', '\tcount_vm_event(PGMAJFAULT);\n\tdemo_hop1(vma);\n'),
    // the fault no longer calls demo_account(): demo_count() is still reached through the hops
    locked.replace('\tdemo_account(vma);\n', ''),
    // and back: nothing below the hops takes a lock but demo_hop3() itself
    text,
  ];
  const asked = createAnalysisHost(lang, { kernelVersion: '6.12' });
  const unasked = createAnalysisHost(lang, { kernelVersion: '6.12' });
  const rules = (fs: { line: number; rule: string }[]) => fs.map((f) => `${f.line}: ${f.rule}`);
  const counts: number[] = [];
  for (const [i, t] of steps.entries()) {
    asked.setFile(path, t);
    unasked.setFile(path, t);
    const fresh = createAnalysisHost(lang, { kernelVersion: '6.12' });
    fresh.setFile(path, t);
    const want = fresh.findings(path);
    assert.deepEqual(asked.findings(path), want, `step ${i}, contexts completed before`);
    assert.deepEqual(unasked.findings(path), want, `step ${i}, contexts never completed`);
    counts.push(want.filter((f) => f.rule === 'mmap-lock-under-vma-lock').length);
    // (completes what waits, in `asked` only)
    assert.ok(asked.profile(path, 'demo_count')!.entry.length > 0);
    assert.deepEqual(rules(asked.findings(path)), rules(want));
  }
  assert.deepEqual(counts, [0, 1, 1, 1, 0], 'the edits add and remove a finding in demo_count()');
  // the contexts themselves, once complete, are the same whichever way they were completed here
  assert.deepEqual(unasked.profile(path, 'demo_count'), asked.profile(path, 'demo_count'));
});

/** Which functions wait, decided all at once (a cold build) and one at a time (an edit): the same; returns how many wait. */
function sameLiveness(a: Analysis): number {
  const bulk = a.liveDefs(), lookup = a.liveLookup();
  let dead = 0;
  for (const d of a.prog.defs) {
    assert.equal(lookup.has(d), bulk.has(d), `${d.file}: ${d.fn.name}`);
    if (!bulk.has(d)) dead++;
  }
  return dead;
}

test('which functions wait is decided alike for a cold build and for an edit (fixtures, sample)', async () => {
  let dead = 0;
  for (const f of listFixtures()) dead += sameLiveness(await analyse(withTexts([f]), '6.12'));
  dead += sameLiveness(await analyse(withTexts(sampleFiles()), '6.12'));
  assert.ok(dead >= 5, `functions that wait: ${dead}`);
});

test('which functions wait is decided alike for a cold build and for an edit (real mm/ tree)', { skip: !REAL_TREE || !existsSync(tarballPath('6.12')) ? 'real tree not enabled or not installed' : false, timeout: 600_000 }, async () => {
  const tree = extractParts('6.12', ['mm']);
  try {
    assert.ok(sameLiveness(await analyse(withTexts(sourceFiles(join(tree, 'mm'))), '6.12')) > 2000);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
