/**
 * The machine and the kernel model that scenarios instantiate: what a thread
 * group does, the VMAs, the costs. Plain data; `engine.ts` runs it.
 * Every default and its source is in docs/simulator.md.
 */

/** Fault kinds: what the faulting access needs (primer sections 4 and 5). */
export const enum FaultKind {
  /** Read on an anonymous VMA (zero page on first touch: never needs an anon_vma under the late check). */
  AnonRead = 0,
  /** Write on an anonymous VMA installing a new anonymous page: needs an anon_vma. */
  AnonWrite = 1,
  /** Read on a file VMA, private or shared (program text): never needs an anon_vma. */
  FileRead = 2,
  /** Write on a file VMA: private means COW (needs an anon_vma), shared means page_mkwrite. */
  FileWrite = 3,
  /** Anonymous page swapped out: swap-in needs I/O. */
  Swap = 4,
  /** hugetlb fault. */
  Hugetlb = 5,
  /** A path that takes mmap_lock for read directly (no per-VMA attempt). */
  MmapReadOp = 6,
  /** A path that takes no mm lock. */
  NoLockOp = 7,
}

export const enum VmaKind { Anon = 0, PrivateFile = 1, SharedFile = 2 }

export type AnonVmaCheck = 'early' | 'early-anon' | 'late';

export interface VmaSpec {
  kind: VmaKind;
  anonVma: boolean;
  /** The file's vm_ops has ->map_pages (every regular filesystem does). */
  mapPages: boolean;
  /** userfaultfd armed on the VMA. */
  uffd: boolean;
}

export interface FaultMixEntry {
  /** Relative weight. */
  weight: number;
  kind: FaultKind;
  /** VMAs [vmaLo, vmaHi): picked uniformly, or the thread's own one when `own`. */
  vmaLo: number;
  vmaHi: number;
  own?: boolean;
  /** Mean CPU time of the fault's work under its lock, us. */
  serviceUs: number;
  /** Probability that the fault must wait for I/O (page cache miss, swap-in). */
  ioProb: number;
  /** Probability that the fault ends in a fallback of the kind given by `forcedRetry` (paths from a profile). */
  forcedRetryProb?: number;
  forcedRetry?: 'no_map_pages' | 'anon_vma' | 'io' | 'uffd' | 'swap' | 'hugetlb';
}

export interface WriterOp {
  holdUs: number;
  /** 'exp' (exponential) or 'det' (deterministic) hold times. */
  holdDist: 'exp' | 'det';
  /** VMAs it may write-lock: [vmaLo, vmaHi). */
  vmaLo: number;
  vmaHi: number;
  /** How many of those it write-locks (vma_start_write) per operation. */
  vmasLocked: number;
  /** Probability that a locked VMA is replaced (munmap + mmap): it gets a new generation and no anon_vma. */
  replaceProb: number;
}

export type OpSpec =
  | { type: 'fault'; mix: FaultMixEntry[] }
  | { type: 'write'; writer: WriterOp }
  | { type: 'nolock'; serviceUs: number };

export interface GroupSpec {
  name: string;
  /**
   * Closed: `threads` threads looping think -> op. Open: Poisson arrivals, one
   * transient thread per arrival. Script: thread i runs one op at time
   * `starts[i]` (tests and hand-made timelines).
   */
  kind: 'closed' | 'open' | 'script';
  starts?: number[];
  threads: number;
  /** Closed: mean think time (exponential), us; 0 = none. */
  thinkUs: number;
  /** Open: arrivals per us. */
  ratePerUs: number;
  /** Open: stop after this many arrivals (Infinity: until the end of the run). */
  maxArrivals: number;
  op: OpSpec;
  /** Closed: finite work, the group stops when `work` operations have been started. */
  work?: number;
  /** Whether the run waits for this group to finish its finite work (then ends). */
  bounds?: boolean;
}

export interface Costs {
  /** Cache-line transfer of a lock word: same CPU (hit), same socket, other socket, us. */
  lineHitUs: number;
  lineLocalUs: number;
  lineRemoteUs: number;
  /** Cost of a per-VMA lock line operation relative to mmap_lock's. */
  vmaLineFactor: number;
  /**
   * 6.15+ (vm_refcnt inside the VMA, no separate vm_lock): factor on the per-VMA
   * lock-word cost, set to reproduce the primer's +11-15 % at 21-56 threads.
   */
  vmaRefcountFactor: number;
  /** Line operations of a per-VMA read trylock (rwsem trylock: read then cmpxchg). */
  vmaTryOps: number;
  /** find_vma / lock_vma_under_rcu walk of the maple tree, us. */
  lookupUs: number;
  /** __anon_vma_prepare, us. */
  anonPrepareUs: number;
  /** Mean I/O wait of a fault that misses the page cache, us. */
  ioUs: number;
  /** Wake-up of a sleeping task until it runs on an idle CPU, us. */
  wakeUs: number;
  /** Context switch when a CPU changes task, us. */
  ctxSwitchUs: number;
  /** Scheduler time slice before a CPU-bound thread yields to the run queue, us. */
  sliceUs: number;
  /** Slow-down per other core of the same socket concurrently in a fault (memory and uncore contention). */
  uncoreBeta: number;
  /** Slow-down of a fault's work when the SMT sibling is busy. */
  smtFactor: number;
  /** Coefficient of variation of service times ('cv 0.5': half fixed, half exponential). */
  serviceFixedFraction: number;
  /** rwsem: writer optimistic spinning enabled. */
  writerSpin: boolean;
  /** rwsem: RWSEM_WAIT_TIMEOUT before a waiter sets the handoff bit, us. */
  handoffUs: number;
  /** rwsem: MAX_READERS_WAKEUP. */
  maxReadersWakeup: number;
}

export interface ModelSpec {
  /** CPUs; 0 = as many as needed and no CPU, cache-line or wake-up costs (pure queueing). */
  cpus: number;
  sockets: number;
  /** Hardware threads per core (1 or 2). */
  smt: number;
  /** Kernel version as major*100+minor (6.12 -> 612). */
  kernel: number;
  perVmaLocks: boolean;
  anonVmaCheck: AnonVmaCheck;
  /** Fault-around pages for file read faults (fault_around_bytes / PAGE_SIZE). */
  faultAroundPages: number;
  vmas: VmaSpec[];
  groups: GroupSpec[];
  costs: Costs;
  /** Simulated time limit, us. */
  durationUs: number;
  /** Event budget: the run stops (truncated) after this many events. */
  maxEvents: number;
  /** Threads of group 0 recorded in the lock timeline. */
  timelineThreads: number;
  /** Keep every operation's (group, thread, start, end): for tests with a handful of ops only. */
  logOps?: boolean;
}

export function version(v: string): number {
  const m = /^(\d+)\.(\d+)/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number(m[2]);
}

/** Cost defaults (docs/simulator.md says where each comes from; the first five are calibrated on pft). */
export const DEFAULT_COSTS: Costs = {
  lineHitUs: 0.005,
  lineLocalUs: 0.0521,
  lineRemoteUs: 0.1042,
  vmaLineFactor: 0.821,
  vmaRefcountFactor: 0.85,
  vmaTryOps: 1,
  lookupUs: 0.05,
  anonPrepareUs: 1.0,
  ioUs: 100,
  wakeUs: 5,
  ctxSwitchUs: 2,
  sliceUs: 3000,
  uncoreBeta: 0.163,
  smtFactor: 1.19,
  serviceFixedFraction: 0.5,
  writerSpin: true,
  handoffUs: 4000,
  maxReadersWakeup: 256,
};
