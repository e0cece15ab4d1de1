/**
 * From a file's text to the plain data the analysis needs: normalised text,
 * function bodies found by brace structure with their IR, ops tables, contracts.
 * Pure (the caller hands in a tree-sitter Parser), and the result is
 * structured-clonable so worker threads can produce it.
 */
import type { Parser, Tree } from 'web-tree-sitter';
import { IRBuilder, type FunctionIR } from './ir';
import { codeView, findBodies, normalize, type BodySpan, type Contract, type GuardClass, type Normalized } from './normalize';

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
  hasErrors: boolean;
}

export interface ParseOutput extends ParsedFile {
  tree: Tree | null;
  normText: string;
}

/** Parses (re-using `oldTree` when given, already edited) and extracts. */
export function parseText(parser: Parser, text: string, oldTree?: Tree | null, reuse?: Map<string, FunctionIR>, normalized?: Normalized): ParseOutput {
  const norm = normalized ?? normalize(text);
  const tree = parser.parse(norm.text, oldTree ?? null);
  const out = extract(parser, text, norm.text, norm.code, tree, norm.contracts, norm.scopedGuards, norm.guardClasses, reuse);
  return { ...out, tree, normText: norm.text };
}

function extract(
  parser: Parser, text: string, normText: string, code: string, tree: Tree | null,
  contracts: Contract[], scoped: { offset: number; cls: string }[], guardClasses: GuardClass[],
  reuse?: Map<string, FunctionIR>,
): ParsedFile {
  const bodies = findBodies(normText, code);
  const fns: FnDef[] = [];
  let hasErrors = !tree || tree.rootNode.hasError;
  for (const b of bodies) {
    const fnText = text.slice(b.declStart, b.bodyEnd);
    const key = `${b.name}\u0000${fnText}`;
    let ir = reuse?.get(key);
    if (!ir) {
      let node = tree?.rootNode.descendantForIndex(b.bodyStart, b.bodyEnd) ?? null;
      // climb to the compound_statement that covers exactly this body
      while (node && !(node.startIndex === b.bodyStart && node.endIndex === b.bodyEnd && node.type === 'compound_statement')) {
        if (node.startIndex < b.bodyStart || node.endIndex > b.bodyEnd) { node = null; break; }
        node = node.parent;
      }
      if (node) {
        ir = new IRBuilder(normText, b.declStart).build(b.name, node, b.declStart, b.bodyEnd);
        ir.text = fnText;
      } else {
        // Error recovery broke this function: parse the body alone, with a neutral head.
        const head = 'void __f(void)';
        const pad = b.bodyStart - b.declStart >= head.length ? ' '.repeat(b.bodyStart - b.declStart - head.length) : '';
        const local = (pad.length || b.bodyStart - b.declStart < head.length) ? head + pad : head;
        const src = local + normText.slice(b.bodyStart, b.bodyEnd);
        const t = parser.parse(src);
        const fnNode = t?.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
        const bodyNode = fnNode?.childForFieldName('body');
        if (t && bodyNode) {
          // offsets inside `src` relative to its start; shift so they are relative to declStart
          const shift = local.length - (b.bodyStart - b.declStart);
          ir = new IRBuilder(src, shift).build(b.name, bodyNode, shift, src.length);
          ir.text = fnText;
          ir.hasError = true;
        }
        t?.delete();
      }
      if (!ir) continue;
      reuse?.set(key, ir);
    }
    if (ir.hasError) hasErrors = true;
    fns.push({
      name: b.name, nameOffset: b.nameOffset, declStart: b.declStart, bodyStart: b.bodyStart, bodyEnd: b.bodyEnd, isStatic: b.isStatic, ir,
      contracts: contracts.filter((c) => c.offset > b.nameOffset && c.offset < b.bodyStart),
      scopedGuards: scoped.filter((g) => g.offset > b.bodyStart && g.offset < b.bodyEnd).map((g) => [g.offset - b.declStart, g.cls]),
      params: paramNames(normText.slice(b.nameOffset + b.name.length, b.bodyStart)),
    });
  }
  return { fns, ops: opsTables(normText, code), guardClasses, hasErrors };
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
    if (fp) return fp[1]!;
    const m = /(\w+)\s*(\[[^\]]*\]\s*)*$/.exec(t);
    return m && /[\s*]/.test(t) ? m[1]! : '';
  }).filter((_, i, a) => !(a.length === 1 && a[0] === ''));
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
      entries.push({ struct: m[1]!, table: m[2]!, member: e[1]!, fn: e[2]!, offset: open + e.index, hasMapPages: false });
    }
    const hasMapPages = entries.some((x) => x.member === 'map_pages');
    for (const x of entries) { x.hasMapPages = hasMapPages; out.push(x); }
  }
  return out;
}

/** Line starts of a text, for offset -> (line, column). */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** 1-based line and UTF-16 column of an offset. */
export function position(starts: number[], off: number): { line: number; column: number } {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= off) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, column: off - starts[lo]! + 1 };
}
