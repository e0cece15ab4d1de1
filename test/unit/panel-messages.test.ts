// The simulate panel's message schemas and report, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHostToPage, checkPageToHost, checkPageToWorker, checkPanelState, checkWorkerToPage } from '../../media/src/messages';
import { parse } from '../../media/src/schema';
import { contentSecurityPolicy, panelHtml } from '../../media/src/html';
import { cdf, distribution, oneLineSummary, toCsv, type ReportContext } from '../../media/src/report';
import { runSimulation, validateConfig } from '../../server/src/simulator/index';

const profile = {
  function: 'f', file: 'mm/f.c', line: 3, kernelVersion: '6.12', entry: [], acquires: [], releases: [],
  fallbacks: [{ line: 5, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }], needsAnonVma: true, writesVma: false, uri: 'file:///x/mm/f.c',
};

test('host and page messages: well-formed ones pass, extra fields are dropped, malformed ones say why', () => {
  const ok = parse(checkHostToPage, { type: 'init', profile: { ...profile, extra: 'x' }, junk: 1 });
  assert.ok(ok.ok);
  assert.ok(ok.ok && !('junk' in ok.value) && !('extra' in (ok.value as { profile: object }).profile));
  const bad: [unknown, RegExp][] = [
    [null, /expected an object/],
    [{ type: 'nope' }, /unknown message type "nope"/],
    [{ type: 'init', profile: { ...profile, line: 0 } }, /profile\.line: 0 is out of range/],
    [{ type: 'init', profile: { ...profile, fallbacks: [{ line: 5, kind: 'magic', condition: '' }] } }, /profile\.fallbacks\[0\]\.kind: expected one of/],
    [{ type: 'init', profile: { ...profile, entry: [{ locks: ['mmap_read', 'bogus'], via: [] }] } }, /entry\[0\]\.locks\[1\]/],
    [{ type: 'notice', level: 'loud', text: 'x' }, /level/],
  ];
  for (const [m, re] of bad) {
    const r = parse(checkHostToPage, m);
    assert.ok(!r.ok, JSON.stringify(m));
    assert.match(!r.ok ? r.error : '', re);
  }
  assert.ok(parse(checkPageToHost, { type: 'reveal', line: 27 }).ok);
  for (const m of [{ type: 'reveal', line: 1.5 }, { type: 'reveal', line: '27' }, { type: 'export', format: 'exe', name: 'a', data: '' }, { type: 'copy', text: 'x'.repeat(10_001) }, { type: 'status', state: 'exploded', detail: '' }]) {
    assert.ok(!parse(checkPageToHost, m).ok, JSON.stringify(m).slice(0, 80));
  }
});

test('worker messages and the saved state are checked too', () => {
  assert.ok(parse(checkPageToWorker, { type: 'run', runId: 1, jobs: [{ side: 'A', config: { scenario: 'path', seed: 1, set: { threads: 4 } } }], progressEveryMs: 100 }).ok);
  assert.match(String((parse(checkPageToWorker, { type: 'run', runId: 1, jobs: [{ side: 'C', config: { scenario: 'path' } }], progressEveryMs: 100 }) as { error: string }).error), /jobs\[0\]\.side/);
  assert.match(String((parse(checkPageToWorker, { type: 'run', runId: 1, jobs: [], progressEveryMs: 1 }) as { error: string }).error), /progressEveryMs: 1 is out of range/);
  assert.match(String((parse(checkPageToWorker, { type: 'run', runId: 1, jobs: [{ side: 'A', config: { scenario: 'path', set: { __proto__: 1, constructor: 2 } } }], progressEveryMs: 100 }) as { error: string }).error), /forbidden key constructor/);
  assert.match(String((parse(checkWorkerToPage, { type: 'progress', runId: 1, fraction: 2, snapshots: {} }) as { error: string }).error), /fraction: 2 is out of range/);
  assert.ok(parse(checkPanelState, { version: 1, profile, params: { threads: 8 }, seed: 1, comparison: 'per-vma' }).ok);
  assert.match(String((parse(checkPanelState, { version: 2 }) as { error: string }).error), /not a version 1 panel state/);
  assert.match(String((parse(checkPanelState, { version: 1, profile, params: { threads: { deep: 1 } }, seed: 1, comparison: 'x' }) as { error: string }).error), /params\.threads/);
});

test('the page shell allows only its nonce\'d script and the bundle\'s origin', () => {
  const csp = contentSecurityPolicy('https://res.example', 'abc123');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = panelHtml({ cspSource: 'https://res.example', nonce: 'abc123', scriptUri: 'https://res.example/p.js', workerUri: 'https://res.example/w.js', title: '<b>x</b>' });
  assert.match(html, /<script nonce="abc123" src="https:\/\/res\.example\/p\.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.doesNotMatch(html, /<style|style=/);
  assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
});

test('the report reads the simulator\'s result: histogram CDF, CSV and the one-line summary', () => {
  const run = (set: Record<string, number | string | boolean>) => {
    const v = validateConfig({ scenario: 'path', seed: 2, set: { duration_s: 0.02, ...set } });
    assert.ok(v.ok);
    return runSimulation(v.config);
  };
  const a = run({});
  const b = run({ per_vma_locks: false });
  const d = distribution(a, 'faults')!;
  assert.equal(d.fromPercentiles, false, 'the simulator\'s histogram is used');
  assert.equal(d.counts.reduce((s, c) => s + c, 0), a.faults.count, 'the histogram holds every fault');
  const c = cdf(d);
  assert.equal(c.y[c.y.length - 1], 1);
  assert.ok(c.x.every((x, i) => i === 0 || x > c.x[i - 1]), 'edges increase');
  const ctx: ReportContext = { function: 'f', file: 'mm/f.c', line: 3, kernelVersion: '6.12', comparison: 'c', labelA: 'as written', labelB: 'without per-VMA locks', seed: 2, params: { threads: 16, bg_threads: 16, cpus: 16, writers_per_s: 1000, writer_hold_us: 20 } };
  const csv = toCsv(ctx, a, b).trim().split('\n');
  assert.equal(csv[0], 'metric,A: as written,B: without per-VMA locks,B/A');
  const row = csv.find((l) => l.startsWith('vma.success,'))!.split(',');
  assert.equal(Number(row[1]), a.vma_lock.success);
  assert.equal(row[2], '0');
  const line = oneLineSummary(ctx, a, b);
  assert.match(line, /^f\(\) \(mm\/f\.c:3, 6\.12\) simulated with 16 threads running it, 16 faulting in the background, 16 CPUs, 1000 mmap writers\/s holding 20 us: as written vs without per-VMA locks: path p99 .+ vs .+ \([\d.]+×\), mean .+, faults\/s .+ \[mm-lock-lens simulate, seed 2\]$/);
});
