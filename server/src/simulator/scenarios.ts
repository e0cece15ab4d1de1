/**
 * Scenarios: their keys (names, units, defaults, ranges: part of the
 * interface) and how each builds a ModelSpec. docs/simulator.md gives the
 * source of every default.
 */
import type { KeySpec, ScenarioInfo } from './api';
import {
  AnonVmaCheck, Costs, DEFAULT_COSTS, FaultKind, FaultMixEntry, GroupSpec, ModelSpec, VmaKind, VmaSpec, version,
} from './model';

type Params = Record<string, number | boolean | string>;

export interface ScenarioDef {
  info: ScenarioInfo;
  /** Cross-key checks beyond each key's range; returns [key, message] pairs. */
  check?: (p: Params) => Array<[string, string]>;
  build: (p: Params) => { spec: ModelSpec; horizonUs: number };
}

/** Newest kernel the model knows; later versions behave like it. */
export const NEWEST_KERNEL = '6.19';

// ---- shared keys -------------------------------------------------------------

const k = {
  threads: (def: number, max: number, description = 'threads running the workload'): KeySpec =>
    ({ key: 'threads', type: 'int', default: def, min: 1, max, description }),
  cpus: (def: number): KeySpec => ({ key: 'cpus', type: 'int', default: def, min: 1, max: 8192, description: 'logical CPUs (sockets x cores x SMT)' }),
  sockets: (def: number): KeySpec => ({ key: 'sockets', type: 'int', default: def, min: 1, max: 64, description: 'sockets (NUMA nodes); lock-word transfers between sockets cost more' }),
  smt: (def: number): KeySpec => ({ key: 'smt', type: 'int', default: def, min: 1, max: 2, description: 'hardware threads per core' }),
  duration: (def: number, max: number): KeySpec => ({ key: 'duration_s', type: 'number', default: def, unit: 's', min: 1e-6, max, description: 'simulated time limit' }),
  writersPerS: (def: number): KeySpec => ({ key: 'writers_per_s', type: 'number', default: def, unit: '1/s', min: 0, max: 1e6, description: 'mmap/munmap/mprotect calls per second (Poisson), each taking mmap_lock for write' }),
  writerHold: (def: number): KeySpec => ({ key: 'writer_hold_us', type: 'number', default: def, unit: 'us', min: 0, max: 1e5, description: 'mean mmap_lock write hold of a writer (exponential)' }),
  writerVmas: (def: number): KeySpec => ({ key: 'writer_vmas', type: 'int', default: def, min: 0, max: 8, description: 'VMAs each writer write-locks (vma_start_write)' }),
  kernel: (def: string): KeySpec => ({ key: 'kernel_version', type: 'string', default: def, description: `kernel version X.Y (3.0 .. ${NEWEST_KERNEL}; newer behaves as ${NEWEST_KERNEL}); before 6.4 there are no per-VMA locks` }),
  anonCheck: (def: string): KeySpec => ({ key: 'anon_vma_check', type: 'enum', default: def, values: ['auto', 'early', 'early-anon', 'late'], description: 'where a missing anon_vma makes a fault fall back: early (Peter Xu 2024, any private VMA), early-anon (6.4-6.9, anonymous VMAs), late (6.10+, vmf_anon_prepare); auto follows kernel_version' }),
  perVma: (def: boolean): KeySpec => ({ key: 'per_vma_locks', type: 'bool', default: def, description: 'CONFIG_PER_VMA_LOCK (ignored before 6.4)' }),
  maxEvents: (): KeySpec => ({ key: 'max_events', type: 'int', default: 200_000_000, min: 1000, max: 2_000_000_000, description: 'event budget: the run stops (truncated) after this many events' }),
  wake: (): KeySpec => ({ key: 'wake_us', type: 'number', default: DEFAULT_COSTS.wakeUs, unit: 'us', min: 0, max: 10000, description: 'wake-up latency of a sleeping thread until it runs' }),
  lineLocal: (): KeySpec => ({ key: 'cacheline_local_ns', type: 'number', default: DEFAULT_COSTS.lineLocalUs * 1000, unit: 'ns', min: 0, max: 10000, description: 'lock-word cache-line transfer within a socket' }),
  lineRemote: (): KeySpec => ({ key: 'cacheline_remote_ns', type: 'number', default: DEFAULT_COSTS.lineRemoteUs * 1000, unit: 'ns', min: 0, max: 10000, description: 'lock-word cache-line transfer across sockets' }),
};

function machineKeys(threads: number, threadsMax: number, cpus: number, sockets: number, smt: number): KeySpec[] {
  return [k.threads(threads, threadsMax), k.cpus(cpus), k.sockets(sockets), k.smt(smt)];
}

function tuningKeys(): KeySpec[] {
  return [k.wake(), k.lineLocal(), k.lineRemote(), k.maxEvents()];
}

function costsOf(p: Params): Costs {
  return {
    ...DEFAULT_COSTS,
    wakeUs: p.wake_us as number,
    lineLocalUs: (p.cacheline_local_ns as number) / 1000,
    lineRemoteUs: (p.cacheline_remote_ns as number) / 1000,
  };
}

/** anon_vma_check=auto: what the kernel version did. */
export function anonPolicy(p: Params): AnonVmaCheck {
  const v = p.anon_vma_check as string;
  if (v !== 'auto') return v as AnonVmaCheck;
  return kernelOf(p) < 610 ? 'early-anon' : 'late';
}

function kernelOf(p: Params): number {
  return Math.min(version(p.kernel_version as string), version(NEWEST_KERNEL));
}

function machineChecks(p: Params): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const cpus = p.cpus as number, sockets = p.sockets as number, smt = p.smt as number;
  if (cpus < sockets * smt) out.push(['cpus', `cpus (${cpus}) must be at least sockets x smt (${sockets} x ${smt})`]);
  return out;
}

/**
 * Writer kinds besides the generic `writers_per_s`: each has its own rate, hold and
 * VMAs it write-locks. mmap: the neighbour it merges with (vma_merge); munmap: the
 * VMA it removes, replaced later by a fresh one without anon_vma; mprotect: the VMA
 * it changes; brk: the heap VMA it expands. Holds are assumptions (docs/simulator.md).
 */
const WRITER_KINDS: Array<{ kind: string; hold: number; description: string }> = [
  { kind: 'mmap', hold: 10, description: 'mmap calls per second; each write-locks the neighbour VMA it merges with' },
  { kind: 'munmap', hold: 40, description: 'munmap calls per second (TLB shootdown included in the hold); each write-locks and replaces one VMA' },
  { kind: 'mprotect', hold: 15, description: 'mprotect calls per second; each write-locks the VMA it changes' },
  { kind: 'brk', hold: 10, description: 'brk calls per second; each write-locks the heap VMA' },
];

function writerKindKeys(): KeySpec[] {
  return WRITER_KINDS.flatMap((w) => [
    { key: `${w.kind}_per_s`, type: 'number' as const, default: 0, unit: '1/s', min: 0, max: 1e6, description: w.description },
    { key: `${w.kind}_hold_us`, type: 'number' as const, default: w.hold, unit: 'us', min: 0, max: 1e5, description: `mean mmap_lock write hold of ${w.kind} (exponential)` },
  ]);
}

function writerChecks(p: Params): Array<[string, string]> {
  let load = (p.writers_per_s as number) * (p.writer_hold_us as number);
  for (const w of WRITER_KINDS) load += ((p[`${w.kind}_per_s`] as number) ?? 0) * ((p[`${w.kind}_hold_us`] as number) ?? 0);
  if (load >= 0.95e6)
    return [['writers_per_s', `the writers (writers_per_s x writer_hold_us plus each kind's _per_s x _hold_us) would hold mmap_lock ${(load / 1e6).toFixed(2)} of the time: must stay below 0.95 (writers alone would saturate the lock); lower the rates or the holds`]];
  return [];
}

function anonVmas(n: number, anonVma: boolean): VmaSpec[] {
  return Array.from({ length: n }, () => ({ kind: VmaKind.Anon, anonVma, mapPages: true, uffd: false }));
}

/** The writer groups: the generic writers, then each writer kind with a rate. `heap` is the VMA brk expands. */
function writerGroups(p: Params, vmaLo: number, vmaHi: number, replaceProb: number, heap = vmaLo): GroupSpec[] {
  const out: GroupSpec[] = [];
  const open = (name: string, rate: number, holdUs: number, lo: number, hi: number, locked: number, replace: number): void => {
    if (!(rate > 0) || hi <= lo) return;
    out.push({
      name, kind: 'open', threads: 0, thinkUs: 0, ratePerUs: rate / 1e6, maxArrivals: Infinity,
      op: { type: 'write', writer: { holdUs, holdDist: 'exp', vmaLo: lo, vmaHi: hi, vmasLocked: Math.min(locked, hi - lo), replaceProb: replace } },
    });
  };
  open('writers', p.writers_per_s as number, p.writer_hold_us as number, vmaLo, vmaHi, (p.writer_vmas as number) ?? 1, replaceProb);
  const rate = (k: string): number => (p[`${k}_per_s`] as number) ?? 0;
  const hold = (k: string): number => p[`${k}_hold_us`] as number;
  open('mmap', rate('mmap'), hold('mmap'), vmaLo, vmaHi, 1, 0);
  open('munmap', rate('munmap'), hold('munmap'), vmaLo, vmaHi, 1, 1);
  open('mprotect', rate('mprotect'), hold('mprotect'), vmaLo, vmaHi, 1, 0);
  open('brk', rate('brk'), hold('brk'), heap, heap + 1, 1, 0);
  return out;
}

function baseSpec(p: Params, vmas: VmaSpec[], groups: GroupSpec[], durationUs: number): ModelSpec {
  return {
    cpus: p.cpus as number, sockets: p.sockets as number, smt: p.smt as number,
    kernel: kernelOf(p), perVmaLocks: p.per_vma_locks as boolean, anonVmaCheck: anonPolicy(p),
    faultAroundPages: 16, vmas, groups, costs: costsOf(p), durationUs, maxEvents: p.max_events as number, timelineThreads: 8,
  };
}

// ---- pft: calibrated service time ------------------------------------------

/**
 * CPU time of one anonymous write fault on the pft machine outside the lock
 * word, us: calibrated so that 1 thread gives pft's 898,782 faults/s
 * (1.1126 us per fault) with the lookup and the uncontended line operations.
 */
export const PFT_FAULT_US = 1.06;

// ---- the scenarios ----------------------------------------------------------

const mm1: ScenarioDef = {
  info: {
    name: 'mm1',
    description: 'Writers only: Poisson arrivals take mmap_lock for write and hold it; no CPU, cache-line or wake-up costs, so it is exactly an M/M/1 (or M/D/1) queue. Checks the engine against the formulas.',
    keys: [
      { key: 'arrival_rate_per_s', type: 'number', default: 80000, unit: '1/s', min: 1e-3, max: 1e9, description: 'writer arrivals per second (lambda)' },
      { key: 'hold_us', type: 'number', default: 10, unit: 'us', min: 1e-3, max: 1e7, description: 'mean write hold (1/mu)' },
      { key: 'service', type: 'enum', default: 'exponential', values: ['exponential', 'deterministic'], description: 'hold distribution: M/M/1 or M/D/1' },
      { key: 'count', type: 'int', default: 1_000_000, min: 1, max: 20_000_000, description: 'arrivals' },
      k.maxEvents(),
    ],
  },
  check: (p) => {
    const rho = (p.arrival_rate_per_s as number) * (p.hold_us as number) / 1e6;
    return rho >= 1 ? [['arrival_rate_per_s', `utilisation rho = arrival_rate_per_s x hold_us = ${rho.toFixed(3)} must be below 1 (the queue would grow without bound)`]] : [];
  },
  build: (p) => {
    const zero: Costs = {
      ...DEFAULT_COSTS, lineHitUs: 0, lineLocalUs: 0, lineRemoteUs: 0, lookupUs: 0, wakeUs: 0, ctxSwitchUs: 0,
      uncoreBeta: 0, writerSpin: false, handoffUs: Infinity,
    };
    const rate = (p.arrival_rate_per_s as number) / 1e6;
    const count = p.count as number;
    return {
      spec: {
        cpus: 0, sockets: 1, smt: 1, kernel: 612, perVmaLocks: false, anonVmaCheck: 'late', faultAroundPages: 1, vmas: [],
        groups: [{
          name: 'writers', kind: 'open', threads: 0, thinkUs: 0, ratePerUs: rate, maxArrivals: count, bounds: true,
          op: { type: 'write', writer: { holdUs: p.hold_us as number, holdDist: p.service === 'deterministic' ? 'det' : 'exp', vmaLo: 0, vmaHi: 0, vmasLocked: 0, replaceProb: 0 } },
        }],
        costs: zero, durationUs: Infinity, maxEvents: p.max_events as number, timelineThreads: 0,
      },
      horizonUs: count / rate,
    };
  },
};

const seedText: ScenarioDef = {
  info: {
    name: 'seed-text',
    description: "The thread's workload: 10,000 threads on an 8-socket machine fault in an 800 MB private text mapping with no anon_vma, once per page, while other threads mmap/munmap. Compare anon_vma_check=early, early-anon and late.",
    keys: [
      ...machineKeys(10000, 100000, 448, 8, 2),
      { key: 'text_mb', type: 'number', default: 800, unit: 'MB', min: 0.004, max: 65536, description: 'size of the private file text mapping' },
      { key: 'page_cache', type: 'enum', default: 'warm', values: ['warm', 'cold'], description: 'text pages already in the page cache (warm) or read from disk (cold: the fault waits for I/O, drops its lock and retries under mmap_lock)' },
      { key: 'fault_around_pages', type: 'int', default: 1, min: 1, max: 512, description: 'pages mapped per text fault (fault_around_bytes / 4096)' },
      { key: 'think_us', type: 'number', default: 1000, unit: 'us', min: 0, max: 1e6, description: 'mean user time a thread runs between two first touches of text pages' },
      { key: 'text_fault_us', type: 'number', default: 1.0, unit: 'us', min: 0.01, max: 1e4, description: 'mean CPU time of a text read fault (page-cache hit, map one page)' },
      { key: 'io_us', type: 'number', default: 100, unit: 'us', min: 0, max: 1e6, description: 'mean read I/O of a cold text page' },
      k.writersPerS(1000), k.writerHold(30), k.writerVmas(1), ...writerKindKeys(),
      k.anonCheck('late'), k.kernel('6.12'), k.perVma(true), k.duration(1, 60),
      ...tuningKeys(),
    ],
  },
  check: (p) => [...machineChecks(p), ...writerChecks(p)],
  build: (p) => {
    const pages = Math.ceil((p.text_mb as number) * 256);
    const fa = p.fault_around_pages as number;
    // VMA 0: the text (private file, no anon_vma). 1..64: heap, stacks, mmaps the writers change.
    const vmas: VmaSpec[] = [{ kind: VmaKind.PrivateFile, anonVma: false, mapPages: true, uffd: false }, ...anonVmas(64, true)];
    const spec = baseSpec(p, vmas, [], (p.duration_s as number) * 1e6);
    spec.faultAroundPages = fa;
    spec.costs.ioUs = p.io_us as number;
    spec.groups.push({
      name: 'faulters', kind: 'closed', threads: p.threads as number, thinkUs: p.think_us as number, ratePerUs: 0, maxArrivals: 0,
      work: Math.ceil(pages / fa), bounds: true,
      op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.FileRead, vmaLo: 0, vmaHi: 1, serviceUs: (p.text_fault_us as number) * (1 + 0.05 * (fa - 1)), ioProb: p.page_cache === 'cold' ? 1 : 0 }] },
    });
    spec.groups.push(...writerGroups(p, 1, 65, 0.5));
    return { spec, horizonUs: spec.durationUs };
  },
};

const pft: ScenarioDef = {
  info: {
    name: 'pft',
    description: "mmtests pft: threads fault in anonymous memory back to back, on one shared VMA or a VMA each; faults.per_s is pft's faults/sec. Machine defaults: the primer's Ice Lake (2 sockets x 32 cores x 2).",
    keys: [
      ...machineKeys(128, 4096, 128, 2, 2),
      { key: 'vma_per_thread', type: 'bool', default: false, description: 'each thread faults its own VMA (else one shared VMA)' },
      k.perVma(true), k.kernel('6.4'), k.anonCheck('auto'),
      { key: 'fault_us', type: 'number', default: PFT_FAULT_US, unit: 'us', min: 0.01, max: 1e4, description: 'CPU time of one anonymous fault outside the lock word (calibrated on pft, 1 thread)' },
      k.writersPerS(0), k.writerHold(10), k.writerVmas(1), ...writerKindKeys(),
      k.duration(0.02, 1),
      { key: 'uncore_beta', type: 'number', default: DEFAULT_COSTS.uncoreBeta, min: 0, max: 10, description: 'fault slow-down per other core of the socket faulting at the same time (memory and uncore contention)' },
      { key: 'smt_factor', type: 'number', default: DEFAULT_COSTS.smtFactor, min: 1, max: 4, description: 'fault slow-down when the SMT sibling is busy' },
      { key: 'vma_line_factor', type: 'number', default: DEFAULT_COSTS.vmaLineFactor, min: 0.1, max: 10, description: 'cost of a per-VMA lock-word transfer relative to mmap_lock\'s (calibrated on pft)' },
      ...tuningKeys(),
    ],
  },
  check: (p) => [...machineChecks(p), ...writerChecks(p)],
  build: (p) => {
    const n = p.threads as number;
    const perThread = p.vma_per_thread as boolean;
    const vmas = anonVmas(perThread ? n : 1, true);
    const spec = baseSpec(p, vmas, [], (p.duration_s as number) * 1e6);
    spec.costs.uncoreBeta = p.uncore_beta as number;
    spec.costs.smtFactor = p.smt_factor as number;
    spec.costs.vmaLineFactor = p.vma_line_factor as number;
    spec.groups.push({
      name: 'pft', kind: 'closed', threads: n, thinkUs: 0, ratePerUs: 0, maxArrivals: 0,
      op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.AnonWrite, vmaLo: 0, vmaHi: vmas.length, own: perThread, serviceUs: p.fault_us as number, ioProb: 0 }] },
    });
    spec.groups.push(...writerGroups(p, 0, vmas.length, 0));
    return { spec, horizonUs: spec.durationUs };
  },
};

const appLaunch: ScenarioDef = {
  info: {
    name: 'app-launch',
    description: 'An Android-like app cold/warm start: about 100 threads on 8 CPUs fault in libraries, dex files and fresh heap while the runtime maps and unmaps memory at a high rate. The run ends when every thread has done its faults: simulated_s is the launch time.',
    keys: [
      ...machineKeys(100, 10000, 8, 1, 1),
      { key: 'faults_per_thread', type: 'int', default: 1000, min: 1, max: 1_000_000, description: 'faults each thread takes during the launch' },
      { key: 'think_us', type: 'number', default: 20, unit: 'us', min: 0, max: 1e6, description: 'mean user time between two faults of a thread' },
      { key: 'vma_count', type: 'int', default: 400, min: 2, max: 100000, description: 'VMAs of the process (libraries, dex, heap, stacks)' },
      { key: 'new_vma_share', type: 'number', default: 0.3, min: 0, max: 1, description: 'share of the writers that replace a VMA (munmap+mmap: the new one has no anon_vma yet)' },
      k.writersPerS(5000), k.writerHold(20), k.writerVmas(1), ...writerKindKeys(),
      k.anonCheck('auto'), k.kernel('6.12'), k.perVma(true), k.duration(10, 60),
      ...tuningKeys(),
    ],
  },
  check: (p) => [...machineChecks(p), ...writerChecks(p)],
  build: (p) => {
    const n = p.vma_count as number;
    const nFile = Math.floor(n / 2), nShared = Math.max(1, Math.floor(n / 20)), nAnon = Math.max(1, n - nFile - nShared);
    const vmas: VmaSpec[] = [
      ...Array.from({ length: nFile }, () => ({ kind: VmaKind.PrivateFile, anonVma: false, mapPages: true, uffd: false })),
      ...Array.from({ length: nShared }, () => ({ kind: VmaKind.SharedFile, anonVma: false, mapPages: true, uffd: false })),
      ...anonVmas(nAnon, false),
    ];
    const a0 = nFile + nShared, a1 = a0 + nAnon;
    const spec = baseSpec(p, vmas, [], (p.duration_s as number) * 1e6);
    const threads = p.threads as number;
    const mix: FaultMixEntry[] = [
      { weight: 45, kind: FaultKind.FileRead, vmaLo: 0, vmaHi: nFile, serviceUs: 1.5, ioProb: 0.02 },
      { weight: 5, kind: FaultKind.FileWrite, vmaLo: 0, vmaHi: nFile, serviceUs: 2.0, ioProb: 0 },
      { weight: 5, kind: FaultKind.FileRead, vmaLo: nFile, vmaHi: a0, serviceUs: 1.5, ioProb: 0.02 },
      { weight: 15, kind: FaultKind.AnonRead, vmaLo: a0, vmaHi: a1, serviceUs: 0.8, ioProb: 0 },
      { weight: 30, kind: FaultKind.AnonWrite, vmaLo: a0, vmaHi: a1, serviceUs: 1.1, ioProb: 0 },
    ];
    spec.groups.push({
      name: 'app', kind: 'closed', threads, thinkUs: p.think_us as number, ratePerUs: 0, maxArrivals: 0,
      work: threads * (p.faults_per_thread as number), bounds: true, op: { type: 'fault', mix },
    });
    spec.groups.push(...writerGroups(p, a0, a1, p.new_vma_share as number));
    return { spec, horizonUs: spec.durationUs };
  },
};

const writerStorm: ScenarioDef = {
  info: {
    name: 'writer-storm',
    description: 'A burst of mmap/munmap writers against steady page faults on a 64-CPU machine: shows fair-rwsem blocking, optimistic spinning and the 4 ms handoff bounding writer starvation.',
    keys: [
      ...machineKeys(64, 10000, 64, 2, 1),
      { key: 'think_us', type: 'number', default: 5, unit: 'us', min: 0, max: 1e6, description: 'mean user time between two faults of a thread' },
      { key: 'vma_count', type: 'int', default: 32, min: 1, max: 100000, description: 'anonymous VMAs the faults and writers spread over' },
      k.writersPerS(40000), k.writerHold(10), k.writerVmas(1), ...writerKindKeys(),
      k.anonCheck('auto'), k.kernel('6.12'), k.perVma(true), k.duration(0.1, 10),
      ...tuningKeys(),
    ],
  },
  check: (p) => [...machineChecks(p), ...writerChecks(p)],
  build: (p) => {
    const n = p.vma_count as number;
    const spec = baseSpec(p, anonVmas(n, true), [], (p.duration_s as number) * 1e6);
    spec.groups.push({
      name: 'faulters', kind: 'closed', threads: p.threads as number, thinkUs: p.think_us as number, ratePerUs: 0, maxArrivals: 0,
      op: { type: 'fault', mix: [{ weight: 1, kind: FaultKind.AnonWrite, vmaLo: 0, vmaHi: n, serviceUs: 1.1, ioProb: 0 }] },
    });
    spec.groups.push(...writerGroups(p, 0, n, 0));
    return { spec, horizonUs: spec.durationUs };
  },
};

const PATH_FALLBACKS = ['none', 'anon_vma', 'no_map_pages', 'io', 'uffd', 'swap', 'hugetlb'] as const;

const path: ScenarioDef = {
  info: {
    name: 'path',
    description: "One code path as the operation threads run (from a function's lock profile): its lock (per-VMA with fallback, mmap_lock read or write, none), its service time and fallback, against background faults and mmap writers.",
    keys: [
      ...machineKeys(16, 10000, 16, 1, 1),
      { key: 'path_lock', type: 'enum', default: 'vma', values: ['vma', 'mmap_read', 'mmap_write', 'none'], description: 'lock the path runs under: per-VMA lock (falls back to mmap_lock read), mmap_lock read, mmap_lock write, none' },
      { key: 'path_service_us', type: 'number', default: 2, unit: 'us', min: 0, max: 1e6, description: 'mean CPU time of the path under its lock' },
      { key: 'path_think_us', type: 'number', default: 50, unit: 'us', min: 0, max: 1e7, description: 'mean time between two runs of the path in a thread' },
      { key: 'path_fallback', type: 'enum', default: 'none', values: [...PATH_FALLBACKS], description: 'why the path leaves the per-VMA lock (path_lock=vma): needs an anon_vma, ->fault without ->map_pages, waits for I/O, userfaultfd, swap-in, hugetlb' },
      { key: 'path_fallback_prob', type: 'number', default: 0.1, min: 0, max: 1, description: 'share of the runs in which the fallback condition holds' },
      { key: 'anon_vma_present', type: 'bool', default: true, description: 'the VMA already has an anon_vma (path_fallback=anon_vma never triggers then)' },
      { key: 'path_vma_kind', type: 'enum', default: 'anon', values: ['anon', 'private_file', 'shared_file'], description: 'kind of VMA the path works on' },
      { key: 'path_writer_vmas', type: 'int', default: 1, min: 0, max: 8, description: 'VMAs the path write-locks (path_lock=mmap_write)' },
      { key: 'vma_count', type: 'int', default: 64, min: 1, max: 100000, description: 'VMAs of the process' },
      { key: 'bg_threads', type: 'int', default: 16, min: 0, max: 100000, description: 'background threads taking ordinary anonymous and file faults' },
      { key: 'bg_think_us', type: 'number', default: 100, unit: 'us', min: 0, max: 1e7, description: 'mean user time between two faults of a background thread' },
      k.writersPerS(1000), k.writerHold(20), k.writerVmas(1), ...writerKindKeys(),
      { key: 'io_us', type: 'number', default: 100, unit: 'us', min: 0, max: 1e6, description: 'mean I/O (or userfaultfd) wait of a fallback that waits' },
      k.anonCheck('auto'), k.kernel('6.12'), k.perVma(true), k.duration(0.5, 60),
      ...tuningKeys(),
    ],
  },
  check: (p) => [...machineChecks(p), ...writerChecks(p)],
  build: (p) => {
    const n = p.vma_count as number;
    const kindName = p.path_vma_kind as string;
    const kind = kindName === 'anon' ? VmaKind.Anon : kindName === 'private_file' ? VmaKind.PrivateFile : VmaKind.SharedFile;
    const fallback = p.path_fallback as typeof PATH_FALLBACKS[number];
    const present = p.anon_vma_present as boolean;
    const vmas: VmaSpec[] = Array.from({ length: n }, () => ({ kind, anonVma: present && kind !== VmaKind.SharedFile, mapPages: true, uffd: false }));
    const spec = baseSpec(p, vmas, [], (p.duration_s as number) * 1e6);
    spec.costs.ioUs = p.io_us as number;
    const lock = p.path_lock as string;
    const svc = p.path_service_us as number;
    const prob = fallback === 'none' || (fallback === 'anon_vma' && present) ? 0 : p.path_fallback_prob as number;
    const pathKind = kind === VmaKind.Anon ? FaultKind.AnonRead : FaultKind.FileRead;
    let op: GroupSpec['op'];
    if (lock === 'mmap_write') {
      op = { type: 'write', writer: { holdUs: svc, holdDist: 'exp', vmaLo: 0, vmaHi: n, vmasLocked: Math.min(p.path_writer_vmas as number, n), replaceProb: 0 } };
    } else if (lock === 'none') {
      op = { type: 'fault', mix: [{ weight: 1, kind: FaultKind.NoLockOp, vmaLo: 0, vmaHi: n, serviceUs: svc, ioProb: 0 }] };
    } else if (lock === 'mmap_read') {
      op = { type: 'fault', mix: [{ weight: 1, kind: FaultKind.MmapReadOp, vmaLo: 0, vmaHi: n, serviceUs: svc, ioProb: 0 }] };
    } else {
      const entry: FaultMixEntry = { weight: 1, kind: pathKind, vmaLo: 0, vmaHi: n, serviceUs: svc, ioProb: 0 };
      if (prob > 0) { entry.forcedRetry = fallback as FaultMixEntry['forcedRetry']; entry.forcedRetryProb = prob; }
      op = { type: 'fault', mix: [entry] };
    }
    spec.groups.push({ name: 'path', kind: 'closed', threads: p.threads as number, thinkUs: p.path_think_us as number, ratePerUs: 0, maxArrivals: 0, op });
    const bg = p.bg_threads as number;
    if (bg > 0) {
      spec.groups.push({
        name: 'background', kind: 'closed', threads: bg, thinkUs: p.bg_think_us as number, ratePerUs: 0, maxArrivals: 0,
        op: { type: 'fault', mix: kind === VmaKind.Anon ? [
          { weight: 60, kind: FaultKind.AnonWrite, vmaLo: 0, vmaHi: n, serviceUs: 1.1, ioProb: 0 },
          { weight: 40, kind: FaultKind.AnonRead, vmaLo: 0, vmaHi: n, serviceUs: 0.8, ioProb: 0 },
        ] : [{ weight: 1, kind: FaultKind.FileRead, vmaLo: 0, vmaHi: n, serviceUs: 1.0, ioProb: 0 }] },
      });
    }
    spec.groups.push(...writerGroups(p, 0, n, 0));
    return { spec, horizonUs: spec.durationUs };
  },
};

/** What the user should know about how the parameters were read (printed with the results). */
export function configNotes(p: Params): string[] {
  const notes: string[] = [];
  if (typeof p.kernel_version !== 'string') return notes;
  const v = version(p.kernel_version);
  if (v > version(NEWEST_KERNEL)) notes.push(`kernel_version ${p.kernel_version} is newer than the newest kernel the model knows (${NEWEST_KERNEL}): simulated as ${NEWEST_KERNEL}`);
  if (v < 604) {
    if (p.per_vma_locks === true) notes.push(`kernel_version ${p.kernel_version} has no per-VMA locks (they came in 6.4): every fault takes mmap_lock; per_vma_locks is ignored`);
    if (p.anon_vma_check !== undefined && p.anon_vma_check !== 'auto') notes.push(`anon_vma_check=${p.anon_vma_check} has no effect before 6.4 (no per-VMA locks)`);
  } else if (p.per_vma_locks === false && p.anon_vma_check !== undefined && p.anon_vma_check !== 'auto') {
    notes.push(`anon_vma_check=${p.anon_vma_check} has no effect with per_vma_locks=false`);
  }
  return notes;
}

export const SCENARIOS: ScenarioDef[] = [mm1, seedText, pft, appLaunch, writerStorm, path];
