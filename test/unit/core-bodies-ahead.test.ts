/**
 * While bodies are built ahead (a BodySource with `arrived`), the first summaries let a
 * function whose body has not arrived wait and take the ones after it first
 * (analysis.ts refreshSummaries). Here a scripted source makes bodies arrive late, in
 * an order of its own: the functions are summarised in another order than callee-first,
 * and every finding and profile is the same as without the source.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalysisHost } from '../../server/src/core';
import type { FunctionIR } from '../../server/src/core/ir';
import type { BuiltBody } from '../../server/src/core/parse';
import type { BodySource } from '../../server/src/core/workspace';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { listFixtures, repoRoot } from '../support/fixtures';

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

function sources(): [string, string][] {
  const dir = join(repoRoot, 'examples');
  const sample = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[ch]$/.test(f)).map((f) => join(dir, f));
  return [...listFixtures(), ...sample].sort().map((p) => [p, readFileSync(p, 'utf8')]);
}

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
