// `mm-lock-lens simulate` as a user runs it: the built CLI in a child process.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'mm-lock-lens.js');

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, 'simulate', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('simulate --format json carries the documented keys', () => {
  const r = cli('--scenario', 'seed-text', '--set', 'threads=200', '--set', 'cpus=16', '--set', 'text_mb=4', '--set', 'anon_vma_check=early', '--seed', '5', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.scenario, 'seed-text');
  assert.equal(j.seed, 5);
  for (const k of ['simulated_s', 'events', 'wall_ms']) assert.equal(typeof j[k], 'number', k);
  for (const k of ['mean', 'p50', 'p90', 'p99', 'p999', 'max']) {
    assert.equal(typeof j.faults.latency_us[k], 'number');
    assert.equal(typeof j.writers.latency_us[k], 'number');
  }
  for (const k of ['mean', 'p50', 'p99', 'max']) assert.equal(typeof j.writers.wait_us[k], 'number');
  assert.deepEqual(Object.keys(j.mmap_lock).sort(), ['read_acquisitions', 'read_wait_us', 'write_acquisitions', 'write_wait_us']);
  assert.deepEqual(Object.keys(j.vma_lock).sort(), ['abort', 'miss', 'retry', 'success']);
  assert.equal(j.faults.count, 1024);
  assert.equal(j.vma_lock.abort, 1024);
});

test('simulate text output is a table; --config with --set overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmll-sim-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ scenario: 'mm1', seed: 3, set: { count: 1000, hold_us: 5 } }));
  const r = cli('--config', file, '--set', 'count=2000');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /scenario mm1 {2}seed 3/);
  assert.match(r.out, /writers \(us\)\s+2,000/);
  assert.match(r.out, /hold_us=5/);
  assert.match(r.out, /mmap_lock {3}read acquisitions 0/);
});

test('simulate --list prints every scenario with keys, defaults and units', () => {
  const r = cli('--list');
  assert.equal(r.code, 0);
  for (const s of ['mm1', 'seed-text', 'pft', 'app-launch', 'writer-storm', 'path']) assert.match(r.out, new RegExp(`^${s}$`, 'm'));
  assert.match(r.out, /writers_per_s\s+1000 1\/s/);
  assert.match(r.out, /anon_vma_check\s+late\s+auto\|early\|early-anon\|late/);
});

test('simulate usage and configuration errors exit 2 with a clear message', () => {
  const bad = cli('--scenario', 'pft', '--set', 'threads=1000000000');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /threads: 1000000000 is out of range; allowed: an integer from 1 to 4096/);
  const key = cli('--scenario', 'pft', '--set', 'colour=blue');
  assert.equal(key.code, 2);
  assert.match(key.err, /unknown key 'colour' for scenario pft; allowed: threads,/);
  assert.equal(cli('--scenario').code, 2);
  assert.equal(cli('--bogus').code, 2);
  assert.equal(cli('--set', 'novalue').code, 2);
  assert.equal(cli('--format', 'xml').code, 2);
  assert.equal(cli('--scenario', 'pft', '--config', 'x.json').code, 2);
  const missing = cli('--config', '/nonexistent/c.json');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read/);
  const prof = cli('--profile', '/nonexistent/mm/memory.c:do_anonymous_page');
  assert.equal(prof.code, 2);
  assert.match(prof.err, /--profile \/nonexistent\/mm\/memory.c:do_anonymous_page: .*no such file/);
});
