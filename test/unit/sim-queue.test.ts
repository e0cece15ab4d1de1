// The engine against queueing theory: writer-only mmap_lock traffic is an
// M/M/1 or M/D/1 queue, whose mean waits are exact (primer section 8).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runSimulation, validateConfig } from '../../server/src/simulator';
import type { SimConfig } from '../../server/src/simulator/api';

function config(set: Record<string, number | string>, seed = 1): SimConfig {
  const v = validateConfig({ scenario: 'mm1', seed, set });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  return v.config;
}

// rho = 0.8: lambda = 80,000/s, mean hold 10 us (mu = 0.1/us).
const lambda = 0.08, mu = 0.1, rho = lambda / mu;

test('mm1, exponential holds, 10^6 arrivals: mean writer wait within 3 % of M/M/1 rho/(mu-lambda)', () => {
  const r = runSimulation(config({ arrival_rate_per_s: 80000, hold_us: 10, service: 'exponential', count: 1_000_000 }));
  const expected = rho / (mu - lambda); // 40 us
  assert.equal(r.writers.count, 1_000_000);
  const err = Math.abs(r.writers.wait_us.mean - expected) / expected;
  assert.ok(err < 0.03, `M/M/1 mean wait ${r.writers.wait_us.mean} us vs ${expected} us (error ${(err * 100).toFixed(2)} %)`);
  // Little's law on the server: throughput is the arrival rate.
  assert.ok(Math.abs(r.writers.per_s - 80000) / 80000 < 0.01, `throughput ${r.writers.per_s}`);
});

test('mm1, deterministic holds, 10^6 arrivals: mean writer wait within 3 % of M/D/1 rho/(2 mu (1-rho))', () => {
  const r = runSimulation(config({ arrival_rate_per_s: 80000, hold_us: 10, service: 'deterministic', count: 1_000_000 }));
  const expected = rho / (2 * mu * (1 - rho)); // 20 us
  const err = Math.abs(r.writers.wait_us.mean - expected) / expected;
  assert.ok(err < 0.03, `M/D/1 mean wait ${r.writers.wait_us.mean} us vs ${expected} us (error ${(err * 100).toFixed(2)} %)`);
  // Latency = wait + the fixed hold.
  assert.ok(Math.abs(r.writers.latency_us.mean - r.writers.wait_us.mean - 10) < 1e-3);
});

test('mm1 at light load: the wait is small and the M/M/1 waiting-time tail holds (P(W > x) = rho e^-(mu-lambda)x)', () => {
  const r = runSimulation(config({ arrival_rate_per_s: 20000, hold_us: 10, count: 200_000 }));
  const l = 0.02, rh = l / mu;
  const expected = rh / (mu - l); // 2.5 us
  assert.ok(Math.abs(r.writers.wait_us.mean - expected) / expected < 0.05, `mean wait ${r.writers.wait_us.mean} vs ${expected}`);
  // p99 of the wait: solve rho e^-(mu-lambda)x = 0.01.
  const p99 = Math.log(rh / 0.01) / (mu - l);
  assert.ok(Math.abs(r.writers.wait_us.p99 - p99) / p99 < 0.05, `p99 wait ${r.writers.wait_us.p99} vs ${p99}`);
});

test('mm1 accepts count=2000000 and keeps memory flat (no per-event arrays)', () => {
  const before = process.memoryUsage().heapUsed;
  const r = runSimulation(config({ arrival_rate_per_s: 50000, hold_us: 10, count: 2_000_000 }));
  const after = process.memoryUsage().heapUsed;
  assert.equal(r.writers.count, 2_000_000);
  assert.ok(r.events >= 4_000_000);
  // 2 M arrivals with per-event storage would take well over 50 MB.
  assert.ok(after - before < 30e6, `heap grew by ${((after - before) / 1e6).toFixed(1)} MB`);
});
