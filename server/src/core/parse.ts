/**
 * From a file's text to the plain data the analysis needs: normalised text,
 * function bodies found by brace structure, their call sites and IR, ops tables,
 * contracts. Pure (the caller hands in a tree-sitter Parser), and the result is
 * structured-clonable.
 *
 * Two ways in: `parseText` parses the whole file (a tree for incremental edits,
 * every body's IR built from it), `parseLight` does not run tree-sitter at all:
 * call sites come from the text (as they always do), and a body's IR is built
 * by `materializeBody` when the analysis first interprets it. Most functions of a
 * tree have no lock effect and are never interpreted, so a cold run over a tree
 * parses only about a third of its text.
 */
import type { Node as TSNode, Parser, Tree } from 'web-tree-sitter';
import { detach, intern } from './intern';
import { IRBuilder, type CallSites, type FunctionIR } from './ir';
import { codeView, findBodies, isDirectiveLine, isIdChar, isSpace, normalize, type BodySpan, type Contract, type GuardClass, type Normalized } from './normalize';

/** A function found by `findBodies`, with its IR and what annotations and guards say about it. */
export interface FnDef extends Omit<BodySpan, 'returnsPointer'> {
  ir: FunctionIR;
  /** Contracts from annotations between the parameter list and the body. */
  contracts: Contract[];
  /** `scoped_guard` offsets relative to declStart -> guard class. */
  scopedGuards: [number, string][];
  /** Parameter names, in order ('' where unnamed). */
  params: string[];
}

export interface OpsEntry {
  struct: string;
  table: string;
  member: string;
  fn: string;
  /** Offset of `.member`. */
  offset: number;
  /** The table also has `.map_pages`. */
  hasMapPages: boolean;
}

export interface ParsedFile {
  fns: FnDef[];
  ops: OpsEntry[];
  guardClasses: GuardClass[];
  /** Syntax errors in the file (for `parseLight`: only as far as bodies were built). */
  hasErrors: boolean;
}

export interface ParseOutput extends ParsedFile {
  tree: Tree | null;
  normText: string;
}

/**
 * Reusable IRs, keyed by the function's text (from its declaration start, so its name
 * is part of it): a function whose text did not change keeps its IR (and its analyses).
 * The key is the IR's own `text` (no copy: a name-and-text key was a second copy of
 * every function's text, about 5 MB over mm/).
 */
export type IRReuse = Map<string, FunctionIR>;

/** Parses the whole file (re-using `oldTree` when given, already edited) and builds every body's IR. */
/**
 * After an edit: the file's previous functions, and the range of the new text that
 * differs (raw and normalised alike); functions wholly outside it keep their IR
 * without hashing their text.
 */
export interface EditHint {
  old: FnDef[];
  /** First offset that differs. */
  start: number;
  /** End of the differing range in the old and in the new text. */
  endOld: number;
  endNew: number;
}

export function parseText(parser: Parser, text: string, oldTree?: Tree | null, reuse?: IRReuse, normalized?: Normalized, hint?: EditHint): ParseOutput {
  const norm = normalized ?? normalize(text);
  const tree = parser.parse(norm.text, oldTree ?? null);
  const out = extract(text, norm, reuse, (ir, b) => buildFromTree(parser, tree, norm.text, ir, b), hint);
  return { ...out, hasErrors: out.hasErrors || !tree || tree.rootNode.hasError, tree, normText: norm.text };
}

/** Everything but the IR bodies, without tree-sitter; `materializeBody` builds a body when needed. */
export function parseLight(text: string, reuse?: IRReuse, normalized?: Normalized): ParsedFile {
  // (the normalised text is not kept: it is as large as the file, and no tree refers to it)
  return extract(text, normalized ?? normalize(text), reuse, null);
}

/** A function body as IR, and whether it had syntax errors. */
export interface BuiltBody { body: NonNullable<FunctionIR['body']>; hasError: boolean }

/**
 * Builds `ir.body` (once) by parsing the function alone: its normalised body behind a
 * neutral head of the same length, so offsets stay relative to the declaration start.
 * `ahead` is a body built elsewhere from the same text (see BodySource in workspace.ts).
 */
export function materializeBody(parser: Parser, ir: FunctionIR, ahead?: BuiltBody): FunctionIR & { body: NonNullable<FunctionIR['body']> } {
  if (!ir.body) {
    const built = ahead ?? parseAlone(parser, bodySource(ir), ir.bodyAt);
    ir.body = built.body;
    ir.hasError = built.hasError;
    ir.normBody = undefined;
  }
  return ir as FunctionIR & { body: NonNullable<FunctionIR['body']> };
}

/** The text `materializeBody` parses: the normalised body. */
export function bodySource(ir: FunctionIR): string {
  return ir.normBody ?? ir.text.slice(ir.bodyAt);
}

const NEUTRAL_HEAD = 'void __f(void)';

/** The IR of a body text (from `bodySource`) whose `{` is at `bodyAt` from the declaration start. */
export function parseAlone(parser: Parser, bodyText: string, bodyAt: number): BuiltBody {
  const head = bodyAt >= NEUTRAL_HEAD.length ? NEUTRAL_HEAD + ' '.repeat(bodyAt - NEUTRAL_HEAD.length) : NEUTRAL_HEAD;
  const src = head + bodyText;
  const t = parser.parse(src);
  try {
    const fnNode = t?.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
    const bodyNode = fnNode?.childForFieldName('body');
    if (!t || !bodyNode) return { body: { k: 'block', b: [], end: 0 }, hasError: true };
    // offsets inside `src` are shifted by the head's length difference; make them relative to the declaration start
    const built = new IRBuilder(src, head.length - bodyAt).build(bodyNode);
    return { body: built.body, hasError: built.hasError || bodyNode.startIndex !== head.length };
  } finally {
    t?.delete();
  }
}

/** The IR body from the file's tree, or from the body parsed alone where error recovery broke it. */
function buildFromTree(parser: Parser, tree: Tree | null, normText: string, ir: FunctionIR, b: BodySpan): void {
  if (ir.body) return;
  let node: TSNode | null = tree?.rootNode.descendantForIndex(b.bodyStart, b.bodyEnd) ?? null;
  // climb to the compound_statement that covers exactly this body
  while (node && !(node.startIndex === b.bodyStart && node.endIndex === b.bodyEnd && node.type === 'compound_statement')) {
    if (node.startIndex < b.bodyStart || node.endIndex > b.bodyEnd) { node = null; break; }
    node = node.parent;
  }
  if (node) {
    const built = new IRBuilder(normText, b.declStart, true).build(node);
    ir.body = built.body;
    ir.hasError = built.hasError;
    ir.normBody = undefined;
  } else {
    // Error recovery broke this function: parse the body alone.
    materializeBody(parser, ir);
    ir.hasError = true;
  }
}

function extract(text: string, norm: Normalized, reuse: IRReuse | undefined, build: ((ir: FunctionIR, b: BodySpan) => void) | null, hint?: EditHint): ParsedFile {
  const normText = norm.text, code = norm.code;
  const bodies = findBodies(normText, code, norm.directives);
  const fns: FnDef[] = [];
  let hasErrors = false;
  const before = hint && new Map(hint.old.map((f) => [f.declStart, f]));
  for (const b of bodies) {
    let ir: FunctionIR | undefined;
    if (hint) {
      // wholly before or after the edit: the same text (shifted after it), the same IR
      const o = b.bodyEnd <= hint.start ? before!.get(b.declStart)
        : b.declStart >= hint.endNew ? before!.get(b.declStart - hint.endNew + hint.endOld) : undefined;
      if (o && o.name === b.name && o.bodyEnd - o.declStart === b.bodyEnd - b.declStart) ir = o.ir;
    }
    if (!ir) {
      const fnText = text.slice(b.declStart, b.bodyEnd);
      ir = reuse?.get(fnText);
      if (!ir) ir = newIR(text, norm, b, fnText, reuse);
    }
    build?.(ir, b);
    if (ir.hasError) hasErrors = true;
    fns.push({
      name: b.name, nameOffset: b.nameOffset, declStart: b.declStart, bodyStart: b.bodyStart, bodyEnd: b.bodyEnd, isStatic: b.isStatic, ir,
      contracts: norm.contracts.filter((c) => c.offset > b.nameOffset && c.offset < b.bodyStart),
      scopedGuards: norm.scopedGuards.filter((g) => g.offset > b.bodyStart && g.offset < b.bodyEnd).map((g) => [g.offset - b.declStart, g.cls]),
      params: paramsOf(ir, normText, b),
    });
  }
  return { fns, ops: opsTables(normText, code), guardClasses: norm.guardClasses, hasErrors };
}

/** A function's IR without its body: call sites from the text, the VMA-field-write test, the normalised body. */
function newIR(text: string, norm: Normalized, b: BodySpan, fnText: string, reuse: IRReuse | undefined): FunctionIR {
  const bodyText = text.slice(b.bodyStart, b.bodyEnd);
  const normBody = norm.text.slice(b.bodyStart, b.bodyEnd);
  const calls = scanCalls(norm.code, b.bodyStart, b.bodyEnd, b.declStart);
  const ir: FunctionIR = {
    name: b.name, text: fnText, bodyAt: b.bodyStart - b.declStart,
    // (every IR has every field from the start, body and normBody too: one object shape for all)
    body: undefined, normBody: normBody !== bodyText ? detach(normBody) : undefined,
    callees: [...new Set(calls.names)], callSites: calls,
    writesVmaField: VMA_FIELD_WRITE.test(normBody), hasError: false,
  };
  reuse?.set(fnText, ir);
  return ir;
}

/** Parameter names, once per IR (a re-parse after an edit elsewhere in the file reuses them). */
const PARAMS = new WeakMap<FunctionIR, string[]>();
function paramsOf(ir: FunctionIR, normText: string, b: BodySpan): string[] {
  let p = PARAMS.get(ir);
  if (!p) PARAMS.set(ir, (p = paramNames(normText.slice(b.nameOffset + b.name.length, b.bodyStart))));
  return p;
}

/** An assignment to a VMA field that needs mmap_lock for write. */
const VMA_FIELD_WRITE = /->\s*(vm_flags|__vm_flags|vm_page_prot|vm_policy|vm_userfaultfd_ctx)\s*[|&^+-]?=[^=]/;

/** Words followed by `(` that are not calls of a function. */
const NOT_CALLS = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual', 'alignof', '_Alignof', '__alignof__',
  'offsetof', '__builtin_offsetof', 'defined', 'asm', '__asm__', '__asm', 'volatile', '__volatile__', '__attribute__', '_Generic', 'do', 'case', 'else',
  // a type before a parenthesised declarator: `void (*fn)(struct folio *);`
  'void', 'char', 'short', 'int', 'long', 'unsigned', 'signed', 'float', 'double', 'bool', 'const', 'static', 'inline',
  // ERR_PTR(-E...) is an error value, not a call the analysis follows
  'ERR_PTR',
]);

/**
 * Direct call sites in code[from, to) (comments and strings already blanked):
 * `name(` not preceded by `.` or `->`, outside directive lines; offsets relative to `base`.
 * The call graph comes from here for every function, whether or not its IR is built.
 */
export function scanCalls(code: string, from: number, to: number, base: number): CallSites {
  const names: string[] = [], offsets: number[] = [];
  // (from each `(`, the word before it read backwards: a body has far fewer `(` than words)
  for (let open = code.indexOf('(', from); open >= 0 && open < to; open = code.indexOf('(', open + 1)) {
    let e = open - 1;
    while (e >= from && isSpace(code.charCodeAt(e))) e--;
    let at = e + 1;
    while (at > from && isIdChar(code.charCodeAt(at - 1))) at--;
    if (at > e) continue; // no word before it: `((`, `)(`, `= (`
    const c0 = code.charCodeAt(at);
    if (c0 >= 48 && c0 <= 57) continue; // a number, not a name
    const name = intern(code.slice(at, e + 1));
    if (NOT_CALLS.has(name)) continue;
    let k = at - 1;
    while (k >= from && (code.charCodeAt(k) === 32 || code.charCodeAt(k) === 9 || code.charCodeAt(k) === 10)) k--;
    const p = code.charCodeAt(k);
    if (p === 46 /* . */ || (p === 62 /* > */ && code.charCodeAt(k - 1) === 45 /* - */)) continue;
    if (isDirectiveLine(code, at)) continue;
    names.push(name);
    offsets.push(at - base);
  }
  return { names, offsets };
}

/** Names of the parameters in `(type a, type *b, void (*fn)(int))` (text after the function name). */
export function paramNames(head: string): string[] {
  const open = head.indexOf('(');
  if (open < 0) return [];
  let depth = 0, close = -1;
  for (let k = open; k < head.length; k++) {
    if (head[k] === '(') depth++;
    else if (head[k] === ')') { depth--; if (depth === 0) { close = k; break; } }
  }
  if (close < 0) return [];
  const inner = head.slice(open + 1, close);
  const parts: string[] = [];
  let d = 0, s = 0;
  for (let k = 0; k < inner.length; k++) {
    const c = inner[k];
    if (c === '(' || c === '[') d++;
    else if (c === ')' || c === ']') d--;
    else if (c === ',' && d === 0) { parts.push(inner.slice(s, k)); s = k + 1; }
  }
  parts.push(inner.slice(s));
  return parts.map((p) => {
    const t = p.replace(/\/\*.*?\*\//g, ' ').trim();
    if (t === 'void' || t === '...' || !t) return '';
    const fp = /\(\s*\*\s*(\w+)\s*\)/.exec(t);
    if (fp) return intern(fp[1]!);
    const m = /(\w+)\s*(\[[^\]]*\]\s*)*$/.exec(t);
    return m && /[\s*]/.test(t) ? intern(m[1]!) : '';
  }).filter((_, _i, a) => !(a.length === 1 && a[0] === ''));
}

const OPS_RE = /\bstruct\s+(vm_operations_struct|file_operations)\s+(\w+)(?:\s*\[\s*\w*\s*\])?\s*=\s*\{/g;

export function opsTables(normText: string, codeOfText?: string): OpsEntry[] {
  const code = codeOfText ?? codeView(normText);
  const out: OpsEntry[] = [];
  OPS_RE.lastIndex = 0;
  for (let m = OPS_RE.exec(code); m; m = OPS_RE.exec(code)) {
    const open = m.index + m[0].length - 1;
    let depth = 0, close = open;
    for (let k = open; k < code.length; k++) {
      if (code[k] === '{') depth++;
      else if (code[k] === '}') { depth--; if (depth === 0) { close = k; break; } }
    }
    const body = code.slice(open, close);
    const entries: OpsEntry[] = [];
    const re = /\.\s*(\w+)\s*=\s*&?\s*(\w+)/g;
    for (let e = re.exec(body); e; e = re.exec(body)) {
      if (e[2] === 'NULL') continue;
      entries.push({ struct: intern(m[1]!), table: intern(m[2]!), member: intern(e[1]!), fn: intern(e[2]!), offset: open + e.index, hasMapPages: false });
    }
    const hasMapPages = entries.some((x) => x.member === 'map_pages');
    for (const x of entries) { x.hasMapPages = hasMapPages; out.push(x); }
  }
  return out;
}

/** Line starts of a text, for offset -> (line, column). */
export function lineStarts(text: string): Int32Array {
  // counted first, then filled: kept with the file, at its exact length, outside the
  // collected heap (a typed array's elements are never copied by a collection)
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  const out = new Int32Array(n);
  out[0] = 0;
  let k = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out[k++] = i + 1;
  return out;
}

/** 1-based line and UTF-16 column of an offset. */
export function position(starts: ArrayLike<number>, off: number): { line: number; column: number } {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= off) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, column: off - starts[lo]! + 1 };
}
