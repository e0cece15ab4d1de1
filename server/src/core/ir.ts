/**
 * The per-function intermediate form the analysis interprets: statements and
 * expressions reduced to what matters for locks (calls, assignments, branches,
 * returns, jumps). Built from a tree-sitter node in one cursor walk; plain data
 * (structured-clonable), offsets relative to the
 * function's declaration start.
 */
import type { Node as TSNode, TreeCursor } from 'web-tree-sitter';
import { intern } from './intern';

export type Expr =
  | { k: 'call'; name: string; member: boolean; args: Expr[]; at: number; end: number; argAt: number; argEnd: number; fn?: Expr }
  | { k: 'assign'; lhs: string; op: string; l: Expr; r: Expr; at: number; end: number }
  | { k: 'id'; n: string; at: number; end: number }
  | { k: 'field'; base: Expr; f: string; at: number; end: number; dot?: boolean }
  | { k: 'lit'; v: number; at: number; end: number }
  | { k: 'un'; op: string; e: Expr; at: number; end: number }
  | { k: 'bin'; op: string; l: Expr; r: Expr; at: number; end: number }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr; at: number; end: number }
  | { k: 'stmt'; s: Stmt; at: number; end: number }
  | { k: 'other'; es: Expr[]; at: number; end: number };

export type Stmt =
  | { k: 'expr'; e: Expr }
  | { k: 'if'; c: Expr; t: Stmt; f?: Stmt; at: number }
  | { k: 'while'; c: Expr; b: Stmt; at: number }
  | { k: 'do'; c: Expr; b: Stmt; at: number }
  | { k: 'for'; init?: Stmt; c?: Expr; u?: Expr; b: Stmt; at: number }
  | { k: 'block'; b: Stmt[]; end: number }
  | { k: 'switch'; e: Expr; cases: { vals: Expr[] | null; b: Stmt[] }[]; at: number }
  | { k: 'ret'; e?: Expr; at: number; end: number }
  | { k: 'break' }
  | { k: 'cont' }
  | { k: 'goto'; l: string; at: number }
  | { k: 'label'; l: string; s: Stmt | null }
  | { k: 'pp'; alts: Stmt[][] };

/**
 * A body encoded for the trip from the prefetch worker: a flat list of integers (each node
 * its kind's number, then its fields in the builder's order: children inline, -1 for an
 * absent one, lists as their length and items, booleans as 0/1) and the strings it names
 * (names, fields, operators, labels), each once. The integers travel as a transferred
 * buffer; the main thread walks them once (`decodeBody`), building each node with the
 * builder's object literal: the same fields in the same order, `undefined`-valued ones
 * included, so every node of a kind has one hidden class whichever thread built it and the
 * interpreter's reads stay monomorphic. (As JSON text, parsing alone took the main thread
 * about 45 ms over mm/; walking the integers takes a few.)
 * Keep `encodeBody` and `decodeBody` in step with the literals of IRBuilder below.
 */
export interface EncodedBody { ints: Int32Array; strs: string[] }

const STMT_KINDS: readonly Stmt['k'][] = ['expr', 'if', 'while', 'do', 'for', 'block', 'switch', 'ret', 'break', 'cont', 'goto', 'label', 'pp'];
const EXPR_KINDS: readonly Expr['k'][] = ['call', 'assign', 'id', 'field', 'lit', 'un', 'bin', 'cond', 'stmt', 'other'];
const STMT_CODE = new Map(STMT_KINDS.map((k, i) => [k, i]));
const EXPR_CODE = new Map(EXPR_KINDS.map((k, i) => [k, i]));
const ABSENT = -1;

export function encodeBody(body: Stmt): EncodedBody {
  const out: number[] = [];
  const strs: string[] = [];
  const strIds = new Map<string, number>();
  const str = (x: string): void => {
    let i = strIds.get(x);
    if (i === undefined) { strIds.set(x, (i = strs.length)); strs.push(x); }
    out.push(i);
  };
  const stmts = (l: Stmt[]): void => { out.push(l.length); for (const x of l) stmt(x); };
  const exprs = (l: Expr[]): void => { out.push(l.length); for (const x of l) expr(x); };
  const optStmt = (x: Stmt | null | undefined): void => { if (x) stmt(x); else out.push(ABSENT); };
  const optExpr = (x: Expr | undefined): void => { if (x) expr(x); else out.push(ABSENT); };
  function stmt(s: Stmt): void {
    out.push(STMT_CODE.get(s.k)!);
    switch (s.k) {
      case 'expr': expr(s.e); return;
      case 'if': expr(s.c); stmt(s.t); optStmt(s.f); out.push(s.at); return;
      case 'while': case 'do': expr(s.c); stmt(s.b); out.push(s.at); return;
      case 'for': optStmt(s.init); optExpr(s.c); optExpr(s.u); stmt(s.b); out.push(s.at); return;
      case 'block': stmts(s.b); out.push(s.end); return;
      case 'switch':
        expr(s.e);
        out.push(s.cases.length);
        for (const c of s.cases) { if (c.vals) exprs(c.vals); else out.push(ABSENT); stmts(c.b); }
        out.push(s.at);
        return;
      case 'ret': optExpr(s.e); out.push(s.at, s.end); return;
      case 'break': case 'cont': return;
      case 'goto': str(s.l); out.push(s.at); return;
      case 'label': str(s.l); optStmt(s.s); return;
      case 'pp': out.push(s.alts.length); for (const a of s.alts) stmts(a); return;
    }
  }
  function expr(e: Expr): void {
    out.push(EXPR_CODE.get(e.k)!);
    switch (e.k) {
      case 'call': str(e.name); out.push(e.member ? 1 : 0); exprs(e.args); out.push(e.at, e.end, e.argAt, e.argEnd); optExpr(e.fn); return;
      case 'assign': str(e.lhs); str(e.op); expr(e.l); expr(e.r); out.push(e.at, e.end); return;
      case 'id': str(e.n); out.push(e.at, e.end); return;
      case 'field': expr(e.base); str(e.f); out.push(e.at, e.end, e.dot ? 1 : 0); return;
      case 'lit': out.push(e.v, e.at, e.end); return;
      case 'un': str(e.op); expr(e.e); out.push(e.at, e.end); return;
      case 'bin': str(e.op); expr(e.l); expr(e.r); out.push(e.at, e.end); return;
      case 'cond': expr(e.c); expr(e.t); expr(e.f); out.push(e.at, e.end); return;
      case 'stmt': stmt(e.s); out.push(e.at, e.end); return;
      case 'other': exprs(e.es); out.push(e.at, e.end); return;
    }
  }
  stmt(body);
  return { ints: Int32Array.from(out), strs };
}

export function decodeBody(b: EncodedBody): Stmt {
  return new BodyDecoder(b).stmt();
}

/** Reads an EncodedBody front to back (fields in the order the literals name them: JavaScript evaluates them in that order). */
class BodyDecoder {
  private pos = 0;
  private readonly ints: Int32Array;
  private readonly strs: string[];
  constructor(b: EncodedBody) { this.ints = b.ints; this.strs = b.strs; }

  private int(): number { return this.ints[this.pos++]!; }
  private str(): string { return this.strs[this.ints[this.pos++]!]!; }
  private peekAbsent(): boolean {
    if (this.ints[this.pos] !== ABSENT) return false;
    this.pos++;
    return true;
  }
  private optStmt(): Stmt | undefined { return this.peekAbsent() ? undefined : this.stmt(); }
  private optExpr(): Expr | undefined { return this.peekAbsent() ? undefined : this.expr(); }
  private stmts(): Stmt[] {
    const out = new Array<Stmt>(this.int());
    for (let i = 0; i < out.length; i++) out[i] = this.stmt();
    return out;
  }
  private exprs(): Expr[] {
    const out = new Array<Expr>(this.int());
    for (let i = 0; i < out.length; i++) out[i] = this.expr();
    return out;
  }

  stmt(): Stmt {
    const k = STMT_KINDS[this.int()];
    switch (k) {
      case 'expr': return { k: 'expr', e: this.expr() };
      case 'if': return { k: 'if', c: this.expr(), t: this.stmt(), f: this.optStmt(), at: this.int() };
      case 'while': return { k: 'while', c: this.expr(), b: this.stmt(), at: this.int() };
      case 'do': return { k: 'do', c: this.expr(), b: this.stmt(), at: this.int() };
      case 'for': return { k: 'for', init: this.optStmt(), c: this.optExpr(), u: this.optExpr(), b: this.stmt(), at: this.int() };
      case 'block': return { k: 'block', b: this.stmts(), end: this.int() };
      case 'switch': {
        const e = this.expr();
        const cases = new Array<{ vals: Expr[] | null; b: Stmt[] }>(this.int());
        for (let i = 0; i < cases.length; i++) cases[i] = { vals: this.peekAbsent() ? null : this.exprs(), b: this.stmts() };
        return { k: 'switch', e, cases, at: this.int() };
      }
      case 'ret': return { k: 'ret', e: this.optExpr(), at: this.int(), end: this.int() };
      case 'break': return { k: 'break' };
      case 'cont': return { k: 'cont' };
      case 'goto': return { k: 'goto', l: this.str(), at: this.int() };
      case 'label': return { k: 'label', l: this.str(), s: this.optStmt() ?? null };
      case 'pp': {
        const alts = new Array<Stmt[]>(this.int());
        for (let i = 0; i < alts.length; i++) alts[i] = this.stmts();
        return { k: 'pp', alts };
      }
      default: throw new Error(`decodeBody: unknown statement ${String(this.ints[this.pos - 1])}`);
    }
  }

  expr(): Expr {
    const k = EXPR_KINDS[this.int()];
    switch (k) {
      case 'call': return { k: 'call', name: this.str(), member: this.int() === 1, args: this.exprs(), at: this.int(), end: this.int(), argAt: this.int(), argEnd: this.int(), fn: this.optExpr() };
      case 'assign': return { k: 'assign', lhs: this.str(), op: this.str(), l: this.expr(), r: this.expr(), at: this.int(), end: this.int() };
      case 'id': return { k: 'id', n: this.str(), at: this.int(), end: this.int() };
      case 'field': {
        const base = this.expr(), f = this.str(), at = this.int(), end = this.int();
        return this.int() ? { k: 'field', base, f, at, end, dot: true } : { k: 'field', base, f, at, end };
      }
      case 'lit': return { k: 'lit', v: this.int(), at: this.int(), end: this.int() };
      case 'un': return { k: 'un', op: this.str(), e: this.expr(), at: this.int(), end: this.int() };
      case 'bin': return { k: 'bin', op: this.str(), l: this.expr(), r: this.expr(), at: this.int(), end: this.int() };
      case 'cond': return { k: 'cond', c: this.expr(), t: this.expr(), f: this.expr(), at: this.int(), end: this.int() };
      case 'stmt': return { k: 'stmt', s: this.stmt(), at: this.int(), end: this.int() };
      case 'other': return { k: 'other', es: this.exprs(), at: this.int(), end: this.int() };
      default: throw new Error(`decodeBody: unknown expression ${String(this.ints[this.pos - 1])}`);
    }
  }
}

/**
 * Calls `f` on each expression a statement holds, its nested statements' included (those
 * inside a statement expression are `f`'s to walk: it sees the `stmt` expression).
 */
export function forEachExpr(s: Stmt | null | undefined, f: (e: Expr) => void): void {
  if (!s) return;
  switch (s.k) {
    case 'expr': f(s.e); return;
    case 'if': f(s.c); forEachExpr(s.t, f); forEachExpr(s.f, f); return;
    case 'while': case 'do': f(s.c); forEachExpr(s.b, f); return;
    case 'for': forEachExpr(s.init, f); if (s.c) f(s.c); if (s.u) f(s.u); forEachExpr(s.b, f); return;
    case 'block': for (const x of s.b) forEachExpr(x, f); return;
    case 'switch': f(s.e); for (const c of s.cases) { for (const v of c.vals ?? []) f(v); for (const x of c.b) forEachExpr(x, f); } return;
    case 'ret': if (s.e) f(s.e); return;
    case 'label': forEachExpr(s.s, f); return;
    case 'pp': for (const a of s.alts) for (const x of a) forEachExpr(x, f); return;
    default: return;
  }
}

/** Deepest statement/expression nesting turned into IR; deeper parts become opaque. */
export const MAX_NESTING = 200;

/** Abstract values of literals (see catalogue/types.ts). */
const LZ = 1, LE = 2, LR = 4, LC = 8, LN = 16, LANY = 31;

/**
 * Call sites as two parallel lists (the name and the offset of each): a pair per call
 * was two arrays per call, 4 MB of what a check of mm/ keeps.
 */
export interface CallSites {
  names: string[];
  offsets: number[];
}

export interface FunctionIR {
  name: string;
  /** The function's text from its declaration start to its closing brace. */
  text: string;
  /** Offset of `{` relative to the declaration start. */
  bodyAt: number;
  /**
   * The body as IR; absent until the analysis needs it (`materializeBody` in parse.ts):
   * most functions of a tree have no lock effect and are never interpreted.
   */
  body?: Stmt;
  /** The normalised text of the body, when it differs from `text.slice(bodyAt)` (to build `body` later). */
  normBody?: string;
  /** Names of called functions (direct calls), for the call graph. */
  callees: string[];
  /** Direct call sites, in order. */
  callSites: CallSites;
  /** Assigns a VMA field that needs mmap_lock for write (vm_flags, vm_page_prot, ...). */
  writesVmaField: boolean;
  /** The body had syntax errors (known once `body` is built). */
  hasError: boolean;
}

/** Converts a tree-sitter subtree (a function body) into IR with offsets relative to `base`. */
export class IRBuilder {
  private err = false;
  /**
   * `wholeFile`: `src` is a whole file's text (an open document's tree), so names are
   * interned rather than cut from it (a cut name would keep that version of the file alive);
   * a body parsed alone may be kept alive by its names: it is no larger than its IR.
   */
  constructor(private readonly src: string, private readonly base: number, private readonly wholeFile = false) {}

  private name(cur: TreeCursor): string { return this.wholeFile ? intern(cur.nodeText) : cur.nodeText; }

  build(body: TSNode): { body: Stmt; hasError: boolean } {
    const cur = body.walk();
    const b = this.stmt(cur);
    cur.delete();
    return { body: b ?? { k: 'block', b: [], end: 0 }, hasError: this.err || body.hasError };
  }

  private rel(n: number): number { return n - this.base; }

  /** Children of the cursor's node as [type, fieldName] while positioned on each; calls fn per child. */
  private each(cur: TreeCursor, fn: (type: string, field: string | null) => void): void {
    if (!cur.gotoFirstChild()) return;
    // every cursor property is a call into the wasm: the field name only for callbacks that take it
    const wantField = fn.length > 1;
    do {
      const t = cur.nodeType;
      if (t === 'comment') continue;
      fn(t, wantField ? cur.currentFieldName : null);
    } while (cur.gotoNextSibling());
    cur.gotoParent();
  }

  private stmts(cur: TreeCursor): Stmt[] {
    const out: Stmt[] = [];
    this.each(cur, (t) => {
      if (t === '{' || t === '}') return;
      const s = this.stmt(cur);
      if (s) out.push(s);
    });
    return out;
  }

  /** Nesting beyond any real kernel code (generated or broken input): cut off, so
   * recursion can never exhaust the stack (in a worker thread that wedges tree-sitter). */
  private depth = 0;

  stmt(cur: TreeCursor): Stmt | null {
    if (this.depth >= MAX_NESTING) { this.err = true; return null; }
    this.depth++;
    try { return this.stmtAt(cur); } finally { this.depth--; }
  }

  expr(cur: TreeCursor): Expr {
    if (this.depth >= MAX_NESTING) { this.err = true; return this.unknown(this.rel(cur.startIndex)); }
    this.depth++;
    try { return this.exprAt(cur); } finally { this.depth--; }
  }

  private stmtAt(cur: TreeCursor): Stmt | null {
    const t = cur.nodeType;
    switch (t) {
      case 'compound_statement':
        return { k: 'block', b: this.stmts(cur), end: this.rel(cur.endIndex) };
      case 'expression_statement': {
        let e: Expr | null = null;
        this.each(cur, (ct) => { if (ct !== ';') e = this.expr(cur); });
        return e ? { k: 'expr', e } : null;
      }
      case 'declaration': return this.decl(cur);
      case 'if_statement': {
        const at = this.rel(cur.startIndex);
        let c: Expr | null = null, th: Stmt | null = null, el: Stmt | null = null;
        this.each(cur, (_ct, f) => {
          if (f === 'condition') c = this.expr(cur);
          else if (f === 'consequence') th = this.stmt(cur);
          else if (f === 'alternative') {
            // else_clause wraps the statement
            if (cur.nodeType === 'else_clause') this.each(cur, (et) => { if (et !== 'else') el = this.stmt(cur); });
            else el = this.stmt(cur);
          }
        });
        return { k: 'if', c: c ?? this.unknown(at), t: th ?? { k: 'block', b: [], end: at }, f: el ?? undefined, at };
      }
      case 'while_statement': {
        const at = this.rel(cur.startIndex);
        let c: Expr | null = null, b: Stmt | null = null;
        this.each(cur, (_ct, f) => { if (f === 'condition') c = this.expr(cur); else if (f === 'body') b = this.stmt(cur); });
        return { k: 'while', c: c ?? this.unknown(at), b: b ?? { k: 'block', b: [], end: at }, at };
      }
      case 'do_statement': {
        const at = this.rel(cur.startIndex);
        let c: Expr | null = null, b: Stmt | null = null;
        this.each(cur, (_ct, f) => { if (f === 'condition') c = this.expr(cur); else if (f === 'body') b = this.stmt(cur); });
        return { k: 'do', c: c ?? this.unknown(at), b: b ?? { k: 'block', b: [], end: at }, at };
      }
      case 'for_statement': {
        const at = this.rel(cur.startIndex);
        let init: Stmt | undefined, c: Expr | undefined, u: Expr | undefined, b: Stmt | null = null;
        this.each(cur, (ct, f) => {
          if (f === 'initializer') init = ct === 'declaration' ? this.decl(cur) ?? undefined : { k: 'expr', e: this.expr(cur) };
          else if (f === 'condition') c = this.expr(cur);
          else if (f === 'update') u = this.expr(cur);
          else if (f === 'body') b = this.stmt(cur);
        });
        return { k: 'for', init, c, u, b: b ?? { k: 'block', b: [], end: at }, at };
      }
      case 'switch_statement': {
        const at = this.rel(cur.startIndex);
        let e: Expr | null = null;
        const cases: { vals: Expr[] | null; b: Stmt[] }[] = [];
        const pre: Stmt[] = [];
        this.each(cur, (_ct, f) => {
          if (f === 'condition') e = this.expr(cur);
          else if (f === 'body') {
            this.each(cur, (bt) => {
              if (bt === 'case_statement') {
                let vals: Expr[] | null = null;
                const b: Stmt[] = [];
                let isDefault = false;
                this.each(cur, (xt, xf) => {
                  if (xf === 'value') { vals = [this.expr(cur)]; }
                  else if (xt === 'default') isDefault = true;
                  else if (xt !== 'case' && xt !== ':') { const s = this.stmt(cur); if (s) b.push(s); }
                });
                cases.push({ vals: isDefault ? null : vals ?? [], b });
              } else if (bt !== '{' && bt !== '}') {
                const s = this.stmt(cur);
                if (s) (cases.length ? cases[cases.length - 1]!.b : pre).push(s);
              }
            });
          }
        });
        return { k: 'switch', e: e ?? this.unknown(at), cases, at };
      }
      case 'return_statement': {
        const at = this.rel(cur.startIndex), end = this.rel(cur.endIndex);
        let e: Expr | undefined;
        this.each(cur, (ct) => { if (ct !== 'return' && ct !== ';') e = this.expr(cur); });
        return { k: 'ret', e, at, end };
      }
      case 'break_statement': return { k: 'break' };
      case 'continue_statement': return { k: 'cont' };
      case 'goto_statement': {
        const at = this.rel(cur.startIndex);
        let l = '';
        this.each(cur, (ct) => { if (ct === 'statement_identifier') l = this.name(cur); });
        return { k: 'goto', l, at };
      }
      case 'labeled_statement': {
        let l = '';
        let s: Stmt | null = null;
        this.each(cur, (ct, f) => {
          if (f === 'label' || ct === 'statement_identifier') l = this.name(cur);
          else if (ct !== ':') s = this.stmt(cur);
        });
        return { k: 'label', l, s };
      }
      case 'preproc_if': case 'preproc_ifdef': case 'preproc_else': case 'preproc_elif': case 'preproc_elifdef': {
        // Both branches: alternatives the analysis explores.
        const mine: Stmt[] = [];
        const alts: Stmt[][] = [mine];
        this.each(cur, (ct, f) => {
          if (f === 'alternative') {
            const s = this.stmt(cur);
            if (s && s.k === 'pp') alts.push(...s.alts); else if (s) alts.push([s]);
          } else if (f === 'condition' || f === 'name' || ct.startsWith('#') || ct === 'identifier' && f !== null) {
            /* directive parts */
          } else {
            const s = this.stmt(cur);
            if (s) mine.push(s);
          }
        });
        if (cur.nodeType === 'preproc_else') return { k: 'block', b: mine, end: this.rel(cur.endIndex) };
        if (alts.length === 1) alts.push([]);
        return { k: 'pp', alts };
      }
      case 'attributed_statement': {
        let s: Stmt | null = null;
        this.each(cur, (ct) => { if (ct !== 'attribute_declaration') s = this.stmt(cur); });
        return s;
      }
      case 'ERROR': {
        this.err = true;
        const b = this.stmts(cur);
        return b.length ? { k: 'block', b, end: this.rel(cur.endIndex) } : null;
      }
      case ';': case 'comment': case 'type_definition': case 'preproc_call': case 'preproc_def': case 'preproc_function_def':
      case 'preproc_include': case 'struct_specifier': case 'enum_specifier': case 'union_specifier': case 'function_definition':
        return null;
      default: {
        if (t.endsWith('_statement')) return null;
        // An expression where a statement was expected (error recovery): keep its calls.
        if (cur.nodeIsNamed) { const e = this.expr(cur); return { k: 'expr', e }; }
        return null;
      }
    }
  }

  private decl(cur: TreeCursor): Stmt | null {
    const out: Stmt[] = [];
    this.each(cur, (ct) => {
      if (ct === 'init_declarator') {
        let name = '';
        let at = 0, vend = 0;
        let value: Expr | null = null;
        this.each(cur, (_it, f) => {
          if (f === 'declarator') { name = declName(cur.currentNode); at = this.rel(cur.startIndex); }
          else if (f === 'value') { value = cur.nodeType === 'initializer_list' ? this.other(cur) : this.expr(cur); vend = this.rel(cur.endIndex); }
        });
        if (value) {
          const l: Expr = { k: 'id', n: name, at, end: at + name.length };
          out.push({ k: 'expr', e: { k: 'assign', lhs: name, op: '=', l, r: value, at, end: vend } });
        }
      }
    });
    if (!out.length) return null;
    return out.length === 1 ? out[0]! : { k: 'block', b: out, end: this.rel(cur.endIndex) };
  }

  private unknown(at: number): Expr { return { k: 'other', es: [], at, end: at }; }

  private other(cur: TreeCursor): Expr {
    const at = this.rel(cur.startIndex), end = this.rel(cur.endIndex);
    const es: Expr[] = [];
    this.each(cur, () => { if (cur.nodeIsNamed) { const e = this.expr(cur); if (e.k !== 'lit' && !(e.k === 'other' && !e.es.length)) es.push(e); } });
    return { k: 'other', es, at, end };
  }

  private exprAt(cur: TreeCursor): Expr {
    const t = cur.nodeType;
    const at = this.rel(cur.startIndex), end = this.rel(cur.endIndex);
    switch (t) {
      case 'identifier': {
        const n = this.name(cur);
        if (n === 'NULL' || n === 'false') return { k: 'lit', v: LZ, at, end };
        if (n === 'true') return { k: 'lit', v: LN, at, end };
        if (n === 'VM_FAULT_RETRY') return { k: 'lit', v: LR, at, end };
        if (n === 'VM_FAULT_COMPLETED') return { k: 'lit', v: LC, at, end };
        if (/^VM_FAULT_[A-Z_]+$/.test(n)) return { k: 'lit', v: LN, at, end };
        if (/^E[A-Z0-9]+$/.test(n)) return { k: 'lit', v: LN, at, end };
        return { k: 'id', n, at, end };
      }
      case 'null': case 'false': return { k: 'lit', v: LZ, at, end };
      case 'true': return { k: 'lit', v: LN, at, end };
      case 'number_literal': return { k: 'lit', v: /^0+[uUlL]*$|^0x0+$/.test(cur.nodeText) ? LZ : LN, at, end };
      case 'string_literal': case 'char_literal': case 'concatenated_string': case 'sizeof_expression': case 'alignof_expression':
      case 'offsetof_expression': case 'type_descriptor': case 'primitive_type': case 'type_identifier':
        return { k: 'lit', v: LN, at, end };
      case 'parenthesized_expression': {
        let inner: Expr | null = null;
        this.each(cur, (ct) => {
          if (ct === '(' || ct === ')') return;
          if (ct === 'compound_statement') { const s = this.stmt(cur); if (s) inner = { k: 'stmt', s, at, end }; }
          else if (cur.nodeIsNamed) inner = this.expr(cur);
        });
        return inner ?? { k: 'other', es: [], at, end };
      }
      case 'call_expression': {
        let fnE: Expr | null = null;
        let name = '';
        let member = false;
        const args: Expr[] = [];
        let argAt = end, argEnd = end;
        this.each(cur, (ct, f) => {
          if (f === 'function') {
            if (ct === 'identifier') name = this.name(cur);
            else if (ct === 'field_expression') {
              member = true;
              // `vma->vm_ops->fault(vmf)`: the member name
              this.each(cur, (ft, ff) => { if (ff === 'field') name = this.name(cur); void ft; });
              fnE = this.expr(cur);
            } else if (ct === 'call_expression') {
              // guard(cls)(args)
              const inner = this.expr(cur);
              if (inner.k === 'call' && inner.name === 'guard' && inner.args[0]?.k === 'id') name = `guard:${inner.args[0].n}`;
              else fnE = inner;
            } else if (ct === 'parenthesized_expression') {
              // (*fn)(args) or (fn)(args)
              const inner = this.expr(cur);
              if (inner.k === 'id') name = inner.n; else { fnE = inner; member = true; }
            } else fnE = this.expr(cur);
          } else if (f === 'arguments') {
            argAt = this.rel(cur.startIndex) + 1; argEnd = this.rel(cur.endIndex) - 1;
            this.each(cur, () => { if (cur.nodeIsNamed) args.push(this.expr(cur)); });
          }
        });
        if (name === 'ERR_PTR') return { k: 'lit', v: LE, at, end };
        return { k: 'call', name, member, args, at, end, argAt, argEnd, fn: fnE ?? undefined };
      }
      case 'assignment_expression': {
        let l: Expr | null = null, r: Expr | null = null, op = '=';
        this.each(cur, (_ct, f) => {
          if (f === 'left') l = this.expr(cur);
          else if (f === 'right') r = this.expr(cur);
          else if (f === 'operator') op = cur.nodeType;
        });
        const lhs = l ? this.src.slice((l as Expr).at + this.base, (l as Expr).end + this.base).replace(/\s+/g, '') : '';
        return { k: 'assign', lhs, op, l: l ?? this.unknown(at), r: r ?? this.unknown(at), at, end };
      }
      case 'field_expression': {
        let base: Expr | null = null, f = '', dot = false;
        this.each(cur, (ct, ff) => { if (ff === 'argument') base = this.expr(cur); else if (ff === 'field') f = this.name(cur); else if (ct === '.') dot = true; });
        return dot ? { k: 'field', base: base ?? this.unknown(at), f, at, end, dot } : { k: 'field', base: base ?? this.unknown(at), f, at, end };
      }
      case 'unary_expression': case 'pointer_expression': {
        let op = '', e: Expr | null = null;
        this.each(cur, (_ct, f) => { if (f === 'operator') op = cur.nodeType; else if (f === 'argument') e = this.expr(cur); });
        const inner = e ?? this.unknown(at);
        if (op === '-' && inner.k === 'lit') return { k: 'lit', v: inner.v === LZ ? LZ : LE, at, end };
        return { k: 'un', op, e: inner, at, end };
      }
      case 'binary_expression': {
        let l: Expr | null = null, r: Expr | null = null, op = '';
        this.each(cur, (_ct, f) => { if (f === 'left') l = this.expr(cur); else if (f === 'right') r = this.expr(cur); else if (f === 'operator') op = cur.nodeType; });
        return { k: 'bin', op, l: l ?? this.unknown(at), r: r ?? this.unknown(at), at, end };
      }
      case 'conditional_expression': {
        let c: Expr | null = null, th: Expr | null = null, el: Expr | null = null;
        this.each(cur, (_ct, f) => { if (f === 'condition') c = this.expr(cur); else if (f === 'consequence') th = this.expr(cur); else if (f === 'alternative') el = this.expr(cur); });
        return { k: 'cond', c: c ?? this.unknown(at), t: th ?? this.unknown(at), f: el ?? this.unknown(at), at, end };
      }
      case 'cast_expression': {
        let v: Expr | null = null;
        this.each(cur, (_ct, f) => { if (f === 'value') v = this.expr(cur); });
        return v ?? this.unknown(at);
      }
      case 'comma_expression': {
        const es: Expr[] = [];
        this.each(cur, () => { if (cur.nodeIsNamed) es.push(this.expr(cur)); });
        return { k: 'other', es, at, end };
      }
      case 'ERROR': this.err = true; return this.other(cur);
      default:
        return this.other(cur);
    }
  }
}

function declName(n: TSNode): string {
  let cur: TSNode | null = n;
  while (cur && cur.type !== 'identifier') {
    const d: TSNode | null = cur.childForFieldName('declarator');
    if (!d) return cur.descendantsOfType('identifier')[0]?.text ?? '';
    cur = d;
  }
  return cur?.text ?? '';
}

export const LIT = { Z: LZ, E: LE, R: LR, C: LC, N: LN, ANY: LANY };
