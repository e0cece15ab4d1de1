import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionProfile } from '../../server/src/core/types';
import { profileToScenario, variantConfig } from '../../server/src/simulator/profile-scenario';
import { listScenarios, runSimulation, validateConfig } from '../../server/src/simulator/index';
import type { SimResult } from '../../server/src/simulator/api';

const pathKeys = () => {
  const s = listScenarios().find((x) => x.name === 'path');
  assert.ok(s, 'the simulator has a path scenario');
  return s.keys;
};


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
  assert.equal(plan.set.anon_vma_check, 'auto');
  assert.equal(plan.set.kernel_version, '6.12');
  assert.deepEqual(plan.fallbacks.map((f) => [f.line, f.kind]), [[27, 'anon_vma']]);
  // The catalogue's text for vmf_anon_prepare in 6.12: the trylock, then RETRY.
  assert.match(plan.fallbacks[0].why, /mmap_read_trylock\(\)/);
  assert.match(profileToScenario({ ...p, kernelVersion: '6.8' }).fallbacks[0].why, /cannot be prepared: it drops the VMA lock/, '6.7-6.9 text');
  assert.match(profileToScenario({ ...p, fallbacks: [{ line: 3, kind: 'anon_vma', condition: 'my_helper(vmf)' }] }).fallbacks[0].why, /anon_vma/, 'a call the catalogue does not know gets the kind\'s text');
  assert.deepEqual(plan.comparisons.map((c) => c.id), ['per-vma', 'anon-vma-check', 'anon-vma-present', 'writers']);
  const early = plan.comparisons.find((c) => c.id === 'anon-vma-check')!;
  assert.equal(early.b.set.anon_vma_check, 'early');
});

test('other fallback points map onto the simulator\'s kinds, the anon_vma one first', () => {
  const folio = profileToScenario(profile({
    entry: [{ locks: ['vma_read'], via: [] }],
    fallbacks: [{ line: 9, kind: 'vma_lock_failed', condition: '!vma' }, { line: 20, kind: 'folio_locked', condition: 'folio_lock_or_retry(folio, vmf)' }],
  }));
  assert.equal(folio.set.path_fallback, 'io', 'a locked folio waits, then retries under mmap_lock');
  const both = profileToScenario(profile({
    entry: [{ locks: ['vma_read'], via: [] }],
    fallbacks: [{ line: 30, kind: 'io', condition: 'x' }, { line: 10, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }],
  }));
  assert.equal(both.set.path_fallback, 'anon_vma');
  assert.deepEqual(both.fallbacks.map((f) => f.line), [10, 30], 'rows in line order');
  const underMmap = profileToScenario(profile({
    entry: [{ locks: ['mmap_read'], via: [] }],
    fallbacks: [{ line: 5, kind: 'io', condition: 'x' }],
  }));
  assert.equal(underMmap.set.path_fallback, 'none', 'a path already under mmap_lock has nowhere to fall back to');
});

test('a fault handler with no known caller is placed under the per-VMA lock by what it drops and where it falls back', () => {
  // The analysis' answer for a helper like the fixture's good_anon_fault: vmf_anon_prepare may drop the VMA lock.
  const drops = profileToScenario(profile({
    releases: [{ lock: 'vma_read', line: 15, call: 'vmf_anon_prepare' }],
    fallbacks: [{ line: 15, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf): !vma->anon_vma && !mmap_read_trylock(vma->vm_mm)' }],
    needsAnonVma: true,
  }));
  assert.equal(drops.set.path_lock, 'vma');
  assert.equal(drops.set.path_fallback, 'anon_vma');
  assert.match(drops.reasons[0], /drops a per-VMA read lock it did not take \(vmf_anon_prepare, line 15\)/);
  const fallsBack = profileToScenario(profile({ fallbacks: [{ line: 4, kind: 'no_map_pages', condition: 'vmf_can_call_fault(vmf)' }] }));
  assert.equal(fallsBack.set.path_lock, 'vma');
  assert.equal(fallsBack.set.path_fallback, 'no_map_pages');
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
  const real = variantConfig(plan, writers.b, { writers_per_s: '200', munmap_per_s: 30, mmap_per_s: 0 }, 3, pathKeys());
  assert.equal(real.config.set?.writers_per_s, 2000, 'a rate given as text (CLI --set) is scaled too');
  assert.equal(real.config.set?.munmap_per_s, 300, 'every writer kind in use is scaled');
  assert.equal(real.config.set?.mmap_per_s, 0, 'a writer kind not in use stays off');
  assert.equal(variantConfig(plan, writers.b, { writers_per_s: 500_000 }, 3, pathKeys()).config.set?.writers_per_s, 1_000_000, 'clamped to the range');
  const perVma = plan.comparisons.find((c) => c.id === 'per-vma')!;
  const noVma = variantConfig(plan, perVma.b, {}, 1, keys);
  assert.equal(noVma.config.set?.path_lock, 'vma');
  assert.deepEqual(noVma.dropped, ['per_vma_locks'], 'a key this (made-up) scenario lacks is dropped and reported');
});

function simulate(plan: ReturnType<typeof profileToScenario>, side: 'a' | 'b', comparison: string, user: Record<string, number | boolean | string>): SimResult {
  const c = plan.comparisons.find((x) => x.id === comparison)!;
  const { config, dropped } = variantConfig(plan, c[side], user, 5, pathKeys());
  assert.deepEqual(dropped, [], `every key of ${comparison}/${side} is a key of the path scenario`);
  const v = validateConfig(config);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  return runSimulation(v.config);
}

const pathGroup = (r: SimResult) => (r.groups as { name: string; ops: number; latency_us: { p99: number; mean: number } }[]).find((g) => g.name === 'path')!;

test('every comparison of every kind of path is a valid configuration of the simulator', () => {
  const kinds: Partial<FunctionProfile>[] = [
    { entry: [{ locks: ['vma_read'], via: [] }], fallbacks: [{ line: 2, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }], needsAnonVma: true },
    { entry: [{ locks: ['vma_read'], via: [] }], fallbacks: [{ line: 2, kind: 'other', condition: 'x' }, { line: 3, kind: 'folio_locked', condition: 'y' }, { line: 4, kind: 'vma_lock_failed', condition: 'z' }] },
    { acquires: [{ lock: 'mmap_write', line: 2, call: 'mmap_write_lock' }] },
    { entry: [{ locks: ['mmap_read'], via: [] }], needsAnonVma: true },
    {},
  ];
  for (const k of kinds) {
    const plan = profileToScenario(profile(k));
    for (const c of plan.comparisons) {
      for (const side of ['a', 'b'] as const) {
        const { config, dropped } = variantConfig(plan, c[side], {}, 1, pathKeys());
        assert.deepEqual(dropped, [], `${plan.pathLock} ${c.id} ${side}`);
        const v = validateConfig(config);
        assert.ok(v.ok, `${plan.pathLock} ${c.id} ${side}: ${JSON.stringify(!v.ok && v.errors)}`);
      }
    }
  }
});

test('simulated: a path with no lock pays no lock cost, more writers or not', () => {
  const plan = profileToScenario(profile({ function: 'helper' }));
  const quiet = { bg_threads: 0, duration_s: 0.02 };
  const few = simulate(plan, 'a', 'writers', quiet);
  const many = simulate(plan, 'b', 'writers', quiet);
  for (const r of [few, many]) {
    assert.ok(pathGroup(r).ops > 1000, `the path ran (${pathGroup(r).ops} times)`);
    assert.equal(r.mmap_lock.read_acquisitions, 0, 'no mmap_lock read');
    assert.deepEqual(r.vma_lock, { success: 0, retry: 0, abort: 0, miss: 0 }, 'no per-VMA lock');
  }
  assert.ok(many.writers.count > 5 * few.writers.count, `writers x10 ran more writers (${few.writers.count} -> ${many.writers.count})`);
  const ratio = pathGroup(many).latency_us.mean / pathGroup(few).latency_us.mean;
  assert.ok(ratio < 1.1, `the path's mean latency does not follow the writers (x${ratio.toFixed(3)})`);
});

test('simulated: first touch of a VMA without anon_vma takes mmap_lock (trylock, or RETRY under writers), and a writer path takes it for write', () => {
  const anon = profileToScenario(profile({
    entry: [{ locks: ['vma_read'], via: [] }],
    fallbacks: [{ line: 27, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }],
    needsAnonVma: true,
  }));
  const quiet = { bg_threads: 0, writers_per_s: 0, duration_s: 0.02 };
  const first = simulate(anon, 'a', 'anon-vma-present', quiet);
  const present = simulate(anon, 'b', 'anon-vma-present', quiet);
  // 6.12: vmf_anon_prepare takes mmap_lock by trylock; without writers the trylock never fails.
  assert.ok(first.mmap_lock.read_acquisitions > 0, 'first touch takes mmap_lock read');
  assert.equal(first.vma_lock.retry, 0);
  assert.equal(present.vma_lock.retry, 0, 'with an anon_vma it never retries');
  assert.equal(present.mmap_lock.read_acquisitions, 0, 'nor takes mmap_lock');
  const contended = simulate(anon, 'a', 'anon-vma-present', { bg_threads: 0, duration_s: 0.1 });
  assert.ok(contended.vma_lock.retry > 0, `under mmap writers the trylock fails and the fault retries (${contended.vma_lock.retry})`);

  const writer = profileToScenario(profile({ acquires: [{ lock: 'mmap_write', line: 2, call: 'mmap_write_lock' }] }));
  const w = simulate(writer, 'a', 'writers', quiet);
  assert.ok(w.mmap_lock.write_acquisitions >= pathGroup(w).ops - 16 && pathGroup(w).ops > 100, `the path's runs are write acquisitions (${w.mmap_lock.write_acquisitions} for ${pathGroup(w).ops} runs)`);
});
