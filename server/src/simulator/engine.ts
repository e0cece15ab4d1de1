/**
 * The discrete-event engine: threads on CPUs, mmap_lock as the kernel's
 * rwsem, per-VMA locks, the x86 fault path with its fallbacks, mmap writers.
 * One event queue (heap.ts), one seeded PRNG (rng.ts), constant-memory
 * statistics (histogram.ts). Threads are struct-of-arrays indexed by id; each
 * thread has at most one valid pending event (its sequence number is kept,
 * so cancelling is forgetting the number).
 *
 * Mechanisms and their kernel sources are described in docs/simulator.md.
 */
import { EventHeap } from './heap';
import { LatencyHistogram } from './histogram';
import { Rng } from './rng';
import { FaultKind, ModelSpec, GroupSpec, VmaKind, FaultMixEntry } from './model';

// Phases: what a thread does when its event fires.
const PH_THINK_END = 1;
const PH_OP_BEGIN = 2;
const PH_VMA_TRY = 3;
const PH_VMA_SVC_END = 4;
const PH_VMA_RETRY = 5;
const PH_VMA_IO_DROP = 6;
const PH_MMAP_START = 7;
const PH_MMAP_GRANTED = 8;
const PH_MMAP_SVC_END = 9;
const PH_MMAP_IO_DROP = 10;
const PH_IO_DONE = 11;
const PH_W_LOCKED = 12;
const PH_W_SPIN_END = 13;
const PH_W_HOLD_END = 14;
const PH_NOLOCK_END = 15;
const PH_W_RETRY = 16;
const PH_W_VMA_NEXT = 17;

// Thread flags.
const F_IN_FAULT = 1;
const F_IO_DONE = 2;
const F_WRITER = 4;
const F_UNCORE = 8;
const F_THINKING = 16;
const F_WOKEN = 32;
const F_TIMELINE = 64;
const F_STOPPED = 128;
const F_NEED_IO = 256;
const F_FORCED = 512;
const F_QUEUED = 1024;

/** Fallback causes, counted in `fallbacks`. */
export const CAUSES = [
  'write_locked', 'file_vma', 'uffd', 'anon_vma_early', 'anon_vma', 'swap', 'hugetlb',
  'file_fault_6_6', 'no_map_pages', 'io',
] as const;
const C_WRITE_LOCKED = 0, C_FILE_VMA = 1, C_UFFD = 2, C_ANON_EARLY = 3, C_ANON = 4, C_SWAP = 5,
  C_HUGETLB = 6, C_FILE_66 = 7, C_NO_MAP_PAGES = 8, C_IO = 9;

/** Timeline states (`timeline` in the result). */
export const TL_STATES = ['user', 'cpu_wait', 'vma_read', 'mmap_read_wait', 'mmap_read', 'mmap_write_wait', 'mmap_write', 'io_wait', 'spin', 'idle', 'nolock'] as const;
const TL_USER = 0, TL_CPU_WAIT = 1, TL_VMA_READ = 2, TL_MR_WAIT = 3, TL_MR = 4, TL_MW_WAIT = 5, TL_MW = 6, TL_IO = 7, TL_SPIN = 8, TL_IDLE = 9, TL_NOLOCK = 10;
const TL_MAX_SEGMENTS = 300;
const THROUGHPUT_BUCKETS = 100;

interface GroupState {
  spec: GroupSpec;
  cumWeights: Float64Array;
  remaining: number;   // finite work left (Infinity when none)
  active: number;      // threads alive (closed) or in flight (open)
  arrivals: number;
  ops: number;
  isWriter: boolean;
  firstThread: number;
  lat: LatencyHistogram;
}

export class Engine {
  readonly spec: ModelSpec;
  private rng: Rng;
  private heap = new EventHeap(4096);
  now = 0;
  events = 0;
  done = false;
  truncated = false;
  private unlimited: boolean;

  // Threads.
  private cap = 0;
  private nThreads = 0;
  private freeThreads: number[] = [];
  private grp!: Int32Array; private phase!: Int32Array; private cpu!: Int32Array; private flags!: Int32Array;
  private seqv!: Float64Array; private evTime!: Float64Array; private opStart!: Float64Array; private reqTime!: Float64Array;
  private vma!: Int32Array; private fkind!: Int32Array; private mixIdx!: Int32Array; private gen!: Int32Array;
  private resumePhase!: Int32Array; private resumeDelay!: Float64Array; private sliceStart!: Float64Array;
  private idxInGroup!: Int32Array; private cause!: Int32Array; private wqNext!: Int32Array; private wqPrev!: Int32Array;
  private wVmas!: Int32Array; private wCount!: Int32Array; private wPos!: Int32Array; private holdLeft!: Float64Array;
  private tlIndex!: Int32Array;

  // CPUs.
  private nCpus: number;
  private cpuThread: Int32Array;
  private freeCpus: Int32Array;
  private freeTop = 0;
  private rq: Int32Array = new Int32Array(1024);
  private rqHead = 0;
  private rqLen = 0;
  private coresPerSocket: number;
  private coreFaulting: Int32Array;
  private cpuCore: Int32Array;
  private cpuSocket: Int32Array;
  private socketCores: Int32Array;

  // Lock words (cache lines): 0 = mmap_lock, 1 + v = VMA v's lock.
  private lineFree: Float64Array;
  private lineCpu: Int32Array;

  // mmap_lock rwsem.
  private rcount = 0;
  private wowner = -1;
  private wqHead = -1;
  private wqTail = -1;
  private wqLen = 0;
  private handoff = false;
  private spinner = -1;

  // VMAs.
  private nVmas: number;
  private vmaKind: Int32Array; private vmaAnon: Uint8Array; private vmaMapPages: Uint8Array; private vmaUffd: Uint8Array;
  private vmaGen: Int32Array; private vmaReaders: Int32Array; private vmaWriteLocked: Uint8Array; private vmaWriterWait: Int32Array;

  private groups: GroupState[] = [];
  private boundedLeft = 0;
  private perVma: boolean;
  /** Per-VMA lock-word cost factor: 6.15+ (vm_refcnt in the VMA itself) is cheaper. */
  private vmaFactor: number;
  private refcountVma: boolean;

  // Statistics.
  readonly faultLat = new LatencyHistogram();
  readonly writerLat = new LatencyHistogram();
  readonly writerWait = new LatencyHistogram();
  readonly readWait = new LatencyHistogram();
  readonly writeWait = new LatencyHistogram();
  readAcq = 0;
  writeAcq = 0;
  readonly vmaCounters = { success: 0, retry: 0, abort: 0, miss: 0 };
  readonly causeCounts = new Float64Array(CAUSES.length);
  readonly breakdown = { lookup: 0, line: 0, service: 0, mmap_read_wait: 0, vma_write_drain: 0, io_wait: 0, anon_vma_prepare: 0 };
  readonly faultsPerBucket = new Float64Array(THROUGHPUT_BUCKETS);
  readonly writersPerBucket = new Float64Array(THROUGHPUT_BUCKETS);
  readonly bucketUs: number;
  readonly horizonUs: number;
  private lastFaultEnd = 0;
  readonly timeline: Array<{ thread: number; group: string; segments: Array<[number, number]> }> = [];
  private timelineWriters = 0;
  /** Every operation, when spec.logOps (tests). */
  readonly opLog: Array<{ group: string; index: number; start: number; end: number }> | undefined;

  constructor(spec: ModelSpec, seed: number, horizonUs: number) {
    this.spec = spec;
    this.rng = new Rng(seed);
    this.unlimited = spec.cpus === 0;
    this.perVma = spec.perVmaLocks && spec.kernel >= 604;
    this.refcountVma = spec.kernel >= 615;
    this.vmaFactor = spec.costs.vmaLineFactor * (this.refcountVma ? spec.costs.vmaRefcountFactor : 1);
    this.horizonUs = horizonUs;
    this.opLog = spec.logOps ? [] : undefined;
    this.bucketUs = horizonUs / THROUGHPUT_BUCKETS;

    this.nCpus = spec.cpus;
    this.cpuThread = new Int32Array(Math.max(1, spec.cpus)).fill(-1);
    this.freeCpus = new Int32Array(Math.max(1, spec.cpus));
    const smt = Math.max(1, spec.smt);
    const cores = Math.max(1, Math.floor(spec.cpus / smt));
    this.coresPerSocket = Math.max(1, Math.ceil(cores / Math.max(1, spec.sockets)));
    this.coreFaulting = new Int32Array(cores + 1);
    this.cpuCore = new Int32Array(Math.max(1, spec.cpus));
    this.cpuSocket = new Int32Array(Math.max(1, spec.cpus));
    for (let c = 0; c < spec.cpus; c++) {
      this.cpuCore[c] = smt > 1 ? Math.floor(c / smt) : c;
      this.cpuSocket[c] = Math.floor(this.cpuCore[c] / this.coresPerSocket);
    }
    this.socketCores = new Int32Array(Math.max(1, spec.sockets) + 1);
    // Free CPUs in the order Linux's idle balancing fills them: one core per
    // socket in turn, siblings last. A stack: the last pushed is taken first.
    const order: number[] = [];
    for (let h = 0; h < smt; h++)
      for (let c = 0; c < this.coresPerSocket; c++)
        for (let s = 0; s < spec.sockets; s++) {
          const core = s * this.coresPerSocket + c;
          const id = core * smt + h;
          if (core < cores && id < spec.cpus) order.push(id);
        }
    for (let id = 0; id < spec.cpus; id++) if (!order.includes(id)) order.push(id);
    for (let i = order.length - 1; i >= 0; i--) this.freeCpus[this.freeTop++] = order[i];

    this.nVmas = spec.vmas.length;
    const V = this.nVmas;
    this.vmaKind = new Int32Array(V); this.vmaAnon = new Uint8Array(V); this.vmaMapPages = new Uint8Array(V); this.vmaUffd = new Uint8Array(V);
    this.vmaGen = new Int32Array(V); this.vmaReaders = new Int32Array(V); this.vmaWriteLocked = new Uint8Array(V); this.vmaWriterWait = new Int32Array(V).fill(-1);
    spec.vmas.forEach((v, i) => {
      this.vmaKind[i] = v.kind; this.vmaAnon[i] = v.anonVma ? 1 : 0; this.vmaMapPages[i] = v.mapPages ? 1 : 0; this.vmaUffd[i] = v.uffd ? 1 : 0;
    });
    this.lineFree = new Float64Array(V + 1);
    this.lineCpu = new Int32Array(V + 1).fill(-3);

    let closedThreads = 0;
    for (const g of spec.groups) if (g.kind === 'closed') closedThreads += g.threads;
    this.allocThreads(Math.max(64, closedThreads + 64));

    for (const g of spec.groups) {
      const cum = new Float64Array(g.op.type === 'fault' ? g.op.mix.length : 0);
      if (g.op.type === 'fault') { let acc = 0; g.op.mix.forEach((m, i) => { acc += m.weight; cum[i] = acc; }); }
      const st: GroupState = {
        spec: g, cumWeights: cum, remaining: g.work ?? Infinity, active: 0, arrivals: 0, ops: 0,
        isWriter: g.op.type === 'write', firstThread: -1, lat: new LatencyHistogram(),
      };
      this.groups.push(st);
      if (g.bounds) this.boundedLeft++;
    }
    // Closed threads start thinking at time 0 (a random phase of their think time).
    this.groups.forEach((st, gi) => {
      const g = st.spec;
      if (g.kind === 'closed') {
        st.firstThread = this.nThreads;
        for (let i = 0; i < g.threads; i++) {
          const t = this.newThread(gi);
          this.idxInGroup[t] = i;
          st.active++;
          if (gi === 0 && i < spec.timelineThreads) this.startTimeline(t, g.name);
          this.runOn(t, PH_THINK_END, g.thinkUs > 0 ? this.rng.exp(g.thinkUs) : 0, false, true);
        }
      } else if (g.kind === 'script') {
        const starts = g.starts ?? [];
        for (let i = 0; i < starts.length; i++) {
          const t = this.newThread(gi);
          this.idxInGroup[t] = i;
          st.active++;
          this.runOn(t, PH_OP_BEGIN, starts[i], false, true);
        }
      } else if (g.ratePerUs > 0 && g.maxArrivals > 0) {
        st.active = 0;
        this.heap.push(this.rng.exp(1 / g.ratePerUs), -(gi + 1));
      }
    });
  }

  // ---- threads -------------------------------------------------------------

  private allocThreads(cap: number): void {
    const grow = <T extends Int32Array | Float64Array>(old: T | undefined, make: (n: number) => T, fill?: number): T => {
      const a = make(cap);
      if (fill !== undefined) a.fill(fill);
      if (old) a.set(old);
      return a;
    };
    const I = (n: number) => new Int32Array(n), F = (n: number) => new Float64Array(n);
    this.grp = grow(this.grp, I); this.phase = grow(this.phase, I); this.cpu = grow(this.cpu, I, -1); this.flags = grow(this.flags, I);
    this.seqv = grow(this.seqv, F, -1); this.evTime = grow(this.evTime, F); this.opStart = grow(this.opStart, F); this.reqTime = grow(this.reqTime, F);
    this.vma = grow(this.vma, I); this.fkind = grow(this.fkind, I); this.mixIdx = grow(this.mixIdx, I); this.gen = grow(this.gen, I);
    this.resumePhase = grow(this.resumePhase, I); this.resumeDelay = grow(this.resumeDelay, F); this.sliceStart = grow(this.sliceStart, F);
    this.idxInGroup = grow(this.idxInGroup, I); this.cause = grow(this.cause, I); this.wqNext = grow(this.wqNext, I, -1); this.wqPrev = grow(this.wqPrev, I, -1);
    this.wCount = grow(this.wCount, I); this.wPos = grow(this.wPos, I); this.holdLeft = grow(this.holdLeft, F); this.tlIndex = grow(this.tlIndex, I, -1);
    const w = new Int32Array(cap * 8);
    if (this.wVmas) w.set(this.wVmas);
    this.wVmas = w;
    this.cap = cap;
  }

  private newThread(g: number): number {
    let t: number;
    let fresh = false;
    if (this.freeThreads.length) t = this.freeThreads.pop()!;
    else {
      if (this.nThreads === this.cap) this.allocThreads(this.cap * 2);
      t = this.nThreads++;
      fresh = true;
    }
    // A pooled thread slot (open groups) keeps its timeline: it shows the arrivals it served.
    this.flags[t] = this.tlIndex[t] >= 0 && !fresh ? F_TIMELINE : 0;
    this.grp[t] = g; this.cpu[t] = -1; this.seqv[t] = -1; this.wqNext[t] = -1; this.wqPrev[t] = -1;
    if (fresh) this.tlIndex[t] = -1;
    return t;
  }

  private sched(t: number, ph: number, at: number): void {
    this.phase[t] = ph;
    this.evTime[t] = at;
    this.seqv[t] = this.heap.push(at, t);
  }

  // ---- timeline ------------------------------------------------------------

  private startTimeline(t: number, group: string): void {
    this.tlIndex[t] = this.timeline.length;
    this.flags[t] |= F_TIMELINE;
    this.timeline.push({ thread: this.timeline.length, group, segments: [] });
  }

  private tl(t: number, state: number, at = this.now): void {
    if (!(this.flags[t] & F_TIMELINE)) return;
    const segs = this.timeline[this.tlIndex[t]].segments;
    if (segs.length >= TL_MAX_SEGMENTS) return;
    if (segs.length && segs[segs.length - 1][1] === state) return;
    segs.push([at, state]);
  }

  // ---- CPUs ----------------------------------------------------------------

  private coreOf(c: number): number { return this.cpuCore[c]; }
  private socketOf(c: number): number { return this.cpuSocket[c]; }

  private uncoreInc(t: number): void {
    const c = this.cpu[t];
    if (c < 0) return;
    this.flags[t] |= F_UNCORE;
    const core = this.coreOf(c);
    if (this.coreFaulting[core]++ === 0) this.socketCores[this.socketOf(c)]++;
  }

  private uncoreDec(t: number): void {
    const c = this.cpu[t];
    this.flags[t] &= ~F_UNCORE;
    const core = this.coreOf(c);
    if (--this.coreFaulting[core] === 0) this.socketCores[this.socketOf(c)]--;
  }

  private assign(t: number, c: number): void {
    this.cpuThread[c] = t;
    this.cpu[t] = c;
    this.sliceStart[t] = this.now;
    if (this.flags[t] & F_IN_FAULT) this.uncoreInc(t);
  }

  /** Thread t leaves its CPU; the head of the run queue gets it. */
  private releaseCpu(t: number): void {
    if (this.unlimited) { this.cpu[t] = -1; return; }
    const c = this.cpu[t];
    if (c < 0) return;
    if (this.flags[t] & F_UNCORE) this.uncoreDec(t);
    this.cpuThread[c] = -1;
    this.cpu[t] = -1;
    if (this.rqLen > 0) {
      const u = this.rq[this.rqHead];
      this.rqHead = (this.rqHead + 1) % this.rq.length;
      this.rqLen--;
      this.assign(u, c);
      this.continueOnCpu(u, this.now + this.spec.costs.ctxSwitchUs + this.resumeDelay[u]);
    } else {
      this.freeCpus[this.freeTop++] = c;
    }
  }

  private continueOnCpu(t: number, at: number): void {
    const ph = this.resumePhase[t];
    if (ph === PH_THINK_END) { this.flags[t] |= F_THINKING; this.tl(t, TL_USER); }
    this.sched(t, ph, at);
  }

  private rqPush(t: number, front: boolean): void {
    if (this.rqLen === this.rq.length) {
      const n = new Int32Array(this.rq.length * 2);
      for (let i = 0; i < this.rqLen; i++) n[i] = this.rq[(this.rqHead + i) % this.rq.length];
      this.rq = n;
      this.rqHead = 0;
    }
    if (front) {
      this.rqHead = (this.rqHead - 1 + this.rq.length) % this.rq.length;
      this.rq[this.rqHead] = t;
    } else {
      this.rq[(this.rqHead + this.rqLen) % this.rq.length] = t;
    }
    this.rqLen++;
    this.tl(t, TL_CPU_WAIT);
  }

  /**
   * Thread t (off CPU) continues with phase `ph` after `delay` us of work on a
   * CPU. A woken thread pays the wake-up latency and may preempt a thread
   * running user code (wake-up preemption); otherwise it queues for a CPU.
   */
  private runOn(t: number, ph: number, delay: number, woken: boolean, initial = false): void {
    this.resumePhase[t] = ph;
    this.resumeDelay[t] = delay;
    const costs = this.spec.costs;
    if (this.unlimited) {
      this.cpu[t] = -2;
      if (ph === PH_THINK_END) this.flags[t] |= F_THINKING;
      this.sched(t, ph, this.now + (woken ? costs.wakeUs : 0) + delay);
      return;
    }
    if (this.freeTop > 0) {
      const c = this.freeCpus[--this.freeTop];
      this.assign(t, c);
      this.continueOnCpu(t, this.now + (initial ? 0 : woken ? costs.wakeUs : costs.ctxSwitchUs) + delay);
      return;
    }
    if (woken) {
      for (let k = 0; k < 3; k++) {
        const c = this.rng.int(this.nCpus);
        const u = this.cpuThread[c];
        if (u >= 0 && (this.flags[u] & F_THINKING)) {
          // Preempt u in user mode: it keeps the rest of its think time.
          this.flags[u] &= ~F_THINKING;
          this.seqv[u] = -1;
          this.resumePhase[u] = PH_THINK_END;
          this.resumeDelay[u] = Math.max(0, this.evTime[u] - this.now);
          this.cpuThread[c] = -1;
          this.cpu[u] = -1;
          this.rqPush(u, false);
          this.assign(t, c);
          this.continueOnCpu(t, this.now + costs.wakeUs + costs.ctxSwitchUs + delay);
          return;
        }
      }
    }
    this.rqPush(t, woken);
  }

  // ---- cache lines ---------------------------------------------------------

  /** One atomic on lock word `line` by thread t now; returns the delay until it completes. */
  private lineOp(line: number, t: number, factor: number): number {
    const costs = this.spec.costs;
    const c = this.cpu[t];
    const last = this.lineCpu[line];
    let cost: number;
    if (c === last || c < 0) cost = costs.lineHitUs;
    else if (last < 0 || this.socketOf(c) !== this.socketOf(last)) cost = costs.lineRemoteUs;
    else if (this.coreOf(c) === this.coreOf(last)) cost = costs.lineHitUs;
    else cost = costs.lineLocalUs;
    cost *= factor;
    const start = this.lineFree[line] > this.now ? this.lineFree[line] : this.now;
    const end = start + cost;
    this.lineFree[line] = end;
    this.lineCpu[line] = c;
    return end - this.now;
  }

  private svc(t: number, mean: number): number {
    const costs = this.spec.costs;
    const ff = costs.serviceFixedFraction;
    let x = mean * (ff + (1 - ff) * this.rng.exp(1));
    const c = this.cpu[t];
    if (c >= 0) {
      if (this.spec.smt === 2 && this.cpuThread[c ^ 1] >= 0) x *= costs.smtFactor;
      if (costs.uncoreBeta > 0 && (this.flags[t] & F_IN_FAULT)) {
        const k = this.socketCores[this.socketOf(c)];
        if (k > 1) x *= 1 + costs.uncoreBeta * (k - 1);
      }
    }
    this.breakdown.service += x;
    return x;
  }

  // ---- mmap_lock: the rwsem --------------------------------------------------

  private wqPush(t: number): void {
    this.wqPrev[t] = this.wqTail;
    this.wqNext[t] = -1;
    if (this.wqTail >= 0) this.wqNext[this.wqTail] = t; else this.wqHead = t;
    this.wqTail = t;
    this.wqLen++;
    this.flags[t] |= F_QUEUED;
  }

  private wqRemove(t: number): void {
    const p = this.wqPrev[t], n = this.wqNext[t];
    if (p >= 0) this.wqNext[p] = n; else this.wqHead = n;
    if (n >= 0) this.wqPrev[n] = p; else this.wqTail = p;
    this.wqPrev[t] = this.wqNext[t] = -1;
    this.wqLen--;
    this.flags[t] &= ~F_QUEUED;
    if (this.wqLen === 0) this.handoff = false;
  }

  /** down_read by thread t (on CPU). True: granted now. False: t sleeps in the wait queue. */
  private readLock(t: number): boolean {
    if (this.wowner < 0 && !this.handoff) {
      if (this.wqLen === 0) { this.rcount++; return true; }
      // Slow path: steal only when no other reader holds it (rwsem_down_read_slowpath).
      if (this.rcount === 0) {
        this.rcount++;
        if (this.wqHead >= 0 && !(this.flags[this.wqHead] & F_WRITER)) this.wakeReaders();
        return true;
      }
    }
    this.wqPush(t);
    this.tl(t, TL_MR_WAIT);
    this.releaseCpu(t);
    if (this.rcount === 0 && this.wowner < 0) this.markWake();
    return false;
  }

  private readUnlock(): void {
    this.rcount--;
    if (this.rcount === 0 && this.wowner < 0) this.onLockFree();
  }

  /** down_read_trylock (vmf_anon_prepare, 6.10+): fails if writer-owned or anyone waits. */
  private readTrylock(): boolean {
    if (this.wowner >= 0 || this.wqLen > 0 || this.handoff) return false;
    this.rcount++;
    return true;
  }

  /** The lock has no owner: an optimistic spinner takes it, or the queue's head is woken. */
  private onLockFree(): void {
    if (this.spinner >= 0 && !this.handoff) {
      if (this.wqLen > 0 && this.now - this.reqTime[this.wqHead] >= this.spec.costs.handoffUs) {
        this.handoff = true; // the starved head waiter forbids stealing
      } else {
        const s = this.spinner;
        this.spinner = -1;
        this.seqv[s] = -1; // cancel its spin timeout
        this.grantWrite(s);
        return;
      }
    }
    if (this.wqLen > 0) this.markWake();
  }

  /** rwsem_mark_wake(RWSEM_WAKE_ANY): a writer at the head is woken; readers at the head wake up to 256 readers. */
  private markWake(): void {
    const h = this.wqHead;
    if (h < 0) return;
    if (this.flags[h] & F_WRITER) {
      if (this.rcount === 0 && this.wowner < 0 && !(this.flags[h] & F_WOKEN)) {
        if (this.unlimited && this.spec.costs.wakeUs === 0) {
          // Pure queueing (mm1): the woken writer runs at this very instant; no event needed.
          this.cpu[h] = -2;
          this.grantWrite(h);
          return;
        }
        this.flags[h] |= F_WOKEN;
        this.runOn(h, PH_W_RETRY, 0, true);
      }
    } else {
      this.wakeReaders();
    }
  }

  /** Grants the lock to up to MAX_READERS_WAKEUP queued readers, skipping writers (phase-fair). */
  private wakeReaders(): void {
    // The head reader gets the lock now: a handoff it set is consumed.
    if (this.wqHead >= 0 && !(this.flags[this.wqHead] & F_WRITER)) this.handoff = false;
    let u = this.wqHead;
    let n = 0;
    const max = this.spec.costs.maxReadersWakeup;
    while (u >= 0 && n < max) {
      const next = this.wqNext[u];
      if (!(this.flags[u] & F_WRITER)) {
        this.wqRemove(u);
        this.rcount++;
        this.runOn(u, PH_MMAP_GRANTED, 0, true);
        n++;
      }
      u = next;
    }
  }

  /** down_write by thread t (on CPU). */
  private writeLock(t: number): void {
    const costs = this.spec.costs;
    const free = this.rcount === 0 && this.wowner < 0;
    if (free && this.wqLen === 0 && !this.handoff) { this.grantWrite(t); return; }
    if (costs.writerSpin && this.spinner < 0 && !this.handoff) {
      if (free) { this.grantWrite(t); return; } // rwsem_try_write_lock_unqueued steals a free lock
      // Optimistic spin (rwsem_optimistic_spin): reader-owned, bounded by rwsem_rspin_threshold.
      this.spinner = t;
      this.tl(t, TL_SPIN);
      const limit = (20 + Math.min(this.rcount, 30)) / 2;
      this.sched(t, PH_W_SPIN_END, this.now + limit);
      return;
    }
    this.writeQueue(t);
  }

  private writeQueue(t: number): void {
    this.wqPush(t);
    this.tl(t, TL_MW_WAIT);
    this.releaseCpu(t);
    if (this.rcount === 0 && this.wowner < 0) this.markWake();
  }

  private grantWrite(t: number): void {
    if (this.flags[t] & F_QUEUED) {
      if (this.wqHead === t) this.handoff = false;
      this.wqRemove(t);
    }
    this.wowner = t;
    this.writeAcq++;
    const w = this.now - this.reqTime[t];
    this.writeWait.record(w);
    if (this.grp[t] >= 0 && this.groups[this.grp[t]].isWriter) this.writerWait.record(w);
    this.tl(t, TL_MW);
    const d = this.unlimited && this.spec.costs.lineRemoteUs === 0 ? 0 : this.lineOp(0, t, 1);
    if (d === 0 && this.wCount[t] === 0) this.writerHold(t);
    else this.sched(t, PH_W_LOCKED, this.now + d);
  }

  private writeUnlock(t: number): void {
    if (this.wowner !== t) throw new Error('simulator: write unlock by a non-owner');
    this.wowner = -1;
    this.onLockFree();
  }

  // ---- per-VMA locks ---------------------------------------------------------

  private vmaReadUnlock(v: number): void {
    if (--this.vmaReaders[v] === 0) {
      const w = this.vmaWriterWait[v];
      if (w >= 0) {
        this.vmaWriterWait[v] = -1;
        this.vmaWriteLocked[v] = 1;
        this.breakdown.vma_write_drain += this.now - this.reqTime[w];
        this.wPos[w]++;
        if (this.refcountVma) this.runOn(w, PH_W_VMA_NEXT, 0, true);
        else this.sched(w, PH_W_VMA_NEXT, this.now + this.lineOp(1 + v, w, 2 * this.vmaFactor));
      }
    }
  }

  /** vma_start_write on the writer's VMAs in turn; waits (on CPU) for a VMA's readers to drain. */
  private writerLockVmas(t: number): void {
    const base = t * 8;
    let d = 0;
    while (this.wPos[t] < this.wCount[t]) {
      const v = this.wVmas[base + this.wPos[t]];
      if (this.vmaWriteLocked[v]) { this.wPos[t]++; continue; }
      if (this.vmaReaders[v] > 0) {
        // 6.4-6.14: down_write on vm_lock (the writer spins on the reader-owned rwsem; readers
        // hold it for microseconds). 6.15+: __vma_enter_locked sleeps in rcuwait.
        this.vmaWriterWait[v] = t;
        this.reqTime[t] = this.now;
        if (this.refcountVma) this.releaseCpu(t);
        return;
      }
      this.vmaWriteLocked[v] = 1;
      d += this.lineOp(1 + v, t, 2 * this.vmaFactor);
      this.wPos[t]++;
    }
    if (d > 0) this.sched(t, PH_W_VMA_NEXT, this.now + d);
    else this.writerHold(t);
  }

  private writerHold(t: number): void {
    this.sched(t, PH_W_HOLD_END, this.now + this.holdLeft[t]);
  }

  // ---- operations ----------------------------------------------------------

  private pickMix(st: GroupState): number {
    const cum = st.cumWeights;
    if (cum.length === 1) return 0;
    const r = this.rng.next() * cum[cum.length - 1];
    let i = 0;
    while (i < cum.length - 1 && cum[i] <= r) i++;
    return i;
  }

  private opBegin(t: number): void {
    const gi = this.grp[t];
    const st = this.groups[gi];
    const g = st.spec;
    if (g.kind === 'closed') {
      if (st.remaining <= 0) { this.stopThread(t, st); return; }
      st.remaining--;
      this.opStart[t] = this.now;
    } else if (g.kind === 'script') {
      this.opStart[t] = this.now;
    }
    st.ops++;
    const op = g.op;
    if (op.type === 'write') {
      this.flags[t] |= F_WRITER;
      const w = op.writer;
      this.holdLeft[t] = w.holdDist === 'det' ? w.holdUs : this.rng.exp(w.holdUs);
      const n = Math.min(8, w.vmasLocked, w.vmaHi - w.vmaLo);
      const base = t * 8;
      let k = 0;
      while (k < n) {
        const v = w.vmaLo + this.rng.int(w.vmaHi - w.vmaLo);
        let dup = false;
        for (let j = 0; j < k; j++) if (this.wVmas[base + j] === v) dup = true;
        if (!dup) this.wVmas[base + k++] = v;
      }
      this.wCount[t] = n;
      this.wPos[t] = 0;
      this.reqTime[t] = this.now;
      this.writeLock(t);
      return;
    }
    if (op.type === 'nolock') {
      this.tl(t, TL_NOLOCK);
      this.sched(t, PH_NOLOCK_END, this.now + this.svc(t, op.serviceUs));
      return;
    }
    const mi = this.pickMix(st);
    const m = op.mix[mi];
    this.mixIdx[t] = mi;
    this.fkind[t] = m.kind;
    this.vma[t] = m.own ? m.vmaLo + (this.idxInGroup[t] % (m.vmaHi - m.vmaLo)) : m.vmaLo + (m.vmaHi > m.vmaLo + 1 ? this.rng.int(m.vmaHi - m.vmaLo) : 0);
    // Memory/uncore contention (uncoreBeta) is a property of page faults, not of path operations.
    const isFault = m.kind !== FaultKind.MmapReadOp && m.kind !== FaultKind.NoLockOp;
    let f = (isFault ? this.flags[t] | F_IN_FAULT : this.flags[t]) & ~(F_IO_DONE | F_NEED_IO | F_FORCED);
    if (m.ioProb > 0 && this.rng.next() < m.ioProb) f |= F_NEED_IO;
    if (m.forcedRetryProb && m.forcedRetry && this.rng.next() < m.forcedRetryProb) f |= F_FORCED;
    this.flags[t] = f;
    if (isFault) this.uncoreInc(t);
    if (m.kind === FaultKind.NoLockOp) {
      this.tl(t, TL_NOLOCK);
      this.sched(t, PH_NOLOCK_END, this.now + this.svc(t, m.serviceUs));
      return;
    }
    if (this.perVma && m.kind !== FaultKind.MmapReadOp) {
      this.gen[t] = this.vmaGen[this.vma[t]];
      this.breakdown.lookup += this.spec.costs.lookupUs;
      this.sched(t, PH_VMA_TRY, this.now + this.spec.costs.lookupUs);
      return;
    }
    this.mmapStart(t);
  }

  private mixOf(t: number): FaultMixEntry {
    const op = this.groups[this.grp[t]].spec.op;
    return (op as { mix: FaultMixEntry[] }).mix[this.mixIdx[t]];
  }

  private needsAnonVma(t: number): boolean {
    const k = this.fkind[t];
    const v = this.vma[t];
    if (k === FaultKind.AnonWrite) return true;
    if (k === FaultKind.FileWrite && this.vmaKind[v] === VmaKind.PrivateFile) return true;
    if ((this.flags[t] & F_FORCED) && this.mixOf(t).forcedRetry === 'anon_vma') return true;
    return false;
  }

  /** lock_vma_under_rcu found the VMA: the checks, the read trylock, then handle_mm_fault under the VMA lock. */
  private vmaTry(t: number): void {
    const v = this.vma[t];
    const kernel = this.spec.kernel;
    if (this.gen[t] !== this.vmaGen[v]) {
      // The VMA was replaced since the RCU walk found it: VMA_LOCK_MISS, look again.
      this.vmaCounters.miss++;
      this.gen[t] = this.vmaGen[v];
      this.breakdown.lookup += this.spec.costs.lookupUs;
      this.sched(t, PH_VMA_TRY, this.now + this.spec.costs.lookupUs);
      return;
    }
    const kind = this.vmaKind[v];
    const anon = this.vmaAnon[v] !== 0;
    const policy = this.spec.anonVmaCheck;
    const forced = (this.flags[t] & F_FORCED) !== 0 ? this.mixOf(t).forcedRetry : undefined;
    const lacksAnon = !anon || forced === 'anon_vma';
    let abort = -1;
    if (this.vmaWriteLocked[v] || this.vmaWriterWait[v] >= 0) abort = C_WRITE_LOCKED;
    else if (kernel < 606 && kind !== VmaKind.Anon) abort = C_FILE_VMA;
    else if (kernel < 606 && (this.vmaUffd[v] || forced === 'uffd')) abort = C_UFFD;
    else if (policy === 'early' && kind !== VmaKind.SharedFile && lacksAnon) abort = C_ANON_EARLY;
    else if (policy === 'early-anon' && kind === VmaKind.Anon && lacksAnon) abort = C_ANON_EARLY;
    if (abort >= 0) {
      this.vmaCounters.abort++;
      this.causeCounts[abort]++;
      this.mmapStart(t);
      return;
    }
    this.vmaReaders[v]++;
    this.tl(t, TL_VMA_READ);
    const factor = this.vmaFactor;
    let d = this.lineOp(1 + v, t, factor * this.spec.costs.vmaTryOps);
    const fk = this.fkind[t];
    let retry = -1;
    let io = false;
    if (fk === FaultKind.Swap && kernel < 606) retry = C_SWAP;
    else if (forced === 'swap' && kernel < 606) retry = C_SWAP;
    else if ((fk === FaultKind.Hugetlb || forced === 'hugetlb') && kernel < 609) retry = C_HUGETLB;
    else if ((fk === FaultKind.FileRead || fk === FaultKind.FileWrite) && kernel < 607) {
      const faultAroundOk = fk === FaultKind.FileRead && this.spec.faultAroundPages > 1 && !(this.flags[t] & F_NEED_IO);
      if (!faultAroundOk) retry = C_FILE_66;
    } else if ((fk === FaultKind.FileRead || fk === FaultKind.FileWrite) && (!this.vmaMapPages[v] || forced === 'no_map_pages')) retry = C_NO_MAP_PAGES;
    else if (forced === 'no_map_pages' && kernel >= 607) retry = C_NO_MAP_PAGES;
    if (retry < 0 && this.needsAnonVma(t) && lacksAnon) {
      // vmf_anon_prepare: 6.7-6.9 always retry; 6.10+ try mmap_read_trylock first.
      if (kernel >= 610 && this.readTrylock()) {
        this.readAcq++;
        this.readWait.record(0);
        d += this.lineOp(0, t, 2) + this.spec.costs.anonPrepareUs;
        this.breakdown.anon_vma_prepare += this.spec.costs.anonPrepareUs;
        if (forced !== 'anon_vma') this.vmaAnon[v] = 1;
        this.readUnlock();
      } else retry = C_ANON;
    }
    if (retry < 0 && (this.vmaUffd[v] || forced === 'uffd')) { retry = C_UFFD; io = true; }
    if (retry < 0 && (((this.flags[t] & F_NEED_IO) && !(this.flags[t] & F_IO_DONE)) || forced === 'io' || (forced === 'swap'))) { retry = C_IO; io = true; }
    if (retry >= 0) {
      this.cause[t] = retry;
      this.sched(t, io ? PH_VMA_IO_DROP : PH_VMA_RETRY, this.now + d + this.spec.costs.lookupUs);
      return;
    }
    this.breakdown.line += d;
    this.sched(t, PH_VMA_SVC_END, this.now + d + this.svc(t, this.mixOf(t).serviceUs));
  }

  /** lock_mm_and_find_vma: mmap_read_lock, then the fault under mmap_lock. */
  private mmapStart(t: number): void {
    this.reqTime[t] = this.now;
    if (this.readLock(t)) {
      this.readAcq++;
      this.readWait.record(0);
      this.tl(t, TL_MR);
      this.mmapHandle(t, this.lineOp(0, t, 1));
    }
  }

  private mmapHandle(t: number, d: number): void {
    const costs = this.spec.costs;
    const v = this.vma[t];
    this.breakdown.line += d;
    let x = d;
    if (this.fkind[t] !== FaultKind.MmapReadOp) {
      x += costs.lookupUs;
      this.breakdown.lookup += costs.lookupUs;
      if (this.needsAnonVma(t) && !this.vmaAnon[v]) {
        x += costs.anonPrepareUs;
        this.breakdown.anon_vma_prepare += costs.anonPrepareUs;
        if (!((this.flags[t] & F_FORCED) && this.mixOf(t).forcedRetry === 'anon_vma')) this.vmaAnon[v] = 1;
      }
      if ((this.flags[t] & F_NEED_IO) && !(this.flags[t] & F_IO_DONE)) {
        this.sched(t, PH_MMAP_IO_DROP, this.now + x);
        return;
      }
    }
    this.sched(t, PH_MMAP_SVC_END, this.now + x + this.svc(t, this.mixOf(t).serviceUs));
  }

  /** The fault drops its lock to wait for I/O; the retry runs under mmap_lock. */
  private ioWait(t: number): void {
    this.flags[t] |= F_IO_DONE;
    this.tl(t, TL_IO);
    this.releaseCpu(t);
    const w = this.rng.exp(this.spec.costs.ioUs);
    this.breakdown.io_wait += w;
    this.sched(t, PH_IO_DONE, this.now + w);
  }

  private opEnd(t: number, end: number): void {
    const gi = this.grp[t];
    const st = this.groups[gi];
    const lat = end - this.opStart[t];
    const b = Math.min(THROUGHPUT_BUCKETS - 1, Math.max(0, Math.floor(end / this.bucketUs)));
    st.lat.record(lat);
    if (st.isWriter) {
      this.writerLat.record(lat);
      this.writersPerBucket[b]++;
    } else {
      this.faultLat.record(lat);
      this.faultsPerBucket[b]++;
      if (end > this.lastFaultEnd) this.lastFaultEnd = end;
    }
    if (this.flags[t] & F_UNCORE) this.uncoreDec(t);
    this.flags[t] &= ~(F_IN_FAULT | F_WRITER);
    const g = st.spec;
    if (this.opLog) this.opLog.push({ group: g.name, index: this.idxInGroup[t], start: this.opStart[t], end });
    if (g.kind === 'script') { this.stopThread(t, st); return; }
    if (g.kind === 'closed') {
      if (st.remaining <= 0) { this.stopThread(t, st); return; }
      const think = g.thinkUs > 0 ? this.rng.exp(g.thinkUs) : 0;
      this.flags[t] |= F_THINKING;
      this.tl(t, TL_USER, end);
      this.sched(t, PH_THINK_END, end + think);
    } else {
      this.tl(t, TL_IDLE, end);
      this.releaseCpu(t);
      this.freeThreads.push(t);
      st.active--;
      if (g.bounds && st.active === 0 && st.arrivals >= g.maxArrivals) this.groupFinished();
    }
  }

  private stopThread(t: number, st: GroupState): void {
    this.flags[t] |= F_STOPPED;
    this.flags[t] &= ~F_THINKING;
    this.tl(t, TL_IDLE);
    this.releaseCpu(t);
    st.active--;
    if (st.spec.bounds && st.active === 0) this.groupFinished();
  }

  private groupFinished(): void {
    if (--this.boundedLeft === 0) this.done = true;
  }

  // ---- the loop ------------------------------------------------------------

  private arrival(gi: number): void {
    const st = this.groups[gi];
    const g = st.spec;
    st.arrivals++;
    if (st.arrivals < g.maxArrivals) this.heap.push(this.now + this.rng.exp(1 / g.ratePerUs), -(gi + 1));
    const t = this.newThread(gi);
    st.active++;
    // Two writer slots join the timeline (after the sampled threads of the first group).
    if (st.isWriter && this.tlIndex[t] < 0 && this.timelineWriters < 2 && this.spec.timelineThreads > 0) {
      this.timelineWriters++;
      this.startTimeline(t, g.name);
    }
    this.opStart[t] = this.now;
    if (this.unlimited && this.spec.costs.wakeUs === 0) {
      this.cpu[t] = -2;
      this.opBegin(t);
    } else {
      this.runOn(t, PH_OP_BEGIN, 0, true);
    }
  }

  private dispatch(t: number): void {
    switch (this.phase[t]) {
      case PH_THINK_END: {
        this.flags[t] &= ~F_THINKING;
        const costs = this.spec.costs;
        if (!this.unlimited && this.rqLen > 0 && this.now - this.sliceStart[t] >= costs.sliceUs) {
          // Time slice used up: yield to the run queue.
          this.resumePhase[t] = PH_OP_BEGIN;
          this.resumeDelay[t] = 0;
          this.releaseCpu(t);
          this.rqPush(t, false);
          return;
        }
        this.opBegin(t);
        return;
      }
      case PH_OP_BEGIN: this.opBegin(t); return;
      case PH_VMA_TRY: this.vmaTry(t); return;
      case PH_VMA_SVC_END: {
        const v = this.vma[t];
        this.vmaReadUnlock(v);
        const d = this.lineOp(1 + v, t, this.vmaFactor);
        this.breakdown.line += d;
        this.vmaCounters.success++;
        this.opEnd(t, this.now + d);
        return;
      }
      case PH_VMA_RETRY: {
        const v = this.vma[t];
        this.vmaReadUnlock(v);
        const d = this.lineOp(1 + v, t, this.vmaFactor);
        this.vmaCounters.retry++;
        this.causeCounts[this.cause[t]]++;
        this.sched(t, PH_MMAP_START, this.now + d);
        return;
      }
      case PH_VMA_IO_DROP: {
        const v = this.vma[t];
        this.vmaReadUnlock(v);
        this.lineOp(1 + v, t, this.vmaFactor);
        this.vmaCounters.retry++;
        this.causeCounts[this.cause[t]]++;
        this.ioWait(t);
        return;
      }
      case PH_MMAP_START: this.mmapStart(t); return;
      case PH_MMAP_GRANTED: {
        const w = this.now - this.reqTime[t];
        this.readAcq++;
        this.readWait.record(w);
        this.breakdown.mmap_read_wait += w;
        this.tl(t, TL_MR);
        this.mmapHandle(t, 0);
        return;
      }
      case PH_MMAP_SVC_END: {
        this.readUnlock();
        const d = this.lineOp(0, t, 1);
        this.breakdown.line += d;
        this.opEnd(t, this.now + d);
        return;
      }
      case PH_MMAP_IO_DROP: {
        this.readUnlock();
        this.lineOp(0, t, 1);
        this.causeCounts[C_IO]++;
        this.ioWait(t);
        return;
      }
      case PH_IO_DONE: this.runOn(t, PH_MMAP_START, 0, true); return;
      case PH_W_RETRY: {
        this.flags[t] &= ~F_WOKEN;
        if (this.rcount === 0 && this.wowner < 0) { this.grantWrite(t); return; }
        // Someone stole the lock while we were waking: sleep again, claim a handoff when starved.
        if (this.now - this.reqTime[t] >= this.spec.costs.handoffUs) this.handoff = true;
        this.tl(t, TL_MW_WAIT);
        this.releaseCpu(t);
        return;
      }
      case PH_W_SPIN_END: {
        this.spinner = -1;
        this.writeQueue(t);
        return;
      }
      case PH_W_LOCKED: this.writerLockVmas(t); return;
      case PH_W_VMA_NEXT: this.writerLockVmas(t); return;
      case PH_W_HOLD_END: {
        const base = t * 8;
        const w = (this.groups[this.grp[t]].spec.op as { writer: { replaceProb: number } }).writer;
        for (let i = 0; i < this.wCount[t]; i++) {
          const v = this.wVmas[base + i];
          this.vmaWriteLocked[v] = 0; // mmap_write_unlock bumps mm_lock_seq: every VMA it locked is unlocked
          if (w.replaceProb > 0 && this.rng.next() < w.replaceProb) {
            this.vmaGen[v]++;
            this.vmaAnon[v] = 0;
          }
        }
        this.writeUnlock(t);
        const d = this.unlimited && this.spec.costs.lineRemoteUs === 0 ? 0 : this.lineOp(0, t, 1);
        this.opEnd(t, this.now + d);
        return;
      }
      case PH_NOLOCK_END: this.opEnd(t, this.now); return;
      default: throw new Error(`simulator: thread ${t} in unknown phase ${this.phase[t]}`);
    }
  }

  /** Runs up to maxEvents events; returns true when the run is complete. */
  step(maxEvents: number): boolean {
    if (this.done) return true;
    const heap = this.heap;
    const end = this.spec.durationUs;
    const budget = this.spec.maxEvents;
    let n = 0;
    while (n < maxEvents) {
      if (heap.size === 0) { this.done = true; break; }
      const at = heap.peekTime();
      if (at > end) { this.now = end; this.done = true; break; }
      const p = heap.pop();
      if (p >= 0) {
        if (heap.lastSeq !== this.seqv[p]) continue; // cancelled
        this.now = at;
        this.seqv[p] = -1;
        this.dispatch(p);
      } else {
        this.now = at;
        this.arrival(-p - 1);
      }
      n++;
      if (this.done) break;
      if (this.events + n >= budget) { this.truncated = true; this.done = true; break; }
    }
    this.events += n;
    return this.done;
  }

  /** Simulated time at which the run ended (or now, while running). */
  endTime(): number {
    return this.now;
  }

  fraction(): number {
    let f = this.spec.durationUs > 0 && Number.isFinite(this.spec.durationUs) ? this.now / this.spec.durationUs : 0;
    for (const st of this.groups) {
      const g = st.spec;
      if (!g.bounds) continue;
      if (g.kind === 'open' && Number.isFinite(g.maxArrivals)) f = Math.max(f, st.arrivals / g.maxArrivals);
      if (g.kind === 'closed' && g.work !== undefined && g.work > 0) f = Math.max(f, 1 - Math.max(0, st.remaining) / g.work);
    }
    return this.done ? 1 : Math.min(0.999, f);
  }

  groupStats(): Array<{ name: string; ops: number; lat: LatencyHistogram }> {
    return this.groups.map((g) => ({ name: g.spec.name, ops: g.ops, lat: g.lat }));
  }

  get lastFault(): number { return this.lastFaultEnd; }
}
