/**
 * Offset-preserving normalisation of kernel C before tree-sitter sees it.
 * The result has exactly the same length and the same newlines as the input,
 * so every offset, line and column maps 1:1 (and `tree.edit` still applies).
 *
 * - annotations (`__always_inline`, `__init`, `__rcu`, ...) become spaces;
 *   `__must_hold(x)` / `__acquires(x)` / `__releases(x)` too, recorded as contracts;
 * - iterator macros (`list_for_each_entry(a, b, c) {`, `for_each_vma(...)`) become
 *   `while` loops over the same parenthesised arguments;
 * - `SYSCALL_DEFINEn(name, t1, a1, ...)` becomes `long name(t1 a1, ...)`;
 * - `scoped_guard(cls, args) {` becomes `if (cls, args) {`, recorded as a guard;
 * - `DEFINE_GUARD(...)` / `EXPORT_SYMBOL(...)` become spaces;
 * - `#if` blocks: CONFIG_MMU and CONFIG_PER_VMA_LOCK are taken as enabled, `#if 0` as
 *   disabled (the other branches become spaces); other conditionals are kept
 *   whole when every branch is balanced and they sit between statements (tree-sitter
 *   then gives preproc_if nodes, analysed as both branches), else the first branch is kept.
 */
import { intern } from './intern';

export interface Contract {
  /** Offset of the annotation. */
  offset: number;
  kind: 'must_hold' | 'acquires' | 'releases';
  arg: string;
}

export interface GuardUse {
  /** Offset of the `if` that replaced `scoped_guard`. */
  offset: number;
  cls: string;
}

export interface GuardClass {
  name: string;
  lockCall: string;
  unlockCall: string;
}

export interface Normalized {
  text: string;
  /** `codeView(text)`, computed on the way. */
  code: string;
  contracts: Contract[];
  scopedGuards: GuardUse[];
  guardClasses: GuardClass[];
  /** The directive lines still in `text` (for `findBodies`: one scan per file). */
  directives: Directive[];
}

const ANNOTATIONS = new Set([
  '__always_inline', 'noinline', '__noinline', 'noinline_for_stack', '__kprobes', 'nokprobe_inline', '__init', '__exit', '__meminit',
  '__meminitdata', '__initdata', '__initconst', '__ref', '__refdata', '__cold', '__hot', '__maybe_unused', '__always_unused',
  '__weak', 'notrace', '__latent_entropy', '__sched', '__noreturn', '__rcu', '__user', '__kernel', '__iomem', '__percpu',
  '__must_check', '__read_mostly', '__ro_after_init', '__visible', 'asmlinkage', '__force', '__nocast', '__safe', '__private',
  '__bitwise', '__used', '__flatten', '__noclone', '__nocfi', 'noinstr', '__cpuidle', '__init_or_module', '__irq_entry',
  '__attribute_const__', '__pure', '__malloc', '__nonstring', '__randomize_layout', '____cacheline_aligned_in_smp',
  '____cacheline_aligned', '__cacheline_aligned', '__cacheline_aligned_in_smp', '__no_sanitize_address', '__no_kcsan',
  '__mm_data', '__always_used', '__packed', '__lockfunc', '__no_profile', '__noscs', 'fastcall', '__naked', '__mustcheck',
  '__nostackprotector', '__deprecated', '__cond_lock_ignore', '__ksym', '__weak_ref',
]);
const ANNOTATIONS_WITH_ARGS = new Set([
  '__must_hold', '__acquires', '__releases', '__cond_acquires', '__cond_releases', '__printf', '__scanf', '__aligned', '__section',
  '__free', '__cleanup', '__counted_by', '__alloc_size', '__realloc_size', '__assume_aligned', '__diag_ignore', '__no_sanitize_or_inline',
  '__guarded_by', '__pt_guarded_by',
]);
const CONTRACT_KIND: Record<string, Contract['kind']> = { __must_hold: 'must_hold', __acquires: 'acquires', __releases: 'releases' };
const BLANK_MACRO_STATEMENTS = /^(EXPORT_SYMBOL|EXPORT_SYMBOL_GPL|EXPORT_SYMBOL_NS|EXPORT_SYMBOL_NS_GPL|EXPORT_SYMBOL_FOR_MODULES|ALLOW_ERROR_INJECTION|NOKPROBE_SYMBOL|DEFINE_GUARD|DEFINE_GUARD_COND|DEFINE_LOCK_GUARD_0|DEFINE_LOCK_GUARD_1|DEFINE_LOCK_GUARD_1_COND|DEFINE_CLASS|DEFINE_FREE|EXTEND_CLASS|late_initcall|subsys_initcall|core_initcall|module_init|module_exit|arch_initcall|postcore_initcall|fs_initcall|device_initcall|early_initcall|__initcall|pure_initcall|module_param|MODULE_PARM_DESC|early_param|__setup)$/;
// Candidates by shape (cheap), then checked exactly (`interesting`): whole words that start
// with `_` or one of the few other words we rewrite, or that contain `for_each`/`foreach`/
// `initcall`. Two searches instead of one pattern: a pattern that also looks for those inside
// words tries them at every word of the file (a fifth of the indexing's time); a plain search
// for them is fast, and the word around each hit is taken from there (`Candidates`).
const INTEREST_PREFIX = /\b(?:_|noinline|notrace|asmlinkage|fastcall|noinstr|nokprobe_inline|scoped_|COMPAT_SYSCALL_DEFINE|SYSCALL_DEFINE|EXPORT_SYMBOL|ALLOW_ERROR_INJECTION|NOKPROBE_SYMBOL|DEFINE_|EXTEND_CLASS|module_|MODULE_PARM_DESC|early_param)\w*/g;
const INTEREST_INFIX = /for_?each|initcall/g;

/** The candidate words of a text in order (start and end offsets), each once. */
class Candidates {
  private pStart = -1; private pEnd = -1;
  private iStart = -1; private iEnd = -1;
  start = 0; end = 0;
  constructor(private readonly text: string) {
    INTEREST_PREFIX.lastIndex = 0;
    INTEREST_INFIX.lastIndex = 0;
    this.nextPrefix();
    this.nextInfix(0);
  }
  private nextPrefix(): void {
    const m = INTEREST_PREFIX.exec(this.text);
    if (m) { this.pStart = m.index; this.pEnd = m.index + m[0].length; } else this.pStart = -1;
  }
  /** The next word containing an infix, starting at or after `from`. */
  private nextInfix(from: number): void {
    const t = this.text;
    for (;;) {
      const m = INTEREST_INFIX.exec(t);
      if (!m) { this.iStart = -1; return; }
      let a = m.index, b = m.index + m[0].length;
      while (a > 0 && isIdChar(t.charCodeAt(a - 1))) a--;
      while (b < t.length && isIdChar(t.charCodeAt(b))) b++;
      INTEREST_INFIX.lastIndex = b;
      if (a < from) continue;
      this.iStart = a; this.iEnd = b;
      return;
    }
  }
  /** Moves to the next candidate; false at the end. */
  next(): boolean {
    if (this.pStart < 0 && this.iStart < 0) return false;
    if (this.iStart < 0 || (this.pStart >= 0 && this.pStart <= this.iStart)) {
      this.start = this.pStart; this.end = this.pEnd;
      if (this.iStart === this.pStart) this.nextInfix(this.end);
      this.nextPrefix();
    } else {
      this.start = this.iStart; this.end = this.iEnd;
      this.nextInfix(this.end);
    }
    return true;
  }
}
function interesting(word: string): boolean {
  return ANNOTATIONS.has(word) || ANNOTATIONS_WITH_ARGS.has(word) || BLANK_MACRO_STATEMENTS.test(word)
    || word === 'scoped_guard' || word === 'scoped_cond_guard' || /^(COMPAT_)?SYSCALL_DEFINE[0-6]$/.test(word)
    || ((word.includes('for_each') || word.includes('foreach')) && word.length >= 5);
}
const ENABLED_CONFIGS = /\bCONFIG_(MMU|PER_VMA_LOCK)\b/;

/** `\s` for a char code (a regex literal in a scanning loop is a new object per character). */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0xfeff || c === 0x2028 || c === 0x2029 || (c >= 0x2000 && c <= 0x200a) || c === 0x1680 || c === 0x202f || c === 0x205f || c === 0x3000;
}

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
export function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}

const NOT_NL = /[^\n]/g;
function spaces(t: string): string {
  if (t.indexOf('\n') < 0) return ' '.repeat(t.length);
  return t.split('\n').map((x) => ' '.repeat(x.length)).join('\n');
}
void NOT_NL;

/** Code view: comments, strings and char literals replaced by spaces (newlines kept). */
export function codeView(src: string): string {
  const parts: string[] = [];
  const n = src.length;
  let last = 0;
  const re = /\/\*|\/\/|"|'/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const i = m.index;
    const tok = m[0];
    let stop: number;
    let keepQuotes = false;
    if (tok === '/*') {
      const end = src.indexOf('*/', i + 2);
      stop = end < 0 ? n : end + 2;
    } else if (tok === '//') {
      const end = src.indexOf('\n', i);
      stop = end < 0 ? n : end;
    } else {
      const q = tok.charCodeAt(0);
      let k = i + 1;
      while (k < n) {
        const d = src.charCodeAt(k);
        if (d === 92) { k += 2; continue; }
        if (d === q || d === 10) break;
        k++;
      }
      stop = Math.min(k + 1, n);
      keepQuotes = true;
    }
    if (keepQuotes) {
      parts.push(src.slice(last, i + 1), spaces(src.slice(i + 1, Math.max(i + 1, stop - 1))));
      last = Math.max(i + 1, stop - 1);
    } else {
      parts.push(src.slice(last, i), spaces(src.slice(i, stop)));
      last = stop;
    }
    re.lastIndex = stop;
  }
  parts.push(src.slice(last));
  return parts.join('');
}

export interface Directive {
  start: number; // offset of '#'
  end: number; // offset of the line end (after continuations)
  kind: string; // if, ifdef, ifndef, elif, else, endif, define, ...
  cond: string;
}

/** The first offset in [from, to) that is not a space or a tab (`to` if none). (One function for every line's indent and
 * the rare `#  define`: a loop only that rare case reaches was compiled without feedback and deoptimised on it.) */
function skipBlanks(code: string, from: number, to: number): number {
  let k = from;
  while (k < to) {
    const c = code.charCodeAt(k);
    if (c !== 32 && c !== 9) break;
    k++;
  }
  return k;
}

function scanDirectives(code: string): Directive[] {
  const out: Directive[] = [];
  const n = code.length;
  let lineStart = 0;
  while (lineStart < n) {
    const i = skipBlanks(code, lineStart, n);
    let end = lineStart;
    // find the end of this logical line
    let k = lineStart;
    for (;;) {
      const nl = code.indexOf('\n', k);
      const e = nl < 0 ? n : nl;
      let back = e - 1;
      while (back >= k && (code[back] === ' ' || code[back] === '\t' || code[back] === '\r')) back--;
      if (back >= k && code[back] === '\\' && e < n) { k = e + 1; continue; }
      end = e;
      break;
    }
    if (code[i] === '#') {
      const j = skipBlanks(code, i + 1, end);
      let w = j;
      while (w < end && isIdChar(code.charCodeAt(w))) w++;
      out.push({ start: i, end, kind: code.slice(j, w), cond: code.slice(w, end).replace(/\\\n/g, ' ').trim() });
    }
    lineStart = end + 1;
  }
  return out;
}

/** Same-length replacements, applied at the end. */
class Edits {
  private list: { from: number; to: number; text: string | null }[] = [];
  blank(from: number, to: number): void { if (to > from) this.list.push({ from, to, text: null }); }
  put(from: number, text: string): void { this.list.push({ from, to: from + text.length, text }); }
  apply(src: string): string {
    if (!this.list.length) return src;
    this.list.sort((a, b) => a.from - b.from);
    const parts: string[] = [];
    let last = 0;
    for (const e of this.list) {
      if (e.from < last) continue; // nested in an earlier blank
      parts.push(src.slice(last, e.from), e.text ?? spaces(src.slice(e.from, e.to)));
      last = e.to;
    }
    parts.push(src.slice(last));
    return parts.join('');
  }
  clear(): void {
    this.list = [];
  }
}

/** Decide a config conditional: true/false when known, undefined otherwise. */
function evalCond(kind: string, cond: string): boolean | undefined {
  if (kind === 'else') return true;
  if (kind === 'ifdef') return ENABLED_CONFIGS.test(cond) ? true : undefined;
  if (kind === 'ifndef') return ENABLED_CONFIGS.test(cond) ? false : undefined;
  const c = cond.replace(/\/\*.*?\*\//g, '').trim();
  if (c === '0') return false;
  if (c === '1') return true;
  const m = /^(!?)\s*(?:defined\s*\(?\s*|IS_ENABLED\s*\(\s*|IS_BUILTIN\s*\(\s*)(CONFIG_\w+)\s*\)?$/.exec(c);
  if (m && ENABLED_CONFIGS.test(m[2]!)) return m[1] !== '!';
  return undefined;
}

function netBalance(code: string, from: number, to: number, directives: Directive[]): { braces: number; parens: number } {
  let braces = 0, parens = 0;
  let di = 0;
  for (let k = from; k < to; k++) {
    while (di < directives.length && directives[di]!.end < k) di++;
    const d = directives[di];
    if (d && k >= d.start && k <= d.end) { k = d.end; continue; }
    const c = code[k];
    if (c === '{') braces++;
    else if (c === '}') braces--;
    else if (c === '(') parens++;
    else if (c === ')') parens--;
  }
  return { braces, parens };
}

function prevCodeChar(code: string, at: number): string {
  let k = at - 1;
  while (k >= 0) {
    const c = code[k]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { k--; continue; }
    // skip a preceding directive line
    const ls = code.lastIndexOf('\n', k) + 1;
    const t = code.slice(ls, k + 1).trimStart();
    if (t.startsWith('#')) { k = ls - 1; continue; }
    return c;
  }
  return ';';
}

function matchParen(code: string, open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    const c = code[k];
    if (c === '(') depth++;
    else if (c === ')') { depth--; if (depth === 0) return k; }
    else if ((c === ';' || c === '{' || c === '}') && depth <= 1 && k - open > 4000) return -1;
  }
  return -1;
}

function skipSpace(code: string, k: number): number {
  while (k < code.length && isSpace(code.charCodeAt(k))) k++;
  return k;
}

/** Top-level argument split of the parenthesised text code[open..close]. */
function splitArgs(code: string, open: number, close: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let depth = 0, s = open + 1;
  for (let k = open + 1; k < close; k++) {
    const c = code[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push({ start: s, end: k }); s = k + 1; }
  }
  out.push({ start: s, end: close });
  return out;
}

export function normalize(src: string): Normalized {
  const code = codeView(src);
  const ed = new Edits();
  const contracts: Contract[] = [];
  const scopedGuards: GuardUse[] = [];
  const guardClasses: GuardClass[] = [];
  const directives = scanDirectives(code);

  // ---- preprocessor conditionals ----
  interface Group { branches: Directive[]; endif?: Directive }
  const stack: Group[] = [];
  const groups: Group[] = [];
  for (const d of directives) {
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') { const g = { branches: [d] }; stack.push(g); groups.push(g); }
    else if (d.kind === 'elif' || d.kind === 'else' || d.kind === 'elifdef' || d.kind === 'elifndef') stack[stack.length - 1]?.branches.push(d);
    else if (d.kind === 'endif') { const g = stack.pop(); if (g) g.endif = d; }
  }
  for (const g of groups) {
    if (!g.endif) continue;
    const bodies = g.branches.map((b, i) => ({ d: b, from: b.end, to: (g.branches[i + 1] ?? g.endif)!.start }));
    let keep = -1;
    let decided = false;
    for (let i = 0; i < bodies.length; i++) {
      const v = evalCond(bodies[i]!.d.kind, bodies[i]!.d.cond);
      if (v === undefined) { decided = false; keep = -1; break; }
      if (v && keep < 0) keep = i;
      decided = true;
    }
    if (!decided) {
      const balanced = bodies.every((b) => { const nb = netBalance(code, b.from, b.to, directives); return nb.braces === 0 && nb.parens === 0; });
      const pc = prevCodeChar(code, g.branches[0]!.start);
      const atStatement = pc === ';' || pc === '{' || pc === '}' || pc === ':';
      if (balanced && atStatement) continue; // tree-sitter gets both branches
      keep = 0;
    }
    // blank the directives and every branch but `keep`
    for (let i = 0; i < bodies.length; i++) {
      const b = bodies[i]!;
      ed.blank(b.d.start, b.d.end);
      if (i !== keep) ed.blank(b.from, b.to);
    }
    ed.blank(g.endif.start, g.endif.end);
  }
  // a view of what survived, for the identifier pass
  const kept = ed.apply(src);
  // Directives are found in the code view, so no comment or string crosses a blanked branch:
  // blanking the code view is the code view of the blanked text.
  const view = ed.apply(code);
  ed.clear();

  // ---- identifiers (only the ones we rewrite: candidate words, then `interesting`) ----
  const n = view.length;
  void n;
  let i = 0;
  let dp = 0;
  const words = new Candidates(view);
  while (words.next()) {
    if (words.start < i) continue;
    i = words.start;
    const j = words.end;
    // skip directive lines (macro bodies are not code we analyse)
    while (dp < directives.length && directives[dp]!.end < i) dp++;
    if (directives[dp] && i >= directives[dp]!.start) { i = j; continue; }
    const word = view.slice(i, j);
    if (!interesting(word)) { i = j; continue; }
    const lastNl = view.lastIndexOf('\n', i - 1);
    const prev = i > 0 ? view[i - 1] : '';
    const isMember = prev === '.' || (prev === '>' && view[i - 2] === '-');
    if (isMember) { i = j; continue; }
    if (ANNOTATIONS.has(word)) { ed.blank(i, j); i = j; continue; }
    const after = skipSpace(view, j);
    if (ANNOTATIONS_WITH_ARGS.has(word) && view[after] === '(') {
      const close = matchParen(view, after);
      if (close > 0) {
        const kind = CONTRACT_KIND[word];
        if (kind) contracts.push({ offset: i, kind, arg: intern(kept.slice(after + 1, close).trim()) });
        ed.blank(i, close + 1);
        i = close + 1;
        continue;
      }
    }
    if (view[after] === '(' && (word.includes('for_each') || word.includes('foreach')) && word.length >= 5) {
      const close = matchParen(view, after);
      if (close > 0) {
        const next = skipSpace(view, close + 1);
        const nc = view[next];
        // a statement or a block follows: this is a loop, not a call
        if (nc === '{' || (nc !== undefined && (isIdStart(nc.charCodeAt(0)) || nc === '*' || nc === '(' || nc === '+' || nc === '-'))) {
          ed.put(i, 'while' + ' '.repeat(j - i - 5));
          i = j;
          continue;
        }
      }
    }
    if ((word === 'scoped_guard' || word === 'scoped_cond_guard') && view[after] === '(') {
      const close = matchParen(view, after);
      if (close > 0) {
        const args = splitArgs(view, after, close);
        const cls = intern(kept.slice(args[0]!.start, args[0]!.end).trim());
        ed.put(i, 'if' + ' '.repeat(j - i - 2));
        if (word === 'scoped_cond_guard' && args.length >= 2) ed.blank(args[1]!.start - 1, args[1]!.end); // the failure action
        scopedGuards.push({ offset: i, cls });
        i = j;
        continue;
      }
    }
    if (/^(COMPAT_)?SYSCALL_DEFINE[0-6]$/.test(word) && view[after] === '(' && i - lastNl <= 1) {
      const close = matchParen(view, after);
      if (close > 0) {
        const args = splitArgs(view, after, close).map((a) => kept.slice(a.start, a.end).replace(/\s+/g, ' ').trim());
        const params: string[] = [];
        for (let k = 1; k + 1 < args.length; k += 2) params.push(`${args[k]} ${args[k + 1]}`);
        const rewrite = `long sys_${args[0]}(${params.join(', ') || 'void'})`;
        const span = kept.slice(i, close + 1);
        // lay the rewrite's tokens out line by line, never splitting a token across a newline
        const segs = span.split('\n');
        const toks = rewrite.match(/\w+|[^\w\s]+|\s+/g) ?? [];
        let ti = 0;
        const outSegs = segs.map((seg, si) => {
          let line = '';
          while (ti < toks.length) {
            const t = toks[ti]!;
            if (line.length + t.length > seg.length) break;
            line += t;
            ti++;
          }
          if (si < segs.length - 1 && ti < toks.length && /^\s+$/.test(toks[ti]!)) ti++; // a space may become the newline
          return line + ' '.repeat(seg.length - line.length);
        });
        if (ti === toks.length) {
          ed.put(i, outSegs.join('\n'));
          i = close + 1;
          continue;
        }
      }
    }
    if (BLANK_MACRO_STATEMENTS.test(word) && view[after] === '(') {
      const close = matchParen(view, after);
      if (close > 0) {
        if (word.startsWith('DEFINE_GUARD') || word.startsWith('DEFINE_LOCK_GUARD')) {
          const args = splitArgs(view, after, close).map((a) => kept.slice(a.start, a.end).trim());
          const callee = (s: string | undefined) => /^(\w+)\s*\(/.exec(s ?? '')?.[1] ?? '';
          if (args.length >= 4) guardClasses.push({ name: intern(args[0]!), lockCall: intern(callee(args[2])), unlockCall: intern(callee(args[3])) });
        }
        let end = close + 1;
        const semi = skipSpace(view, end);
        if (view[semi] === ';') end = semi + 1;
        ed.blank(i, end);
        i = end;
        continue;
      }
    }
    i = j;
  }
  // the code view of the result is the code view of what survived with the same edits (they add no comments or strings)
  const code2 = ed.apply(view);
  // the directives normalisation kept are the ones whose '#' is still there (it adds none and moves none)
  return { text: ed.apply(kept), code: code2, contracts, scopedGuards, guardClasses, directives: directives.filter((d) => code2.charCodeAt(d.start) === 35) };
}

export interface BodySpan {
  name: string;
  /** Offset of the name. */
  nameOffset: number;
  /** Offset where the declaration starts (return type). */
  declStart: number;
  /** Offsets of `{` and one past `}`. */
  bodyStart: number;
  bodyEnd: number;
  isStatic: boolean;
  returnsPointer: boolean;
}

const NOT_FUNCTIONS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'else', 'defined', 'typeof', '__typeof__', 'asm', '__asm__', '__attribute__']);

/**
 * Function bodies by brace structure: every top-level `{...}` that follows a `)`
 * is a function body, named by the identifier before the matching `(`. Robust to
 * tree-sitter's ERROR recovery: a call is never attributed to a fake nested function.
 */
export function findBodies(normText: string, codeOfText?: string, directivesOfText?: Directive[]): BodySpan[] {
  const code = codeOfText ?? codeView(normText);
  const directives = directivesOfText ?? scanDirectives(code);
  const out: BodySpan[] = [];
  let depth = 0;
  let di = 0;
  let lastTopEnd = 0; // where the current top-level declaration may start
  let open = -1;
  // jump from one brace or semicolon to the next; directive lines are skipped whole
  // (`test`, not `exec`: no match object per brace, which was most of an edit's garbage)
  const re = /[{};]/g;
  while (re.test(code)) {
    const k = re.lastIndex - 1;
    let inside: Directive | undefined;
    while (di < directives.length && directives[di]!.start <= k) {
      const d = directives[di]!;
      if (d.end >= k) { inside = d; break; }
      // a directive line passed at file scope ends the declaration before it
      if (depth === 0) lastTopEnd = d.end;
      di++;
    }
    if (inside) {
      if (depth === 0) lastTopEnd = inside.end;
      re.lastIndex = inside.end + 1;
      di++;
      continue;
    }
    const c = code.charCodeAt(k);
    if (c === 123 /* { */) {
      if (depth === 0) open = k;
      depth++;
    } else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) depth = 0;
      if (depth === 0 && open >= 0) {
        const span = functionHead(code, lastTopEnd, open);
        if (span) out.push({ ...span, bodyStart: open, bodyEnd: k + 1 });
        open = -1;
        lastTopEnd = k + 1;
      }
    } else if (depth === 0) lastTopEnd = k + 1; // ';'
  }
  return out;
}

function functionHead(code: string, from: number, brace: number): Omit<BodySpan, 'bodyStart' | 'bodyEnd'> | null {
  let k = brace - 1;
  while (k >= from && isSpace(code.charCodeAt(k))) k--;
  if (code[k] !== ')') return null;
  // matching '(' backwards
  let depth = 0;
  for (; k >= from; k--) {
    const c = code[k];
    if (c === ')') depth++;
    else if (c === '(') { depth--; if (depth === 0) break; }
  }
  if (k < from) return null;
  let e = k - 1;
  while (e >= from && isSpace(code.charCodeAt(e))) e--;
  let s = e;
  while (s >= from && isIdChar(code.charCodeAt(s))) s--;
  const name = intern(code.slice(s + 1, e + 1));
  if (!name || NOT_FUNCTIONS.has(name) || !isIdStart(name.charCodeAt(0))) return null;
  const head = code.slice(from, s + 1);
  if (/[=]/.test(head)) return null;
  let declStart = from;
  while (declStart < s && isSpace(code.charCodeAt(declStart))) declStart++;
  return {
    name,
    nameOffset: s + 1,
    declStart,
    isStatic: /\bstatic\b/.test(head),
    returnsPointer: /\*\s*$/.test(head),
  };
}

/** Is offset `at` on a preprocessor directive line (or a line continuing one)? */
export function isDirectiveLine(code: string, at: number): boolean {
  let ls = code.lastIndexOf('\n', at - 1) + 1;
  for (;;) {
    // a line continues the one before when that one ends with a backslash
    let e = ls - 2;
    if (e >= 0 && code.charCodeAt(e) === 13) e--;
    if (ls === 0 || e < 0 || code.charCodeAt(e) !== 92) break;
    ls = code.lastIndexOf('\n', e - 1) + 1;
  }
  let k = ls;
  while (code.charCodeAt(k) === 32 || code.charCodeAt(k) === 9) k++;
  return code.charCodeAt(k) === 35;
}
