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
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'web-tree-sitter';
import { catalogueFor } from '../../server/src/catalogue';
import { Analysis, AnalysisMemo } from '../../server/src/core/analysis';
import { lineStarts, materializeBody, parseLight, position } from '../../server/src/core/parse';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { listFixtures, repoRoot } from '../support/fixtures';
import { extractParts, tarballPath } from '../support/kernel-tree';

async function analyse(files: [string, string][], version: string): Promise<Analysis> {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  const a = new Analysis(catalogueFor(version), new AnalysisMemo(), (ir) => materializeBody(parser, ir));
  a.update(files.map(([path, text]) => {
    const starts = lineStarts(text);
    return { path, input: { path, parsed: parseLight(text), lineOf: (off: number) => position(starts, off).line } };
  }));
  return a;
}

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
  const fixtures: [string, string][] = listFixtures().map((f) => [f, readFileSync(f, 'utf8')]);
  const dir = join(repoRoot, 'examples');
  const sample: [string, string][] = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[ch]$/.test(f)).map((f) => join(dir, f)).sort().map((p) => [p, readFileSync(p, 'utf8')]);
  let n = 0;
  for (const version of ['6.1', '6.12']) {
    for (const f of fixtures) n += judgeUninterpreted(await analyse([f], version));
    n += judgeUninterpreted(await analyse(sample, version));
  }
  assert.ok(n >= 5, `functions judged: ${n}`);
});

const REAL = process.env.MMLL_REAL_TREE === '1' || process.env.CI === 'true';

test('no rule finds anything in a function the analysis does not interpret (real mm/ tree)', { skip: !REAL || !existsSync(tarballPath('6.12')) ? 'real tree not enabled or not installed' : false, timeout: 600_000 }, async () => {
  const tree = extractParts('6.12', ['mm']);
  try {
    const files: [string, string][] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p); else if (/\.[ch]$/.test(e.name)) files.push([p, readFileSync(p, 'utf8')]);
      }
    };
    walk(join(tree, 'mm'));
    const n = judgeUninterpreted(await analyse(files, '6.12'));
    assert.ok(n > 3000, `functions judged: ${n}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
