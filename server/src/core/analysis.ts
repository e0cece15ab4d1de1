/**
 * Workspace-level analysis over parsed files: the call graph, function
 * summaries (fixed point), entry contexts with witness chains (ops tables,
 * entry contracts, annotations, callers), one interpreter run per function and
 * context, and the rules over those runs. Memoised per function IR so an edit
 * re-runs what it touched and what depends on it.
 */
import { ANY, C, dependsOnMmLocks, FAULT_ENTRY, FAULT_PARAM_CONTRACT, R, inRange, type Catalogue, type LockToken } from '../catalogue';
import type { Outcome } from '../catalogue';
import { RULES } from '../rules';
import type { EntryView, RawFinding, Rule, RunView } from '../rules/types';
import type { FunctionIR, Stmt } from './ir';
import { argValue, EMPTY, held, isEmpty, makeCallEvent, makeReturnEvent, makeState, MM_LOCKS, NO_MISSING, NONE, orEmpty, run, stateKey, valueReadNames, type Event, type ReturnEvent, type RunResult, type Site, type State, type Summary, type SummaryOutcome } from './interp';
import type { FnDef, OpsEntry, ParsedFile } from './parse';
import type { CallSite } from './types';

export const MAX_CONTEXTS = 8;
/** The locks contexts distinguish (sorted: the order of their key texts). */
const CONTEXT_LOCKS_SORTED = ['mmap_any', 'mmap_read', 'mmap_write', 'vma_read', 'vma_write'];
/** Context locks as bits (in sorted order), and each set of them as its key text (`mmap_read1,vma_read1`). */
const CONTEXT_LOCK_BITS = new Map(CONTEXT_LOCKS_SORTED.map((l, i) => [l, 1 << i]));
const CONTEXT_LOCK_KEYS = Array.from({ length: 1 << CONTEXT_LOCKS_SORTED.length }, (_, m) => CONTEXT_LOCKS_SORTED.filter((_, i) => m & (1 << i)).map((l) => `${l}1`).join(','));
/** What an unknown entry may hand on (vma_read, mmap_write), and mmap_lock in any mode. */
const STRONG_BITS = CONTEXT_LOCK_BITS.get('vma_read')! | CONTEXT_LOCK_BITS.get('mmap_write')!;
const MMAP_BITS = CONTEXT_LOCK_BITS.get('mmap_read')! | CONTEXT_LOCK_BITS.get('mmap_write')! | CONTEXT_LOCK_BITS.get('mmap_any')!;

export interface Def {
  id: number;
  file: string;
  fn: FnDef;
  isHeader: boolean;
}

export interface Ctx {
  key: string;
  locks: Record<string, number>;
  flag: 0 | 1 | 2;
  known: boolean;
  root: boolean;
  via: CallSite[];
  sites: Record<string, Site>;
  /** Abstract values of parameters known at every call of this context (NULL passed, ...). */
  params?: Record<string, number>;
  /** Derived from a caller path that rests on a guess (see State.imprecise). */
  imprecise?: boolean;
  /** The caller tested vma_is_anonymous() on this path (version invariants depend on it). */
  anon?: boolean;
  note?: string;
}

export interface FileInput {
  path: string;
  parsed: ParsedFile;
  /** Line of an offset (1-based), for witness chains. */
  lineOf(off: number): number;
}

export interface DefAnalysis {
  def: Def;
  contexts: Ctx[];
  runs: { ctx: Ctx; result: RunResult }[];
}

export interface RuleFinding {
  rule: Rule;
  def: Def;
  raw: RawFinding;
}

interface Memo {
  summarySig?: string;
  summary?: Summary;
  /** What the findings were computed from: file, then per run its context key, run id and witness-chain elements. */
  findingsKey?: unknown[];
  findings?: { rule: Rule; raw: RawFinding }[];
  runs: Map<string, { sig: string; result: RunResult }>;
}

/** Memo shared across rebuilds, keyed by function IR identity (IRs are reused when a function's text is unchanged). */
export class AnalysisMemo {
  readonly byIR = new WeakMap<FunctionIR, Memo>();
  version = '';
  get(ir: FunctionIR): Memo {
    let m = this.byIR.get(ir);
    if (!m) this.byIR.set(ir, (m = { runs: new Map() }));
    return m;
  }
}

/** What a name no function of the workspace defines resolves to (never changed). */
const NO_DEFS: Def[] = Object.freeze([]) as unknown as Def[];

export class Program {
  private readonly byFile = new Map<string, Def[]>();
  readonly byName = new Map<string, Def[]>();
  private readonly callers = new Map<string, Set<Def>>();
  private resolveCache = new Map<string, Map<string, Def[]>>();
  private readonly opsByFile = new Map<string, OpsEntry[]>();
  private readonly guardsByFile = new Map<string, { name: string; lockCall: string; unlockCall: string }[]>();
  readonly guardClasses = new Map<string, { lockCall: string; unlockCall: string }>();
  /** Changes when the workspace's guard classes change (runs depend on them). */
  guardSig = '';
  readonly files = new Map<string, FileInput>();
  private readonly live = new Set<Def>();
  private nextId = 0;
  /** Changes whenever a file is set: what was resolved under an older generation may resolve differently now. */
  gen = 0;
  private defsCache: Def[] | null = null;
  private opsCache: { file: string; e: OpsEntry }[] | null = null;

  constructor(inputs: FileInput[]) {
    for (const f of inputs) this.setFile(f.path, f);
  }

  /** How many functions (without building the `defs` list). */
  get defCount(): number {
    let n = 0;
    for (const l of this.byFile.values()) n += l.length;
    return n;
  }

  get defs(): Def[] {
    this.defsCache ??= [...this.byFile.values()].flat();
    return this.defsCache;
  }

  get ops(): { file: string; e: OpsEntry }[] {
    this.opsCache ??= [...this.opsByFile].flatMap(([file, l]) => l.map((e) => ({ file, e })));
    return this.opsCache;
  }

  /** The functions ops tables name. */
  get opsFunctions(): ReadonlySet<string> {
    this.opsFnCache ??= new Set(this.ops.map((o) => o.e.fn));
    return this.opsFnCache;
  }
  private opsFnCache: Set<string> | null = null;

  defsOf(file: string): Def[] { return this.byFile.get(file) ?? []; }
  opsOf(file: string): OpsEntry[] { return this.opsByFile.get(file) ?? []; }
  alive(d: Def): boolean { return this.live.has(d); }
  callersOf(name: string): Def[] { return [...(this.callers.get(name) ?? [])]; }
  hasCallers(name: string): boolean { return (this.callers.get(name)?.size ?? 0) > 0; }

  /** Replaces one file's functions; functions whose text did not change keep their Def (and analyses). */
  setFile(path: string, input: FileInput | null): { added: Def[]; removed: Def[]; changed: Def[] } {
    this.gen++;
    const old = this.byFile.get(path) ?? [];
    const added: Def[] = [], removed: Def[] = [], changed: Def[] = [];
    const pool = new Map<string, Def[]>();
    for (const d of old) { const l = pool.get(d.fn.name) ?? []; l.push(d); pool.set(d.fn.name, l); }
    const next: Def[] = [];
    if (input) {
      this.files.set(path, input);
      const isHeader = path.endsWith('.h');
      for (const fn of input.parsed.fns) {
        const cands = pool.get(fn.name);
        let d = cands?.find((x) => x.fn.ir === fn.ir) ?? cands?.[0];
        if (d) {
          cands!.splice(cands!.indexOf(d), 1);
          const same = d.fn.ir === fn.ir;
          if (!same) this.unindexCalls(d);
          d.fn = fn;
          if (!same) { this.indexCalls(d); changed.push(d); }
        } else {
          d = { id: this.nextId++, file: path, fn, isHeader };
          this.live.add(d);
          this.indexCalls(d);
          let l = this.byName.get(fn.name);
          if (!l) this.byName.set(fn.name, (l = []));
          l.push(d);
          this.resolveCache.delete(fn.name);
          added.push(d);
        }
        next.push(d);
      }
      this.opsByFile.set(path, input.parsed.ops);
      this.guardsByFile.set(path, input.parsed.guardClasses);
    } else {
      this.files.delete(path);
      this.opsByFile.delete(path);
      this.guardsByFile.delete(path);
    }
    for (const l of pool.values()) for (const d of l) {
      removed.push(d);
      this.live.delete(d);
      this.unindexCalls(d);
      const byName = (this.byName.get(d.fn.name) ?? []).filter((x) => x !== d);
      if (byName.length) this.byName.set(d.fn.name, byName); else this.byName.delete(d.fn.name);
      this.resolveCache.delete(d.fn.name);
    }
    if (next.length) this.byFile.set(path, next); else this.byFile.delete(path);
    this.defsCache = null;
    this.opsCache = null;
    this.opsFnCache = null;
    this.guardClasses.clear();
    for (const l of this.guardsByFile.values()) for (const g of l) this.guardClasses.set(g.name, g);
    this.guardSig = [...this.guardClasses].map(([n, g]) => `${n}:${g.lockCall}`).sort().join(',');
    return { added, removed, changed };
  }

  private indexCalls(d: Def): void {
    for (const c of d.fn.ir.callees) {
      let s = this.callers.get(c);
      if (!s) this.callers.set(c, (s = new Set()));
      s.add(d);
    }
  }

  private unindexCalls(d: Def): void {
    for (const c of d.fn.ir.callees) this.callers.get(c)?.delete(d);
  }

  /** The functions whose calls of `d`'s name resolve to `d`. */
  directCallers(d: Def): Def[] {
    const out: Def[] = [];
    const callers = this.callers.get(d.fn.name);
    if (callers) for (const c of callers) if (this.resolve(d.fn.name, c.file).includes(d)) out.push(c);
    return out;
  }

  /** `seeds`, and every function from which one of them is reachable by calls (only through `among`, when given). */
  reachingUp(seeds: Iterable<Def>, among?: ReadonlySet<Def>): Set<Def> {
    const out = new Set<Def>(seeds);
    const stack = [...out];
    while (stack.length) {
      for (const c of this.directCallers(stack.pop()!)) if (!out.has(c) && (!among || among.has(c))) { out.add(c); stack.push(c); }
    }
    return out;
  }

  private readonly targetsCache = new WeakMap<Def, { gen: number; callees: string[]; list: Def[][] }>();

  /** `resolve` of each of the function's callees (`ir.callees`, in order), kept per generation. */
  calleeTargets(d: Def): Def[][] {
    const callees = d.fn.ir.callees;
    const hit = this.targetsCache.get(d);
    if (hit && hit.gen === this.gen && hit.callees === callees) return hit.list;
    const list = callees.map((c) => this.resolve(c, d.file));
    this.targetsCache.set(d, { gen: this.gen, callees, list });
    return list;
  }

  /** Definitions a call from `file` to `name` may reach: same file, else headers, else non-static ones. */
  resolve(name: string, file: string): Def[] {
    const all = this.byName.get(name);
    if (!all) return NO_DEFS;
    let perName = this.resolveCache.get(name);
    if (!perName) this.resolveCache.set(name, (perName = new Map()));
    const hit = perName.get(file);
    if (hit) return hit;
    let r = all.filter((d) => d.file === file);
    if (!r.length) r = all.filter((d) => d.isHeader);
    if (!r.length) r = all.filter((d) => !d.fn.isStatic);
    if (r.length > 1) r = r.slice(0, 2);
    perName.set(file, r);
    return r;
  }
}

/**
 * A witness-chain element that remembers its function and where in it: a call site as
 * the how-manieth call of its callee (`call`, `nth`: an edit that moves the call keeps
 * both), the function's own name by offset. Its line follows edits (currentLine).
 */
export interface ViaSite extends CallSite {
  def?: Def;
  at?: number;
  call?: string;
  nth?: number;
}

function viaSite(d: Def, at: number, line: number, call?: string): ViaSite {
  const v: ViaSite = { function: d.fn.name, file: d.file, line };
  Object.defineProperty(v, 'def', { value: d, enumerable: false });
  Object.defineProperty(v, 'at', { value: at, enumerable: false });
  if (call !== undefined) {
    let nth = 0;
    const { names, offsets } = d.fn.ir.callSites;
    for (let i = 0; i < names.length && offsets[i]! < at; i++) if (names[i] === call) nth++;
    Object.defineProperty(v, 'call', { value: call, enumerable: false });
    Object.defineProperty(v, 'nth', { value: nth, enumerable: false });
  }
  return v;
}

/** Where a witness-chain element is now, relative to its function's declaration. */
function currentAt(x: ViaSite): number {
  if (x.call === undefined) return x.at!;
  let n = 0;
  const { names, offsets } = x.def!.fn.ir.callSites;
  for (let i = 0; i < names.length; i++) if (names[i] === x.call && n++ === x.nth) return offsets[i]!;
  return x.at!;
}

/** The ops-table element of a witness chain (`table.member`): it remembers its table entry, so its line follows edits too. */
function opsSite(file: string, e: OpsEntry, line: number): CallSite {
  const v: CallSite = { function: `${e.table}.${e.member}`, file, line };
  Object.defineProperty(v, 'ops', { value: e, enumerable: false });
  return v;
}

/** The current line of a witness-chain element. */
export function currentLine(prog: Program, v: CallSite): number {
  const x = v as ViaSite & { ops?: OpsEntry };
  if (x.def && x.at !== undefined && prog.alive(x.def)) return prog.files.get(x.def.file)?.lineOf(x.def.fn.declStart + currentAt(x)) ?? v.line;
  if (x.ops) {
    // (an unchanged context keeps the element it was made with: the entry of this table and member now)
    const now = prog.opsOf(v.file).find((o) => o.table === x.ops!.table && o.member === x.ops!.member && o.fn === x.ops!.fn);
    if (now) return prog.files.get(v.file)?.lineOf(now.offset) ?? v.line;
  }
  return v.line;
}

/**
 * The same witness chain: the same functions at the same call sites (elements are rebuilt
 * with their file; their lines follow edits, see currentLine).
 */
function sameChain(a: CallSite[], b: CallSite[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! as ViaSite, y = b[i]! as ViaSite;
    if (x === y) continue;
    if (x.function !== y.function || x.file !== y.file || x.def !== y.def || x.call !== y.call) return false;
    if (x.call === undefined ? x.at !== y.at : x.nth !== y.nth) return false;
  }
  return true;
}

function sameList(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function outcomeKey(o: Outcome): string {
  return `${(o.acquire ?? []).slice().sort().join('+')}/${(o.release ?? []).slice().sort().join('+')}/${o.drops ? 1 : 0}/${o.vmaFlag === undefined ? '-' : o.vmaFlag ? 1 : 0}`;
}

/** A summary from the returns of the run under the unknown entry. */
export function summarize(res: RunResult, seed: Record<string, number> = {}): Summary | undefined {
  if (res.gaveUp) return undefined;
  const map = new Map<string, SummaryOutcome>();
  let effect = false;
  for (const r of res.returns) {
    const acquire: LockToken[] = [], release: LockToken[] = [];
    for (const l of new Set([...Object.keys(r.state.locks), ...Object.keys(seed)])) {
      // relative to the entry (annotated locks are seeded); counts clamp to one: taken or released, not how often
      let n = Math.max(-1, Math.min(1, (r.state.locks[l] ?? 0) - (seed[l] ?? 0)));
      // other locks joined across paths are an upper bound, not a fact: no effect claimed
      if (r.state.minorJoined && !MM_LOCKS.has(l)) n = 0;
      if (n > 0) acquire.push(l as LockToken);
      if (n < 0) release.push(l as LockToken);
    }
    // By the fault protocol a VM_FAULT_RETRY/COMPLETED result comes with the fault's lock
    // released (the exceptions, like __vmf_anon_prepare(), return it explicitly): a path that
    // releases nothing and returns a value we could not follow does not return them.
    const unknownNoDrop = r.v === ANY && !r.state.dropped && !Object.keys(r.state.locks).some((l) => (r.state.locks[l] ?? 0) - (seed[l] ?? 0) < 0);
    const o: SummaryOutcome = { ret: unknownNoDrop ? ANY & ~(R | C) : r.v };
    if (acquire.length) o.acquire = acquire;
    if (release.length) o.release = release;
    if (r.state.dropped) o.drops = true;
    if (r.state.flag) o.vmaFlag = r.state.flag === 1;
    if (acquire.length || release.length || o.drops) effect = true;
    const k = outcomeKey(o);
    const m = map.get(k);
    if (m) m.ret |= o.ret;
    else {
      if (acquire.length) o.siteOf = Object.fromEntries(acquire.map((l) => [l, r.state.sites[l]!]).filter((x) => x[1]));
      map.set(k, o);
    }
  }
  if (!effect) {
    // No lock effect, but what it returns still tells callers which vm_fault_t results are possible.
    const ret = res.returns.reduce((v, r) => v | r.v, 0);
    return ret && ret !== ANY ? { outcomes: [{ ret }] } : undefined;
  }
  let outcomes = [...map.values()];
  // the flag only matters if the outcomes differ by it
  if (outcomes.length > 8) outcomes = outcomes.slice(0, 8);
  return { outcomes };
}

const SUMMARY_IDS = new WeakMap<Summary, string>();
function summaryId(s: Summary | undefined): string {
  if (!s) return '';
  let id = SUMMARY_IDS.get(s);
  if (id === undefined) {
    id = s.outcomes.map((o) => `${o.ret}:${outcomeKey(o)}`).join(';');
    SUMMARY_IDS.set(s, id);
  }
  return id;
}

/** What a run hands to each callee, independent of the caller's context (cached per run result). */
interface Derived {
  callee: string;
  at: number;
  locks: Record<string, number>;
  lockKey: string;
  flag: 0 | 1 | 2;
  argVals: number[];
  imprecise: boolean;
  anon: boolean | undefined;
  sites: Record<string, Site>;
  /** Holds vma_read or mmap_write (what an unknown entry may hand on). */
  strong: boolean;
  /** The callee's definitions as resolved from `targetsFile` under Program generation `targetsGen`. */
  targets?: Def[];
  targetsFile?: string;
  targetsGen?: number;
}
const DERIVED = new WeakMap<RunResult, Derived[]>();
const DERIVED_STRONG = new WeakMap<RunResult, Derived[]>();
const RUN_IDS = new WeakMap<RunResult, number>();
let nextRunId = 1;
function runId(r: RunResult): number {
  let id = RUN_IDS.get(r);
  if (id === undefined) RUN_IDS.set(r, (id = nextRunId++));
  return id;
}

/** `strongOnly`: only what an unknown entry may hand on (see handOn). */
function derive(res: RunResult, strongOnly: boolean): Derived[] {
  const cache = strongOnly ? DERIVED_STRONG : DERIVED;
  const hit = cache.get(res);
  if (hit) return hit;
  const out: Derived[] = [];
  // (what was handed on per call site: a call re-run in a loop or goto round repeats its entries)
  const byAt = new Map<number, Derived[]>();
  const scratch: number[] = [];
  for (let ei = 0, evs = res.events; ei < evs.length; ei++) {
    const ev = evs[ei]!;
    if (ev.k !== 'call' || !ev.callee) continue;
    const args = ev.args ?? [];
    for (let si = 0; si < ev.states.length; si++) {
      const s = ev.states[si]!;
      const sl = s.locks;
      // Contexts distinguish the mm locks the rules are about; other locks do not make a new context.
      // (mmap_any gives way to a known mode.)
      const rw = (sl.mmap_read ?? 0) > 0 || (sl.mmap_write ?? 0) > 0;
      let mask = 0;
      for (const l in sl) if (sl[l]! > 0) { const b = CONTEXT_LOCK_BITS.get(l); if (b !== undefined && !(rw && l === 'mmap_any')) mask |= b; }
      const strong = (mask & STRONG_BITS) !== 0;
      if (strongOnly && !strong) continue;
      let flag = s.flag;
      if (flag === 0) {
        const vma = held(s, 'vma_read') > 0, mm = (mask & MMAP_BITS) !== 0;
        if (vma && !mm) flag = 1; else if (mm && !vma) flag = 2;
      }
      // parameters passed a known value (NULL, or surely not NULL) on this path
      scratch.length = args.length;
      for (let i = 0; i < args.length; i++) { const v = argValue(args[i]!, s); scratch[i] = v === 1 || (v & 1) === 0 ? v : -1; }
      const lockKey = CONTEXT_LOCK_KEYS[mask]!;
      const anon = s.facts.isanon;
      let same = byAt.get(ev.at);
      if (same) {
        let dup = false;
        for (const x of same) if (x.callee === ev.callee && x.lockKey === lockKey && x.flag === flag && x.imprecise === s.imprecise && x.anon === anon && sameNumbers(x.argVals, scratch)) { dup = true; break; }
        if (dup) continue;
      }
      // (the record in the state's key order, as contexts always had it)
      let locks = EMPTY as Record<string, number>;
      if (mask) {
        locks = {};
        for (const l in sl) if (sl[l]! > 0 && ((CONTEXT_LOCK_BITS.get(l) ?? 0) & mask)) locks[l] = 1;
      }
      const dv: Derived = { callee: ev.callee, at: ev.at, locks, lockKey, flag, argVals: scratch.slice(), imprecise: s.imprecise, anon, sites: s.sites, strong, targets: undefined, targetsFile: undefined, targetsGen: undefined };
      if (!same) byAt.set(ev.at, (same = []));
      same.push(dv);
      out.push(dv);
    }
  }
  cache.set(res, out);
  return out;
}

/** A context's locks as a key text (`mmap_read1,vma_read1`), per lock record (records are never changed once made). */
function lockKeyOf(locks: Record<string, number>): string {
  let k = LOCK_KEYS.get(locks);
  if (k === undefined) LOCK_KEYS.set(locks, (k = Object.keys(locks).filter((l) => locks[l]).sort().map((l) => `${l}1`).join(',')));
  return k;
}
const LOCK_KEYS = new WeakMap<Record<string, number>, string>();
/** The argument values of a hand-on that passes none (never changed). */
const NO_ARG_VALUES: number[] = Object.freeze([]) as unknown as number[];

function sameNumbers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Takes a lock or writes a VMA itself (a primitive, a guard, a VMA field write): interpreted whatever its callees do. */
export function hasOwnLockEffect(fn: FnDef, cat: Catalogue): boolean {
  const ir = fn.ir;
  return ir.writesVmaField || fn.scopedGuards.length > 0 || ir.callees.includes('guard') || ir.callees.some((c) => cat.byName.has(c));
}

function ctxKey(locks: Record<string, number>, flag: number, known: boolean): string {
  if (isEmpty(locks)) return flag === 0 && !known ? UNKNOWN_ENTRY_KEY : `${known ? 'K' : 'P'}${flag}:`;
  const ls = Object.keys(locks).filter((l) => locks[l]).sort().map((l) => `${l}${locks[l]}`).join(',');
  return `${known ? 'K' : 'P'}${flag}:${ls}`;
}
/** The key of the unknown entry without locks (no contract names one). */
const UNKNOWN_ENTRY_KEY = 'P0:';

/** No lock primitive, no callee with a lock effect, no VMA field write: the entry context passes through unchanged. */
function isTransparent(r: RunResult): boolean {
  const memo = TRANSPARENT.get(r);
  if (memo !== undefined) return memo;
  let t = !r.gaveUp;
  for (const e of r.events) {
    if ((e.k === 'call' && (e.prim || e.after)) || e.k === 'field' || e.k === 'use') { t = false; break; }
  }
  TRANSPARENT.set(r, t);
  return t;
}
const TRANSPARENT = new WeakMap<RunResult, boolean>();

/**
 * A run under the unknown entry that never touches an mm lock: no call the
 * catalogue's `dependsOnMmLocks` names, no VMA field write or use after a drop,
 * and no state holding an mm lock, a FAULT_FLAG_VMA_LOCK fact (a test of it splits
 * the flag), a vma_is_anonymous() fact or a dropped fault lock. Its run under a
 * known context is this run with the context's locks, flag, sites, imprecision,
 * anon fact and parameter values (when the body never reads them: valueReadNames)
 * added to every state: `rebase` builds
 * that instead of interpreting the body again (about a third of all runs on mm/).
 * test/unit/core-rebase.test.ts compares the two on fixtures and a real tree.
 */
export function isMmNeutral(r: RunResult): boolean {
  const memo = MM_NEUTRAL.get(r);
  if (memo !== undefined) return memo;
  const v = !r.gaveUp && r.events.every((e) => {
    if (e.k === 'field' || e.k === 'use') return false;
    if (e.k === 'ret') return neutralState(e.state);
    if (e.prim && dependsOnMmLocks(e.prim)) return false;
    return e.states.every(neutralState) && (e.after ?? []).every(neutralState) && e.missing.every((m) => neutralState(m.state));
  });
  MM_NEUTRAL.set(r, v);
  return v;
}
const MM_NEUTRAL = new WeakMap<RunResult, boolean>();

function neutralState(s: State): boolean {
  if (s.flag !== 0 || s.dropped || s.facts.isanon !== undefined) return false;
  for (const l in s.locks) if (MM_LOCKS.has(l)) return false;
  return true;
}

/** The run of an mm-neutral function under `ctx`, from its run under the unknown entry (see isMmNeutral). */
export function rebase(root: RunResult, ctx: Ctx): RunResult {
  let perCtx = REBASED.get(root);
  if (!perCtx) REBASED.set(root, (perCtx = new Map()));
  const hit = perCtx.get(ctx.key);
  if (hit) return hit;
  const seen = new Map<State, State>();
  const T = (st: State): State => {
    let t = seen.get(st);
    if (!t) {
      // key order as a real run builds them: the entry's first
      t = makeState(
        // (an empty entry record adds nothing: the state's own record, same keys in the same order)
        isEmpty(ctx.locks) ? st.locks : { ...ctx.locks, ...st.locks },
        ctx.flag,
        // (parameter values: the entry's, never read or changed by the body: see valueReadNames)
        !ctx.params || isEmpty(ctx.params) ? st.vals : { ...ctx.params, ...st.vals },
        ctx.anon === undefined ? st.facts : { isanon: ctx.anon, ...st.facts },
        st.dropped,
        st.imprecise || !!ctx.imprecise,
        isEmpty(ctx.sites) ? st.sites : { ...ctx.sites, ...st.sites },
        st.att, st.tried, st.misrel, st.rel, st.minorJoined,
      );
      seen.set(st, t);
    }
    return t;
  };
  const returns: ReturnEvent[] = [];
  const events: Event[] = root.events.map((e): Event => {
    switch (e.k) {
      case 'ret': { const r = makeReturnEvent(e.at, e.end, T(e.state), e.v, e.noValue); returns.push(r); return r; }
      case 'call': return makeCallEvent(e.name, e.member, e.at, e.end, e.prim, e.callee, e.states.map(T),
        e.missing.length ? e.missing.map((m) => ({ state: T(m.state), lock: m.lock })) : e.missing, e.after?.map(T), e.args, e.base);
      default: return e;
    }
  });
  const out: RunResult = { events, returns, gaveUp: false };
  if (perCtx.size > 32) perCtx.clear();
  perCtx.set(ctx.key, out);
  return out;
}
const REBASED = new WeakMap<RunResult, Map<string, RunResult>>();

function parseLockArg(arg: string): LockToken | undefined {
  if (/mmap_lock|mmap_sem/.test(arg)) return 'mmap_any';
  if (/vm_lock|vm_refcnt/.test(arg)) return 'vma_read';
  if (/i_mmap_rwsem/.test(arg)) return 'i_mmap_read';
  if (/\bptl\b|page_table_lock/.test(arg)) return 'ptl';
  if (/\brcu\b|RCU/.test(arg)) return 'rcu';
  return undefined;
}

/** Where bodies can be built ahead of the analysis (see BodySource in workspace.ts). */
export interface BodiesAhead {
  want(ir: FunctionIR): void;
  /** The order in which the first summaries will take bodies (callee first): build them in it. */
  order?(irs: FunctionIR[]): void;
  /** The body was built ahead and can be taken now (without building it). */
  arrived?(ir: FunctionIR): boolean;
  done(): void;
}

/** A (function, context key) to run and hand on from, with its contributor id. */
type WorkItem = [Def, string, string];
/** Which functions a rule may judge, or reach one that it may (see Analysis.liveDefs). */
type LiveSet = { has(d: Def): boolean };
/** How many functions the first summaries let wait for their bodies built ahead (see refreshSummaries). */
const MAX_WAITING = 64;
/** Above this many functions touched, an update decides which are live all at once. */
const LIVE_BULK = 256;
/**
 * What one run of a live function has yet to hand on to the functions that wait: its
 * contexts for them are built when they are completed (over half of what the first
 * build hands on), from the run, unless its contributor has since run again or gone.
 * `handled`: targets the run handed on to at once (they had its contribution before).
 */
interface PendingHandOn { cid: string; d: Def; ctx: Ctx; res: RunResult; transparent: boolean; gen: number; handled: Set<Def> | null }

/** One entry context of a function, with who contributed it (a caller's context, or a seed). */
interface CtxEntry {
  ctx: Ctx;
  by: Contributors;
}

/**
 * The contributors of a context (contributor id -> the context it handed on), in the order
 * they came, as a Map would keep them: most contexts have one, kept inline; a Map from the
 * second on. (A Map per context was 4 MB of what a check of mm/ keeps.)
 */
class Contributors {
  private id: string | undefined;
  private ctx: Ctx | undefined;
  private map: Map<string, Ctx> | null = null;
  constructor(id: string, ctx: Ctx) { this.id = id; this.ctx = ctx; }
  get size(): number { return this.map ? this.map.size : this.id === undefined ? 0 : 1; }
  get(id: string): Ctx | undefined { return this.map ? this.map.get(id) : id === this.id ? this.ctx : undefined; }
  has(id: string): boolean { return this.map ? this.map.has(id) : id === this.id; }
  set(id: string, ctx: Ctx): void {
    if (this.map) this.map.set(id, ctx);
    else if (this.id === undefined || this.id === id) { this.id = id; this.ctx = ctx; }
    else { this.map = new Map([[this.id, this.ctx!], [id, ctx]]); this.id = this.ctx = undefined; }
  }
  delete(id: string): void {
    if (this.map) this.map.delete(id);
    else if (id === this.id) this.id = this.ctx = undefined;
  }
  /** Does some contributor stand for `ctx`? */
  includes(ctx: Ctx): boolean {
    if (!this.map) return this.id !== undefined && this.ctx === ctx;
    for (const c of this.map.values()) if (c === ctx) return true;
    return false;
  }
  /** The first contributor's context (the contributors are not empty). */
  first(): Ctx {
    return this.map ? this.map.values().next().value! : this.ctx!;
  }
}

/**
 * The workspace analysis, kept up to date incrementally: `update()` takes the
 * files that changed; summaries are recomputed for changed functions and,
 * when a summary changes, for their callers; entry contexts are maintained
 * with their contributors (a caller's context, an ops-table seed, an entry
 * contract), so a changed run retracts what it handed on before and hands on
 * anew; findings are recomputed lazily for the functions whose runs or
 * contexts changed. A cold build is the same update from an empty workspace.
 */
export class Analysis {
  readonly summaries = new Map<Def, Summary | undefined>();
  private readonly ctxs = new Map<Def, Map<string, CtxEntry>>();
  /** What each (function, context) handed on: contributor id -> targets. */
  private readonly contrib = new Map<string, { target: Def; key: string }[]>();
  private readonly runs = new Map<Def, Map<string, RunResult>>();
  private readonly findingsOf = new Map<Def, RuleFinding[]>();
  private readonly dirtyFindings = new Set<Def>();
  private readonly seedKeys = new Map<string, { target: Def; key: string }[]>();
  /** Work for functions no rule judges, left for completeContexts (in queue order), and its ids. */
  private pendingDead: WorkItem[] = [];
  private pendingIds = new Set<string>();
  /** What live runs have yet to hand on to functions that wait (see step). */
  private pendingHandOns: PendingHandOn[] = [];
  /** Contexts another contribution now stands for, with another witness chain (see represent). */
  private rechained: [Def, string][] = [];
  /** Per contributor that has contributions pending, how often it ran again or went since (see supersede); cleared once none is pending. */
  private readonly contribGen = new Map<string, number>();
  /** The functions whose contexts each update completes (see liveDefs). */
  private live: LiveSet = new Set<Def>();
  readonly version: number;
  readonly prog = new Program([]);

  /**
   * `withBody` builds a function's IR body when it is first interpreted (the host
   * owns the parser); functions without lock effect are never built.
   */
  constructor(readonly cat: Catalogue, private readonly memo: AnalysisMemo, private readonly withBody: (ir: FunctionIR) => FunctionIR & { body: Stmt }, private bodiesAhead?: BodiesAhead) {
    this.version = cat.version;
    memo.version = String(cat.version);
  }

  private summaryFor(file: string, name: string): Summary | undefined {
    return this.summaryOf(this.prog.resolve(name, file));
  }

  /** The summary of a call that resolves to these definitions. */
  private summaryOf(defs: Def[]): Summary | undefined {
    if (!defs.length) return undefined;
    if (defs.length === 1) return this.summaries.get(defs[0]!);
    const outs: SummaryOutcome[] = [];
    for (const d of defs) outs.push(...(this.summaries.get(d)?.outcomes ?? [{ ret: 31 }]));
    return outs.some((o) => o.acquire || o.release || o.drops) ? { outcomes: outs } : undefined;
  }

  private sigCache = new Map<Def, string>();
  private lastGuardSig = '';

  /** What a function's runs depend on besides its own text and context: its file, the catalogue, guard classes, callee summaries (one string per function until a callee changes, so memo checks compare it by identity). */
  private runSig(d: Def): string {
    const hit = this.sigCache.get(d);
    if (hit !== undefined) return hit;
    const v = [d.file, this.computeCalleeSig(d)].join('|');
    this.sigCache.set(d, v);
    return v;
  }

  /** A summary (or the set of definitions of a name) changed: callers' signatures and triviality are stale. */
  private staleCallers(name: string): void {
    for (const c of this.prog.callersOf(name)) { this.sigCache.delete(c); this.trivialCache.delete(c); }
  }

  private computeCalleeSig(d: Def): string {
    let sig = '';
    const callees = d.fn.ir.callees, targets = this.prog.calleeTargets(d);
    for (let i = 0; i < callees.length; i++) {
      const c = callees[i]!;
      if (this.cat.byName.has(c)) continue;
      if (!this.prog.byName.has(c)) continue;
      const s = this.summaryOf(targets[i]!);
      sig += s ? `${c}=${summaryId(s)}|` : `${c}|`;
    }
    return `${this.cat.version}|${this.prog.guardSig}|${sig}`;
  }

  /** No catalogue primitive, no callee with a lock effect, no guard, no VMA field write: nothing to interpret. */
  private trivialCache = new Map<Def, { round: number; v: boolean }>();

  private trivial(d: Def): boolean {
    const c = this.trivialCache.get(d);
    if (c) return c.v;
    const v = this.computeTrivial(d);
    this.trivialCache.set(d, { round: 0, v });
    return v;
  }

  private computeTrivial(d: Def): boolean {
    if (hasOwnLockEffect(d.fn, this.cat)) return false;
    for (const t of this.prog.calleeTargets(d)) if (this.summaryOf(t)) return false;
    return true;
  }

  private trivialResult(d: Def): RunResult {
    const events: Event[] = [];
    const { names, offsets } = d.fn.ir.callSites;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!, at = offsets[i]!;
      events.push(makeCallEvent(name, false, at, at, undefined, this.prog.byName.has(name) ? name : undefined, NONE, NO_MISSING, undefined, undefined, undefined));
    }
    return { events, returns: [], gaveUp: false };
  }

  /** The interpreter's run of `d` under `ctx` (memoised; never rebased: tests compare the two). */
  runFor(d: Def, ctx: Ctx): RunResult {
    if (this.trivial(d)) {
      const m = this.memo.get(d.fn.ir);
      const hit = m.runs.get('trivial');
      if (hit) return hit.result;
      const result = this.trivialResult(d);
      m.runs.set('trivial', { sig: '', result });
      return result;
    }
    const m = this.memo.get(d.fn.ir);
    const sig = this.runSig(d);
    const hit = m.runs.get(ctx.key);
    if (hit && hit.sig === sig) return hit.result;
    const result = run({
      fn: this.withBody(d.fn.ir),
      file: d.file,
      base: d.fn.declStart,
      cat: this.cat,
      summary: (name) => this.summaryFor(d.file, name),
      defined: (name) => this.prog.byName.has(name),
      guardClasses: this.prog.guardClasses,
      scopedGuards: new Map(d.fn.scopedGuards),
      // (records are never changed once made: the context's are the entry state's)
      entry: makeState(orEmpty(ctx.locks), ctx.flag, orEmpty(ctx.params ?? EMPTY), ctx.anon === undefined ? EMPTY : { isanon: ctx.anon }, null, !!ctx.imprecise, ctx.sites, undefined, undefined, undefined, undefined, undefined),
      known: ctx.known,
    });
    if (m.runs.size > 32) m.runs.clear();
    m.runs.set(ctx.key, { sig, result });
    return result;
  }

  private rootCtx(d: Def): Ctx {
    const locks: Record<string, number> = {};
    for (const c of d.fn.contracts) {
      if (c.kind !== 'must_hold' && c.kind !== 'releases') continue;
      const l = parseLockArg(c.arg);
      if (l) locks[l] = 1;
    }
    return { key: ctxKey(locks, 0, false), locks: orEmpty(locks), flag: 0, known: false, root: true, via: [this.selfSite(d)], sites: EMPTY };
  }

  /** The unknown entry as runFor reads it (no witness chain), per function version. */
  private readonly rootRunCtx = new WeakMap<FnDef, Ctx>();

  rootForRun(d: Def): Ctx {
    let c = this.rootRunCtx.get(d.fn);
    if (!c) this.rootRunCtx.set(d.fn, (c = this.rootCtx(d)));
    return c;
  }


  // ---------------- incremental update ----------------

  /** Replaces files (null = removed) and brings summaries, contexts and findings up to date. */
  update(changes: { path: string; input: FileInput | null }[]): void {
    // (contexts left for later belong to the program as it was: a function may now need them for findings)
    this.completeContexts();
    const touched = new Set<Def>();
    const removed: Def[] = [];
    const names = new Set<string>();
    for (const c of changes) {
      // (witness-chain lines of the old version: a cached entry would keep the old file's texts alive)
      for (const d of this.prog.defsOf(c.path)) this.siteCache.delete(d);
      const r = this.prog.setFile(c.path, c.input);
      for (const d of r.removed) { removed.push(d); names.add(d.fn.name); }
      for (const d of r.added) { touched.add(d); names.add(d.fn.name); }
      for (const d of r.changed) touched.add(d);
    }
    // callers of names whose definitions appeared or went away resolve differently now
    for (const n of names) { this.staleCallers(n); for (const d of this.prog.callersOf(n)) touched.add(d); }
    for (const d of touched) { this.sigCache.delete(d); this.trivialCache.delete(d); }
    this.prog.guardSig !== this.lastGuardSig && (this.sigCache.clear(), this.trivialCache.clear(), (this.lastGuardSig = this.prog.guardSig));
    for (const d of removed) this.forget(d);
    this.refreshSummaries(touched);
    this.refreshContexts(touched, changes.map((c) => c.path));
  }

  private forget(d: Def): void {
    const mine = this.ctxs.get(d);
    if (mine) for (const k of [...mine.keys()]) this.retract(`${d.id}|${k}`);
    this.ctxs.delete(d);
    this.runs.delete(d);
    this.summaries.delete(d);
    this.siteCache.delete(d);
    this.calleeCache.delete(d);
    this.findingsOf.delete(d);
    this.dirtyFindings.delete(d);
  }

  /** Summaries of the touched functions, then of callers whose callee summary changed (bounded rounds per function). */
  private refreshSummaries(touched: Set<Def>): void {
    const order = this.postOrder(touched);
    const ahead = this.bodiesAhead;
    ahead?.order?.(order.map((d) => d.fn.ir));
    const queue = [...order];
    const queued = new Set(queue);
    const rounds = new Map<Def, number>();
    const summarise = (d: Def): void => {
      queued.delete(d);
      if (!this.prog.alive(d)) return;
      const n = (rounds.get(d) ?? 0) + 1;
      rounds.set(d, n);
      let s: Summary | undefined;
      const m = this.memo.get(d.fn.ir);
      // (a function the analysis does not interpret returns nothing it could summarise: four in five of mm/)
      const sig = this.trivial(d) ? undefined : this.runSig(d);
      if (sig === undefined) s = undefined;
      else if (m.summarySig === sig) s = m.summary;
      else {
        const root = this.rootForRun(d);
        s = summarize(this.runFor(d, root), root.locks);
        m.summarySig = sig;
        m.summary = s;
      }
      const had = this.summaries.has(d);
      const prev = this.summaries.get(d);
      this.summaries.set(d, s);
      // its callers are interpreted from now on (and come later in this order): their bodies can be built ahead
      if (s && !prev && ahead) this.wantCallerBodies(d, ahead);
      if (had && summaryId(prev) === summaryId(s)) return;
      if (!had && !s) return;
      this.staleCallers(d.fn.name); // callee signatures changed
      if (n > 4) return; // recursion that does not settle: stop here
      for (const c of this.prog.callersOf(d.fn.name)) {
        touched.add(c);
        if (!queued.has(c)) { queued.add(c); queue.push(c); }
      }
    };
    // While bodies are built ahead, a function whose body has not arrived waits (so does one
    // calling a function that waits), and the ones after it go first, unless too many wait:
    // the analysis builds fewer bodies itself, and never waits for the worker. A function
    // that waits reads no summary the ones going first change (it calls none of them), and a
    // function from which no call cycle is reachable is summarised once, from final
    // summaries. Those from which one is (they are summarised again when a callee's summary
    // changes, a bounded number of times: the outcome depends on their order) keep their
    // order among themselves: once one waits, the next ones wait behind it. So no summary
    // depends on when bodies arrive.
    const waiting: Def[] = [];
    const waits = new Set<Def>();
    const arrived = ahead?.arrived?.bind(ahead);
    const ordered = arrived ? this.reachingCycles(order) : new Set<Def>();
    let orderedWaiting = 0;
    const blocked = (d: Def): boolean => {
      if (waits.size) {
        const targets = this.prog.calleeTargets(d);
        for (let i = 0; i < targets.length; i++) for (let j = 0, ts = targets[i]!; j < ts.length; j++) if (waits.has(ts[j]!)) return true;
      }
      return !d.fn.ir.body && !this.trivial(d) && this.memo.get(d.fn.ir).summarySig !== this.runSig(d) && !arrived!(d.fn.ir);
    };
    for (let qi = 0; qi < queue.length || waiting.length;) {
      if (waiting.length && (qi >= queue.length || waiting.length >= MAX_WAITING || !blocked(waiting[0]!))) {
        const d = waiting.shift()!;
        waits.delete(d);
        if (ordered.has(d)) orderedWaiting--;
        summarise(d);
        continue;
      }
      const d = queue[qi++]!;
      if (arrived && this.prog.alive(d) && ((orderedWaiting && ordered.has(d)) || blocked(d))) {
        waiting.push(d);
        waits.add(d);
        if (ordered.has(d)) orderedWaiting++;
        continue;
      }
      summarise(d);
    }
    // (every function interpreted now has its body: the rest of this build, and later ones, build their own)
    ahead?.done();
    this.bodiesAhead = undefined;
  }

  /** The functions of `defs` from which a call cycle among them can be reached (see onCycles). */
  private reachingCycles(defs: Def[]): Set<Def> {
    return this.prog.reachingUp(this.onCycles(defs), new Set(defs));
  }

  /** The functions of `defs` on a call cycle among them (a strongly connected component of two or more, or calling itself). */
  private onCycles(defs: Def[]): Set<Def> {
    // (Tarjan's algorithm, iterative, over the callee targets; per-function numbers by Def id)
    let maxId = 0;
    for (const d of defs) if (d.id > maxId) maxId = d.id;
    const member = new Uint8Array(maxId + 1), index = new Int32Array(maxId + 1).fill(-1), low = new Int32Array(maxId + 1);
    const onStack = new Uint8Array(maxId + 1);
    for (const d of defs) member[d.id] = 1;
    const stack: Def[] = [], out = new Set<Def>();
    const frames: { d: Def; targets: Def[][]; i: number; j: number }[] = [];
    let n = 0;
    const open = (d: Def): void => {
      index[d.id] = low[d.id] = n++;
      stack.push(d); onStack[d.id] = 1;
      frames.push({ d, targets: this.prog.calleeTargets(d), i: 0, j: 0 });
    };
    for (const root of defs) {
      if (index[root.id]! >= 0) continue;
      open(root);
      while (frames.length) {
        const f = frames[frames.length - 1]!;
        if (f.i < f.targets.length) {
          const ts = f.targets[f.i]!;
          if (f.j >= ts.length) { f.i++; f.j = 0; continue; }
          const t = ts[f.j++]!;
          if (!member[t.id]) continue;
          if (t === f.d) out.add(t);
          if (index[t.id]! < 0) open(t);
          else if (onStack[t.id]) low[f.d.id] = Math.min(low[f.d.id]!, index[t.id]!);
          continue;
        }
        frames.pop();
        const id = f.d.id;
        if (frames.length) { const p = frames[frames.length - 1]!.d.id; low[p] = Math.min(low[p]!, low[id]!); }
        if (low[id] !== index[id]) continue;
        let size = 0;
        for (let k = stack.length - 1; ; k--) { size++; if (stack[k] === f.d) break; }
        for (let k = 0; k < size; k++) {
          const x = stack.pop()!;
          onStack[x.id] = 0;
          if (size > 1) out.add(x);
        }
      }
    }
    return out;
  }

  private wantCallerBodies(d: Def, ahead: BodiesAhead): void {
    for (const c of this.prog.directCallers(d)) if (!c.fn.ir.body) ahead.want(c.fn.ir);
  }

  /** Callee-first order of the given functions (callees inside the set come first). */
  private postOrder(set: Set<Def>): Def[] {
    const seen = new Set<Def>();
    const out: Def[] = [];
    for (const root of set) {
      if (seen.has(root)) continue;
      const stack: { d: Def; i: number }[] = [{ d: root, i: 0 }];
      seen.add(root);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const targets = this.prog.calleeTargets(top.d);
        if (top.i < targets.length) {
          for (const c of targets[top.i++]!) {
            if (!seen.has(c) && set.has(c)) { seen.add(c); stack.push({ d: c, i: 0 }); }
          }
        } else {
          out.push(top.d);
          stack.pop();
        }
      }
    }
    return out;
  }

  private lineOf(file: string, off: number): number {
    return this.prog.files.get(file)?.lineOf(off) ?? 1;
  }

  private selfSite(d: Def): CallSite {
    return this.siteOf(d, d.fn.nameOffset - d.fn.declStart);
  }

  /** Witness-chain elements per function and offset, shared by the contexts through them (valid for one version of the file). */
  private readonly siteCache = new Map<Def, { input: FileInput | undefined; declStart: number; byAt: Map<number, ViaSite> }>();

  /** The element for a call of `call` at `at` in `d`, or (without `call`) for `d`'s own name. */
  private siteOf(d: Def, at: number, call?: string): ViaSite {
    const input = this.prog.files.get(d.file);
    let c = this.siteCache.get(d);
    if (!c || c.input !== input || c.declStart !== d.fn.declStart) this.siteCache.set(d, (c = { input, declStart: d.fn.declStart, byAt: new Map() }));
    let v = c.byAt.get(at);
    if (!v) c.byAt.set(at, (v = viaSite(d, at, this.lineOf(d.file, d.fn.declStart + at), call)));
    return v;
  }

  /** Seeds: the unknown entry, entry contracts, and the ops tables of the changed files. */
  private seeds(d: Def): { id: string; ctx: Ctx }[] {
    const out: { id: string; ctx: Ctx }[] = [{ id: 'root', ctx: this.rootCtx(d) }];
    const ec = this.cat.entries.find((x) => x.name.test(d.fn.name));
    if (ec) out.push({ id: 'entry', ctx: this.knownCtx(d, ec.locks, 0, [], ec.note) });
    else if (FAULT_ENTRY.name.test(d.fn.name)) {
      const arch = this.cat.entries[0]!.name;
      if (!this.prog.defs.some((x) => arch.test(x.fn.name))) {
        for (const [i, en] of FAULT_ENTRY.entries.entries()) {
          if (inRange(this.version, en.since)) out.push({ id: `fault${i}`, ctx: this.knownCtx(d, en.locks, en.vmaFlag ? 1 : 2, [], FAULT_ENTRY.note) });
        }
      }
    } else if (!d.fn.isStatic && !this.prog.hasCallers(d.fn.name) && !this.prog.opsFunctions.has(d.fn.name)
      && FAULT_PARAM_CONTRACT.param.test(d.fn.ir.text.slice(0, d.fn.ir.bodyAt))) {
      // (a caller that appears later in an editing session leaves this seed until the function is touched)
      for (const [i, en] of FAULT_PARAM_CONTRACT.entries.entries()) {
        if (!inRange(this.version, en.since)) continue;
        out.push({ id: `fault${i}`, ctx: this.knownCtx(d, en.locks, en.vmaFlag ? 1 : 2, [], FAULT_PARAM_CONTRACT.note) });
      }
    }
    return out;
  }

  private knownCtx(d: Def, locks: LockToken[], flag: 0 | 1 | 2, via: CallSite[], note: string): Ctx {
    const l: Record<string, number> = {};
    for (const x of locks) l[x] = (l[x] ?? 0) + 1;
    return { key: ctxKey(l, flag, true), locks: orEmpty(l), flag, known: true, root: false, via: [...via, this.selfSite(d)], sites: EMPTY, note };
  }

  private refreshContexts(touched: Set<Def>, files: string[]): void {
    const live = (this.live = touched.size > LIVE_BULK ? this.liveDefs() : this.liveLookup());
    const work: WorkItem[] = [];
    const inWork = new Set<string>();
    // A function no interpreted function is reachable from waits (see completeContexts), unless
    // it handed a context to one before (it did not always stand apart): that must be retracted now.
    // So does the unknown entry of a function the analysis does not interpret: its run is the trivial
    // one, which no rule judges and which hands nothing on (an unknown entry hands on only what it holds).
    const enqueue = (d: Def, key: string) => {
      const now = (live.has(d) && !(key === UNKNOWN_ENTRY_KEY && this.trivial(d))) || !!this.contrib.get(`${d.id}|${key}`)?.some((x) => live.has(x.target));
      const item = this.workItem(now ? inWork : this.pendingIds, d, key);
      if (item) (now ? work : this.pendingDead).push(item);
    };
    // seeds of touched functions (root, entry contracts)
    for (const d of touched) {
      if (!this.prog.alive(d)) continue;
      for (const s of this.seeds(d)) if (this.addCtx(d, s.ctx, `seed:${s.id}:${d.id}`)) enqueue(d, s.ctx.key);
      this.dirtyFindings.add(d);
      for (const k of this.ctxs.get(d)?.keys() ?? []) enqueue(d, k);
    }
    // ops-table seeds: recomputed for the changed files, and for tables naming a touched function
    const opsSeeds = new Map<string, { target: Def; ctx: Ctx }[]>();
    for (const { file, e } of this.prog.ops) {
      for (const c of this.cat.ops) {
        if (c.struct !== e.struct || c.member !== e.member) continue;
        for (const d of this.prog.resolve(e.fn, file)) {
          c.entries.forEach((en, i) => {
            if (en.needsMapPages && !e.hasMapPages) return;
            const flag = en.vmaFlag === undefined ? 0 : en.vmaFlag ? 1 : 2;
            const id = `ops:${file}:${e.table}.${e.member}:${i}:${d.id}`;
            const ctx = this.knownCtx(d, en.locks, flag, [opsSite(file, e, this.lineOf(file, e.offset))], `${e.struct}.${e.member} (${e.table}): ${c.note}`);
            let l = opsSeeds.get(id);
            if (!l) opsSeeds.set(id, (l = []));
            l.push({ target: d, ctx });
          });
        }
      }
    }
    const changedFiles = new Set(files);
    for (const [id, old] of this.seedKeys) {
      if (!opsSeeds.has(id) || changedFiles.has(id.split(':')[1]!)) {
        for (const o of old) if (this.removeContribution(o.target, o.key, id)) enqueue(o.target, o.key);
        this.seedKeys.delete(id);
      }
    }
    for (const [id, list] of opsSeeds) {
      if (this.seedKeys.has(id)) continue;
      this.seedKeys.set(id, list.map((x) => ({ target: x.target, key: x.ctx.key })));
      for (const x of list) if (this.addCtx(x.target, x.ctx, id)) enqueue(x.target, x.ctx.key);
    }
    this.takeRechained(enqueue);
    // (a context handed to a function that waits is handed at completion, in chain-length order)
    for (let qi = 0; qi < work.length; qi++) this.step(work[qi]!, inWork, enqueue, live);
  }

  /** The work item for (d, key), unless one is queued already (`ids`). */
  private workItem(ids: Set<string>, d: Def, key: string): WorkItem | undefined {
    const id = `${d.id}|${key}`;
    if (ids.has(id)) return undefined;
    ids.add(id);
    return [d, key, id];
  }

  /** Work left for completeContexts (items and contexts handed on); 0 when every context is complete. */
  get waiting(): number {
    return this.pendingDead.length + this.pendingHandOns.length;
  }

  /**
   * Contexts of the functions that need them only to be shown (hovers, lenses, `context`):
   * those from which no interpreted function is reachable. They hand contexts on only to
   * their own kind, never to a function a rule judges, so `update` propagates to them last,
   * here, on the first query that reads contexts (or the next update); findings never wait
   * for them. (Over mm/ they hold over half of all contexts.)
   */
  completeContexts(): void {
    if (!this.pendingDead.length && !this.pendingHandOns.length) return;
    // By witness-chain length, as the main queue (breadth-first from the seeds) goes: a context
    // handed on from a chain of n functions is added at n, the work on a context with a chain of
    // n runs at n. So which contexts a function keeps (at most MAX_CONTEXTS), and which chain
    // shows for each, go to the shorter chains, as in one queue.
    const byDepth: (WorkItem | PendingHandOn)[][] = [];
    let depth = 0;
    const inWork = this.pendingIds;
    const at = (n: number) => (byDepth[Math.max(depth, n)] ??= []);
    const pushItem = (item: WorkItem) => { at(this.ctxs.get(item[0])?.get(item[1])?.ctx.via.length ?? 0).push(item); };
    const items = this.pendingDead, handOns = this.pendingHandOns;
    this.pendingDead = [];
    this.pendingIds = new Set();
    this.pendingHandOns = [];
    // (what a context with a chain of n hands on has a chain of n + 1: added at n)
    for (const h of handOns) at(Math.max(0, h.ctx.via.length - 1) + 1).push(h);
    for (const item of items) pushItem(item);
    const enqueue = (d: Def, key: string) => {
      const item = this.workItem(inWork, d, key);
      if (item) pushItem(item);
    };
    for (depth = 0; depth < byDepth.length; depth++) {
      const work = byDepth[depth];
      if (!work) continue;
      for (let i = 0; i < work.length; i++) {
        const w = work[i]!;
        if (Array.isArray(w)) this.step(w, inWork, enqueue, null);
        else this.applyHandOn(w, enqueue);
      }
    }
    // (generations tell a pending contribution from a superseded one: none is pending now)
    this.contribGen.clear();
  }

  /** What a run left to hand on to the functions that waited (see PendingHandOn), unless its contributor has since run again or gone. */
  private applyHandOn(h: PendingHandOn, enqueue: (d: Def, key: string) => void): void {
    const { cid } = h;
    if ((this.contribGen.get(cid) ?? 0) !== h.gen || !this.prog.alive(h.d)) return;
    const waited = (t: Def) => !this.live.has(t) && !h.handled?.has(t);
    for (const { target, ctx } of this.handOn(h.d, h.ctx, h.res, h.transparent, waited)) {
      if (!this.prog.alive(target)) continue;
      const had = this.ctxs.get(target)?.get(ctx.key)?.by.has(cid);
      const added = !had && this.addCtx(target, ctx, cid);
      if (added) enqueue(target, ctx.key);
      if (had || added || this.ctxs.get(target)?.get(ctx.key)?.by.has(cid)) {
        let list = this.contrib.get(cid);
        if (!list) this.contrib.set(cid, (list = []));
        if (!list.some((o) => o.target === target && o.key === ctx.key)) list.push({ target, key: ctx.key });
      }
    }
  }

  /**
   * One (function, context): its run, and what it hands on now instead of before. With
   * `live` (the main queue), what it hands on to a function that waits is left for
   * completeContexts (PendingHandOn), unless that function had its contribution before.
   */
  private step(item: WorkItem, inWork: Set<string>, enqueue: (d: Def, key: string) => void, live: LiveSet | null): void {
    const [d, key, cid] = item;
    inWork.delete(cid);
    this.supersede(cid);
    const entry = this.ctxs.get(d)?.get(key);
    if (!entry || !this.prog.alive(d)) { this.retract(cid); return; }
    const ctx = entry.ctx;
    const res = this.runOrTransparent(d, ctx);
    let runs = this.runs.get(d);
    if (!runs) this.runs.set(d, (runs = new Map()));
    if (runs.get(key) !== res.result) { runs.set(key, res.result); this.dirtyFindings.add(d); }
    const before = this.contrib.get(cid);
    let handled: Set<Def> | null = null, waits = false;
    const now = this.handOn(d, ctx, res.result, res.transparent, live && ((t: Def) => {
      if (live.has(t)) return true;
      if (before && (handled ??= new Set(before.map((b) => b.target))).has(t)) return true;
      waits = true;
      return false;
    }));
    if (waits) {
      const gen = this.contribGen.get(cid) ?? 0;
      this.contribGen.set(cid, gen);
      this.pendingHandOns.push({ cid, d, ctx, res: res.result, transparent: res.transparent, gen, handled: before ? handled : null });
    }
    if (before) {
      const nowKeys = new Set(now.map((x) => `${x.target.id}|${x.ctx.key}`));
      for (const b of before) {
        if (nowKeys.has(`${b.target.id}|${b.key}`)) continue;
        if (this.removeContribution(b.target, b.key, cid)) enqueue(b.target, b.key);
      }
    }
    const kept: { target: Def; key: string }[] = [];
    for (const x of now) {
      const e = this.ctxs.get(x.target)?.get(x.ctx.key);
      const had = e?.by.get(cid);
      if (had) {
        // The same context handed on by an earlier run of this one: it carries this run's witness
        // chain now. (Handed on twice by this run, from two call sites: the first call stands.)
        if (had !== x.ctx && !sameChain(had.via, x.ctx.via) && !now.some((y) => y.ctx === had)) {
          e!.by.set(cid, x.ctx);
          if (e!.ctx === had) this.represent(x.target, e!, x.ctx);
        }
        kept.push({ target: x.target, key: x.ctx.key });
        continue;
      }
      const added = this.addCtx(x.target, x.ctx, cid);
      if (added) enqueue(x.target, x.ctx.key);
      if (added || this.ctxs.get(x.target)?.get(x.ctx.key)?.by.has(cid)) kept.push({ target: x.target, key: x.ctx.key });
    }
    if (kept.length) this.contrib.set(cid, kept); else this.contrib.delete(cid);
    this.takeRechained(enqueue);
  }

  /** Contexts whose chain changed are run again, so what they hand on carries the new chain. */
  private takeRechained(enqueue: (d: Def, key: string) => void): void {
    if (!this.rechained.length) return;
    const list = this.rechained;
    this.rechained = [];
    for (const [d, key] of list) enqueue(d, key);
  }

  /**
   * Functions a rule may judge, or from which one is reachable over the call graph: the
   * interpreted ones and their callers, transitively. Only these need their contexts for
   * findings; the others are completed later (completeContexts). All at once, from the
   * interpreted ones up (a cold build asks about every function).
   */
  liveDefs(): LiveSet {
    return this.prog.reachingUp(this.prog.defs.filter((d) => !this.trivial(d)));
  }

  /**
   * The same, asked one function at a time (an edit asks about a few): is an interpreted
   * function reachable from it? When none is, none is from anything it reaches either.
   */
  liveLookup(): LiveSet {
    const known = new Map<Def, boolean>();
    const has = (d: Def): boolean => {
      const k = known.get(d);
      if (k !== undefined) return k;
      const seen = new Set<Def>([d]);
      const stack = [d];
      while (stack.length) {
        const x = stack.pop()!;
        if (known.get(x) === true || !this.trivial(x)) { known.set(d, true); return true; }
        if (known.get(x) === false) continue;
        for (const ts of this.prog.calleeTargets(x)) {
          for (const t of ts) if (!seen.has(t)) { seen.add(t); stack.push(t); }
        }
      }
      for (const x of seen) known.set(x, false);
      return false;
    };
    return { has };
  }

  /** Adds a contribution; true when the context is new for the target (to be run). */
  private addCtx(d: Def, ctx: Ctx, by: string): boolean {
    let m = this.ctxs.get(d);
    if (!m) this.ctxs.set(d, (m = new Map()));
    const e = m.get(ctx.key);
    if (e) { e.by.set(by, ctx); return false; }
    if (!ctx.root) {
      let n = 0;
      for (const x of m.values()) if (!x.ctx.root) n++;
      if (n >= MAX_CONTEXTS) return false;
    }
    m.set(ctx.key, { ctx, by: new Contributors(by, ctx) });
    this.dirtyFindings.add(d);
    return true;
  }

  /** Removes a contribution; true when the context is gone (its own contributions must be retracted). */
  private removeContribution(d: Def, key: string, by: string): boolean {
    const m = this.ctxs.get(d);
    const e = m?.get(key);
    if (!e) return false;
    e.by.delete(by);
    if (e.by.size) {
      if (e.ctx === undefined || !e.by.includes(e.ctx)) this.represent(d, e, e.by.first());
      return false;
    }
    m!.delete(key);
    this.runs.get(d)?.delete(key);
    this.dirtyFindings.add(d);
    return true;
  }

  /**
   * Another contribution now stands for a context (the one that did went, or came anew with
   * another witness chain): its findings show the new chain, and what it handed on must carry it.
   */
  private represent(d: Def, e: CtxEntry, ctx: Ctx): void {
    const old = e.ctx;
    e.ctx = ctx;
    if (old && sameChain(old.via, ctx.via)) return;
    this.dirtyFindings.add(d);
    this.rechained.push([d, ctx.key]);
  }

  /** What `cid` handed on before and is still waiting to be added no longer holds (it runs again, or goes). */
  private supersede(cid: string): void {
    const gen = this.contribGen.get(cid);
    if (gen !== undefined) this.contribGen.set(cid, gen + 1);
  }

  private retract(cid: string): void {
    this.supersede(cid);
    const list = this.contrib.get(cid);
    if (!list) return;
    this.contrib.delete(cid);
    for (const o of list) if (this.removeContribution(o.target, o.key, cid)) this.retract(`${o.target.id}|${o.key}`);
  }

  private runOrTransparent(d: Def, ctx: Ctx): { result: RunResult; transparent: boolean } {
    const root = this.runFor(d, this.rootForRun(d));
    if (ctx.root) return { result: root, transparent: false };
    if (isTransparent(root)) return { result: root, transparent: true };
    if (!Object.keys(this.rootForRun(d).locks).length && isMmNeutral(root) && this.paramsPassive(d, ctx)) return { result: rebase(root, ctx), transparent: false };
    return { result: this.runFor(d, ctx), transparent: false };
  }

  /** The context's parameter values change nothing in a run of `d` but the values it hands on (see valueReadNames). */
  private paramsPassive(d: Def, ctx: Ctx): boolean {
    if (!ctx.params || isEmpty(ctx.params)) return true;
    const read = valueReadNames(this.withBody(d.fn.ir).body, this.cat);
    for (const p in ctx.params) if (read.has(p)) return false;
    return true;
  }

  private readonly calleeCache = new Map<Def, { gen: number; list: { name: string; at: number; targets: Def[] }[] }>();

  /** The first call site of each callee with a definition in the workspace (for a function that hands its context on unchanged). */
  private calleesOf(d: Def): { name: string; at: number; targets: Def[] }[] {
    const hit = this.calleeCache.get(d);
    if (hit && hit.gen === this.prog.gen) return hit.list;
    const list: { name: string; at: number; targets: Def[] }[] = [];
    const seenCallee = new Set<string>();
    const { names, offsets } = d.fn.ir.callSites;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!, at = offsets[i]!;
      if (seenCallee.has(name)) continue;
      seenCallee.add(name);
      const targets = this.prog.resolve(name, d.file);
      if (targets.length) list.push({ name, at, targets });
    }
    this.calleeCache.set(d, { gen: this.prog.gen, list });
    return list;
  }

  /** The contexts a run hands to its callees (those `want` accepts, when given). */
  private handOn(d: Def, ctx: Ctx, res: RunResult, transparent: boolean, want?: ((t: Def) => boolean) | null): { target: Def; ctx: Ctx }[] {
    const out: { target: Def; ctx: Ctx }[] = [];
    const give = (dv: Derived, targets: Def[], transparentCtx: boolean): void => {
      if (!ctx.known && !dv.strong) return; // an unknown entry hands on only a per-VMA lock or mmap_lock for write
      const imprecise = dv.imprecise || !!ctx.imprecise;
      const anon = dv.anon ?? (transparentCtx ? ctx.anon : undefined);
      const here = this.siteOf(d, dv.at, dv.callee);
      for (const t of targets) {
        if (t === d || (want && !want(t))) continue;
        let params: Record<string, number> | undefined;
        let pkey = '';
        if (!transparentCtx) {
          const ps = t.fn.params;
          for (let i = 0; i < ps.length; i++) {
            const p = ps[i]!, v = dv.argVals[i];
            if (!p || v === undefined || v < 0) continue;
            (params ??= {})[p] = v;
            pkey += `${p}=${v},`;
          }
        }
        const key = `${ctx.known ? 'K' : 'P'}${dv.flag}:${dv.lockKey}${pkey}${imprecise ? '~' : ''}${anon === undefined ? '' : anon ? 'A' : 'F'}`;
        // the caller's chain with its last element replaced by the call site, then the callee: built at its exact
        // length (an array grown by push keeps spare capacity, and every context keeps its chain)
        const prev = ctx.via, keep = Math.max(0, prev.length - 1);
        const via = new Array<CallSite>(keep + 2);
        for (let i = 0; i < keep; i++) via[i] = prev[i]!;
        via[keep] = here;
        via[keep + 1] = this.selfSite(t);
        out.push({ target: t, ctx: { key, locks: dv.locks, flag: dv.flag, known: ctx.known, root: false, via, sites: dv.sites, note: ctx.note, params, imprecise, anon } });
      }
    };
    if (transparent) {
      // A function with no lock effect hands its own entry context on unchanged.
      // (the context's own lock record: records are never changed once made)
      const locks = ctx.locks;
      const strong = !!(locks.vma_read || locks.mmap_write);
      if (!ctx.known && !strong) return out;
      const lockKey = lockKeyOf(locks);
      const callees = this.calleesOf(d);
      for (let i = 0; i < callees.length; i++) {
        const { name, at, targets } = callees[i]!;
        give({ callee: name, at, locks, lockKey, flag: ctx.flag, argVals: NO_ARG_VALUES, imprecise: false, anon: undefined, sites: ctx.sites, strong, targets: undefined, targetsFile: undefined, targetsGen: undefined }, targets, true);
      }
    } else {
      const gen = this.prog.gen;
      for (const dv of derive(res, !ctx.known)) {
        if (dv.targetsGen !== gen || dv.targetsFile !== d.file) { dv.targets = this.prog.resolve(dv.callee, d.file); dv.targetsFile = d.file; dv.targetsGen = gen; }
        const targets = dv.targets!;
        if (targets.length) give(dv, targets, false);
      }
    }
    return out;
  }

  // ---------------- queries ----------------

  /** The function's contexts and runs (unknown entry first). */
  resultOf(d: Def): DefAnalysis | undefined {
    if (!this.live.has(d) || this.pendingIds.has(`${d.id}|${UNKNOWN_ENTRY_KEY}`)) this.completeContexts();
    const m = this.ctxs.get(d);
    if (!m) return undefined;
    const runs = this.runs.get(d);
    const contexts = [...m.values()].map((e) => e.ctx).sort((a, b) => Number(b.root) - Number(a.root));
    return { def: d, contexts, runs: contexts.filter((c) => runs?.has(c.key)).map((c) => ({ ctx: c, result: runs!.get(c.key)! })) };
  }

  /** Findings of the functions of one file (all files when omitted). */
  findingsFor(file?: string): RuleFinding[] {
    const out: RuleFinding[] = [];
    for (const d of file === undefined ? this.prog.defs : this.prog.defsOf(file)) {
      if (this.dirtyFindings.has(d) || !this.findingsOf.has(d)) {
        this.findingsOf.set(d, this.computeFindings(d));
        this.dirtyFindings.delete(d);
      }
      out.push(...this.findingsOf.get(d)!);
    }
    return out;
  }

  private computeFindings(d: Def): RuleFinding[] {
    // A function the analysis does not interpret (no lock primitive, guard or VMA write, no callee with a
    // lock effect: four in five functions of mm/) has under every context the same run, call events without
    // states, where no rule can find anything (test/unit/core-trivial.test.ts runs every rule on them).
    return this.interprets(d) ? this.judge(d) : [];
  }

  /** Does the analysis interpret this function (else every run of it is the trivial one: its calls, no states)? */
  interprets(d: Def): boolean {
    return !this.trivial(d);
  }

  /** Every rule over every run of the function (memoised per function version, contexts and runs). */
  judge(d: Def): RuleFinding[] {
    const a = this.resultOf(d);
    if (!a) return [];
    const env = { cat: this.cat, version: this.version };
    const memo = this.memo.get(d.fn.ir);
    // (witness-chain elements are shared per function version and offset: the same element means the same line)
    const fkey: unknown[] = [d.file];
    for (let i = 0; i < a.runs.length; i++) {
      const r = a.runs[i]!, via = r.ctx.via;
      fkey.push(r.ctx.key, runId(r.result), via.length);
      for (let j = 0; j < via.length; j++) fkey.push(via[j]);
    }
    if (memo.findingsKey && sameList(memo.findingsKey, fkey) && memo.findings) return memo.findings.map((f) => ({ rule: f.rule, def: d, raw: f.raw }));
    const out: RuleFinding[] = [];
    const mine: { rule: Rule; raw: RawFinding }[] = [];
    const seen = new Set<string>();
    const retPtr = d.fn.ir.text.slice(0, d.fn.nameOffset - d.fn.declStart).trim().endsWith('*');
    const contracts = d.fn.contracts.map((c) => ({ kind: c.kind, lock: parseLockArg(c.arg) ?? '', arg: c.arg })).filter((c) => c.lock);
    const views: RunView[] = a.runs.map((r) => ({
      file: d.file, fn: d.fn.name, text: d.fn.ir.text, result: r.result, returnsPointer: retPtr, contracts,
      entry: { known: r.ctx.known, root: r.ctx.root, locks: r.ctx.locks, via: r.ctx.via, note: r.ctx.note } satisfies EntryView,
    }));
    const push = (rule: Rule, raw: RawFinding) => {
      const k = `${rule.id}@${raw.at}`;
      if (seen.has(k)) return;
      seen.add(k);
      mine.push({ rule, raw });
      out.push({ rule, def: d, raw });
    };
    // (indexed loops: no iterator objects while this code is not yet optimised)
    for (let i = 0; i < RULES.length; i++) {
      const rule = RULES[i]!;
      for (let j = 0; j < views.length; j++) {
        const raws = rule.check(views[j]!, env);
        for (let k = 0; k < raws.length; k++) push(rule, raws[k]!);
      }
      if (rule.checkAll) { const raws = rule.checkAll(views, env); for (let k = 0; k < raws.length; k++) push(rule, raws[k]!); }
    }
    memo.findingsKey = fkey.slice(); // (exact length: it is kept)
    memo.findings = mine;
    return out;
  }

  /** Is this version inside [since, until)? */
  inVersion(since?: string, until?: string): boolean {
    return inRange(this.version, since, until);
  }
}

export type { State };
export { stateKey };
