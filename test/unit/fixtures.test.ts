/**
 * The generic fixture test: every C file under test/fixtures/ is checked on
 * its own by the real CLI (`check --format json`), and the (line, rule)
 * multiset of its findings must equal the one its `expect:` comments give.
 *
 * Cases the engine does not get right yet are listed, with the reason, in
 * test/fixtures/known-gaps.json: the expectation itself stays as written.
 * A listed gap that no longer shows fails the test too, so the list shrinks
 * as the engine catches up. Expectations of a rule that is not registered
 * yet (server/src/rules/index.ts) are set aside and counted as a todo; they
 * bind as soon as the rule exists.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../server/src/rules';
import { cliPath, diffFindings, expectedFor, fixturesDir, listFixtures, parseFixture, repoRoot, type CheckJson, type LineRule } from '../support/fixtures';

const knownGapsPath = join(fixturesDir, 'known-gaps.json');
const knownGaps: Record<string, string> = existsSync(knownGapsPath)
  ? (JSON.parse(readFileSync(knownGapsPath, 'utf8')) as { gaps: Record<string, string> }).gaps
  : {};

function checkJson(file: string, version: string | undefined): Promise<CheckJson> {
  const args = [cliPath, 'check', '--format', 'json', ...(version ? ['--kernel-version', version] : []), file];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      if (code !== 0 && code !== 1) return reject(new Error(`check ${file} exited ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as CheckJson);
      } catch (e) {
        reject(new Error(`check ${file}: stdout is not JSON (${(e as Error).message}): ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** Runs fn over items with at most `limit` at a time (the machine has two cores). */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

const fixtures = listFixtures();

test('there is a fixture for every rule, and every fixture names only known rules', () => {
  const rules = [
    'anon-vma-prepare-under-vma-lock', 'vma-used-after-fault-lock-dropped', 'unlock-not-held',
    'lock-not-released', 'mmap-lock-under-vma-lock', 'vma-write-without-mmap-write-lock',
    'lock-vma-under-rcu-private-file', 'sleep-under-mmap-write-lock',
  ];
  for (const r of rules) {
    const f = `test/fixtures/rules/${r}.c`;
    assert.ok(fixtures.includes(f), `missing fixture ${f}`);
    assert.ok(parseFixture(readFileSync(join(repoRoot, f), 'utf8')).expected.some((e) => e.rule === r), `${f} has no positive case`);
  }
  for (const f of fixtures) {
    for (const e of parseFixture(readFileSync(join(repoRoot, f), 'utf8')).expected) {
      assert.ok(rules.includes(e.rule), `${f}:${e.line}: unknown rule '${e.rule}' in an expect comment`);
    }
  }
});

test('every fixture gives exactly the findings its expect comments name', async (t) => {
  assert.ok(existsSync(cliPath), 'dist/cli.js is missing: run the build first');
  assert.ok(fixtures.length > 0, 'no fixtures found');
  const implemented = new Set(RULES.map((r) => r.id));
  let pending = 0;
  // One run per (fixture, version): a fixture naming several versions is the same code under kernels whose rules differ.
  const runs = fixtures.flatMap((f) => {
    const parsed = parseFixture(readFileSync(join(repoRoot, f), 'utf8'));
    for (const e of parsed.expected) {
      for (const v of e.versions ?? []) assert.ok(parsed.kernelVersions.includes(v), `${f}:${e.line}: expect(${v}) names a version the header does not check`);
    }
    return parsed.kernelVersions.map((version) => ({ f, parsed, version, label: parsed.kernelVersions.length > 1 ? `${f}@${version}` : f }));
  });
  const results = await pool(runs, 2, async ({ f, parsed, version, label }) => {
    const all = expectedFor(parsed, version);
    const expected = all.filter((e) => implemented.has(e.rule));
    pending += all.length - expected.length;
    const out = await checkJson(f, version);
    const actual: LineRule[] = [];
    const messages = new Map<string, string>();
    for (const d of out.diagnostics) {
      assert.equal(d.file, f, `a finding for ${f} names another file: ${d.file}`);
      actual.push({ line: d.line, rule: d.rule });
      messages.set(`${d.line}\u0000${d.rule}`, d.message);
    }
    return diffFindings(label, expected, actual, messages);
  });
  const diffs = results.flat();
  const strip = (d: string): string => d.replace(/ \(.*\)$/, '');
  const unexpected = diffs.filter((d) => !(strip(d) in knownGaps));
  const seen = new Set(diffs.map(strip));
  const fixed = Object.keys(knownGaps).filter((g) => !seen.has(g));
  const report: string[] = [];
  if (unexpected.length) report.push(`${unexpected.length} fixture line(s) differ:`, ...unexpected.map((d) => `  ${d}`));
  if (fixed.length) report.push(`${fixed.length} known gap(s) no longer show; remove them from test/fixtures/known-gaps.json:`, ...fixed.map((d) => `  ${d}`));
  assert.ok(report.length === 0, report.join('\n'));
  if (pending) t.todo(`${pending} expectation(s) of rules not registered yet`);
});
