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
 * A body as nested arrays, each node its kind and then its fields in the builder's
 * order (`undefined` as `null`): what the prefetch worker sends, as JSON text. The
 * main thread parses arrays faster than objects, and `unpackBody` rebuilds the nodes
 * with the builder's object literals: the same fields in the same order, `undefined`-
 * valued ones included, so every node of a kind has one hidden class whichever thread
 * built it, with its fields in the object (a parsed object with more than four fields
 * keeps them in a separate array), and the interpreter's reads stay monomorphic.
 * Keep both in step with the literals of IRBuilder below.
 */
export type PackedNode = readonly unknown[];

export function packBody(s: Stmt): PackedNode {
  return packStmt(s)!;
}

function packStmt(s: Stmt | null | undefined): PackedNode | null {
  if (!s) return null;
  switch (s.k) {
    case 'expr': return ['expr', packExpr(s.e)];
    case 'if': return ['if', packExpr(s.c), packStmt(s.t), packStmt(s.f), s.at];
    case 'while': case 'do': return [s.k, packExpr(s.c), packStmt(s.b), s.at];
    case 'for': return ['for', packStmt(s.init), s.c ? packExpr(s.c) : null, s.u ? packExpr(s.u) : null, packStmt(s.b), s.at];
    case 'block': return ['block', s.b.map(packStmt), s.end];
    case 'switch': return ['switch', packExpr(s.e), s.cases.map((c) => [c.vals && c.vals.map(packExpr), c.b.map(packStmt)]), s.at];
    case 'ret': return ['ret', s.e ? packExpr(s.e) : null, s.at, s.end];
    case 'break': case 'cont': return [s.k];
    case 'goto': return ['goto', s.l, s.at];
    case 'label': return ['label', s.l, packStmt(s.s)];
    case 'pp': return ['pp', s.alts.map((a) => a.map(packStmt))];
  }
}

function packExpr(e: Expr): PackedNode {
  switch (e.k) {
    case 'call': return ['call', e.name, e.member, e.args.map(packExpr), e.at, e.end, e.argAt, e.argEnd, e.fn ? packExpr(e.fn) : null];
    case 'assign': return ['assign', e.lhs, e.op, packExpr(e.l), packExpr(e.r), e.at, e.end];
    case 'id': return ['id', e.n, e.at, e.end];
    case 'field': return ['field', packExpr(e.base), e.f, e.at, e.end, e.dot ? 1 : 0];
    case 'lit': return ['lit', e.v, e.at, e.end];
    case 'un': return ['un', e.op, packExpr(e.e), e.at, e.end];
    case 'bin': return ['bin', e.op, packExpr(e.l), packExpr(e.r), e.at, e.end];
    case 'cond': return ['cond', packExpr(e.c), packExpr(e.t), packExpr(e.f), e.at, e.end];
    case 'stmt': return ['stmt', packStmt(e.s), e.at, e.end];
    case 'other': return ['other', e.es.map(packExpr), e.at, e.end];
  }
}

export function unpackBody(p: PackedNode): Stmt {
  return unpackStmt(p)!;
}

// (packed fields are read by position)
function unpackStmts(l: any[]): Stmt[] {
  const out = new Array<Stmt>(l.length);
  for (let i = 0; i < l.length; i++) out[i] = unpackStmt(l[i])!;
  return out;
}

function unpackExprs(l: any[]): Expr[] {
  const out = new Array<Expr>(l.length);
  for (let i = 0; i < l.length; i++) out[i] = unpackExpr(l[i]);
  return out;
}

function unpackStmt(p: any): Stmt | undefined {
  if (!p) return undefined;
  switch (p[0] as Stmt['k']) {
    case 'expr': return { k: 'expr', e: unpackExpr(p[1]) };
    case 'if': return { k: 'if', c: unpackExpr(p[1]), t: unpackStmt(p[2])!, f: unpackStmt(p[3]), at: p[4] };
    case 'while': return { k: 'while', c: unpackExpr(p[1]), b: unpackStmt(p[2])!, at: p[3] };
    case 'do': return { k: 'do', c: unpackExpr(p[1]), b: unpackStmt(p[2])!, at: p[3] };
    case 'for': return { k: 'for', init: unpackStmt(p[1]), c: p[2] ? unpackExpr(p[2]) : undefined, u: p[3] ? unpackExpr(p[3]) : undefined, b: unpackStmt(p[4])!, at: p[5] };
    case 'block': return { k: 'block', b: unpackStmts(p[1]), end: p[2] };
    case 'switch': return { k: 'switch', e: unpackExpr(p[1]), cases: (p[2] as any[]).map((c) => ({ vals: c[0] && unpackExprs(c[0]), b: unpackStmts(c[1]) })), at: p[3] };
    case 'ret': return { k: 'ret', e: p[1] ? unpackExpr(p[1]) : undefined, at: p[2], end: p[3] };
    case 'break': return { k: 'break' };
    case 'cont': return { k: 'cont' };
    case 'goto': return { k: 'goto', l: p[1], at: p[2] };
    case 'label': return { k: 'label', l: p[1], s: unpackStmt(p[2]) ?? null };
    case 'pp': return { k: 'pp', alts: (p[1] as any[]).map(unpackStmts) };
  }
}

function unpackExpr(p: any): Expr {
  switch (p[0] as Expr['k']) {
    case 'call': return { k: 'call', name: p[1], member: p[2], args: unpackExprs(p[3]), at: p[4], end: p[5], argAt: p[6], argEnd: p[7], fn: p[8] ? unpackExpr(p[8]) : undefined };
    case 'assign': return { k: 'assign', lhs: p[1], op: p[2], l: unpackExpr(p[3]), r: unpackExpr(p[4]), at: p[5], end: p[6] };
    case 'id': return { k: 'id', n: p[1], at: p[2], end: p[3] };
    case 'field': return p[5] ? { k: 'field', base: unpackExpr(p[1]), f: p[2], at: p[3], end: p[4], dot: true } : { k: 'field', base: unpackExpr(p[1]), f: p[2], at: p[3], end: p[4] };
    case 'lit': return { k: 'lit', v: p[1], at: p[2], end: p[3] };
    case 'un': return { k: 'un', op: p[1], e: unpackExpr(p[2]), at: p[3], end: p[4] };
    case 'bin': return { k: 'bin', op: p[1], l: unpackExpr(p[2]), r: unpackExpr(p[3]), at: p[4], end: p[5] };
    case 'cond': return { k: 'cond', c: unpackExpr(p[1]), t: unpackExpr(p[2]), f: unpackExpr(p[3]), at: p[4], end: p[5] };
    case 'stmt': return { k: 'stmt', s: unpackStmt(p[1])!, at: p[2], end: p[3] };
    case 'other': return { k: 'other', es: unpackExprs(p[1]), at: p[2], end: p[3] };
    default: throw new Error(`unpackBody: unknown node ${String(p[0])}`);
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
  /** Direct call sites: name and offset, in order. */
  callSites: [string, number][];
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
