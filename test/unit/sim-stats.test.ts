// The simulator's building blocks: the seeded PRNG, the event heap, the streaming histogram.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../../server/src/simulator/rng';
import { EventHeap } from '../../server/src/simulator/heap';
import { LatencyHistogram } from '../../server/src/simulator/histogram';

test('Rng: same seed, same stream; uniform mean and exponential mean as expected', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
  const r = new Rng(7);
  let u = 0, e = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) { const x = r.next(); assert.ok(x >= 0 && x < 1); u += x; e += r.exp(3); }
  assert.ok(Math.abs(u / n - 0.5) < 0.005, `uniform mean ${u / n}`);
  assert.ok(Math.abs(e / n - 3) / 3 < 0.01, `exponential mean ${e / n}`);
  // Seeds beyond 2^32 are distinct streams.
  assert.notEqual(new Rng(1).u32(), new Rng(1 + 2 ** 32).u32());
});

test('EventHeap: pops in time order, FIFO among equal times, across growth', () => {
  const h = new EventHeap(4);
  const r = new Rng(1);
  const items: Array<[number, number]> = [];
  for (let i = 0; i < 5000; i++) {
    const t = Math.floor(r.next() * 100); // many equal times
    items.push([t, i]);
    h.push(t, i);
  }
  const expected = [...items].sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x[1]);
  const got: number[] = [];
  while (h.size) { h.peekTime(); got.push(h.pop()); }
  assert.deepEqual(got, expected);
});

test('LatencyHistogram: percentiles within about 1 % of the exact ones, exact mean and max, fixed memory', () => {
  const h = new LatencyHistogram();
  const r = new Rng(3);
  const xs: number[] = [];
  for (let i = 0; i < 100_000; i++) { const x = r.exp(10); xs.push(x); h.record(x); }
  xs.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = xs[Math.ceil(q * xs.length) - 1];
    assert.ok(Math.abs(h.quantile(q) - exact) / exact < 0.012, `q${q}: ${h.quantile(q)} vs ${exact}`);
  }
  assert.equal(h.max, xs[xs.length - 1]);
  assert.ok(Math.abs(h.mean() - xs.reduce((a, b) => a + b, 0) / xs.length) < 1e-9);
  const size = h.counts.length;
  for (let i = 0; i < 100_000; i++) h.record(r.exp(1e6));
  assert.equal(h.counts.length, size);
  const rows = h.export(4);
  assert.equal(rows.reduce((a, [, c]) => a + c, 0), 200_000);
  assert.ok(rows.length <= 8 * 50);
  // Zero and sub-nanosecond values are counted, not lost.
  const z = new LatencyHistogram();
  z.record(0); z.record(1e-6); z.record(5);
  assert.equal(z.count, 3);
  assert.ok(z.quantile(0.3) < 0.002, "below the first bucket bound (about 1 ns)");
  assert.equal(z.quantile(1), 5);
});
