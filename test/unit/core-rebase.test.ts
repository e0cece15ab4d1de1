/**
 * A function that never touches an mm lock is not interpreted again under each
 * entry context: its run under the unknown entry is rebased onto the context
 * (analysis.ts `rebase`). Here every such run is compared with the
 * interpreter's own run under the same context: same events, same states, same
 * returns. On the fixtures and the sample always; on a real mm/ tree (about a
 * thousand rebased runs) in CI or with MMLL_REAL_TREE=1.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMmNeutral, rebase, type Analysis } from '../../server/src/core/analysis';
import { stateKey, valueReadNames, type RunResult, type State } from '../../server/src/core/interp';
import { analyse, REAL_TREE, sampleFiles, withTexts } from '../support/analysis';
import { listFixtures } from '../support/fixtures';
import { extractParts, sourceFiles, tarballPath } from '../support/kernel-tree';

const key = (s: State) => `${stateKey(s)}${s.imprecise ? '~' : ''}${JSON.stringify(s.att ?? {})}${s.misrel ? '!' : ''}${Object.keys(s.rel ?? {}).sort()}${s.minorJoined ? 'J' : ''}${Object.keys(s.sites).sort()}`;

function shape(r: RunResult): string[] {
  return r.events.map((e) => {
    switch (e.k) {
      case 'call': return `call ${e.name}@${e.at} [${e.states.map(key)}] -> [${(e.after ?? []).map(key)}] missing [${e.missing.map((m) => `${m.lock}:${key(m.state)}`)}]`;
      case 'ret': return `ret@${e.at} v${e.v} ${key(e.state)}`;
      case 'field': return `field@${e.at} [${e.states.map(key)}]`;
      case 'use': return `use@${e.at} ${key(e.state)}`;
    }
  });
}

/** Compares every rebased run with the interpreted one; returns how many were compared (and how many with parameter values). */
function compareAll(a: Analysis): { n: number; withParams: number } {
  let n = 0, withParams = 0;
  for (const d of a.prog.defs) {
    const root = a.runFor(d, a.rootForRun(d));
    if (!isMmNeutral(root) || Object.keys(a.rootForRun(d).locks).length) continue;
    for (const ctx of a.resultOf(d)?.contexts ?? []) {
      if (ctx.root) continue;
      const params = ctx.params && Object.keys(ctx.params).length ? Object.keys(ctx.params) : [];
      // (parameter values only where the body never reads them: valueReadNames)
      if (params.length) {
        if (!d.fn.ir.body) continue; // (not interpreted: its contexts pass through)
        const read = valueReadNames(d.fn.ir.body, a.cat);
        if (params.some((p) => read.has(p))) continue;
        withParams++;
      }
      assert.deepEqual(shape(rebase(root, ctx)), shape(a.runFor(d, ctx)), `${d.file}: ${d.fn.name} under ${ctx.key}`);
      n++;
    }
  }
  return { n, withParams };
}

test('rebased runs equal interpreted runs on the fixtures and the sample workspace', async () => {
  let n = 0, withParams = 0;
  const add = (c: { n: number; withParams: number }) => { n += c.n; withParams += c.withParams; };
  for (const version of ['6.1', '6.12']) {
    for (const f of listFixtures()) add(compareAll(await analyse(withTexts([f]), version)));
  }
  add(compareAll(await analyse(withTexts(sampleFiles()), '6.12')));
  assert.ok(n >= 5, `rebased runs compared: ${n}`);
  assert.ok(withParams >= 1, `rebased runs with parameter values compared: ${withParams}`);
});

for (const version of ['6.12', '6.1']) {
  test(`rebased runs equal interpreted runs on a real ${version} tree (mm/, arch/x86/mm/)`, { skip: !REAL_TREE || !existsSync(tarballPath(version)) ? 'real tree not enabled or not installed' : false, timeout: 600_000 }, async () => {
    const tree = extractParts(version, ['mm', 'arch/x86/mm']);
    try {
      const files = [...sourceFiles(join(tree, 'mm')), ...sourceFiles(join(tree, 'arch/x86/mm'))];
      const { n, withParams } = compareAll(await analyse(withTexts(files), version));
      assert.ok(n >= 500, `rebased runs compared: ${n}`);
      assert.ok(withParams >= 100, `rebased runs with parameter values compared: ${withParams}`);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
}
