/**
 * Path-sensitive abstract interpretation of one function's IR over a set of
 * lock states. A state holds the locks (with counts), the FAULT_FLAG_VMA_LOCK
 * fact, abstract values of variables set from lock-returning calls, condition
 * facts, and whether the fault's lock was dropped. The interpreter records
 * events (calls with the states before them, VMA field writes, uses of a VMA
 * after the fault lock was dropped, returns) that the rules and the summaries read.
 *
 * Bounded: at most STATE_BUDGET states per program point (joined beyond), a
 * few iterations per loop and per backward goto, and a step budget per run.
 */
import type { Catalogue, LockToken, Outcome, Primitive } from '../catalogue';
import { ANY, C, E, N, R, Z, VMA_WRITE_FIELDS, PREDICATES, lockArgument, MM_LOCK_TOKENS } from '../catalogue';
import { forEachExpr, type Expr, type FunctionIR, type Stmt } from './ir';

export const STATE_BUDGET = 64;
const STEP_BUDGET = 400_000;
const LOOP_ROUNDS = 3;
const GOTO_ROUNDS = 3;

export interface Site {
  file: string;
  /** Offset relative to the start of function `fn`'s declaration (stable when the function moves). */
  off: number;
  fn: string;
  call: string;
}

export interface State {
  readonly locks: Readonly<Record<string, number>>;
  /** FAULT_FLAG_VMA_LOCK: 0 unknown, 1 set, 2 clear. */
  readonly flag: 0 | 1 | 2;
  readonly vals: Readonly<Record<string, number>>;
  readonly facts: Readonly<Record<string, boolean>>;
  readonly dropped: { site: Site; vars: readonly string[] } | null;
  /** Some split on the way came from a callee summary that we could not tie to a test. */
  readonly imprecise: boolean;
  /** Where each held lock was taken (for related locations). */
  readonly sites: Readonly<Record<string, Site>>;
  /** Lock families this function tried to take on this path under an unknown entry: the entry did not hold them. */
  readonly att?: Readonly<Record<string, true>>;
  /** Lock families this function tried to take on some path joined into this state (`att` keeps only what
   *  every joined path tried): for lock-not-released, a failed attempt makes a path that does not hold the lock. */
  readonly tried?: Readonly<Record<string, true>>;
  /** A release on this path found its lock not held (reported by unlock-not-held; the leak that follows is the same bug). */
  readonly misrel?: boolean;
  /** Where each lock was last released on this path (for lock-not-released). */
  readonly rel?: Readonly<Record<string, Site>>;
  /** Paths that differed in other locks (ptl, rcu, rmap, hugetlb) were joined here: their counts are an upper bound. */
  readonly minorJoined?: boolean;
}

export function stateKey(s: State): string {
  let k = '';
  for (const l of Object.keys(s.locks).sort()) if (s.locks[l]) k += `${l}${s.locks[l]},`;
  k += `|${s.flag}|`;
  for (const v of Object.keys(s.vals).sort()) k += `${v}=${s.vals[v]},`;
  k += '|';
  for (const f of Object.keys(s.facts).sort()) k += `${f}=${s.facts[f] ? 1 : 0},`;
  if (s.dropped) k += `|D${s.dropped.vars.join('+')}`;
  return k;
}

/** The mm locks every rule is about: states differing in them never merge. */
export const MM_LOCKS = MM_LOCK_TOKENS;

/**
 * Keys of a state's lock situation, as numbers: each lock name gets a base-5
 * digit (its count -2..2, 0 when absent), then the flag and the drop marker.
 * Equal keys mean equal situations; odd counts or too many lock names fall
 * back to a string key (never equal to a number).
 */
const LOCK_INDEX = new Map<string, number>();
const MAX_LOCK_DIGITS = 20;
const POW5: number[] = [];
for (let i = 0, p = 1; i < MAX_LOCK_DIGITS; i++, p *= 5) POW5.push(p);

function countDigit(n: number): number {
  return n === 1 ? 3 : n === 2 ? 4 : n === -1 ? 2 : n === -2 ? 1 : 0;
}

function lockIndex(l: string): number {
  let i = LOCK_INDEX.get(l);
  if (i === undefined) LOCK_INDEX.set(l, (i = LOCK_INDEX.size));
  return i;
}

type SituationKey = number | string;

/** The mm-lock situation: counts of the MM_LOCKS, the flag, the drop marker. */
function coarseKey(s: State): SituationKey {
  const x = s.locks;
  let k = 0;
  for (let i = 0; i < MM_LOCK_LIST.length; i++) {
    const n = x[MM_LOCK_LIST[i]!];
    if (!n) continue;
    const d = countDigit(n);
    if (!d) return computeCoarseKey(s);
    k += d * POW5[i]!;
  }
  return k * 8 + s.flag * 2 + (s.dropped ? 1 : 0);
}

const MM_LOCK_LIST = ['mmap_read', 'mmap_write', 'mmap_any', 'vma_read', 'vma_write', 'fault'];

function computeCoarseKey(s: State): string {
  const ls = Object.keys(s.locks);
  if (ls.length > 1) ls.sort();
  let k = '';
  for (const l of ls) if (s.locks[l] && MM_LOCKS.has(l)) k += `${l}${s.locks[l]},`;
  return `${k}|${s.flag}|${s.dropped ? 1 : 0}`;
}

export function held(s: State, l: string): number { return s.locks[l] ?? 0; }
export function holdsMmap(s: State): boolean { return held(s, 'mmap_read') > 0 || held(s, 'mmap_write') > 0 || held(s, 'mmap_any') > 0; }
export function holdsMmapWrite(s: State): boolean { return held(s, 'mmap_write') > 0 || held(s, 'mmap_any') > 0; }

export interface CallEvent {
  k: 'call';
  name: string;
  member: boolean;
  at: number;
  end: number;
  prim?: Primitive;
  /** Workspace callee (direct call to a function defined in the workspace). */
  callee?: string;
  states: State[];
  /** Releases of locks a state did not hold (primitive, or a callee on every outcome). */
  missing: { state: State; lock: string }[];
  /** States after the call, when it had a lock effect. */
  after?: State[];
  /** The argument expressions (for parameter values in entry contexts). */
  args?: Expr[];
  /** For VMA writers: the VMA variable written. */
  base?: string;
}
export interface FieldWriteEvent { k: 'field'; field: string; at: number; end: number; states: State[]; /** The VMA expression written through (`vma`). */ base: string }
export interface DropUseEvent { k: 'use'; text: string; at: number; end: number; state: State }
export interface ReturnEvent { k: 'ret'; at: number; end: number; state: State; v: number; /** `return;` or the end of a void function. */ noValue?: boolean }
export type Event = CallEvent | FieldWriteEvent | DropUseEvent | ReturnEvent;

/**
 * Every call and return event is built here (the interpreter's, a trivial run's, a rebased
 * run's copies): one literal each, every field in one order, so the rules' loops over events
 * see one shape per kind and no field sits in a second array (as it would after a spread).
 */
export function makeCallEvent(name: string, member: boolean, at: number, end: number, prim: Primitive | undefined, callee: string | undefined,
  states: State[], missing: CallEvent['missing'], after: State[] | undefined, args: Expr[] | undefined, base: string | undefined): CallEvent {
  return { k: 'call', name, member, at, end, prim, callee, states, missing, after, args, base };
}
export function makeReturnEvent(at: number, end: number, state: State, v: number, noValue: boolean | undefined): ReturnEvent {
  return { k: 'ret', at, end, state, v, noValue };
}

export interface SummaryOutcome extends Outcome {
  /** An acquire site inside the callee, for related locations. */
  siteOf?: Record<string, Site>;
}
export interface Summary {
  outcomes: SummaryOutcome[];
}

export interface RunInput {
  /** The function, its body built (see parse.ts materializeBody). */
  fn: FunctionIR & { body: Stmt };
  file: string;
  /** Absolute offset of the function's declaration start. */
  base: number;
  cat: Catalogue;
  /** Summary of a workspace function called by name from this file, if known. */
  summary: (name: string) => Summary | undefined;
  /** Does the workspace define this function (for the call graph)? */
  defined: (name: string) => boolean;
  guardClasses: Map<string, { lockCall: string; unlockCall: string }>;
  /** Guard `if` offsets (relative) from `scoped_guard` -> class. */
  scopedGuards: Map<number, string>;
  entry: State;
  /** Entry known (a real context) or symbolic (counts relative to an unknown entry). */
  known: boolean;
}

export interface RunResult {
  events: Event[];
  returns: ReturnEvent[];
  gaveUp: boolean;
}

interface Res { s: State; v: number }

/** The empty state list of flows that carry none (never mutated: flows and splits are read, not appended to). */
export const NONE: State[] = Object.freeze([]) as unknown as State[];
/** No locks (an outcome that takes or releases none). */
const NO_LOCKS: readonly LockToken[] = Object.freeze([]);
/** A call event's `missing` until something is missing. */
export const NO_MISSING: CallEvent['missing'] = Object.freeze([]) as unknown as CallEvent['missing'];
interface Flow { normal: State[]; brk: State[]; cont: State[] }

/**
 * The one empty record (locks, values, facts, sites): records are never changed
 * once made, and most are empty; each `{}` would be 56 bytes kept by every state
 * and context holding it (about 7 MB over mm/). Frozen, so a write would throw.
 */
export const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** `r`, or the shared EMPTY when it has no key. */
export function orEmpty<T extends Readonly<Record<string, unknown>>>(r: T): T {
  return isEmpty(r) ? EMPTY as unknown as T : r;
}

/** Has the record no key? */
export function isEmpty(r: Readonly<Record<string, unknown>>): boolean {
  for (const _ in r) return false;
  return true;
}

/**
 * Every state is built here, from one literal with every field: all states share one
 * object shape with all twelve fields inside the object. (A spread `{ ...s, f: v }`
 * copies into an object with four inline slots and the rest in a second array: two
 * allocations per state, and a third of the memory the runs keep.) The `with*`
 * functions below are the copies with one or two fields changed.
 */
export function makeState(locks: State['locks'], flag: 0 | 1 | 2, vals: State['vals'], facts: State['facts'], dropped: State['dropped'], imprecise: boolean,
  sites: State['sites'], att: State['att'], tried: State['tried'], misrel: State['misrel'], rel: State['rel'], minorJoined: State['minorJoined']): State {
  return { locks, flag, vals, facts, dropped, imprecise, sites, att, tried, misrel, rel, minorJoined };
}

function withLocks(s: State, locks: State['locks']): State {
  return makeState(locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withLocksAndSites(s: State, locks: State['locks'], sites: State['sites']): State {
  return makeState(locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withFlag(s: State, flag: 0 | 1 | 2): State {
  return makeState(s.locks, flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withVals(s: State, vals: State['vals']): State {
  return makeState(s.locks, s.flag, vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withFacts(s: State, facts: State['facts']): State {
  return makeState(s.locks, s.flag, s.vals, facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
/** Values and facts forgotten (loop widening). */
function withoutValsAndFacts(s: State): State {
  return makeState(s.locks, s.flag, EMPTY, EMPTY, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withDropped(s: State, dropped: State['dropped']): State {
  return makeState(s.locks, s.flag, s.vals, s.facts, dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function imprecise(s: State): State {
  return s.imprecise ? s : makeState(s.locks, s.flag, s.vals, s.facts, s.dropped, true, s.sites, s.att, s.tried, s.misrel, s.rel, s.minorJoined);
}
function withAttempts(s: State, att: State['att'], tried: State['tried']): State {
  return makeState(s.locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, att, tried, s.misrel, s.rel, s.minorJoined);
}
function misreleased(s: State): State {
  return s.misrel ? s : makeState(s.locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, true, s.rel, s.minorJoined);
}
function withRel(s: State, rel: State['rel']): State {
  return makeState(s.locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, rel, s.minorJoined);
}

/** Abstract value of an argument in a state: a literal, a tracked variable, or anything. */
export function argValue(a: Expr, s: State): number {
  if (a.k === 'lit') return a.v;
  const n = varName(a);
  return n ? s.vals[n] ?? ANY : ANY;
}

/**
 * The join: states with the same locks, FAULT_FLAG_VMA_LOCK fact and drop marker
 * merge (variable values united, facts kept where they agree). Values and facts
 * that are correlated with locks survive, because states with different locks
 * never merge; the number of states stays the number of distinct lock situations.
 */
function dedupe(states: State[]): State[] {
  if (states.length <= 1 || (states as Marked)[DEDUPED]) return states;
  // Few lock situations: keep the other locks (ptl, rmap, ...) exact too. Many: join them.
  const fine = groupBy(states, fullLockKey);
  const out = fine.length <= MINOR_BUDGET ? fine : groupBy(fine, coarseKey);
  if (out.length > 1) (out as Marked)[DEDUPED] = true;
  return out;
}

/**
 * Lists dedupe returned: deduping them again changes nothing (no two of their
 * states share a key), so it is skipped. (State lists are never changed once made.)
 */
const DEDUPED = Symbol('deduped');
type Marked = State[] & { [DEDUPED]?: true };

/** Distinct situations counting every lock, before other locks are joined. */
const MINOR_BUDGET = 8;

/** The situation counting every lock. */
function fullLockKey(s: State): SituationKey {
  const locks = s.locks;
  let k = 0;
  for (const l in locks) {
    const n = locks[l]!;
    if (!n) continue;
    const i = lockIndex(l);
    const d = countDigit(n);
    if (!d || i >= MAX_LOCK_DIGITS) return computeFullLockKey(s);
    k += d * POW5[i]!;
  }
  return k * 8 + s.flag * 2 + (s.dropped ? 1 : 0);
}

function computeFullLockKey(s: State): string {
  const ls = Object.keys(s.locks);
  if (ls.length > 1) ls.sort();
  let k = '';
  for (const l of ls) if (s.locks[l]) k += `${l}${s.locks[l]},`;
  return `${k}|${s.flag}|${s.dropped ? 1 : 0}`;
}

function groupBy(states: State[], key: (s: State) => SituationKey): State[] {
  if (states.length <= 1) return states;
  if (states.length <= SMALL_GROUP) return groupSmall(states, key === coarseKey ? sameCoarse : sameFull);
  const groups = new Map<SituationKey, State>();
  let merged = false;
  for (const s of states) {
    const k = key(s);
    const g = groups.get(k);
    if (!g) { groups.set(k, s); continue; }
    // the same state twice (paths that met without changing it) is one situation: the copy goes too
    merged = true;
    if (g === s) continue;
    groups.set(k, join(g, s));
  }
  let out = merged ? [...groups.values()] : states;
  if (out.length > STATE_BUDGET) out = out.slice(0, STATE_BUDGET);
  return out;
}

/** Below this many states, groupBy compares states pairwise instead of building string keys. */
const SMALL_GROUP = 12;

/** groupBy for a few states: the same groups, in the same order, with the same joins, without keys
 * (a state listed twice is kept once). */
function groupSmall(states: State[], same: (a: State, b: State) => boolean): State[] {
  let groups: State[] | null = null;
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    if (!groups) {
      // nothing joined yet: the groups are the distinct states before this one
      let j = 0;
      while (j < i && !same(states[j]!, s)) j++;
      if (j === i) continue;
      groups = [];
      for (let k = 0; k < i; k++) if (!groups.includes(states[k]!)) groups.push(states[k]!);
    }
    let j = 0;
    while (j < groups.length && !same(groups[j]!, s)) j++;
    if (j === groups.length) { groups.push(s); continue; }
    const g = groups[j]!;
    if (g === s) continue;
    // (a join keeps the group's key: the keyed locks agree, flag and drop marker come from g)
    groups[j] = join(g, s);
  }
  return groups ?? states;
}

/** Same non-zero counts of every lock. */
function sameLocks(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  if (a === b) return true;
  for (const k in a) { const v = a[k]; if (v && b[k] !== v) return false; }
  for (const k in b) { if (b[k] && !a[k]) return false; }
  return true;
}

/** fullLockKey(a) === fullLockKey(b). */
function sameFull(a: State, b: State): boolean {
  return a === b || (a.flag === b.flag && !a.dropped === !b.dropped && sameLocks(a.locks, b.locks));
}

/** coarseKey(a) === coarseKey(b). */
function sameCoarse(a: State, b: State): boolean {
  if (a === b) return true;
  if (a.flag !== b.flag || !a.dropped !== !b.dropped) return false;
  const x = a.locks, y = b.locks;
  return x === y || ((x.mmap_read || 0) === (y.mmap_read || 0) && (x.mmap_write || 0) === (y.mmap_write || 0) && (x.mmap_any || 0) === (y.mmap_any || 0)
    && (x.vma_read || 0) === (y.vma_read || 0) && (x.vma_write || 0) === (y.vma_write || 0) && (x.fault || 0) === (y.fault || 0));
}

function join(a: State, b: State): State {
  // (records are rebuilt, not copied and deleted from: `delete` makes a record a slow dictionary)
  let vals: Record<string, number> | null = null;
  const av0 = a.vals, bv0 = b.vals;
  if (av0 !== bv0) {
    let differ = false;
    for (const k in av0) if (bv0[k] !== av0[k]) { differ = true; break; }
    if (differ) {
      vals = {};
      for (const k in av0) {
        const av = av0[k]!, bv = bv0[k];
        if (bv !== undefined) vals[k] = bv === av ? av : av | bv;
      }
      vals = orEmpty(vals);
    }
  }
  let facts: Record<string, boolean> | null = null;
  const af = a.facts, bf = b.facts;
  if (af !== bf) {
    let differ = false;
    for (const k in af) if (bf[k] !== af[k]) { differ = true; break; }
    if (differ) {
      facts = {};
      for (const k in af) if (bf[k] === af[k]) facts[k] = af[k]!;
      facts = orEmpty(facts);
    }
  }
  let locks: Record<string, number> | null = null;
  const al = a.locks, bl = b.locks;
  if (al !== bl) {
    // a's locks, then b's others (the key order of the joined record is that of a Set over both)
    for (const k in al) {
      const av = al[k] ?? 0, bv = bl[k] ?? 0;
      if (av === bv) continue;
      locks ??= { ...al };
      locks[k] = Math.max(av, bv);
    }
    for (const k in bl) {
      if (k in al) continue;
      const bv = bl[k] ?? 0;
      if (bv === 0) continue;
      locks ??= { ...al };
      locks[k] = Math.max(0, bv);
    }
  }
  let att = a.att;
  if (a.att || b.att) {
    const aa = a.att, ba = b.att;
    let all = true;
    if (aa) for (const k in aa) if (!ba?.[k]) { all = false; break; }
    if (!all) {
      const both: Record<string, true> = {};
      for (const k in aa) if (ba?.[k]) both[k] = true;
      att = both;
    }
  }
  let tried = a.tried;
  if (b.tried && b.tried !== a.tried) {
    for (const k in b.tried) if (!tried?.[k]) { tried = { ...tried, ...b.tried }; break; }
  }
  if (!vals && !facts && !locks && a.imprecise === b.imprecise && att === a.att && tried === a.tried) return a;
  return makeState(locks ?? a.locks, a.flag, vals ?? a.vals, facts ?? a.facts, a.dropped, a.imprecise || b.imprecise, a.sites, att, tried, a.misrel, a.rel,
    !!locks || a.minorJoined || b.minorJoined);
}

const WORD_CACHE = new Map<string, RegExp>();
function mentions(text: string, v: string): boolean {
  let re = WORD_CACHE.get(v);
  if (!re) {
    re = new RegExp(`(^|[^\\w])${v.replace(/[^\w]/g, '\\$&')}($|[^\\w])`);
    if (WORD_CACHE.size > 5000) WORD_CACHE.clear();
    WORD_CACHE.set(v, re);
  }
  return re.test(text);
}

/** Calls whose one argument is the condition they wrap (`if (unlikely(!vma))`). */
const CONDITION_WRAPPERS = new Set(['likely', 'unlikely', 'READ_ONCE', 'data_race']);
/** Error-pointer tests, and the values their argument has where they are true. */
const ERR_TESTS = new Map([['IS_ERR', E], ['IS_ERR_OR_NULL', E | Z]]);
/** Assertions: execution goes on only where their condition is false. */
const BUG_ASSERTIONS = new Set(['BUG_ON', 'VM_BUG_ON']);
const VALUE_READS = new WeakMap<Stmt, { cat: Catalogue; names: Set<string> }>();

/**
 * Variables whose value some run of this body may read or change: each of their uses,
 * except as a direct argument of a named call that reads no argument's value (not a
 * catalogue primitive, a predicate, a member call, a condition wrapper, an error-pointer
 * test or an assertion) and as the base
 * of a field access (whose value is never the variable's). A parameter not named here
 * changes a run only by the value it hands on as an argument (see `rebase` in analysis.ts).
 * Keep in step with `cond` and `call`.
 */
export function valueReadNames(body: Stmt, cat: Catalogue): Set<string> {
  const hit = VALUE_READS.get(body);
  if (hit && hit.cat === cat) return hit.names;
  const names = new Set<string>();
  const expr = (e: Expr | undefined, passive = false): void => {
    if (!e) return;
    switch (e.k) {
      case 'id': if (!passive) names.add(e.n); return;
      case 'lit': return;
      case 'field': expr(e.base, true); return;
      case 'call': {
        const readsNone = !!e.name && !e.member && !e.fn && !cat.byName.has(e.name) && !PREDICATES[e.name]
          && !CONDITION_WRAPPERS.has(e.name) && !ERR_TESTS.has(e.name) && !BUG_ASSERTIONS.has(e.name) && !e.name.startsWith('guard:');
        expr(e.fn);
        for (const a of e.args) expr(a, readsNone && a.k === 'id');
        return;
      }
      case 'assign': expr(e.l); expr(e.r); names.add(e.lhs); return;
      case 'un': expr(e.e); return;
      case 'bin': expr(e.l); expr(e.r); return;
      case 'cond': expr(e.c); expr(e.t); expr(e.f); return;
      case 'stmt': forEachExpr(e.s, read); return;
      case 'other': for (const x of e.es) expr(x); return;
    }
  };
  const read = (e: Expr): void => expr(e);
  forEachExpr(body, read);
  VALUE_READS.set(body, { cat, names });
  return names;
}

/** Both lists, one after the other (a list itself when the other is empty: lists are never changed once made). */
function concat(a: State[], b: State[]): State[] {
  return !b.length ? a : !a.length ? b : [...a, ...b];
}

export function run(input: RunInput): RunResult {
  return new Interp(input).exec();
}

class Interp {
  private events: Event[] = [];
  private returns: ReturnEvent[] = [];
  private labels = new Map<string, State[]>();
  private labelGrew = false;
  private steps = 0;
  private gaveUp = false;
  private guardScopes: LockToken[][] = [];
  private reportedUses = new Set<number>();
  private readonly text: string;

  private readonly repeated: Set<string>;

  /** What a call node means under this catalogue (the same in every run over this body). */
  private readonly calls: Map<Expr, CallInfo>;
  private readonly body: BodyCache;

  constructor(private readonly I: RunInput) {
    this.text = I.fn.text;
    this.repeated = repeatedConditions(I.fn);
    let body = BODY_CACHE.get(I.fn.body);
    if (!body) BODY_CACHE.set(I.fn.body, (body = { calls: new Map(), texts: new Map(), compactTexts: new Map(), repeatedKeys: new Map(), lockPtrs: null }));
    this.body = body;
    this.calls = body.calls;
  }

  private callInfo(e: Extract<Expr, { k: 'call' }>): CallInfo {
    let info = this.calls.get(e);
    if (info && info.cat === this.I.cat) return info;
    const cat = this.I.cat;
    const plain = cat.lookup(e.name, '');
    const argText = this.text.slice(e.argAt, e.argEnd);
    let prim = e.member ? this.memberPrim(e, argText) : cat.lookup(e.name, argText);
    if (!prim && !e.member) prim = this.byLockPointer(e);
    const li = prim ? lockArgument(prim) : null;
    info = {
      cat, plain, argText,
      releases: !e.member && !!plain?.outcomes.some((o) => o.release?.some((l) => l === 'vma_read' || l === 'fault')),
      prim,
      dropVars: null,
      lockVar: li !== null && e.args[li] ? derefName(e.args[li]!) : null,
    };
    this.calls.set(e, info);
    return info;
  }

  /** `spin_unlock(lock)` where `lock` holds a page-table lock pointer: the entry that `matchesLockPointer` that lock. */
  private byLockPointer(e: Extract<Expr, { k: 'call' }>): Primitive | undefined {
    const list = this.I.cat.byName.get(e.name);
    if (!list) return undefined;
    for (const p of list) {
      if (!p.matchesLockPointer) continue;
      const i = lockArgument(p);
      const v = i !== null && e.args[i] ? varName(e.args[i]!) : null;
      if (v && this.lockPointerVars().get(v) === p.matchesLockPointer) return p;
    }
    return undefined;
  }

  /**
   * The function's lock-pointer variables: every value it is given is a lock pointer a
   * catalogue primitive hands back (`lock = pud_lock(mm, pud)`, `pte_offset_map_lock(..., &lock)`)
   * or NULL. Any other assignment, or `&lock` passed to another call, disqualifies it (it might
   * then name another lock). Per body, not per path: joins cannot lose it.
   */
  private lockPointerVars(): Map<string, LockToken> {
    const cat = this.I.cat;
    const hit = this.body.lockPtrs;
    if (hit && hit.cat === cat) return hit.vars;
    const kind = new Map<string, LockToken | null>();
    const give = (v: string, l: LockToken | null): void => {
      const k = kind.get(v);
      kind.set(v, k === undefined || k === l ? l : null);
    };
    const lookup = (c: Extract<Expr, { k: 'call' }>): Primitive | undefined =>
      c.member ? undefined : cat.lookup(c.name, this.text.slice(c.argAt, c.argEnd));
    const expr = (e: Expr | undefined): void => {
      if (!e) return;
      switch (e.k) {
        case 'assign': {
          const name = varName(e.l) ?? e.lhs;
          const lp = e.r.k === 'call' ? lookup(e.r)?.lockPointer : undefined;
          if (e.op === '=' && lp?.to === 'ret') give(name, lp.lock);
          else if (!(e.op === '=' && e.r.k === 'lit' && e.r.v === Z)) give(name, null);
          expr(e.l); expr(e.r);
          break;
        }
        case 'call': {
          const lp = e.args.some((a) => a.k === 'un' && a.op === '&') ? lookup(e)?.lockPointer : undefined;
          e.args.forEach((a, i) => {
            if (a.k !== 'un' || a.op !== '&') return;
            const n = varName(a.e);
            if (n) give(n, lp && lp.to === i ? lp.lock : null);
          });
          if (e.fn) expr(e.fn);
          e.args.forEach(expr);
          break;
        }
        case 'field': expr(e.base); break;
        case 'un': expr(e.e); break;
        case 'bin': expr(e.l); expr(e.r); break;
        case 'cond': expr(e.c); expr(e.t); expr(e.f); break;
        case 'stmt': forEachExpr(e.s, expr); break;
        case 'other': e.es.forEach(expr); break;
        default: break;
      }
    };
    forEachExpr(this.I.fn.body, expr);
    const vars = new Map<string, LockToken>();
    for (const [v, l] of kind) if (l) vars.set(v, l);
    this.body.lockPtrs = { cat, vars };
    return vars;
  }

  /** Does this operand name a lock (a lock-pointer variable, or text a lock-pointer primitive matches: `ptl`)? */
  private namesLock(x: Expr): boolean {
    const v = varName(x);
    if (v && this.lockPointerVars().has(v)) return true;
    if (x.k !== 'id' && x.k !== 'field' && x.k !== 'un') return false;
    const t = this.textOf(x);
    let forms = LOCK_TEXTS.get(this.I.cat);
    if (!forms) {
      forms = [];
      for (const list of this.I.cat.byName.values()) for (const p of list) if (p.matchesLockPointer && p.argMatch) forms.push(p.argMatch);
      LOCK_TEXTS.set(this.I.cat, forms);
    }
    return forms.some((re) => re.test(t));
  }

  exec(): RunResult {
    for (let round = 0; round < GOTO_ROUNDS; round++) {
      this.events = [];
      this.returns = [];
      this.reportedUses.clear();
      this.labelGrew = false;
      this.passed = new Set();
      this.guardScopes = [];
      let flow: Flow;
      try {
        flow = this.stmt(this.I.fn.body, [this.I.entry]);
      } catch (e) {
        if (e === GIVE_UP) { this.gaveUp = true; return { events: [], returns: [], gaveUp: true }; }
        throw e;
      }
      // falling off the end is a return without value
      const endAt = this.I.fn.text.length - 1;
      for (const s of flow.normal) this.addReturn(s, ANY, endAt, endAt + 1, true);
      if (!this.labelGrew) break;
    }
    // (copies at their exact length: the lists grew by push, with spare capacity, and runs are kept)
    return { events: this.events.slice(), returns: this.returns.slice(), gaveUp: this.gaveUp };
  }

  private tick(n: number): void {
    this.steps += n;
    if (this.steps > STEP_BUDGET) throw GIVE_UP;
  }

  private site(at: number, call: string): Site {
    return { file: this.I.file, off: at, fn: this.I.fn.name, call };
  }

  private textOf(e: { at: number; end: number }): string {
    let t = this.body.texts.get(e);
    if (t === undefined) this.body.texts.set(e, (t = this.text.slice(e.at, e.end).replace(/\s+/g, ' ')));
    return t;
  }

  /** The node's text without any whitespace (`vma -> vm_start` is `vma->vm_start`). */
  private compactTextOf(e: { at: number; end: number }): string {
    let t = this.body.compactTexts.get(e);
    if (t === undefined) this.body.compactTexts.set(e, (t = this.textOf(e).replace(/ /g, '')));
    return t;
  }

  // ---------------- statements ----------------

  private stmts(list: Stmt[], S: State[]): Flow {
    // (most blocks neither break nor continue: their lists are made only when needed)
    let brk: State[] = NONE, cont: State[] = NONE;
    let cur = S;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!cur.length && s.k !== 'label' && !(s.k === 'block' || s.k === 'pp')) continue;
      const f = this.stmt(s, cur);
      if (f.brk.length) brk = brk === NONE ? [...f.brk] : (brk.push(...f.brk), brk);
      if (f.cont.length) cont = cont === NONE ? [...f.cont] : (cont.push(...f.cont), cont);
      cur = f.normal;
    }
    return { normal: cur, brk, cont };
  }

  private stmt(s: Stmt, S: State[]): Flow {
    this.tick(S.length + 1);
    switch (s.k) {
      case 'expr': return { normal: this.exprStates(s.e, S), brk: NONE, cont: NONE };
      case 'block': {
        this.guardScopes.push([]);
        const f = this.stmts(s.b, S);
        const scope = this.guardScopes.pop()!;
        if (scope.length) f.normal = f.normal.map((st) => this.releaseAll(st, scope));
        return f;
      }
      case 'if': {
        const guardCls = this.I.scopedGuards.get(s.at);
        if (guardCls !== undefined) {
          const tok = this.guardLock(guardCls);
          const inS = tok ? S.map((st) => this.acquire(this.attempted(st, tok), tok, this.site(s.at, `scoped_guard(${guardCls})`))) : S;
          this.guardScopes.push(tok ? [tok] : []);
          const f = this.stmt(s.t, inS);
          this.guardScopes.pop();
          if (tok) { f.normal = f.normal.map((st) => this.releaseAll(st, [tok])); f.brk = f.brk.map((st) => this.releaseAll(st, [tok])); }
          return f;
        }
        const { t, f, fact } = this.cond(s.c, S);
        const ft = this.stmt(s.t, t);
        const ff = s.f ? this.stmt(s.f, f) : { normal: f, brk: NONE, cont: NONE };
        let normal = concat(ft.normal, ff.normal);
        if (fact) normal = forgetFact(normal, fact);
        return { normal: dedupe(normal), brk: concat(ft.brk, ff.brk), cont: concat(ft.cont, ff.cont) };
      }
      case 'while': case 'for': {
        let pre = S;
        if (s.k === 'for' && s.init) pre = this.stmt(s.init, pre).normal;
        const exits: State[] = [];
        const seen = new Set<SituationKey>();
        let inS = pre;
        for (let round = 0; round <= LOOP_ROUNDS && inS.length; round++) {
          for (const st of inS) seen.add(coarseKey(st));
          const c = s.c ? this.cond(s.c, inS) : { t: inS, f: [] as State[] };
          exits.push(...c.f);
          const body = this.stmt(s.b, c.t);
          exits.push(...body.brk);
          let next = [...body.normal, ...body.cont];
          if (s.k === 'for' && s.u) next = this.exprStates(s.u, next);
          // converged when no new lock situation comes round (values are joined, not iterated)
          next = dedupe(next).filter((st) => !seen.has(coarseKey(st)));
          if (round === LOOP_ROUNDS && next.length) {
            // widening: give up distinguishing values, the lock sets are what matter
            const c2 = s.c ? this.cond(s.c, next.map(withoutValsAndFacts)) : { t: [], f: [] };
            exits.push(...c2.f);
            break;
          }
          inS = next;
        }
        return { normal: dedupe(exits), brk: NONE, cont: NONE };
      }
      case 'do': {
        const exits: State[] = [];
        const seen = new Set<SituationKey>();
        let inS = S;
        for (let round = 0; round <= LOOP_ROUNDS && inS.length; round++) {
          for (const st of inS) seen.add(coarseKey(st));
          const body = this.stmt(s.b, inS);
          exits.push(...body.brk);
          const c = this.cond(s.c, [...body.normal, ...body.cont]);
          exits.push(...c.f);
          inS = dedupe(c.t).filter((st) => !seen.has(coarseKey(st)));
          if (round === LOOP_ROUNDS) { exits.push(...inS.map(withoutValsAndFacts)); break; }
        }
        return { normal: dedupe(exits), brk: NONE, cont: NONE };
      }
      case 'switch': {
        const ev = this.expr(s.e, S);
        const varName = s.e.k === 'id' ? s.e.n : null;
        const out: State[] = [];
        const cont: State[] = [];
        let fall: State[] = [];
        let hasDefault = false;
        for (const c of s.cases) {
          let entering: State[];
          if (c.vals === null) { hasDefault = true; entering = ev.map((r) => r.s); }
          else {
            const want = c.vals.reduce((m, v) => m | (v.k === 'lit' ? v.v : ANY), 0) || ANY;
            entering = [];
            for (const r of ev) {
              const nv = r.v & want;
              if (!nv) continue;
              entering.push(varName && r.s.vals[varName] !== undefined ? setVal(r.s, varName, nv) : r.s);
            }
          }
          const f = this.stmts(c.b, dedupe([...fall, ...entering]));
          out.push(...f.brk);
          cont.push(...f.cont);
          fall = f.normal;
        }
        out.push(...fall);
        if (!hasDefault) out.push(...ev.map((r) => r.s));
        return { normal: dedupe(out), brk: [], cont };
      }
      case 'ret': {
        const res = s.e ? this.expr(s.e, S) : S.map((st) => ({ s: st, v: ANY }));
        for (const r of res) this.addReturn(r.s, r.v, s.at, s.end, !s.e);
        return { normal: NONE, brk: NONE, cont: NONE };
      }
      case 'break': return { normal: NONE, brk: S, cont: NONE };
      case 'cont': return { normal: NONE, brk: NONE, cont: S };
      case 'goto': {
        const prev = this.labels.get(s.l) ?? [];
        const keys = new Set(prev.map(coarseKey));
        if (S.length) {
          this.labels.set(s.l, dedupe([...prev, ...S]));
          if (this.passed.has(s.l) && S.some((st) => !keys.has(coarseKey(st)))) this.labelGrew = true;
        }
        return { normal: NONE, brk: NONE, cont: NONE };
      }
      case 'label': {
        this.passed.add(s.l);
        const inS = dedupe([...S, ...(this.labels.get(s.l) ?? [])]);
        return s.s ? this.stmt(s.s, inS) : { normal: inS, brk: NONE, cont: NONE };
      }
      case 'pp': {
        const normal: State[] = [], brk: State[] = [], cont: State[] = [];
        for (const alt of s.alts) {
          const f = this.stmts(alt, S);
          normal.push(...f.normal); brk.push(...f.brk); cont.push(...f.cont);
        }
        return { normal: dedupe(normal), brk, cont };
      }
    }
  }

  private passed = new Set<string>();

  private addReturn(s: State, v: number, at: number, end: number, noValue = false): void {
    let st = s;
    for (let i = this.guardScopes.length - 1; i >= 0; i--) st = this.releaseAll(st, this.guardScopes[i]!);
    const ev = makeReturnEvent(at, end, st, v, noValue);
    this.returns.push(ev);
    this.events.push(ev);
  }

  private states(rs: Res[]): State[] {
    if (rs.length === 1) return [rs[0]!.s];
    return dedupe(rs.map((r) => r.s));
  }

  // ---------------- conditions ----------------

  /** Splits states by a condition. `fact` names a condition fact set on both sides (forgotten at the join if it made no difference). */
  private cond(e: Expr, S: State[]): { t: State[]; f: State[]; fact?: string } {
    this.tick(S.length);
    switch (e.k) {
      case 'un':
        if (e.op === '!') { const r = this.cond(e.e, S); return { t: r.f, f: r.t, fact: r.fact }; }
        break;
      case 'bin': {
        if (e.op === '&&') {
          const l = this.cond(e.l, S);
          const r = this.cond(e.r, l.t);
          return { t: r.t, f: dedupe([...l.f, ...r.f]) };
        }
        if (e.op === '||') {
          const l = this.cond(e.l, S);
          const r = this.cond(e.r, l.f);
          return { t: dedupe([...l.t, ...r.t]), f: r.f };
        }
        if (e.op === '==' || e.op === '!=') {
          const [x, lit] = e.r.k === 'lit' ? [e.l, e.r] : e.l.k === 'lit' ? [e.r, e.l] : [null, null];
          if (x && lit) {
            const r = this.valueSplit(x, S, lit.v);
            return e.op === '==' ? r : { t: r.f, f: r.t };
          }
          if (!x) {
            // `ptl != pml` and `pml == ptl` are one test (one fact), whichever way round it is written
            let r = this.factSplit(`c:${equalityKey(this.textOf(e.l), this.textOf(e.r))}`, this.exprStates(e.r, this.exprStates(e.l, S)));
            // Two lock pointers compared: the code takes or drops a lock depending on whether they name the
            // same one, which the counts do not model; the other locks' counts are an upper bound from here.
            if (this.namesLock(e.l) && this.namesLock(e.r)) r = { t: r.t.map(minorUnsure), f: r.f.map(minorUnsure), fact: r.fact };
            return e.op === '==' ? r : { t: r.f, f: r.t, fact: r.fact };
          }
        }
        if ((e.op === '<' || e.op === '>=') && e.r.k === 'lit' && e.r.v === Z) {
          const r = this.valueSplit(e.l, S, E);
          return e.op === '<' ? r : { t: r.f, f: r.t };
        }
        if (e.op === '&') return this.maskCond(e, S);
        break;
      }
      case 'call': {
        if (CONDITION_WRAPPERS.has(e.name) && e.args.length === 1) return this.cond(e.args[0]!, S);
        const err = ERR_TESTS.get(e.name);
        if (err !== undefined && e.args.length === 1) return this.valueSplit(e.args[0]!, S, err);
        const pred = PREDICATES[e.name];
        if (pred && e.args[pred.arg]) {
          // true only when the argument has these values; false says nothing
          const x = e.args[pred.arg]!;
          const name = varName(x);
          const cur = this.exprStates(e, S);
          if (!name) return { t: cur, f: cur };
          const t: State[] = [];
          for (const s of cur) { const v = (s.vals[name] ?? ANY) & pred.whenTrue; if (v) t.push(setVal(s, name, v)); }
          return { t, f: cur };
        }
        if (e.name === 'vma_is_anonymous') return this.factSplit('isanon', this.exprStates(e, S));
        if (e.name === 'userfaultfd_armed' || e.name === 'userfaultfd_missing') return this.factSplit('uffd', this.exprStates(e, S));
        break;
      }
      case 'field':
        if (e.f === 'anon_vma') { this.useCheck(e, S); return this.factSplit('anon', S); }
        break;
      case 'assign': {
        const rs = this.expr(e, S);
        const lhs = varName(e.l) ?? e.lhs;
        return this.truthSplit(rs, e.op === '=' && isVarLhs(lhs) ? lhs : null);
      }
      case 'lit':
        return e.v === Z ? { t: [], f: S } : (e.v & Z) ? { t: S, f: S } : { t: S, f: [] };
    }
    // value tests: a variable or a call result
    const vn = varName(e);
    if (vn && (e.k !== 'field' || S.some((s) => s.vals[vn] !== undefined) || this.repeated.has(this.textOf(e)))) return this.valueSplit(e, S, N | E | R | C, true);
    if (e.k === 'call' || e.k === 'id' || e.k === 'field') {
      const rs = this.expr(e, S);
      if (e.k === 'call' && rs.some((r) => r.v !== ANY)) return this.truthSplit(rs, null);
      const key = `c:${this.textOf(e)}`;
      return this.factSplit(key, this.states(rs));
    }
    const rs = this.exprStates(e, S);
    // any other condition: a fact when the same test recurs (`if (mm != &init_mm)` twice)
    return this.factSplit(`c:${this.textOf(e)}`, rs);
  }

  private truthSplit(rs: Res[], v: string | null): { t: State[]; f: State[] } {
    const t: State[] = [], f: State[] = [];
    for (const r of rs) {
      const tv = r.v & (N | E | R | C), fv = r.v & Z;
      if (tv) t.push(v ? setVal(r.s, v, tv) : r.s);
      if (fv) f.push(v ? setVal(r.s, v, fv) : r.s);
    }
    return { t: dedupe(t), f: dedupe(f) };
  }

  /** `x == lit` / IS_ERR(x) style split: states where x's value may be in `want` vs may be outside it. */
  private valueSplit(x: Expr, S: State[], want: number, truth = false): { t: State[]; f: State[] } {
    if (x.k === 'assign' || x.k === 'call') {
      const rs = this.expr(x, S);
      const name = x.k === 'assign' && x.op === '=' && isVarLhs(x.lhs) ? x.lhs : null;
      const t: State[] = [], f: State[] = [];
      for (const r of rs) {
        if (r.v & want) t.push(name ? setVal(r.s, name, r.v & want) : r.s);
        if (r.v & ~want & ANY) f.push(name ? setVal(r.s, name, r.v & ~want & ANY) : r.s);
      }
      return { t: dedupe(t), f: dedupe(f) };
    }
    const name = varName(x);
    if (x.k === 'field') this.useCheck(x, S);
    if (x.k === 'field' && x.f === 'anon_vma' && !truth) {
      // vma->anon_vma == NULL
      const r = this.factSplit('anon', S);
      return want === Z ? { t: r.f, f: r.t } : r;
    }
    if (x.k === 'id') this.useCheck(x, S);
    if (!name) {
      const key = `c:${this.textOf(x)}&${want}`;
      return this.factSplit(key, this.exprStates(x, S));
    }
    // A tested variable is tracked from here on (`if (!mm) return;` makes mm non-NULL below).
    const t: State[] = [], f: State[] = [];
    for (const s of S) {
      const v = s.vals[name] ?? ANY;
      if (v & want) t.push(setVal(s, name, v & want));
      if (v & ~want & ANY) f.push(setVal(s, name, v & ~want & ANY));
    }
    return { t, f };
  }

  private maskCond(e: Extract<Expr, { k: 'bin' }>, S: State[]): { t: State[]; f: State[]; fact?: string } {
    const bits = new Set<string>();
    const collect = (x: Expr): void => {
      if (x.k === 'bin' && x.op === '|') { collect(x.l); collect(x.r); }
      else if (x.k === 'lit') {
        const text = this.textOf(x);
        bits.add(x.v === R ? 'RETRY' : x.v === C ? 'COMPLETED' : /^VM_FAULT_[A-Z_]+$/.test(text) ? text : 'OTHER');
      }
      else if (x.k === 'id') bits.add(x.n);
      else bits.add('OTHER');
    };
    collect(e.r);
    if (bits.has('FAULT_FLAG_VMA_LOCK')) {
      this.expr(e.l, S);
      const t: State[] = [], f: State[] = [];
      for (const s of S) {
        if (s.flag !== 2) t.push(s.flag === 1 ? s : withFlag(s, 1));
        if (s.flag !== 1) f.push(s.flag === 2 ? s : withFlag(s, 2));
      }
      return { t, f };
    }
    if ((bits.has('VM_SHARED') || bits.has('VM_MAYSHARE')) && e.l.k === 'field') {
      this.useCheck(e.l, S);
      return this.factSplit('shared', S);
    }
    // Other vm_fault_t bits (FALLBACK, NOPAGE, the error bits, ...): a RETRY or
    // COMPLETED result never carries them, except VM_FAULT_MAJOR beside RETRY.
    const faultBits = [...bits].filter((b) => b.startsWith('VM_FAULT_'));
    if (faultBits.length && faultBits.length === bits.size && e.l.k === 'id' && S.some((s) => s.vals[(e.l as { n: string }).n] !== undefined)) {
      const name = e.l.n;
      const withRetry = faultBits.includes('VM_FAULT_MAJOR') ? R : 0;
      const t: State[] = [], f: State[] = [];
      for (const st of S) {
        const v = st.vals[name];
        if (v === undefined) { t.push(st); f.push(st); continue; }
        const tv = v & (N | withRetry);
        const fv = v;
        if (tv) t.push(setVal(st, name, tv));
        if (fv) f.push(setVal(st, name, fv));
      }
      return { t: dedupe(t), f: dedupe(f) };
    }
    if (bits.has('RETRY') || bits.has('COMPLETED')) {
      let want = 0;
      if (bits.has('RETRY')) want |= R;
      if (bits.has('COMPLETED')) want |= C;
      const other = bits.has('OTHER') || [...bits].some((b) => b !== 'RETRY' && b !== 'COMPLETED');
      const name = e.l.k === 'id' ? e.l.n : null;
      const rs = name ? S.map((s) => ({ s, v: s.vals[name] ?? ANY })) : this.expr(e.l, S);
      const t: State[] = [], f: State[] = [];
      for (const r of rs) {
        const tv = r.v & (want | (other ? N : 0));
        const fv = r.v & (ANY & ~want) & (other ? ANY : ANY);
        const tracked = name && r.s.vals[name] !== undefined;
        // a RETRY test on a value we did not see produced: the path is a guess
        const st = tracked || r.v !== ANY ? r.s : imprecise(r.s);
        if (tv) t.push(tracked ? setVal(st, name!, tv) : st);
        if (fv) f.push(tracked ? setVal(st, name!, fv) : st);
      }
      return { t: dedupe(t), f: dedupe(f) };
    }
    const rs = this.expr(e, S);
    const key = `c:${this.textOf(e)}`;
    return this.factSplit(key, this.states(rs));
  }

  private factSplit(key: string, S: State[]): { t: State[]; f: State[]; fact?: string } {
    // A condition tested once cannot correlate two branches: no fact to keep.
    if (key.startsWith('c:')) {
      let rep = this.body.repeatedKeys.get(key);
      if (rep === undefined) this.body.repeatedKeys.set(key, (rep = this.repeated.has(key.slice(2).replace(/&\d+$/, ''))));
      if (!rep) return { t: S, f: S };
    }
    const t: State[] = [], f: State[] = [];
    for (const s of S) {
      const v = s.facts[key];
      if (v !== false) t.push(v === true ? s : withFacts(s, withKey(s.facts, key, true)));
      if (v !== true) f.push(v === false ? s : withFacts(s, withKey(s.facts, key, false)));
    }
    return { t, f, fact: key.startsWith('c:') ? key : undefined };
  }

  // ---------------- expressions ----------------

  /**
   * The states after an expression, its value unused: what `dedupe` of `expr`'s
   * states gives (same steps, same uses reported), without building results for
   * the expressions that leave the states as they are.
   */
  private exprStates(e: Expr, S: State[]): State[] {
    switch (e.k) {
      case 'lit': this.tick(S.length); return dedupe(S);
      case 'id': this.tick(S.length); this.useCheck(e, S); return dedupe(S);
      case 'field': this.tick(S.length); this.useCheck(e, S); return this.exprStates(e.base, S);
      case 'un': this.tick(S.length); return this.exprStates(e.e, S);
      case 'bin':
        if (e.op === '&&' || e.op === '||') break;
        this.tick(S.length);
        return this.exprStates(e.r, this.exprStates(e.l, S));
      case 'other': {
        this.tick(S.length);
        let cur = S;
        for (const x of e.es) cur = this.exprStates(x, cur);
        return e.es.length ? cur : dedupe(cur);
      }
      default: break;
    }
    return this.states(this.expr(e, S));
  }

  private expr(e: Expr, S: State[]): Res[] {
    this.tick(S.length);
    switch (e.k) {
      case 'lit': return S.map((s) => ({ s, v: e.v }));
      case 'id': {
        this.useCheck(e, S);
        return S.map((s) => ({ s, v: s.vals[e.n] ?? ANY }));
      }
      case 'field': {
        this.useCheck(e, S);
        const inner = this.exprStates(e.base, S);
        if (e.f === 'anon_vma') return inner.map((s) => ({ s, v: s.facts.anon === true ? N : s.facts.anon === false ? Z : ANY }));
        return inner.map((s) => ({ s, v: ANY }));
      }
      case 'un': {
        const rs = this.expr(e.e, S);
        if (e.op === '!') return rs.map((r) => ({ s: r.s, v: r.v === Z ? N : (r.v & Z) ? ANY : Z }));
        return rs.map((r) => ({ s: r.s, v: ANY }));
      }
      case 'bin': {
        if (e.op === '&&' || e.op === '||') {
          const c = this.cond(e, S);
          return [...c.t.map((s) => ({ s, v: N })), ...c.f.map((s) => ({ s, v: Z }))];
        }
        const l = this.exprStates(e.l, S);
        return this.exprStates(e.r, l).map((s) => ({ s, v: ANY }));
      }
      case 'cond': {
        const c = this.cond(e.c, S);
        return [...this.expr(e.t, c.t), ...this.expr(e.f, c.f)];
      }
      case 'assign': return this.assign(e, S);
      case 'call': return this.call(e, S);
      case 'stmt': {
        const f = this.stmt(e.s, S);
        return f.normal.map((s) => ({ s, v: ANY }));
      }
      case 'other': {
        let cur = S;
        for (const x of e.es) cur = this.exprStates(x, cur);
        return cur.map((s) => ({ s, v: ANY }));
      }
    }
  }

  private assign(e: Extract<Expr, { k: 'assign' }>, S: State[]): Res[] {
    // a write through a field of a dropped VMA is a use; writing the variable itself is not
    let pre = S;
    if (e.l.k === 'field') {
      pre = this.exprStates(e.l.base, S);
      const f = e.l.f;
      if (VMA_WRITE_FIELDS.includes(f) && /vma\b|vma->|vmf->vma/.test(this.textOf(e.l.base)) ) {
        this.events.push({ k: 'field', field: f, at: e.at, end: e.end, states: pre, base: varName(e.l.base) ?? '' });
      }
    } else if (e.l.k !== 'id') pre = this.exprStates(e.l, S);
    const rs = this.expr(e.r, pre);
    // `vmf.vma` and `vmf->vma` are tracked under one name (varName), as the tests read them.
    const name = varName(e.l) ?? e.lhs;
    const simple = isVarLhs(name);
    const fresh = e.r.k === 'call' && !!this.callInfo(e.r).plain?.returnsNewVma;
    return rs.map((r) => {
      let s = r.s;
      if (simple) {
        if (e.op === '=' && r.v !== ANY) s = setVal(s, name, r.v);
        else if (s.vals[name] !== undefined) s = withVals(s, without(s.vals, name));
        s = killFacts(s, name);
        if (fresh) s = withFacts(s, withKey(s.facts, `new:${name}`, true));
        if (s.dropped && s.dropped.vars.includes(name)) {
          const vars = s.dropped.vars.filter((v) => v !== name);
          s = withDropped(s, vars.length ? { site: s.dropped.site, vars } : null);
        }
      }
      return { s, v: e.op === '=' ? r.v : ANY };
    });
  }

  private quiet = 0;

  private useCheck(e: Expr, S: State[]): void {
    if (this.quiet) return;
    let any = false;
    for (let i = 0; i < S.length; i++) if (S[i]!.dropped) { any = true; break; }
    if (!any) return;
    const text = e.k === 'id' ? e.n : this.compactTextOf(e);
    const field = e.k === 'field';
    for (const s of S) {
      if (!s.dropped) continue;
      if (s.dropped.vars.some((v) => v === text || (field && usesThrough(text, v)))) {
        if (this.reportedUses.has(e.at)) return;
        this.reportedUses.add(e.at);
        this.events.push({ k: 'use', text, at: e.at, end: e.end, state: s });
        return;
      }
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>, S: State[]): Res[] {
    let cur = S;
    if (e.fn) cur = this.exprStates(e.fn, cur);
    if (BUG_ASSERTIONS.has(e.name) && e.args.length === 1) {
      // execution goes on only where the condition is false
      const c = this.cond(e.args[0]!, cur);
      const a = e.args[0]!;
      const tryMmap = a.k === 'call' ? this.I.cat.lookup(a.name, '') : undefined;
      // BUG_ON(mmap_read_trylock(mm)): the caller holds mmap_lock for write
      const assertsWrite = !!tryMmap && !tryMmap.blockingMmap && tryMmap.outcomes.some((o) => o.acquire?.includes('mmap_read'));
      return c.f.map((s) => ({ s: assertsWrite && !holdsMmap(s) ? withLocks(s, { ...s.locks, mmap_write: 1 }) : s, v: ANY }));
    }
    // Passing a dropped VMA on is a use; passing vmf is not (its vma field is checked where read).
    // Releasing the lock a second time is unlock-not-held's business, not a use.
    const info = this.callInfo(e);
    const releases = info.releases;
    if (releases) this.quiet++;
    try {
      for (const a of e.args) cur = this.exprStates(a, cur);
    } finally {
      if (releases) this.quiet--;
    }
    if (!e.name) return cur.map((s) => ({ s, v: ANY }));
    if (e.name.startsWith('guard:')) {
      const cls = e.name.slice(6);
      const tok = this.guardLock(cls);
      if (!tok) return cur.map((s) => ({ s, v: ANY }));
      const scope = this.guardScopes[this.guardScopes.length - 1];
      scope?.push(tok);
      const site = this.site(e.at, `guard(${cls})`);
      const rs = cur.map((s) => ({ s: this.acquire(this.attempted(s, tok), tok, site), v: ANY }));
      this.events.push(makeCallEvent(e.name, false, e.at, e.end, this.I.cat.guards.get(cls), undefined, cur, NO_MISSING, rs.map((r) => r.s), undefined, undefined));
      return rs;
    }
    const prim = info.prim;
    const callee = !e.member && this.I.defined(e.name) ? e.name : undefined;
    // (the event keeps its own copy of the state list, at its exact length: lists built by push keep spare capacity)
    const ev = makeCallEvent(e.name, e.member, e.at, e.end, prim, callee, cur.length ? cur.slice() : NONE, NO_MISSING, undefined, e.args, undefined);
    if (prim?.vmaWrite && e.args[0]) ev.base = varName(e.args[0]) ?? undefined;
    this.events.push(ev);
    if (prim) {
      if (prim.initsVma && e.args[0]) {
        const v = varName(e.args[0]);
        if (v) cur = cur.map((s) => withFacts(s, withKey(s.facts, `new:${v}`, true)));
      }
      if (prim.asserts && !this.I.known) {
        // An assertion tells us what the unknown entry held.
        return cur.map((s) => ({ s: this.assume(s, prim.asserts!), v: ANY }));
      }
      // the lock's pointer was dereferenced: not NULL from here on
      if (info.lockVar) cur = notNull(cur, info.lockVar);
      if (!prim.outcomes.length) return cur.map((s) => ({ s, v: ANY }));
      const rs = this.applyOutcomes(cur, prim.outcomes, this.site(e.at, e.name), ev, true, info.dropVars ??= this.dropVars(e, info.argText));
      ev.after = rs.map((r) => r.s);
      return rs;
    }
    const sum = callee ? this.I.summary(callee) : undefined;
    if (sum && sum.outcomes.every((o) => !o.acquire && !o.release && !o.drops)) {
      const v = sum.outcomes.reduce((x, o) => x | o.ret, 0);
      return cur.map((s) => ({ s, v }));
    }
    if (sum && sum.outcomes.length) {
      const rs = this.applyOutcomes(cur, sum.outcomes, this.site(e.at, e.name), ev, false, info.dropVars ??= this.dropVars(e, info.argText));
      ev.after = rs.map((r) => r.s);
      return rs;
    }
    return cur.map((s) => ({ s, v: ANY }));
  }

  /** Catalogue semantics of a call through an ops table (`vma->vm_ops->fault(vmf)`). */
  private memberPrim(e: Extract<Expr, { k: 'call' }>, argText: string): Primitive | undefined {
    if (!e.fn || !e.name) return undefined;
    if (!/\bvm_ops\s*->\s*\w+$/.test(this.textOf(e.fn))) return undefined;
    return this.I.cat.lookup(`vm_ops->${e.name}`, argText);
  }

  /** Names that become unusable when this call drops the fault lock. */
  private dropVars(e: Extract<Expr, { k: 'call' }>, argText: string): string[] {
    const vars = new Set<string>(['vma']);
    for (const a of e.args) {
      if (a.k !== 'id') continue;
      if (/vmf/.test(a.n)) vars.add(`${a.n}->vma`);
      else if (/vma/.test(a.n)) vars.add(a.n);
    }
    if (/\bvmf\b/.test(argText)) vars.add('vmf->vma');
    return [...vars];
  }

  private assume(s: State, anyOf: LockToken[]): State {
    if (anyOf.some((l) => l === 'fault' ? held(s, 'vma_read') > 0 || holdsMmap(s) : held(s, l) > 0)) return s;
    if (anyOf.includes('fault')) return s; // cannot tell which
    const l = anyOf[0]!;
    if (l === 'vma_write' || l === 'vma_read') return s;
    return withLocks(s, withKey(s.locks, l, Math.max(1, held(s, l) + 1)));
  }

  private applyOutcomes(S: State[], outcomes: Outcome[], site: Site, ev: CallEvent, definite: boolean, dropVars: string[]): Res[] {
    const out: Res[] = [];
    // A primitive that tries to take a lock tells us the entry did not hold that lock family
    // (contexts carry only the mm locks, so for the others this holds under a known entry too);
    // not a downgrade (it releases the same family), and not after this function released an entry's lock.
    if (definite) {
      const fams = attemptedFamilies(outcomes);
      if (fams.length) S = S.map((s) => this.attemptedFams(s, fams));
    }
    // A split is a guess only when outcomes with different lock effects can return
    // the same value: otherwise the return value (tested later) tells them apart.
    // (Dropping the fault's lock is one effect whether spelt `fault`, `vma_read` or `mmap_read`:
    // a given state holds only one of them, the other outcome is ruled out below.)
    const distinct = guessSplit(outcomes);
    for (let si = 0; si < S.length; si++) {
      const s = S[si]!;
      const produced: Res[] = [];
      const missingHere: { state: State; lock: string }[] = [];
      for (let oi = 0; oi < outcomes.length; oi++) {
        const o = outcomes[oi]!;
        if (o.vmaFlag !== undefined) {
          if (s.flag === (o.vmaFlag ? 2 : 1)) continue;
        }
        let st: State = o.vmaFlag !== undefined && s.flag === 0 ? withFlag(s, o.vmaFlag ? 1 : 2) : s;
        let missed: string | null = null;
        const release = o.release ?? NO_LOCKS;
        for (let li = 0; li < release.length; li++) {
          const l = release[li]!;
          const r = this.release(st, l);
          if (r.missing && l !== 'vma_write') missed = r.missing;
          st = r.s;
          if (!r.missing && l !== 'vma_write') st = withRel(st, withKey(st.rel, l === 'fault' ? (st.flag === 1 ? 'vma_read' : 'mmap_read') : l, site));
        }
        const acquire = o.acquire ?? NO_LOCKS;
        for (let li = 0; li < acquire.length; li++) st = this.acquire(st, acquire[li]!, site);
        if (o.drops) st = withDropped(st, { site, vars: dropVars });
        if (distinct && !definite) st = imprecise(st);
        if (missed) { missingHere.push({ state: s, lock: missed }); st = misreleased(st); }
        produced.push({ s: st, v: o.ret });
      }
      if (!definite && missingHere.length && missingHere.length < produced.length) {
        // a callee outcome that releases what we do not hold is not this path: keep the others
        const bad = new Set(missingHere.map((m) => m));
        void bad;
        const keep = produced.filter((_, i) => !this.outcomeMisses(outcomes, i, s));
        out.push(...(keep.length ? keep : produced));
        continue;
      }
      if (missingHere.length && (definite || missingHere.length === produced.length)) {
        if (ev.missing === NO_MISSING) ev.missing = [];
        ev.missing.push(missingHere[0]!);
      }
      if (!produced.length) out.push({ s, v: ANY });
      out.push(...produced);
    }
    // merge identical states with different return values
    let res: Res[];
    if (out.length <= 1) res = out;
    else if (out.length <= SMALL_GROUP) {
      res = [];
      for (let ri = 0; ri < out.length; ri++) {
        const r = out[ri]!;
        let m: Res | undefined;
        for (let xi = 0; xi < res.length; xi++) if (sameStateKey(res[xi]!.s, r.s)) { m = res[xi]!; break; }
        if (m) m.v |= r.v; else res.push({ s: r.s, v: r.v });
      }
    } else {
      // many: compare within the states of one lock situation (equal keys have equal situations)
      res = [];
      const buckets = new Map<SituationKey, Res[]>();
      for (const r of out) {
        const k = fullLockKey(r.s);
        const b = buckets.get(k);
        let m: Res | undefined;
        if (b) for (const x of b) if (sameStateKey(x.s, r.s)) { m = x; break; }
        if (m) { m.v |= r.v; continue; }
        const x = { s: r.s, v: r.v };
        res.push(x);
        if (b) b.push(x); else buckets.set(k, [x]);
      }
    }
    if (res.length > STATE_BUDGET) res = dedupe(res.map((r) => r.s)).map((s) => ({ s, v: ANY }));
    return res;
  }

  private outcomeMisses(outcomes: Outcome[], i: number, s: State): boolean {
    let st = s;
    for (const l of outcomes[i]!.release ?? []) {
      if (l === 'vma_write') continue;
      const r = this.release(st, l);
      if (r.missing) return true;
      st = r.s;
    }
    return false;
  }

  private guardLock(cls: string): LockToken | undefined {
    const prim = this.I.cat.guards.get(cls);
    const acq = prim?.outcomes[0]?.acquire?.[0];
    if (acq) return acq;
    const gc = this.I.guardClasses.get(cls);
    if (gc) {
      const p = this.I.cat.lookup(gc.lockCall, '');
      return p?.outcomes[0]?.acquire?.[0];
    }
    return undefined;
  }

  /** Under an unknown entry, taking a lock says the entry did not hold its family. */
  private attempted(s: State, l: LockToken): State {
    if (l === 'vma_write') return s;
    return this.attemptedFams(s, [family(l)]);
  }

  private attemptedFams(s: State, fams: readonly string[]): State {
    let att: Record<string, true> | null = null;
    for (let i = 0; i < fams.length; i++) {
      const f = fams[i]!;
      if (s.att?.[f]) continue;
      // a negative count means the function released a lock its caller held: the entry did hold it
      let releasedEntry = false;
      for (const l in s.locks) if ((s.locks[l] ?? 0) < 0 && family(l) === f) { releasedEntry = true; break; }
      if (releasedEntry) continue;
      att ??= { ...s.att };
      att[f] = true;
    }
    return att ? withAttempts(s, att, { ...s.tried, ...att }) : s;
  }

  private acquire(s: State, l: LockToken, site: Site): State {
    if (l === 'vma_write') {
      if (held(s, 'vma_write') > 0) return s;
      return withLocksAndSites(s, withKey(s.locks, 'vma_write', 1), withKey(s.sites, 'vma_write', site));
    }
    // counts saturate: a loop that keeps taking a lock must converge
    return withLocksAndSites(s, withKey(s.locks, l, Math.min(held(s, l) + 1, 2)), withKey(s.sites, l, site));
  }

  private releaseAll(s: State, toks: LockToken[]): State {
    let st = s;
    for (let i = toks.length - 1; i >= 0; i--) st = this.release(st, this.releaseOf(toks[i]!)).s;
    return st;
  }

  private releaseOf(acq: LockToken): LockToken { return acq; }

  /** Releases one lock; `missing` names it when the state did not hold it. */
  private release(s: State, l: LockToken): { s: State; missing: string | null } {
    const known = this.I.known;
    const dec = (name: string): State => {
      const n = Math.max(held(s, name) - 1, -2);
      return withLocks(s, n === 0 ? without(s.locks, name) : withKey(s.locks, name, n));
    };
    if (l === 'vma_write') {
      if (!held(s, 'vma_write')) return { s, missing: null };
      return { s: withLocks(s, without(s.locks, 'vma_write')), missing: null };
    }
    if (l === 'fault') {
      let target: string | null = null;
      if (s.flag === 1) target = 'vma_read';
      else if (s.flag === 2) target = held(s, 'mmap_read') > 0 || !held(s, 'mmap_any') ? 'mmap_read' : 'mmap_any';
      else if (held(s, 'vma_read') > 0 && !holdsMmap(s)) target = 'vma_read';
      else if (held(s, 'mmap_read') > 0) target = 'mmap_read';
      else if (held(s, 'mmap_any') > 0) target = 'mmap_any';
      else if (held(s, 'vma_read') > 0) target = 'vma_read';
      if (target && held(s, target) > 0) return { s: dec(target), missing: null };
      if (!known && !(s.att?.mmap && s.att?.vma)) return { s: target ? dec(target) : dec('fault'), missing: null };
      return { s, missing: target ?? 'mmap_read' };
    }
    if (held(s, l) > 0) return { s: dec(l), missing: null };
    if (l === 'mmap_read' || l === 'mmap_write') {
      if (held(s, 'mmap_any') > 0) return { s: dec('mmap_any'), missing: null };
      const other = l === 'mmap_read' ? 'mmap_write' : 'mmap_read';
      if (held(s, other) > 0) {
        // the other mode is held: a read lock released as a writer (or the reverse)
        if (!known && s.att?.mmap) return { s: dec(other), missing: l };
        return { s: imprecise(dec(other)), missing: null };
      }
    }
    const fam = family(l);
    const decidable = (known && (fam === 'mmap' || fam === 'vma')) || s.att?.[fam];
    // undecidable: count relative to the unknown entry (it held this one)
    if (!decidable) return { s: dec(l), missing: null };
    return { s, missing: l };
  }
}

const GIVE_UP = Symbol('give up');

/** Per catalogue: the argument texts that name a lock a lock pointer can point to (`ptl`, `&mm->page_table_lock`). */
const LOCK_TEXTS = new WeakMap<Catalogue, RegExp[]>();

/** A call node's catalogue meaning (per body and catalogue). */
interface CallInfo {
  cat: Catalogue;
  /** The entry for the name alone. */
  plain: Primitive | undefined;
  argText: string;
  /** Releases the VMA lock or the fault's lock (arguments passed to it are not uses). */
  releases: boolean;
  prim: Primitive | undefined;
  /** Names a drop of the fault lock by this call makes unusable (shared, never changed). */
  dropVars: string[] | null;
  /** The pointer the primitive reaches its lock through (not NULL after the call). */
  lockVar: string | null;
}
/** What every run over one body computes alike: call meanings, node texts, which condition keys recur. */
interface BodyCache {
  calls: Map<Expr, CallInfo>;
  texts: Map<object, string>;
  compactTexts: Map<object, string>;
  repeatedKeys: Map<string, boolean>;
  /** The lock-pointer variables (see Interp.lockPointerVars), for one catalogue. */
  lockPtrs: { cat: Catalogue; vars: Map<string, LockToken> } | null;
}
const BODY_CACHE = new WeakMap<Stmt, BodyCache>();

const GUESS_SPLIT = new WeakMap<Outcome[], boolean>();
const ATTEMPTED = new WeakMap<Outcome[], string[]>();

/** The lock families a primitive with these outcomes tries to take (not vma_write, not a family it also releases: a downgrade). */
function attemptedFamilies(outcomes: Outcome[]): string[] {
  let hit = ATTEMPTED.get(outcomes);
  if (hit === undefined) {
    const relFams = new Set<string>();
    for (const o of outcomes) for (const l of o.release ?? []) relFams.add(family(l));
    const fams = new Set<string>();
    for (const o of outcomes) for (const l of o.acquire ?? []) if (l !== 'vma_write' && !relFams.has(family(l))) fams.add(family(l));
    ATTEMPTED.set(outcomes, (hit = [...fams]));
  }
  return hit;
}

/** Do outcomes with different lock effects return a common value (so a split on them is a guess)? */
function guessSplit(outcomes: Outcome[]): boolean {
  let hit = GUESS_SPLIT.get(outcomes);
  if (hit === undefined) {
    const effect = (o: Outcome) => `${o.acquire?.join() ?? ''}/${(o.release ?? []).map((l) => o.drops && (l === 'fault' || l === 'vma_read' || l === 'mmap_read') ? 'F' : l).join()}/${o.drops ? 1 : 0}`;
    hit = outcomes.some((a, i) => outcomes.some((b, j) => j > i && effect(a) !== effect(b) && (a.ret & b.ret) !== 0));
    GUESS_SPLIT.set(outcomes, hit);
  }
  return hit;
}

/**
 * stateKey(a) === stateKey(b), without building the keys: the key's locks, flag
 * and values parts are unambiguous (plain names and numbers), so they compare
 * as data; the facts and drop marker part compares as text.
 */
function sameStateKey(a: State, b: State): boolean {
  if (a === b) return true;
  if (a.flag !== b.flag || !sameLocks(a.locks, b.locks)) return false;
  const av = a.vals, bv = b.vals;
  if (av !== bv) {
    let n = 0;
    for (const k in av) { if (!(k in bv) || av[k] !== bv[k]) return false; n++; }
    for (const _ in bv) n--;
    if (n !== 0) return false;
  }
  if (a.facts === b.facts && a.dropped === b.dropped) return true;
  return factsKey(a) === factsKey(b);
}

/** The facts and drop marker part of stateKey. */
function factsKey(s: State): string {
  let k = '';
  for (const f of Object.keys(s.facts).sort()) k += `${f}=${s.facts[f] ? 1 : 0},`;
  if (s.dropped) k += `|D${s.dropped.vars.join('+')}`;
  return k;
}

const REPEATED = new WeakMap<FunctionIR, Set<string>>();

/** Condition texts (identifiers, fields, calls) that occur more than once in the function. */
function repeatedConditions(fn: FunctionIR): Set<string> {
  const hit = REPEATED.get(fn);
  if (hit) return hit;
  const count = new Map<string, number>();
  const text = fn.text;
  const see = (e: Expr): void => {
    if (e.k === 'un' && e.op === '!') return see(e.e);
    if (e.k === 'bin' && (e.op === '&&' || e.op === '||')) { see(e.l); see(e.r); return; }
    if (e.k === 'bin' && (e.op === '==' || e.op === '!=')) {
      if (e.l.k !== 'lit' && e.r.k !== 'lit') {
        const t = equalityKey(text.slice(e.l.at, e.l.end).replace(/\s+/g, ' '), text.slice(e.r.at, e.r.end).replace(/\s+/g, ' '));
        count.set(t, (count.get(t) ?? 0) + 1);
        return;
      }
      see(e.l.k === 'lit' ? e.r : e.l);
    }
    const t = text.slice(e.at, e.end).replace(/\s+/g, ' ');
    count.set(t, (count.get(t) ?? 0) + 1);
  };
  const walk = (s: Stmt | undefined): void => {
    if (!s) return;
    switch (s.k) {
      case 'if': see(s.c); walk(s.t); walk(s.f); break;
      case 'while': case 'do': see(s.c); walk(s.b); break;
      case 'for': if (s.c) see(s.c); walk(s.init); walk(s.b); break;
      case 'block': s.b.forEach(walk); break;
      case 'switch': s.cases.forEach((c) => c.b.forEach(walk)); break;
      case 'label': walk(s.s ?? undefined); break;
      case 'pp': s.alts.forEach((a) => a.forEach(walk)); break;
      default: break;
    }
  };
  walk(fn.body);
  const out = new Set<string>();
  for (const [t, n] of count) if (n > 1) out.add(t);
  REPEATED.set(fn, out);
  return out;
}

/** The condition key of `a == b` / `a != b` / `b == a`: the operands in a fixed order. */
function equalityKey(a: string, b: string): string {
  return a < b ? `${a} == ${b}` : `${b} == ${a}`;
}

function minorUnsure(s: State): State {
  return s.minorJoined ? s : makeState(s.locks, s.flag, s.vals, s.facts, s.dropped, s.imprecise, s.sites, s.att, s.tried, s.misrel, s.rel, true);
}

/** Lock family: the modes of one lock. */
export function family(l: string): string {
  if (l.startsWith('mmap')) return 'mmap';
  if (l === 'vma_read' || l === 'vma_write') return 'vma';
  return l.replace(/_(read|write)$/, '');
}

/** `text` starts with `v->` (without building that string). */
function usesThrough(text: string, v: string): boolean {
  const n = v.length;
  return text.length > n + 1 && text.charCodeAt(n) === 45 && text.charCodeAt(n + 1) === 62 && text.startsWith(v);
}

function isVarLhs(lhs: string): boolean {
  return /^\*?[A-Za-z_]\w*((->|\.)\w+)*$/.test(lhs);
}

/** The name under which a variable-like expression's value is tracked: `x`, `*x`, `a->b`. */
export function varName(x: Expr): string | null {
  if (x.k === 'id') return x.n;
  if (x.k === 'un' && x.op === '*' && x.e.k === 'id') return `*${x.e.n}`;
  if (x.k === 'field') {
    const b = varName(x.base);
    return b && !b.startsWith('*') ? `${b}${x.dot ? '.' : '->'}${x.f}` : null;
  }
  return null;
}

/** The pointer a lock is reached through: `x`, `a->b`, or the base of `&x->lock`. */
function derefName(a: Expr): string | null {
  if (a.k === 'un' && a.op === '&' && a.e.k === 'field' && !a.e.dot) return varName(a.e.base);
  return varName(a);
}

/** States where `name` was dereferenced: its value loses NULL (a value known to be only NULL is left alone). */
function notNull(S: State[], name: string): State[] {
  let out: State[] | null = null;
  for (let i = 0; i < S.length; i++) {
    const s = S[i]!;
    const v = s.vals[name] ?? ANY;
    const nv = v & ~Z;
    const t = nv && nv !== v ? setVal(s, name, nv) : s;
    if (t !== s && !out) out = S.slice(0, i);
    if (out) out.push(t);
  }
  return out ?? S;
}

function setVal(s: State, name: string, v: number): State {
  if (s.vals[name] === v) return s;
  return withVals(s, withKey(s.vals, name, v));
}

function killFacts(s: State, name: string): State {
  const f = s.facts;
  let any = false;
  for (const k in f) if (killedBy(k, name)) { any = true; break; }
  if (!any) return s;
  const facts: Record<string, boolean> = {};
  for (const k in f) if (!killedBy(k, name)) facts[k] = f[k]!;
  return withFacts(s, orEmpty(facts));
}

/** Does assigning `name` kill fact `k` (a condition that mentions it, or `new:name`)? (No string built for the test.) */
function killedBy(k: string, name: string): boolean {
  if (k.charCodeAt(0) === 99 && k.charCodeAt(1) === 58) return k.includes(name) && mentions(k.slice(2), name); // c:
  return k.length === name.length + 4 && k.startsWith('new:') && k.endsWith(name);
}

/** A copy of a record without one key, in the same key order (`delete` would make the copy a slow dictionary). */
/**
 * A copy of record `o` with `key` set (in the key order `{ ...o, [key]: v }` gives). A loop
 * copy: V8 builds a spread with a computed key several times slower, and records are
 * updated on every assignment, acquire and release the interpreter follows.
 */
function withKey<T>(o: Readonly<Record<string, T>> | undefined, key: string, v: T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in o) out[k] = o[k]!;
  out[key] = v;
  return out;
}

function without<T>(o: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in o) if (k !== key) out[k] = o[k]!;
  return orEmpty(out);
}

/** At the join of an if: a condition fact both sides agree did not matter is forgotten. */
function forgetFact(states: State[], fact: string): State[] {
  let n = 0;
  for (const s of states) if (s.facts[fact] !== undefined) n++;
  if (!n) return states;
  type Group = { t: boolean; f: boolean; s: State };
  const groups: Group[] = [];
  // many: compare within the states of one lock situation (equal keys have equal situations)
  const buckets = n > SMALL_GROUP ? new Map<SituationKey, Group[]>() : null;
  const out: State[] = [];
  for (const s of states) {
    if (s.facts[fact] === undefined) { out.push(s); continue; }
    const bare = withFacts(s, without(s.facts, fact));
    const k = buckets ? fullLockKey(bare) : 0;
    const candidates = buckets ? buckets.get(k) : groups;
    let g: Group | undefined;
    if (candidates) for (const x of candidates) if (sameStateKey(x.s, bare)) { g = x; break; }
    if (!g) {
      groups.push((g = { t: false, f: false, s: bare }));
      if (buckets) { if (candidates) candidates.push(g); else buckets.set(k, [g]); }
    }
    if (s.facts[fact]) g.t = true; else g.f = true;
  }
  for (const g of groups) out.push(g.t && g.f ? g.s : withFacts(g.s, withKey(g.s.facts, fact, g.t)));
  return out;
}
