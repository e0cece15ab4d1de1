/**
 * Workspace-level analysis over parsed files: the call graph, function
 * summaries (fixed point), entry contexts with witness chains (ops tables,
 * entry contracts, annotations, callers), one interpreter run per function and
 * context, and the rules over those runs. Memoised per function IR so an edit
 * re-runs what it touched and what depends on it.
 */
import { inRange, type Catalogue, type LockToken } from '../catalogue';
import type { Outcome } from '../catalogue';
import { RULES } from '../rules';
import type { EntryView, RawFinding, Rule, RunView } from '../rules/types';
import type { FunctionIR } from './ir';
import { argValue, held, initialState, MM_LOCKS, run, stateKey, type Event, type RunResult, type Site, type State, type Summary, type SummaryOutcome } from './interp';
import type { FnDef, OpsEntry, ParsedFile } from './parse';
import type { CallSite } from './types';

export const MAX_CONTEXTS = 8;
const CONTEXT_LOCKS = new Set(['mmap_read', 'mmap_write', 'mmap_any', 'vma_read', 'vma_write']);

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

export class Program {
  readonly defs: Def[] = [];
  readonly byName = new Map<string, Def[]>();
  private resolveCache = new Map<string, Map<string, Def[]>>();
  readonly ops: { file: string; e: OpsEntry }[] = [];
  readonly guardClasses = new Map<string, { lockCall: string; unlockCall: string }>();
  readonly files = new Map<string, FileInput>();

  constructor(inputs: FileInput[]) {
    let id = 0;
    for (const f of inputs) {
      this.files.set(f.path, f);
      const isHeader = f.path.endsWith('.h');
      for (const fn of f.parsed.fns) {
        const d: Def = { id: id++, file: f.path, fn, isHeader };
        this.defs.push(d);
        let l = this.byName.get(fn.name);
        if (!l) this.byName.set(fn.name, (l = []));
        l.push(d);
      }
      for (const e of f.parsed.ops) this.ops.push({ file: f.path, e });
      for (const g of f.parsed.guardClasses) this.guardClasses.set(g.name, g);
    }
  }

  /** Definitions a call from `file` to `name` may reach: same file, else headers, else non-static ones. */
  resolve(name: string, file: string): Def[] {
    let perFile = this.resolveCache.get(file);
    if (!perFile) this.resolveCache.set(file, (perFile = new Map()));
    const hit = perFile.get(name);
    if (hit) return hit;
    const all = this.byName.get(name) ?? [];
    let r = all.filter((d) => d.file === file);
    if (!r.length) r = all.filter((d) => d.isHeader);
    if (!r.length) r = all.filter((d) => !d.fn.isStatic);
    if (r.length > 1) r = r.slice(0, 2);
    perFile.set(name, r);
    return r;
  }
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
    const o: SummaryOutcome = { ret: r.v };
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
  if (!effect) return undefined;
  let outcomes = [...map.values()];
  // the flag only matters if the outcomes differ by it
  if (outcomes.length > 8) outcomes = outcomes.slice(0, 8);
  return { outcomes };
}

function summaryId(s: Summary | undefined): string {
  if (!s) return '';
  return s.outcomes.map((o) => `${o.ret}:${outcomeKey(o)}`).join(';');
}

function ctxKey(locks: Record<string, number>, flag: number, known: boolean): string {
  const ls = Object.keys(locks).filter((l) => locks[l]).sort().map((l) => `${l}${locks[l]}`).join(',');
  return `${known ? 'K' : 'P'}${flag}:${ls}`;
}

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

function parseLockArg(arg: string): LockToken | undefined {
  if (/mmap_lock|mmap_sem/.test(arg)) return 'mmap_any';
  if (/vm_lock|vm_refcnt/.test(arg)) return 'vma_read';
  if (/i_mmap_rwsem/.test(arg)) return 'i_mmap_read';
  if (/\bptl\b|page_table_lock/.test(arg)) return 'ptl';
  if (/\brcu\b|RCU/.test(arg)) return 'rcu';
  return undefined;
}

export class Analysis {
  readonly summaries = new Map<Def, Summary | undefined>();
  readonly results = new Map<Def, DefAnalysis>();
  findings: RuleFinding[] = [];
  readonly version: number;

  constructor(readonly prog: Program, readonly cat: Catalogue, private readonly memo: AnalysisMemo) {
    this.version = cat.version;
    if (memo.version !== String(cat.version)) {
      // a version change invalidates everything
      (memo as { byIR: WeakMap<FunctionIR, Memo> }).byIR;
      memo.version = String(cat.version);
    }
  }

  private summaryFor(file: string, name: string): Summary | undefined {
    const defs = this.prog.resolve(name, file);
    if (!defs.length) return undefined;
    if (defs.length === 1) return this.summaries.get(defs[0]!);
    const outs: SummaryOutcome[] = [];
    for (const d of defs) outs.push(...(this.summaries.get(d)?.outcomes ?? [{ ret: 31 }]));
    return outs.some((o) => o.acquire || o.release || o.drops) ? { outcomes: outs } : undefined;
  }

  private calleeSig(d: Def): string {
    let sig = '';
    for (const c of d.fn.ir.callees) {
      if (this.cat.byName.has(c)) continue;
      const defs = this.prog.resolve(c, d.file);
      if (!defs.length) continue;
      const s = this.summaryFor(d.file, c);
      if (s) sig += `${c}=${summaryId(s)}|`;
    }
    return `${this.cat.version}|${sig}`;
  }

  /** No catalogue primitive, no callee with a lock effect, no guard, no VMA field write: nothing to interpret. */
  private trivial(d: Def): boolean {
    const ir = d.fn.ir;
    if (ir.writesVmaField || d.fn.scopedGuards.length || /\bguard\s*\(/.test(ir.text)) return false;
    for (const c of ir.callees) {
      if (this.cat.byName.has(c)) return false;
      if (this.prog.resolve(c, d.file).length && this.summaryFor(d.file, c)) return false;
    }
    return true;
  }

  private trivialResult(d: Def): RunResult {
    const events: Event[] = [];
    for (const [name, at] of d.fn.ir.callSites) {
      events.push({ k: 'call', name, member: false, at, end: at, callee: this.prog.byName.has(name) ? name : undefined, states: [], missing: [] });
    }
    return { events, returns: [], gaveUp: false };
  }

  private runFor(d: Def, ctx: Ctx): RunResult {
    if (this.trivial(d)) {
      const m = this.memo.get(d.fn.ir);
      const hit = m.runs.get('trivial');
      if (hit) return hit.result;
      const result = this.trivialResult(d);
      m.runs.set('trivial', { sig: '', result });
      return result;
    }
    const m = this.memo.get(d.fn.ir);
    const sig = `${d.file}|${this.calleeSig(d)}`;
    const hit = m.runs.get(ctx.key);
    if (hit && hit.sig === sig) return hit.result;
    const result = run({
      fn: d.fn.ir,
      file: d.file,
      base: d.fn.declStart,
      cat: this.cat,
      summary: (name) => this.summaryFor(d.file, name),
      defined: (name) => this.prog.byName.has(name),
      guardClasses: this.prog.guardClasses,
      scopedGuards: new Map(d.fn.scopedGuards),
      entry: { ...initialState({ ...ctx.locks }, ctx.flag, { ...ctx.sites }, { ...(ctx.params ?? {}) }), imprecise: !!ctx.imprecise, facts: ctx.anon === undefined ? {} : { isanon: ctx.anon } },
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
    const line = this.prog.files.get(d.file)!.lineOf(d.fn.nameOffset);
    return { key: ctxKey(locks, 0, false), locks, flag: 0, known: false, root: true, via: [{ function: d.fn.name, file: d.file, line }], sites: {} };
  }

  /** Summaries to a fixed point (bounded rounds), in callee-first order. */
  computeSummaries(): void {
    const order = this.postOrder();
    for (let round = 0; round < 4; round++) {
      let changed = false;
      for (const d of order) {
        const m = this.memo.get(d.fn.ir);
        const sig = `${d.file}|${this.calleeSig(d)}`;
        let s: Summary | undefined;
        if (m.summarySig === sig) s = m.summary;
        else {
          const root = this.rootCtx(d);
          s = summarize(this.runFor(d, root), root.locks);
          m.summarySig = sig;
          m.summary = s;
        }
        const prev = this.summaries.get(d);
        if (summaryId(prev) !== summaryId(s) || !this.summaries.has(d)) {
          if (this.summaries.has(d)) changed = true;
          this.summaries.set(d, s);
        }
      }
      if (!changed) break;
    }
  }

  private postOrder(): Def[] {
    const seen = new Set<Def>();
    const out: Def[] = [];
    for (const root of this.prog.defs) {
      if (seen.has(root)) continue;
      const stack: { d: Def; i: number }[] = [{ d: root, i: 0 }];
      seen.add(root);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const callees = top.d.fn.ir.callees;
        if (top.i < callees.length) {
          const name = callees[top.i++]!;
          for (const c of this.prog.resolve(name, top.d.file)) {
            if (!seen.has(c)) { seen.add(c); stack.push({ d: c, i: 0 }); }
          }
        } else {
          out.push(top.d);
          stack.pop();
        }
      }
    }
    return out;
  }

  /** Entry contexts: seeds from ops tables, entry contracts and annotations, then callers (worklist). */
  computeContexts(): void {
    const ctxs = new Map<Def, Ctx[]>();
    const queue: { d: Def; ctx: Ctx }[] = [];
    const add = (d: Def, ctx: Ctx): void => {
      let l = ctxs.get(d);
      if (!l) ctxs.set(d, (l = []));
      if (l.some((c) => c.key === ctx.key)) return;
      if (!ctx.root && l.filter((c) => !c.root).length >= MAX_CONTEXTS) return;
      l.push(ctx);
      queue.push({ d, ctx });
    };
    const lineOf = (file: string, off: number) => this.prog.files.get(file)!.lineOf(off);
    const selfSite = (d: Def): CallSite => ({ function: d.fn.name, file: d.file, line: lineOf(d.file, d.fn.nameOffset) });
    const known = (d: Def, locks: LockToken[], flag: 0 | 1 | 2, via: CallSite[], note: string): Ctx => {
      const l: Record<string, number> = {};
      for (const x of locks) l[x] = (l[x] ?? 0) + 1;
      return { key: ctxKey(l, flag, true), locks: l, flag, known: true, root: false, via: [...via, selfSite(d)], sites: {}, note };
    };
    // seeds
    for (const { file, e } of this.prog.ops) {
      for (const c of this.cat.ops) {
        if (c.struct !== e.struct || c.member !== e.member) continue;
        for (const d of this.prog.resolve(e.fn, file)) {
          for (const en of c.entries) {
            if (en.needsMapPages && !e.hasMapPages) continue;
            const flag = en.vmaFlag === undefined ? 0 : en.vmaFlag ? 1 : 2;
            add(d, known(d, en.locks, flag, [{ function: `${e.table}.${e.member}`, file, line: lineOf(file, e.offset) }], `${e.struct}.${e.member} (${e.table}): ${c.note}`));
          }
        }
      }
    }
    for (const d of this.prog.defs) {
      add(d, this.rootCtx(d));
      const ec = this.cat.entries.find((x) => x.name.test(d.fn.name));
      if (ec) add(d, known(d, ec.locks, 0, [], ec.note));
    }
    // propagate
    for (let qi = 0; qi < queue.length; qi++) {
      const { d, ctx } = queue[qi]!;
      const rootRes = this.runFor(d, this.rootCtx(d));
      const transparent = !ctx.root && isTransparent(rootRes);
      const res = transparent ? rootRes : this.runFor(d, ctx);
      let list = this.results.get(d);
      if (!list) this.results.set(d, (list = { def: d, contexts: [], runs: [] }));
      list.runs.push({ ctx, result: res });
      for (const ev of res.events) {
        if (ev.k !== 'call' || !ev.callee) continue;
        const targets = this.prog.resolve(ev.callee, d.file);
        if (!targets.length) continue;
        const line = lineOf(d.file, d.fn.declStart + ev.at);
        // A function with no lock effect hands its own entry context on unchanged.
        const states: State[] = transparent ? [{ ...initialState(ctx.locks, ctx.flag, ctx.sites), imprecise: !!ctx.imprecise, facts: ctx.anon === undefined ? {} : { isanon: ctx.anon } }] : ev.states;
        for (const s of states) {
          const locks: Record<string, number> = {};
          let any = false;
          // Contexts distinguish the mm locks the rules are about; other locks do not make a new context.
          for (const [l, n] of Object.entries(s.locks)) if (n > 0 && CONTEXT_LOCKS.has(l)) { locks[l] = 1; any = true; }
          if (locks.mmap_any && (locks.mmap_read || locks.mmap_write)) delete locks.mmap_any;
          // an unknown entry hands on only what the rules use from it: a per-VMA lock or mmap_lock for write taken on the way
          if (!ctx.known && !(locks.vma_read || locks.mmap_write)) continue;
          let flag = s.flag;
          if (flag === 0) {
            const vma = held(s, 'vma_read') > 0, mm = (locks.mmap_read ?? 0) + (locks.mmap_write ?? 0) + (locks.mmap_any ?? 0) > 0;
            if (vma && !mm) flag = 1; else if (mm && !vma) flag = 2;
          }
          for (const t of targets) {
            if (t === d) continue;
            const via = [...ctx.via.slice(0, -1), { function: d.fn.name, file: d.file, line }, selfSite(t)];
            // parameters passed a known value (NULL, an error, a locked VMA) on this path
            let params: Record<string, number> | undefined;
            let pkey = '';
            if (ev.args && !transparent) {
              t.fn.params.forEach((p, i) => {
                const a = ev.args![i];
                if (!p || !a) return;
                const v = argValue(a, s);
                if (v !== 1 && (v & 1) !== 0) return; // NULL, or surely not NULL
                (params ??= {})[p] = v;
                pkey += `${p}=${v},`;
              });
            }
            const imprecise = s.imprecise || !!ctx.imprecise;
            const anon = s.facts.isanon ?? (transparent ? ctx.anon : undefined);
            add(t, { key: ctxKey(locks, flag, ctx.known) + pkey + (imprecise ? '~' : '') + (anon === undefined ? '' : anon ? 'A' : 'F'), locks, flag, known: ctx.known, root: false, via, sites: s.sites, note: ctx.note, params, imprecise, anon });
          }
        }
      }
    }
    for (const [d, l] of ctxs) {
      const r = this.results.get(d);
      if (r) r.contexts = l;
    }
  }

  computeFindings(): void {
    const out: RuleFinding[] = [];
    const env = { cat: this.cat, version: this.version };
    for (const a of this.results.values()) {
      const seen = new Set<string>();
      const retPtr = a.def.fn.ir.text.slice(0, a.def.fn.nameOffset - a.def.fn.declStart).trim().endsWith('*');
      const contracts = a.def.fn.contracts.map((c) => ({ kind: c.kind, lock: parseLockArg(c.arg) ?? '', arg: c.arg })).filter((c) => c.lock);
      const views: RunView[] = a.runs.map((r) => ({
        file: a.def.file, fn: a.def.fn.name, text: a.def.fn.ir.text, result: r.result, returnsPointer: retPtr, contracts,
        entry: { known: r.ctx.known, root: r.ctx.root, locks: r.ctx.locks, via: r.ctx.via, note: r.ctx.note } satisfies EntryView,
      }));
      const push = (rule: Rule, raw: RawFinding) => {
        const k = `${rule.id}@${raw.at}`;
        if (seen.has(k)) return;
        seen.add(k);
        out.push({ rule, def: a.def, raw });
      };
      for (const rule of RULES) {
        for (const view of views) for (const raw of rule.check(view, env)) push(rule, raw);
        if (rule.checkAll) for (const raw of rule.checkAll(views, env)) push(rule, raw);
      }
    }
    this.findings = out;
  }

  analyse(): void {
    this.computeSummaries();
    this.computeContexts();
    this.computeFindings();
  }

  /** Is this version inside [since, until)? */
  inVersion(since?: string, until?: string): boolean {
    return inRange(this.version, since, until);
  }
}

export type { State };
export { stateKey };
