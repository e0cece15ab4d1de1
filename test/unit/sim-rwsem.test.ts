// The locking semantics, on hand-made timelines (script groups) and small scenarios.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Engine } from '../../server/src/simulator/engine';
import { DEFAULT_COSTS, FaultKind, GroupSpec, ModelSpec, VmaKind } from '../../server/src/simulator/model';
import { runSimulation, validateConfig } from '../../server/src/simulator';

/** A machine with no CPU limit and no costs except what the test sets: deterministic holds. */
function spec(groups: GroupSpec[], over: Partial<ModelSpec> = {}, costs: Partial<typeof DEFAULT_COSTS> = {}): ModelSpec {
  return {
    cpus: 0, sockets: 1, smt: 1, kernel: 612, perVmaLocks: true, anonVmaCheck: 'late', faultAroundPages: 1,
    vmas: [0, 1].map(() => ({ kind: VmaKind.Anon, anonVma: true, mapPages: true, uffd: false })),
    groups,
    costs: { ...DEFAULT_COSTS, lineHitUs: 0, lineLocalUs: 0, lineRemoteUs: 0, lookupUs: 0, wakeUs: 0, ctxSwitchUs: 0, uncoreBeta: 0, serviceFixedFraction: 1, ...costs },
    durationUs: 1e6, maxEvents: 1e7, timelineThreads: 0, logOps: true, ...over,
  };
}

function readers(name: string, starts: number[], holdUs: number): GroupSpec {
  return { name, kind: 'script', threads: 0, thinkUs: 0, ratePerUs: 0, maxArrivals: 0, starts, op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.MmapReadOp, vmaLo: 0, vmaHi: 1, serviceUs: holdUs, ioProb: 0 }] } };
}

function writers(name: string, starts: number[], holdUs: number, vmaLo = 0, vmaHi = 0, vmasLocked = 0): GroupSpec {
  return { name, kind: 'script', threads: 0, thinkUs: 0, ratePerUs: 0, maxArrivals: 0, starts, op: { type: 'write', writer: { holdUs, holdDist: 'det', vmaLo, vmaHi, vmasLocked, replaceProb: 0 } } };
}

function run(s: ModelSpec): Engine {
  const e = new Engine(s, 1, s.durationUs);
  while (!e.step(100000)) { /* until done */ }
  return e;
}

function endOf(e: Engine, group: string, index: number): number {
  const op = e.opLog!.find((o) => o.group === group && o.index === index);
  assert.ok(op, `no op ${group}[${index}]`);
  return op.end;
}

test('readers alone never wait for each other', () => {
  const e = run(spec([readers('r', Array.from({ length: 200 }, (_, i) => i * 0.5), 50)]));
  assert.equal(e.readAcq, 200);
  assert.equal(e.readWait.max, 0);
  for (let i = 0; i < 200; i++) assert.equal(endOf(e, 'r', i), i * 0.5 + 50);
});

test('readers alone never wait, with CPUs, cache lines and wake-ups (scenario path, mmap_read, no writers)', () => {
  const v = validateConfig({ scenario: 'path', set: { path_lock: 'mmap_read', threads: 32, cpus: 32, bg_threads: 0, writers_per_s: 0, path_think_us: 1 } });
  assert.ok(v.ok);
  const r = runSimulation(v.config);
  assert.ok(r.mmap_lock.read_acquisitions > 10000);
  assert.equal(r.mmap_lock.read_wait_us.p99, 0);
  assert.equal((r.wait_breakdown_us as Record<string, number>).mmap_read_wait, 0);
});

test('a queued writer blocks readers that arrive after it (fair rwsem), and not those before it', () => {
  // r0 holds 0..100; w arrives at 10 (spins about 10 us, then queues); r1 arrives at 40.
  const e = run(spec([readers('r', [0, 40], 100), writers('w', [10], 50)]));
  const w = endOf(e, 'w', 0), r1 = endOf(e, 'r', 1);
  assert.equal(endOf(e, 'r', 0), 100);
  assert.equal(w, 150, 'the writer runs once the reader before it has left');
  assert.ok(r1 >= w + 100, `the later reader waits for the writer: ends ${r1}, writer ended ${w}`);
  // Without the writer, r1 would have shared the lock with r0.
  const alone = run(spec([readers('r', [0, 40], 100)]));
  assert.equal(endOf(alone, 'r', 1), 140);
});

test('while a writer only spins (not queued), later readers still take the fast path', () => {
  // w arrives at 10 and spins until 20.5; r1 arrives at 15: no waiter is queued yet.
  const e = run(spec([readers('r', [0, 15], 100), writers('w', [10], 50)]));
  assert.equal(endOf(e, 'r', 1), 115);
  assert.ok(endOf(e, 'w', 0) >= 165);
});

test('a reader at the head wakes up to 256 readers at once, skipping a writer behind them', () => {
  // A writer holds 0..100; 300 readers queue behind it; then another writer.
  const starts = Array.from({ length: 300 }, (_, i) => 30 + i * 0.01);
  const e = run(spec([writers('w', [0, 40], 100), readers('r', starts, 10)], {}, { writerSpin: false }));
  const ends = starts.map((_, i) => endOf(e, 'r', i)).sort((a, b) => a - b);
  // The first 256 run together right after the first writer; the writer queued at 40 is skipped over
  // by the wake-up (phase-fair), the remaining 44 readers wait for the next wake-up.
  assert.equal(ends.filter((x) => x === 110).length, 256);
  assert.ok(ends[256] > 110);
});

test('handoff bounds writer starvation by optimistic spinners', () => {
  // 8 writers in a closed loop: the holder and one spinner ping-pong; queued waiters starve
  // until the head has waited RWSEM_WAIT_TIMEOUT (4 ms) and sets the handoff bit.
  const loop: GroupSpec = { name: 'w', kind: 'closed', threads: 8, thinkUs: 2, ratePerUs: 0, maxArrivals: 0, op: { type: 'write', writer: { holdUs: 5, holdDist: 'det', vmaLo: 0, vmaHi: 0, vmasLocked: 0, replaceProb: 0 } } };
  const over = { durationUs: 50_000, logOps: false };
  const withHandoff = run(spec([loop], over, { wakeUs: 3 }));
  const without = run(spec([loop], over, { wakeUs: 3, handoffUs: Infinity }));
  assert.ok(without.writeWait.max > 20_000, `without handoff a writer starves: max wait ${without.writeWait.max} us`);
  assert.ok(withHandoff.writeWait.max < 4000 + 500, `with handoff the max wait is about 4 ms: ${withHandoff.writeWait.max} us`);
  assert.ok(withHandoff.writeWait.max >= 4000, 'the bound is the handoff timeout, not luck');
});

test('per-VMA locks make writers on one VMA invisible to faults on another', () => {
  const faults: GroupSpec = { name: 'f', kind: 'closed', threads: 8, thinkUs: 5, ratePerUs: 0, maxArrivals: 0, op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.AnonWrite, vmaLo: 0, vmaHi: 1, serviceUs: 1, ioProb: 0 }] } };
  const w = (vma: number): GroupSpec => ({ name: 'writers', kind: 'open', threads: 0, thinkUs: 0, ratePerUs: 2000 / 1e6, maxArrivals: Infinity, op: { type: 'write', writer: { holdUs: 200, holdDist: 'exp', vmaLo: vma, vmaHi: vma + 1, vmasLocked: 1, replaceProb: 0 } } });
  const over = { durationUs: 200_000, logOps: false };
  const quiet = run(spec([faults], over));
  const otherVma = run(spec([faults, w(1)], over));
  const sameVma = run(spec([faults, w(0)], over));
  const noPerVma = run(spec([faults, w(1)], { ...over, perVmaLocks: false }));
  assert.ok(otherVma.writerLat.count > 200);
  // Writers on VMA 1: the faults on VMA 0 never leave their VMA lock, never wait.
  assert.equal(otherVma.vmaCounters.abort, 0);
  assert.equal(otherVma.readAcq, 0);
  assert.ok(Math.abs(otherVma.faultLat.max - 1) < 1e-9, `max fault latency ${otherVma.faultLat.max} us (service 1 us)`);
  assert.ok(Math.abs(quiet.faultLat.max - 1) < 1e-9);
  // Writers on VMA 0 are visible: faults abort (write-locked) and queue on mmap_lock.
  assert.ok(sameVma.vmaCounters.abort > 100);
  assert.ok(sameVma.faultLat.quantile(0.999) > 50);
  // Without per-VMA locks, the writers on VMA 1 block every fault.
  assert.ok(noPerVma.faultLat.quantile(0.999) > 50, `p99.9 ${noPerVma.faultLat.quantile(0.999)}`);
});

test('a writer waits in vma_start_write for the VMA readers to drain', () => {
  const f: GroupSpec = { name: 'f', kind: 'script', threads: 0, thinkUs: 0, ratePerUs: 0, maxArrivals: 0, starts: [0, 20], op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.AnonWrite, vmaLo: 0, vmaHi: 1, serviceUs: 50, ioProb: 0 }] } };
  const e = run(spec([f, writers('w', [10], 30, 0, 1, 1)]));
  // f0 holds VMA 0 0..50; w takes mmap_lock at 10 and waits for f0 before marking VMA 0; its hold runs 50..80.
  assert.equal(endOf(e, 'w', 0), 80);
  // f1 at 20 finds a writer waiting on the VMA: VMA_LOCK_ABORT, then mmap_lock read behind the writer.
  assert.equal(e.vmaCounters.abort, 1);
  assert.ok(endOf(e, 'f', 1) >= 80 + 50);
});

test('a VMA replaced between the RCU walk and the trylock is a VMA_LOCK_MISS, and the walk is redone', () => {
  // The writer write-locks VMA 0 and replaces it (munmap + mmap) at 12; the fault's walk runs 10..15.
  const f: GroupSpec = { name: 'f', kind: 'script', threads: 0, thinkUs: 0, ratePerUs: 0, maxArrivals: 0, starts: [10], op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.AnonRead, vmaLo: 0, vmaHi: 1, serviceUs: 1, ioProb: 0 }] } };
  const w: GroupSpec = { name: 'w', kind: 'script', threads: 0, thinkUs: 0, ratePerUs: 0, maxArrivals: 0, starts: [0], op: { type: 'write', writer: { holdUs: 12, holdDist: 'det', vmaLo: 0, vmaHi: 1, vmasLocked: 1, replaceProb: 1 } } };
  const e = run(spec([f, w], {}, { lookupUs: 5 }));
  assert.equal(e.vmaCounters.miss, 1);
  assert.equal(e.vmaCounters.success, 1);
  assert.equal(e.vmaCounters.abort, 0);
  assert.equal(endOf(e, 'f', 0), 21);
});
