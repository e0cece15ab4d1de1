/**
 * Findings are computed only for the functions the analysis interprets: one that
 * takes no lock itself and calls nothing with a lock effect has, under every
 * context, the same run (its calls, without states), where no rule can find
 * anything (analysis.ts `computeFindings`). Here every rule is run on those runs
 * anyway, on the fixtures, the sample and, in CI or with MMLL_REAL_TREE=1, a real
 * mm/ tree: a rule that could find something there must not be skipped.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis } from '../../server/src/core/analysis';
import { analyse, REAL_TREE, sampleFiles, withTexts } from '../support/analysis';
import { listFixtures } from '../support/fixtures';
import { extractParts, sourceFiles, tarballPath } from '../support/kernel-tree';

/** Runs every rule on each function the analysis does not interpret; returns how many were judged. */
function judgeUninterpreted(a: Analysis): number {
  let n = 0;
  for (const d of a.prog.defs) {
    if (a.interprets(d)) continue;
    const found = a.judge(d).map((f) => `${f.rule.id}@${f.raw.at}`);
    assert.deepEqual(found, [], `${d.file}: ${d.fn.name} (not interpreted) has findings`);
    n++;
  }
  return n;
}

test('no rule finds anything in a function the analysis does not interpret (fixtures, sample)', async () => {
  let n = 0;
  for (const version of ['6.1', '6.12']) {
    for (const f of listFixtures()) n += judgeUninterpreted(await analyse(withTexts([f]), version));
    n += judgeUninterpreted(await analyse(withTexts(sampleFiles()), version));
  }
  assert.ok(n >= 5, `functions judged: ${n}`);
});

test('no rule finds anything in a function the analysis does not interpret (real mm/ tree)', { skip: !REAL_TREE || !existsSync(tarballPath('6.12')) ? 'real tree not enabled or not installed' : false, timeout: 600_000 }, async () => {
  const tree = extractParts('6.12', ['mm']);
  try {
    const n = judgeUninterpreted(await analyse(withTexts(sourceFiles(join(tree, 'mm'))), '6.12'));
    assert.ok(n > 3000, `functions judged: ${n}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
