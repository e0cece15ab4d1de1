import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionProfile } from '../../server/src/core/types';
import { profileToScenario, variantConfig } from '../../server/src/simulator/profile-scenario';

function profile(over: Partial<FunctionProfile>): FunctionProfile {
  return {
    function: 'f',
    file: 'mm/f.c',
    line: 10,
    kernelVersion: '6.12',
    entry: [],
    acquires: [],
    releases: [],
    fallbacks: [],
    needsAnonVma: false,
    writesVma: false,
    ...over,
  };
}

test('a fault path with vmf_anon_prepare gets the anon_vma fallback and its comparisons', () => {
  const p = profile({
    function: 'do_anonymous_page',
    entry: [
      { locks: ['vma_read'], via: [{ function: 'do_user_addr_fault', file: 'arch/x86/mm/fault.c', line: 5 }] },
      { locks: ['mmap_read'], via: [{ function: 'do_user_addr_fault', file: 'arch/x86/mm/fault.c', line: 9 }] },
    ],
    fallbacks: [{ line: 27, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }],
    needsAnonVma: true,
  });
  const plan = profileToScenario(p);
  assert.equal(plan.pathLock, 'vma');
  assert.equal(plan.set.path_lock, 'vma');
  assert.equal(plan.set.path_fallback, 'anon_vma');
  assert.equal(plan.set.anon_vma_present, false);
  assert.equal(plan.set.anon_vma_check, 'late');
  assert.deepEqual(plan.fallbacks.map((f) => [f.line, f.kind]), [[27, 'anon_vma']]);
  assert.match(plan.fallbacks[0].why, /anon_vma/);
  assert.deepEqual(plan.comparisons.map((c) => c.id), ['per-vma', 'anon-vma-check', 'anon-vma-present', 'writers']);
  const early = plan.comparisons.find((c) => c.id === 'anon-vma-check')!;
  assert.equal(early.b.set.anon_vma_check, 'early');
});

test('before 6.10 the profile is modelled with the early anonymous-only check', () => {
  const plan = profileToScenario(profile({
    kernelVersion: '6.8',
    entry: [{ locks: ['vma_read'], via: [] }],
    fallbacks: [{ line: 3, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }],
  }));
  assert.equal(plan.set.anon_vma_check, 'early-anon');
});

test('a path under mmap_write_lock becomes a writer', () => {
  const taken = profileToScenario(profile({
    function: 'do_mprotect_pkey',
    acquires: [{ lock: 'mmap_write', line: 40, call: 'mmap_write_lock_killable' }],
    releases: [{ lock: 'mmap_write', line: 90, call: 'mmap_write_unlock' }],
    writesVma: true,
  }));
  assert.equal(taken.pathLock, 'mmap_write');
  assert.equal(taken.set.path_lock, 'mmap_write');
  assert.equal(taken.set.path_fallback, 'none');
  assert.ok(!taken.comparisons.some((c) => c.id === 'per-vma'), 'a writer has no per-VMA variant');

  const entered = profileToScenario(profile({
    function: 'vma_modify_flags',
    entry: [{ locks: ['mmap_write'], via: [] }, { locks: ['mmap_write', 'vma_write'], via: [] }],
  }));
  assert.equal(entered.set.path_lock, 'mmap_write');
});

test('a path with no lock gets no lock cost and no fallback', () => {
  const plan = profileToScenario(profile({ function: 'helper' }));
  assert.equal(plan.pathLock, 'none');
  assert.equal(plan.set.path_lock, 'none');
  assert.equal(plan.set.path_fallback, 'none');
  assert.deepEqual(plan.comparisons.map((c) => c.id), ['writers']);
});

test('a path entered only under mmap_lock read runs as an mmap_lock reader', () => {
  const plan = profileToScenario(profile({ entry: [{ locks: ['mmap_read'], via: [] }] }));
  assert.equal(plan.set.path_lock, 'mmap_read');
  assert.ok(!plan.comparisons.some((c) => c.id === 'per-vma'));
});

test('variant configs layer profile, user parameters and the variant, and report unknown keys', () => {
  const plan = profileToScenario(profile({ entry: [{ locks: ['vma_read'], via: [] }] }));
  const writers = plan.comparisons.find((c) => c.id === 'writers')!;
  const keys = ['path_lock', 'path_service_us', 'path_fallback', 'anon_vma_present', 'kernel_version', 'anon_vma_check', 'threads', 'writers_per_s']
    .map((key) => ({ key, type: 'string' as const, default: key === 'writers_per_s' ? 200 : '', description: '' }));
  const a = variantConfig(plan, writers.a, { threads: 8 }, 3, keys);
  assert.equal(a.config.scenario, 'path');
  assert.equal(a.config.seed, 3);
  assert.equal(a.config.set?.threads, 8);
  assert.equal(a.config.set?.path_lock, 'vma');
  assert.deepEqual(a.dropped, []);
  const b = variantConfig(plan, writers.b, { threads: 8 }, 3, keys);
  assert.equal(b.config.set?.writers_per_s, 2000, 'x10 of the scenario default');
  const b2 = variantConfig(plan, writers.b, { writers_per_s: 50 }, 3, keys);
  assert.equal(b2.config.set?.writers_per_s, 500, 'x10 of the user rate');
  const perVma = plan.comparisons.find((c) => c.id === 'per-vma')!;
  const noVma = variantConfig(plan, perVma.b, {}, 1, keys);
  assert.equal(noVma.config.set?.path_lock, 'mmap_read');
  assert.deepEqual(noVma.dropped, ['per_vma_locks']);
});
