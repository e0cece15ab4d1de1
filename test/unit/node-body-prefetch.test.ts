/**
 * Bodies built ahead on the prefetch worker (server/src/node/body-prefetch.ts) are
 * the bodies the analysis would build itself, whichever thread builds each one, and
 * an analysis fed by the worker gives the same results as one without it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'web-tree-sitter';
import { createAnalysisHost } from '../../server/src/core';
import { materializeBody, parseLight } from '../../server/src/core/parse';
import { decodeBody, encodeBody, type FunctionIR } from '../../server/src/core/ir';
import { MessageChannel, Worker } from 'node:worker_threads';
import { BodyPrefetch } from '../../server/src/node/body-prefetch';
import { RequestQueue, UNRANKED, type BodyReply, type BodyRequest } from '../../server/src/node/body-worker';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { fixtureAndSampleTexts } from '../support/analysis';
import { repoRoot } from '../support/fixtures';

const sources = fixtureAndSampleTexts;

test('an analysis fed by the prefetch worker equals one that builds every body itself', async () => {
  const files = sources();
  const language = await loadCLanguage();
  for (const version of ['6.1', '6.12']) {
    const prefetch = BodyPrefetch.start();
    assert.ok(prefetch, 'the worker script is built next to body-prefetch.js');
    const fed = createAnalysisHost(language, { kernelVersion: version, bodies: prefetch });
    const alone = createAnalysisHost(language, { kernelVersion: version });
    for (const [p, t] of files) { fed.indexFile(p, t); alone.indexFile(p, t); }
    prefetch.end();
    await prefetch.whenAnswered(); // every body asked for while indexing is on this side before the analysis asks: they must come from the worker
    const indexing = prefetch.stats.requested;
    assert.deepEqual(fed.allFindings(), alone.allFindings(), `findings (${version})`);
    for (const [p] of files) {
      for (const f of alone.functions(p)) assert.deepEqual(fed.profile(p, f.name), alone.profile(p, f.name), `profile of ${f.name} in ${p} (${version})`);
    }
    assert.ok(indexing > 20, `bodies asked for while indexing: ${indexing}`);
    assert.ok(prefetch.stats.taken >= indexing, `every body asked for while indexing came from the worker: ${JSON.stringify(prefetch.stats)}`);
    // the analysis asked for its callers' bodies too (a callee got a lock effect); each came from one side
    assert.ok(prefetch.stats.requested > indexing, `bodies asked for by the analysis: ${prefetch.stats.requested - indexing}`);
    assert.ok(prefetch.stats.taken + prefetch.stats.builtHere <= prefetch.stats.requested);
  }
});

test('a body taken before the worker got to it is built here, and is the same body either way', async () => {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  const irs: FunctionIR[] = sources().flatMap(([, t]) => parseLight(t).fns.map((f) => f.ir));
  assert.ok(irs.length > 100, `functions: ${irs.length}`);
  const prefetch = BodyPrefetch.start()!;
  for (const ir of irs) prefetch.want(ir);
  prefetch.end();
  // the first half at once (the worker is still starting: most are built here), the rest once all are answered
  const half = irs.length >> 1;
  const got = irs.slice(0, half).map((ir) => prefetch.take(ir));
  await prefetch.whenAnswered();
  got.push(...irs.slice(half).map((ir) => prefetch.take(ir)));
  assert.equal(prefetch.stats.taken + prefetch.stats.builtHere, irs.length);
  assert.ok(prefetch.stats.builtHere > 0 && prefetch.stats.taken > 0, `both ways used: ${JSON.stringify(prefetch.stats)}`);
  for (let i = 0; i < irs.length; i++) {
    const here = materializeBody(parser, { ...irs[i]!, body: undefined });
    const ahead = got[i];
    // (bodies travel as JSON and are revived with the builder's literals: `undefined`-valued fields included)
    if (ahead) assert.deepEqual({ body: ahead.body, hasError: ahead.hasError }, { body: here.body, hasError: here.hasError }, `body of ${irs[i]!.name}`);
  }
  // taking again gives nothing: a body is handed out once
  assert.equal(prefetch.take(irs[0]!), undefined);
});

test('an analysis done while files are still indexed lets the worker answer the indexing, then stops it', async () => {
  const irs: FunctionIR[] = sources().flatMap(([, t]) => parseLight(t).fns.map((f) => f.ir));
  const prefetch = BodyPrefetch.start()!;
  const half = irs.length >> 1;
  for (const ir of irs.slice(0, half)) prefetch.want(ir);
  prefetch.done(); // (an analysis of the files indexed so far: the language server answering a request meanwhile)
  assert.ok(prefetch.running, 'still running while files are indexed');
  for (const ir of irs.slice(half)) prefetch.want(ir);
  prefetch.end();
  await prefetch.whenAnswered();
  const rest = irs.slice(half).map((ir) => prefetch.take(ir));
  assert.ok(rest.every((b) => b !== undefined), 'the bodies asked for after it came from the worker');
  for (let i = 0; i < 100 && prefetch.running; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(!prefetch.running, 'stopped once answered');
});

test('a worker that dies answers nothing more: the analysis builds every body itself, with the same results', async () => {
  const files = sources();
  const language = await loadCLanguage();
  const dir = mkdtempSync(join(tmpdir(), 'mmll-prefetch-'));
  try {
    // a worker script that fails as it starts (as one whose wasm files are missing would)
    const script = join(dir, 'body-worker.js');
    writeFileSync(script, "throw new Error('cannot load the grammar');\n");
    const prefetch = BodyPrefetch.start(script);
    assert.ok(prefetch);
    const fed = createAnalysisHost(language, { kernelVersion: '6.12', bodies: prefetch });
    const alone = createAnalysisHost(language, { kernelVersion: '6.12' });
    for (const [p, t] of files) { fed.indexFile(p, t); alone.indexFile(p, t); }
    prefetch.end();
    await prefetch.whenAnswered(); // resolves when the worker exits, answered or not
    assert.deepEqual(fed.allFindings(), alone.allFindings());
    assert.equal(prefetch.stats.taken, 0);
    assert.equal(prefetch.stats.builtHere, prefetch.stats.requested);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker\'s queue gives the lowest rank first; a rerank reorders what waits, and what it does not name goes last', () => {
  const q = new RequestQueue();
  const req = (id: number, rank: number) => ({ id, rank, text: '', bodyAt: 0, beforeEnd: true });
  // asked in file order (rank = id), as the indexing asks
  for (const id of [0, 1, 2, 3, 4, 5, 6, 7]) q.push(req(id, id));
  assert.equal(q.pop()!.id, 0);
  // the analysis's order: 6, 2, 4, 1 (3, 5 and 7 not named: after them, in the order asked)
  q.rerank([6, 0, 2, 1, 4, 2, 1, 3]);
  q.push(req(8, 1.5)); // asked later, between 2 and 4 in the analysis's order
  const out: number[] = [];
  for (let r = q.pop(); r; r = q.pop()) out.push(r.id);
  assert.deepEqual(out, [6, 2, 8, 4, 1, 3, 5, 7]);
  assert.equal(q.size, 0);
  assert.ok(UNRANKED > 1 << 20, 'unranked requests go after any order of a real tree');
});

test('the worker builds in the order it is given, and says done once every request made before the end is answered', async () => {
  const irs: FunctionIR[] = sources().flatMap(([, t]) => parseLight(t).fns.map((f) => f.ir)).slice(0, 40);
  const { port1, port2 } = new MessageChannel();
  const taken = new Int32Array(new SharedArrayBuffer(irs.length * 4));
  // (its script as BodyPrefetch starts it: next to body-prefetch.js)
  const worker = new Worker(join(repoRoot, 'out', 'server', 'src', 'node', 'body-worker.js'), { workerData: { port: port2, taken }, transferList: [port2] });
  try {
    const replies: BodyReply[] = [];
    const finished = new Promise<void>((resolve) => port1.on('message', (m: BodyReply) => { replies.push(m); if ('done' in m) resolve(); }));
    // asked in this order, then told the analysis takes them the other way round; one was built elsewhere meanwhile
    const reqs: BodyRequest[] = irs.map((ir, id) => ({ id, rank: id, text: ir.normBody ?? ir.text.slice(ir.bodyAt), bodyAt: ir.bodyAt }));
    Atomics.store(taken, 5, 1);
    port1.postMessage(reqs);
    port1.postMessage({ rerank: irs.flatMap((_, id) => [id, irs.length - id]) });
    port1.postMessage(null);
    await finished;
    const ids = replies.flatMap((m) => ('id' in m ? [m.id] : []));
    assert.ok('done' in replies[replies.length - 1]!, 'done comes last');
    assert.deepEqual([...ids].sort((a, b) => a - b), irs.map((_, id) => id).filter((id) => id !== 5), 'every request answered once, the one built elsewhere skipped');
    // (the first body may be under way before the rerank is read)
    const after = ids.slice(1);
    assert.deepEqual(after, [...after].sort((a, b) => b - a), `built in the order given: ${ids.join(' ')}`);
  } finally {
    port1.close();
    await worker.terminate();
  }
});

test('a body encoded for the trip from the worker decodes to the very body built here, fields in the same order, every kind of node included', async () => {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  const kinds = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) { x.forEach(walk); return; }
    if (!x || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (typeof o.k === 'string') kinds.add(o.k === 'field' && o.dot ? 'field.dot' : o.k);
    Object.values(o).forEach(walk);
  };
  let n = 0;
  for (const [, text] of sources()) {
    for (const f of parseLight(text).fns) {
      const body = materializeBody(parser, { ...f.ir, body: undefined }).body;
      walk(body);
      // (through a structured clone, as a message carries it; JSON texts compare the fields' order too)
      const back = decodeBody(structuredClone(encodeBody(body)));
      assert.deepEqual(back, body, `body of ${f.name}`);
      assert.equal(JSON.stringify(back), JSON.stringify(body), `field order in ${f.name}`);
      n++;
    }
  }
  assert.ok(n > 100, `bodies: ${n}`);
  for (const k of ['call', 'assign', 'id', 'field', 'field.dot', 'lit', 'un', 'bin', 'cond', 'stmt', 'other', 'expr', 'if', 'while', 'do', 'for', 'block', 'switch', 'ret', 'break', 'cont', 'goto', 'label', 'pp']) {
    assert.ok(kinds.has(k), `the fixtures have a '${k}' node`);
  }
});
