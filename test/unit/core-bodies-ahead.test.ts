/**
 * While bodies are built ahead (a BodySource with `arrived`), the first summaries let a
 * function whose body has not arrived wait and take the ones after it first
 * (analysis.ts refreshSummaries). Here a scripted source makes bodies arrive late, in
 * an order of its own: the functions are summarised in another order than callee-first,
 * and every finding and profile is the same as without the source.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalysisHost } from '../../server/src/core';
import type { Analysis, BodiesAhead } from '../../server/src/core/analysis';
import type { FunctionIR } from '../../server/src/core/ir';
import type { BuiltBody } from '../../server/src/core/parse';
import type { BodySource } from '../../server/src/core/workspace';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { analyse, fixtureAndSampleTexts, REAL_TREE, withTexts } from '../support/analysis';
import { findTree, sourceFiles } from '../support/kernel-tree';

/** Bodies "arrive" after being asked about 0, 1, 2 or 3 times `delay` times (by name), every third one wanted never; none is ever handed over. */
class LateBodies implements BodySource {
  readonly asked = new Map<FunctionIR, number>();
  readonly taken: FunctionIR[] = [];
  given: FunctionIR[] = [];
  private n = 0;
  private readonly never = new Set<FunctionIR>();
  constructor(private readonly delay: number) {}
  want(ir: FunctionIR): void { if (this.n++ % 3 === 2) this.never.add(ir); }
  /** The analysis names every function it will summarise, in its (callee-first) order. */
  order(irs: FunctionIR[]): void { this.given = irs; }
  done(): void { /* nothing to stop */ }
  arrived(ir: FunctionIR): boolean {
    const k = (this.asked.get(ir) ?? 0) + 1;
    this.asked.set(ir, k);
    let h = 0;
    for (let i = 0; i < ir.name.length; i++) h = (h * 31 + ir.name.charCodeAt(i)) | 0;
    return !this.never.has(ir) && k > (Math.abs(h) % 4) * this.delay;
  }
  take(ir: FunctionIR): BuiltBody | undefined { this.taken.push(ir); return undefined; }
}

const sources = fixtureAndSampleTexts;

test('functions that wait for their bodies change the order of the summaries, not a result', async () => {
  const language = await loadCLanguage();
  const files = sources();
  let reordered = 0;
  for (const delay of [1, 3, 50]) {
    for (const version of ['6.1', '6.12']) {
      const late = new LateBodies(delay);
      const fed = createAnalysisHost(language, { kernelVersion: version, bodies: late });
      const alone = createAnalysisHost(language, { kernelVersion: version });
      for (const [p, t] of files) { fed.indexFile(p, t); alone.indexFile(p, t); }
      assert.deepEqual(fed.allFindings(), alone.allFindings(), `findings (delay ${delay}, ${version})`);
      for (const [p] of files) {
        for (const f of alone.functions(p)) assert.deepEqual(fed.profile(p, f.name), alone.profile(p, f.name), `profile of ${f.name} in ${p} (delay ${delay}, ${version})`);
      }
      assert.ok(late.asked.size > 20, `functions asked about: ${late.asked.size}`);
      // the bodies were taken in another order than the callee-first one: some functions waited
      const rank = new Map(late.given.map((ir, i) => [ir, i]));
      const ranks = late.taken.map((ir) => rank.get(ir) ?? -1);
      if (ranks.some((r, i) => i > 0 && r < ranks[i - 1]!)) reordered++;
    }
  }
  assert.ok(reordered > 0, 'bodies were taken out of order');
});

/** Each function's summary and the findings (rule, file, offset), by name: comparable across two analyses. */
function outcome(a: Analysis): { summaries: Map<string, string>; findings: string[] } {
  const summaries = new Map<string, string>();
  for (const d of a.prog.defs) summaries.set(`${d.file}:${d.fn.name}:${d.fn.declStart}`, JSON.stringify(a.summaries.get(d)?.outcomes ?? null));
  const findings = a.findingsFor().map((f) => `${f.rule.id} ${f.def.file}:${f.def.fn.name}+${f.raw.at}`).sort();
  return { summaries, findings };
}

/** Bodies arrive at random (a seeded generator): each question is answered yes with probability `p`. */
function randomArrivals(seed: number, p: number): BodiesAhead & { asked: number } {
  let x = (seed * 2654435761) >>> 0;
  const src = {
    asked: 0,
    want(): void { /* (nothing is built) */ },
    done(): void { /* nothing to stop */ },
    arrived(): boolean { src.asked++; x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x / 4294967296 < p; },
  };
  return src;
}

// A real tree has call cycles whose summaries depend on the order they are computed in: those
// (and everything that reaches them) keep their order when bodies arrive late, so every summary
// is the one computed without a body source. (Letting them wait changed about 20 summaries of
// 6.1's mm/ + arch/x86/mm/, those of vmalloc users among them, with these arrivals.)
for (const version of ['6.1', '6.12']) {
  const tree = REAL_TREE ? findTree(version, ['mm', 'arch/x86/mm']) : { missing: 'real tree not enabled' };
  test(`bodies arriving late and out of order leave every summary and finding of ${version}'s mm/ and arch/x86/mm/ as they are`, { skip: 'missing' in tree ? tree.missing : false, timeout: 600_000 }, async () => {
    const dir = (tree as { dir: string }).dir;
    try {
      const files = withTexts([...sourceFiles(join(dir, 'mm')), ...sourceFiles(join(dir, 'arch/x86/mm'))]);
      const alone = outcome(await analyse(files, version));
      assert.ok(alone.summaries.size > 3000, `functions: ${alone.summaries.size}`);
      for (const [seed, p] of [[3, 0.1], [4, 0.05]] as const) {
        const late = randomArrivals(seed, p);
        const fed = outcome(await analyse(files, version, late));
        const differ = [...alone.summaries].filter(([k, v]) => fed.summaries.get(k) !== v).map(([k]) => k);
        assert.deepEqual(differ, [], `summaries that differ (seed ${seed}, p ${p})`);
        assert.deepEqual(fed.findings, alone.findings, `findings (seed ${seed}, p ${p})`);
        assert.ok(late.asked > 100, `questions asked: ${late.asked}`);
      }
    } finally {
      if (dir.startsWith(tmpdir())) rmSync(dir, { recursive: true, force: true });
    }
  });
}
