// `mm-lock-lens simulate --profile FILE:FUNCTION` as a user runs it: the built
// CLI on the kernel-style fixture, analysed by the real core and simulated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'mm-lock-lens.js');
const fixture = join('test', 'fixtures', 'simulate', 'mm', 'demo_fault.c');

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, 'simulate', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const quick = ['--set', 'duration_s=0.02'];

test('simulate --profile runs the variants of a fault handler that needs an anon_vma, side by side', () => {
  const r = cli('--profile', `${fixture}:demo_anon_fault`, ...quick, '--seed', '3', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.function, 'demo_anon_fault');
  assert.equal(j.path_lock, 'vma');
  assert.deepEqual(j.fallbacks.map((f: { line: number; kind: string }) => [f.line, f.kind]), [[17, 'anon_vma']]);
  assert.deepEqual(j.comparisons.map((c: { id: string }) => c.id), ['per-vma', 'anon-vma-check', 'anon-vma-present', 'writers']);
  const labels = j.variants.map((v: { label: string }) => v.label);
  assert.ok(labels.includes('without per-VMA locks') && labels.includes('writers x10'), labels.join(' | '));
  // "as written" and "first touch" are the same configuration: run once, named twice.
  assert.ok(labels.includes('as written = first touch (no anon_vma)'), labels.join(' | '));
  for (const v of j.variants) {
    assert.equal(v.result.seed, 3);
    assert.equal(v.result.params.duration_s, 0.02);
    assert.ok(v.result.faults.count > 0, v.label);
  }
  const byLabel = (l: string) => j.variants.find((v: { label: string }) => v.label.startsWith(l)).result;
  assert.equal(byLabel('without per-VMA locks').vma_lock.success, 0, 'no per-VMA lock without per-VMA locks');
  assert.ok(byLabel('as written').vma_lock.success > 0);
  assert.equal(byLabel('anon_vma already present').params.anon_vma_present, true);
});

test('simulate --profile --compare prints one pair with its ratio; a writer and an unlocked helper map as they should', () => {
  const r = cli('--profile', `${fixture}:demo_protect`, '--compare', 'writers', ...quick);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^demo_protect\(\) at .*demo_fault\.c:40/);
  assert.match(r.out, /takes mmap_lock for write \(mmap_write_lock_killable, line 44\)/);
  assert.match(r.out, /\[1\] as written\n\[2\] writers x10\n/);
  assert.match(r.out, /\n\s+\[1\]\s+\[2\]\s+\[2\]\/\[1\]\n/);
  assert.match(r.out, /\nmmap_lock write acquisitions\s+\S+\s+\S+\s+[\d.]+×/);

  const none = cli('--profile', `${fixture}:demo_count_pages`, ...quick, '--format', 'json');
  assert.equal(none.code, 0, none.err);
  const j = JSON.parse(none.out);
  assert.equal(j.path_lock, 'none');
  assert.deepEqual(j.comparisons.map((c: { id: string }) => c.id), ['writers']);
});

test('simulate --profile refuses what it cannot do with a clear message', () => {
  const nofn = cli('--profile', `${fixture}:no_such_function`);
  assert.equal(nofn.code, 2);
  assert.match(nofn.err, /no function 'no_such_function' defined in .*demo_fault\.c/);
  const bad = cli('--profile', 'demo_fault.c');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /expected FILE:FUNCTION/);
  const cmp = cli('--profile', `${fixture}:demo_count_pages`, '--compare', 'per-vma');
  assert.equal(cmp.code, 2);
  assert.match(cmp.err, /--compare per-vma: this profile's comparisons are writers/);
  const key = cli('--profile', `${fixture}:demo_anon_fault`, '--set', 'threads=1000000000');
  assert.equal(key.code, 2);
  assert.match(key.err, /threads/);
  const lone = cli('--compare', 'writers');
  assert.equal(lone.code, 2);
  assert.match(lone.err, /--compare goes with --profile/);
});
