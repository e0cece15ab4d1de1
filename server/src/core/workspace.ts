/**
 * The AnalysisHost implementation: keeps file texts, parse trees and parsed
 * functions, re-analyses lazily on a query after changes (memoised per
 * function), and answers findings, profiles, hovers and hints. Never touches
 * the disk: the CLI, the language server and the tests hand it texts.
 */
import type { Language, Tree } from 'web-tree-sitter';
import { Parser } from 'web-tree-sitter';
import { catalogueFor, allPrimitiveNames, classifyFallback, type Catalogue } from '../catalogue';
import { Analysis, AnalysisMemo, currentLine, hasOwnLockEffect, type BodiesAhead, type Ctx, type Def, type FileInput, type Program, type RuleFinding } from './analysis';
import type { AnalysisHost, FunctionInfo, HoverInfo, KernelVersionInfo, LockHint, TextEdit } from './host';
import type { FunctionIR } from './ir';
import type { Site, State } from './interp';
import { normalize } from './normalize';
import { lineStarts, materializeBody, parseLight, parseText, position, type BuiltBody, type ParsedFile } from './parse';
import type { CallSite, FallbackPoint, Finding, FunctionProfile, LockEvent, LockName, RelatedLocation } from './types';
import { chooseVersion } from './version';

export const MAX_FILE_SIZE = 4 * 1024 * 1024;
/** IRs of function texts that no longer exist kept for reuse (an undo): few, each holds its memoised runs (up to megabytes). */
const STALE_IRS = 8;

interface FileState {
  text: string;
  starts: Int32Array;
  parsed?: ParsedFile;
  tree?: Tree | null;
  normText?: string;
  skip?: string;
}

export interface HostOptions {
  kernelVersion?: string;
  /** Builds bodies ahead of the analysis (the Node layer runs one on a worker thread). */
  bodies?: BodySource;
}

/**
 * Builds function bodies ahead, elsewhere (another thread): `indexFile` names the
 * functions the analysis will surely interpret (`want`), the first analysis names
 * more as it learns which callers it will interpret, and takes a body from here
 * (`take`) before it parses one itself. A body not ready when taken is parsed here,
 * and the source should then skip it. `order`: the order in which the first analysis
 * will take them (it may name functions not wanted yet). `done`: the first analysis has
 * every body it interprets; nothing more will be wanted.
 */
export interface BodySource extends BodiesAhead {
  take(ir: FunctionIR): BuiltBody | undefined;
}

const PUBLIC_LOCKS = new Set<string>(['mmap_read', 'mmap_write', 'vma_read', 'vma_write', 'rcu', 'ptl', 'anon_vma_read', 'anon_vma_write', 'i_mmap_read', 'i_mmap_write', 'hugetlb_vma_read', 'hugetlb_vma_write']);

export function publicLocks(locks: Record<string, number>): LockName[] {
  const out = new Set<LockName>();
  for (const [l, n] of Object.entries(locks)) {
    if (n <= 0) continue;
    if (l === 'mmap_any') out.add('mmap_read');
    else if (PUBLIC_LOCKS.has(l)) out.add(l as LockName);
  }
  return [...out].sort();
}

/** Why a text is not analysed, or null. */
export function skipReasonFor(path: string, text: string): string | null {
  if (!/\.[ch]$/i.test(path)) return 'not a C source or header (.c, .h)';
  if (text.length > MAX_FILE_SIZE) return `larger than ${MAX_FILE_SIZE / 1024 / 1024} MB`;
  if (text.includes('\u0000')) return 'binary (contains NUL bytes)';
  if (text.includes('\uFFFD')) return 'not UTF-8';
  return null;
}

export class Workspace implements AnalysisHost {
  private parser: Parser | null = null;
  private readonly fileMap = new Map<string, FileState>();
  private readonly irReuse = new Map<string, FunctionIR>();
  private memo = new AnalysisMemo();
  private versionSetting: string | undefined;
  private makefile: string | undefined;
  private analysis: Analysis | null = null;
  private findingsByFile = new Map<string, Finding[]>();

  private readonly bodies: BodySource | undefined;

  constructor(private readonly language: Language | (() => Language), options: HostOptions = {}) {
    this.versionSetting = options.kernelVersion;
    this.bodies = options.bodies;
  }

  // ---------------- configuration ----------------

  setKernelVersion(version: string | undefined): void { this.versionSetting = version; this.invalidate(); }
  setMakefile(text: string | undefined): void { this.makefile = text; this.invalidate(); }
  kernelVersion(): KernelVersionInfo { return chooseVersion(this.versionSetting, this.makefile); }
  private cat(): Catalogue { return catalogueFor(this.kernelVersion().version); }

  private invalidate(path?: string): void {
    if (path === undefined) this.analysis = null;
    else this.pending.add(path);
  }

  // ---------------- files ----------------

  private getParser(): Parser {
    if (!this.parser) {
      this.parser = new Parser();
      this.parser.setLanguage(typeof this.language === 'function' ? this.language() : this.language);
    }
    return this.parser;
  }

  setFile(path: string, text: string): void {
    this.putFile(path, text, (st) => {
      const out = parseText(this.getParser(), text, null, this.irReuse);
      st.parsed = out; st.tree = out.tree; st.normText = out.normText;
    });
  }

  /**
   * A file no editor has open (the CLI's files, the server's background index): no
   * tree is kept and no body is parsed until the analysis interprets it. Opening the
   * file later (`setFile`) re-uses its functions and their analyses.
   */
  indexFile(path: string, text: string): void {
    this.putFile(path, text, (st) => {
      st.parsed = parseLight(text, this.irReuse);
      if (this.bodies) {
        const cat = this.cat();
        for (const fn of st.parsed.fns) if (!fn.ir.body && hasOwnLockEffect(fn, cat)) this.bodies.want(fn.ir);
      }
    });
  }

  /** Replaces a file's state: kept out with a reason, or parsed by `parse`. */
  private putFile(path: string, text: string, parse: (st: FileState) => void): void {
    this.fileMap.get(path)?.tree?.delete();
    const st: FileState = { text, starts: lineStarts(text), tree: null };
    const skip = skipReasonFor(path, text);
    if (skip) st.skip = skip; else parse(st);
    this.fileMap.set(path, st);
    this.invalidate(path);
  }

  /** For the CLI: a file kept out with a reason found elsewhere. */
  setSkippedFile(path: string, reason: string): void {
    this.fileMap.get(path)?.tree?.delete();
    this.fileMap.set(path, { text: '', starts: Int32Array.of(0), skip: reason });
    this.invalidate(path);
  }

  editFile(path: string, edits: TextEdit[]): void {
    const st = this.fileMap.get(path);
    if (!st) throw new Error(`editFile: unknown file ${path}`);
    let text = st.text;
    // what no edit touched: a prefix and a suffix of both texts (bounds for the comparison below)
    let head = text.length, tail = text.length;
    for (const e of edits) {
      if (e.startOffset < 0 || e.endOffset > text.length || e.startOffset > e.endOffset) throw new Error(`editFile: edit out of range (${e.startOffset}..${e.endOffset} in ${text.length})`);
      head = Math.min(head, e.startOffset);
      tail = Math.min(tail, text.length - e.endOffset);
      text = text.slice(0, e.startOffset) + e.newText + text.slice(e.endOffset);
    }
    const skip = skipReasonFor(path, text);
    if (skip || !st.tree || st.normText === undefined) { this.setFile(path, text); return; }
    const parser = this.getParser();
    // Normalise the new text and tell tree-sitter the one range that changed in the normalised text.
    const normalized = normalize(text);
    const norm = normalized.text;
    const oldNorm = st.normText;
    // The normalised texts usually differ only where the text did; normalisation may reach further
    // (a directive or annotation completed), so the bounds are checked, then the scan goes on from them.
    const minLen = Math.min(oldNorm.length, norm.length);
    let start = head <= minLen && oldNorm.slice(0, head) === norm.slice(0, head) ? head : 0;
    while (start < minLen && oldNorm.charCodeAt(start) === norm.charCodeAt(start)) start++;
    let endOld = oldNorm.length, endNew = norm.length;
    const t = Math.min(tail, endOld - start, endNew - start);
    if (t > 0 && oldNorm.slice(endOld - t) === norm.slice(endNew - t)) { endOld -= t; endNew -= t; }
    while (endOld > start && endNew > start && oldNorm.charCodeAt(endOld - 1) === norm.charCodeAt(endNew - 1)) { endOld--; endNew--; }
    // normalisation keeps every newline, so the texts' line starts are the normalised texts' too
    const starts = lineStarts(text);
    const pt = (ls: Int32Array, off: number) => {
      const p = position(ls, off);
      return { row: p.line - 1, column: p.column - 1 };
    };
    st.tree.edit({
      startIndex: start, oldEndIndex: endOld, newEndIndex: endNew,
      startPosition: pt(st.starts, start), oldEndPosition: pt(st.starts, endOld), newEndPosition: pt(starts, endNew),
    });
    // functions outside what changed (raw or normalised) keep their IR without their text being hashed
    const hint = st.parsed ? { old: st.parsed.fns, start: Math.min(start, head), endOld: Math.max(endOld, oldNorm.length - tail), endNew: Math.max(endNew, norm.length - tail) } : undefined;
    const out = parseText(parser, text, st.tree, this.irReuse, normalized, hint);
    st.tree.delete();
    st.text = text;
    st.starts = starts;
    st.parsed = out; st.tree = out.tree; st.normText = out.normText;
    this.invalidate(path);
  }

  removeFile(path: string): void {
    this.fileMap.get(path)?.tree?.delete();
    this.fileMap.delete(path);
    this.invalidate(path);
  }

  files(): string[] { return [...this.fileMap.keys()]; }
  skipReason(path: string): string | null { return this.fileMap.get(path)?.skip ?? null; }
  hasParseErrors(path: string): boolean { return !!this.fileMap.get(path)?.parsed?.hasErrors; }

  parseErrors(path: string): { functions: number; broken: { name: string; line: number; column: number; endLine: number; endColumn: number }[] } {
    const st = this.fileMap.get(path);
    if (!st?.parsed) return { functions: 0, broken: [] };
    const broken = st.parsed.fns.filter((fn) => fn.ir.hasError).map((fn) => {
      const s = position(st.starts, fn.nameOffset), e = position(st.starts, fn.nameOffset + fn.name.length);
      return { name: fn.name, line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
    });
    return { functions: st.parsed.fns.length, broken };
  }

  /** Files that were analysed (not skipped). */
  analysedFiles(): string[] { return [...this.fileMap].filter(([, f]) => !!f.parsed).map(([p]) => p); }

  functionCount(): number {
    let n = 0;
    for (const f of this.fileMap.values()) n += f.parsed?.fns.length ?? 0;
    return n;
  }

  // ---------------- analysis ----------------

  /** Files changed since the analysis was last brought up to date. */
  private pending = new Set<string>();
  private analysisVersion = '';

  private ensure(): Analysis {
    const version = this.kernelVersion().version;
    if (!this.analysis || this.analysisVersion !== version) {
      // first use, or another kernel version: build from scratch (runs are memoised per version)
      const memo = this.memo.version === String(catalogueFor(version).version) ? this.memo : (this.memo = new AnalysisMemo());
      this.analysis = new Analysis(catalogueFor(version), memo, (ir) => materializeBody(this.getParser(), ir, ir.body ? undefined : this.bodies?.take(ir)), this.bodies);
      this.analysisVersion = version;
      this.pending = new Set(this.fileMap.keys());
    }
    if (this.pending.size) {
      const a = this.analysis;
      // sorted: which contexts a function keeps (at most MAX_CONTEXTS) must not depend on the order files arrived in
      const changes = [...this.pending].sort().map((path) => ({ path, input: this.inputOf(path) }));
      this.pending.clear();
      a.update(changes);
      this.findingsByFile.clear();
      // IRs of texts no function has any more are kept a while (an undo finds its analyses
      // again), but only the newest STALE_IRS of them: each holds its memoised runs.
      if (this.irReuse.size > a.prog.defCount + STALE_IRS) {
        const live = new Set(a.prog.defs.map((d) => d.fn.ir));
        let stale = this.irReuse.size - live.size;
        // a Map iterates in insertion order: the oldest go first
        for (const [k, ir] of this.irReuse) {
          if (stale <= STALE_IRS / 2) break;
          if (!live.has(ir)) { this.irReuse.delete(k); stale--; }
        }
      }
    }
    return this.analysis;
  }

  private inputOf(path: string): FileInput | null {
    const f = this.fileMap.get(path);
    if (!f?.parsed) return null;
    const starts = f.starts;
    return { path, parsed: f.parsed, lineOf: (off) => position(starts, off).line };
  }

  /** Runs the analysis now (the CLI calls it to time it). */
  analyse(): void { this.ensure(); }

  complete(): void { this.ensure().completeContexts(); }

  private defAt(file: string, name: string): Def | undefined {
    return this.ensure().prog.byName.get(name)?.find((d) => d.file === file);
  }

  private siteOffset(site: Site): number | undefined {
    const d = this.analysis?.prog.byName.get(site.fn)?.find((x) => x.file === site.file);
    return d ? d.fn.declStart + site.off : undefined;
  }

  private loc(file: string, off: number): { line: number; column: number } {
    const st = this.fileMap.get(file);
    return st ? position(st.starts, off) : { line: 1, column: 1 };
  }

  private callColumn(c: CallSite, callee: string | undefined): number {
    const st = this.fileMap.get(c.file);
    if (!st || !callee) return 1;
    const ls = st.starts[c.line - 1] ?? 0;
    const le = st.starts[c.line] ?? st.text.length;
    const i = st.text.slice(ls, le).indexOf(callee);
    return i >= 0 ? i + 1 : 1;
  }

  private ignored(file: string, line: number, rule: string): boolean {
    const st = this.fileMap.get(file);
    if (!st) return false;
    const re = new RegExp(`mm-lock-lens:\\s*ignore\\b[^*\\n]*\\b${rule.replace(/-/g, '\\-')}\\b`);
    for (const l of [line, line - 1]) {
      if (l < 1) continue;
      const ls = st.starts[l - 1]!, le = st.starts[l] ?? st.text.length;
      if (re.test(st.text.slice(ls, le))) return true;
    }
    return false;
  }

  private convert(f: RuleFinding): Finding | null {
    const file = f.def.file;
    const start = this.loc(file, f.def.fn.declStart + f.raw.at);
    const end = this.loc(file, f.def.fn.declStart + f.raw.end);
    if (this.ignored(file, start.line, f.rule.id)) return null;
    const prog = this.analysis!.prog;
    const related: RelatedLocation[] = [];
    f.raw.related.forEach((r, idx) => {
      if (r.site) {
        const off = this.siteOffset(r.site);
        if (off === undefined) return;
        const p = this.loc(r.site.file, off);
        related.push({ file: r.site.file, line: p.line, column: p.column, message: r.message });
      } else if (r.call) {
        const next = f.raw.related[idx + 1]?.call?.function ?? f.def.fn.name;
        const c = { ...r.call, line: currentLine(prog, r.call) };
        related.push({ file: c.file, line: c.line, column: this.callColumn(c, /^\w+$/.test(next) ? next : undefined), message: r.message });
      }
    });
    return {
      file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
      severity: f.rule.severity, rule: f.rule.id, message: f.raw.message, related,
    };
  }

  private fileFindings(path: string): Finding[] {
    const a = this.ensure();
    let l = this.findingsByFile.get(path);
    if (!l) {
      l = a.findingsFor(path).map((f) => this.convert(f)).filter((x): x is Finding => x !== null);
      l.sort((x, y) => x.line - y.line || x.column - y.column || x.rule.localeCompare(y.rule));
      this.findingsByFile.set(path, l);
    }
    return l;
  }

  findings(path: string): Finding[] {
    return this.fileFindings(path);
  }

  allFindings(): Finding[] {
    const a = this.ensure();
    const files = [...new Set(a.prog.defs.map((d) => d.file))].sort();
    return files.flatMap((p) => this.fileFindings(p));
  }

  // ---------------- profiles ----------------

  functions(path: string): FunctionInfo[] {
    const st = this.fileMap.get(path);
    if (!st?.parsed) return [];
    const a = this.ensure();
    const out: FunctionInfo[] = [];
    for (const fn of st.parsed.fns) {
      const s = position(st.starts, fn.nameOffset);
      const e = position(st.starts, fn.nameOffset + fn.name.length);
      const d = a.prog.byName.get(fn.name)?.find((x) => x.file === path && x.fn.declStart === fn.declStart);
      const ctxs = d ? a.resultOf(d)?.contexts ?? [] : [];
      const entry = entryOfContexts(ctxs, a.prog);
      const summary = entry.length && entry.some((x) => x.locks.length) ? entrySummary(ctxs, entry) : '';
      const ds = position(st.starts, fn.declStart), de = position(st.starts, fn.bodyEnd);
      out.push({
        name: fn.name, line: s.line, column: s.column, endLine: e.line, endColumn: e.column,
        definition: { line: ds.line, column: ds.column, endLine: de.line, endColumn: de.column },
        entrySummary: summary, parseErrors: fn.ir.hasError,
      });
    }
    return out;
  }

  private entryOf(d: Def): { locks: LockName[]; via: CallSite[] }[] {
    const a = this.ensure();
    return entryOfContexts(a.resultOf(d)?.contexts ?? [], a.prog);
  }


  profile(path: string, functionName: string): FunctionProfile | null {
    const d = this.defAt(path, functionName);
    return d ? this.profileOf(d) : null;
  }

  profileAt(path: string, line: number, column: number): FunctionProfile | null {
    const st = this.fileMap.get(path);
    if (!st?.parsed) return null;
    const off = (st.starts[line - 1] ?? Infinity) + column - 1;
    const fn = st.parsed.fns.find((f) => off >= f.declStart && off <= f.bodyEnd);
    if (!fn) return null;
    const d = this.ensure().prog.byName.get(fn.name)?.find((x) => x.file === path && x.fn.declStart === fn.declStart);
    return d ? this.profileOf(d) : null;
  }

  private profileOf(d: Def): FunctionProfile {
    const a = this.ensure();
    const r = a.resultOf(d);
    const root = r?.runs.find((x) => x.ctx.root)?.result;
    const acquires: LockEvent[] = [], releases: LockEvent[] = [];
    const fallbacks: FallbackPoint[] = [];
    const lineAt = (rel: number) => this.loc(d.file, d.fn.declStart + rel).line;
    const seenEv = new Set<string>();
    for (const ev of root?.events ?? []) {
      if (ev.k === 'call') {
        const outs = ev.prim?.outcomes ?? (ev.callee ? a.summaries.get(a.prog.resolve(ev.callee, d.file)[0]!)?.outcomes : undefined) ?? [];
        const line = lineAt(ev.at);
        const acq = new Set<string>(), rel = new Set<string>();
        for (const o of outs) { for (const l of o.acquire ?? []) acq.add(l); for (const l of o.release ?? []) rel.add(l); }
        if (ev.name.startsWith('guard:')) acq.add(Object.keys(ev.after?.[0]?.locks ?? {}).find((l) => !(ev.states[0]?.locks[l])) ?? '');
        const name = ev.name.startsWith('guard:') ? `guard(${ev.name.slice(6)})` : ev.name;
        for (const l of acq) for (const pl of this.lockNames(l)) { const k = `a${pl}${line}${name}`; if (!seenEv.has(k)) { seenEv.add(k); acquires.push({ lock: pl, line, call: name }); } }
        for (const l of rel) for (const pl of this.lockNames(l)) { const k = `r${pl}${line}${name}`; if (!seenEv.has(k)) { seenEv.add(k); releases.push({ lock: pl, line, call: name }); } }
        if (ev.prim?.fallback) fallbacks.push({ line, kind: ev.prim.fallback.kind, condition: `${this.callText(d, ev.at, ev.end)}: ${ev.prim.fallback.condition}` });
      } else if (ev.k === 'ret') {
        const t = d.fn.ir.text.slice(ev.at, ev.end);
        if (/VM_FAULT_RETRY/.test(t)) {
          const cond = this.enclosingCondition(d.fn.ir.text, ev.at);
          const line = lineAt(ev.at);
          if (!fallbacks.some((f) => f.line === line)) fallbacks.push({ line, kind: classifyFallback(cond + ' ' + d.fn.name), condition: cond || t.trim() });
        }
      }
    }
    const props = this.transitiveProps(d);
    const loc = this.loc(d.file, d.fn.nameOffset);
    return {
      function: d.fn.name, file: d.file, line: loc.line, kernelVersion: this.kernelVersion().version,
      entry: this.entryOf(d), acquires, releases, fallbacks: fallbacks.sort((x, y) => x.line - y.line),
      needsAnonVma: props.anon, writesVma: props.write,
    };
  }

  private lockNames(l: string): LockName[] {
    if (l === 'fault') return ['vma_read', 'mmap_read'];
    if (l === 'mmap_any') return ['mmap_read'];
    return PUBLIC_LOCKS.has(l) ? [l as LockName] : [];
  }

  private callText(d: Def, at: number, end: number): string {
    const t = d.fn.ir.text.slice(at, end).replace(/\s+/g, ' ');
    return t.length > 80 ? t.slice(0, 77) + '...' : t;
  }

  private enclosingCondition(text: string, at: number): string {
    const before = text.slice(Math.max(0, at - 400), at);
    const re = /\bif\s*\(/g;
    let last = -1;
    for (let m = re.exec(before); m; m = re.exec(before)) last = m.index + m[0].length - 1;
    if (last < 0) return '';
    let depth = 0;
    for (let k = last; k < before.length; k++) {
      if (before[k] === '(') depth++;
      else if (before[k] === ')') { depth--; if (depth === 0) return before.slice(last + 1, k).replace(/\s+/g, ' ').trim(); }
    }
    return '';
  }

  private propMemo = new Map<Def, { anon: boolean; write: boolean }>();
  private propFor: Analysis | null = null;

  private transitiveProps(d: Def, depth = 0): { anon: boolean; write: boolean } {
    const a = this.ensure();
    if (this.propFor !== a) { this.propMemo.clear(); this.propFor = a; }
    const hit = this.propMemo.get(d);
    if (hit) return hit;
    const res = { anon: false, write: false };
    this.propMemo.set(d, res);
    const root = a.resultOf(d)?.runs.find((x) => x.ctx.root)?.result;
    for (const ev of root?.events ?? []) {
      if (ev.k === 'field') res.write = true;
      if (ev.k !== 'call') continue;
      if (ev.prim?.anonVmaPrepare || ev.prim?.fallback?.kind === 'anon_vma') res.anon = true;
      if (ev.prim?.vmaWrite) res.write = true;
      if (!ev.prim && ev.callee && depth < 2) {
        for (const c of a.prog.resolve(ev.callee, d.file)) {
          const p = this.transitiveProps(c, depth + 1);
          res.anon ||= p.anon; res.write ||= p.write;
        }
      }
    }
    return res;
  }

  // ---------------- hovers and hints ----------------

  hover(path: string, line: number, column: number): HoverInfo | null {
    const st = this.fileMap.get(path);
    if (!st) return null;
    const off = (st.starts[line - 1] ?? Infinity) + column - 1;
    if (!(off < st.text.length)) return null;
    let s = off, e = off;
    while (s > 0 && /\w/.test(st.text[s - 1]!)) s--;
    while (e < st.text.length && /\w/.test(st.text[e]!)) e++;
    if (s === e) return null;
    const word = st.text.slice(s, e);
    const ps = position(st.starts, s), pe = position(st.starts, e);
    const range = { line: ps.line, column: ps.column, endLine: pe.line, endColumn: pe.column };
    const cat = this.cat();
    const prim = cat.hover(word);
    if (prim && allPrimitiveNames().includes(word)) {
      const present = cat.byName.has(word);
      const v = this.kernelVersion().version;
      const note = present ? '' : `\n\n_Not present in ${v} (the catalogue knows it from ${prim.since ?? 'earlier'}${prim.until ? ` to before ${prim.until}` : ''})._`;
      return { markdown: `**${word}()** — mm lock primitive (kernel ${v})\n\n${prim.hover}${note}`, ...range };
    }
    const a = this.ensure();
    const defs = a.prog.byName.get(word);
    if (defs?.length) {
      const d = defs.find((x) => x.file === path) ?? defs[0]!;
      return { markdown: this.profileMarkdown(this.profileOf(d)), ...range };
    }
    return null;
  }

  profileMarkdown(p: FunctionProfile): string {
    const lines = [`**${p.function}()** — lock profile (kernel ${p.kernelVersion})`, ''];
    if (!p.entry.length) lines.push('Entry: unknown (no caller or contract in the workspace)');
    else {
      lines.push('Entry contexts:');
      for (const e of p.entry) lines.push(`- ${e.locks.length ? e.locks.map((l) => `\`${l}\``).join(' + ') : 'no mm lock'} — via ${e.via.map((v) => v.function).join(' → ')}`);
    }
    if (p.acquires.length) lines.push('', `Acquires: ${p.acquires.map((x) => `\`${x.lock}\` (${x.call}, line ${x.line})`).join(', ')}`);
    if (p.releases.length) lines.push('', `Releases: ${p.releases.map((x) => `\`${x.lock}\` (${x.call}, line ${x.line})`).join(', ')}`);
    if (p.fallbacks.length) lines.push('', `Falls back (VM_FAULT_RETRY): ${p.fallbacks.map((f) => `${f.kind} at line ${f.line}`).join(', ')}`);
    if (p.needsAnonVma) lines.push('', 'Needs an anon_vma.');
    if (p.writesVma) lines.push('', 'Writes VMAs (needs mmap_lock for write).');
    return lines.join('\n');
  }

  lockHints(path: string): LockHint[] {
    const st = this.fileMap.get(path);
    if (!st?.parsed) return [];
    const a = this.ensure();
    const out: LockHint[] = [];
    for (const fn of st.parsed.fns) {
      const d = a.prog.byName.get(fn.name)?.find((x) => x.file === path && x.fn.declStart === fn.declStart);
      if (!d) continue;
      const r = a.resultOf(d);
      if (!r) continue;
      const entry = this.entryOf(d);
      if (entry.length) {
        const p = position(st.starts, fn.bodyStart + 1);
        const states = uniqueSets(entry.map((e) => e.locks));
        out.push({ line: p.line, column: p.column, kind: 'entry', states, label: `entry: ${states.map(label).join(' | ')}` });
      }
      const known = r.runs.filter((x) => x.ctx.known);
      const runs = known.length ? known : r.runs.filter((x) => x.ctx.root);
      const byAt = new Map<number, LockName[][]>();
      for (const run of runs) {
        for (const ev of run.result.events) {
          if (ev.k !== 'call' || !ev.after) continue;
          const sets = ev.after.map((s: State) => publicLocks(s.locks));
          byAt.set(ev.end, uniqueSets([...(byAt.get(ev.end) ?? []), ...sets]));
        }
      }
      for (const [at, states] of [...byAt].sort((x, y) => x[0] - y[0])) {
        const p = position(st.starts, d.fn.declStart + at);
        out.push({ line: p.line, column: p.column, kind: 'change', states, label: states.map(label).join(' | ') });
      }
    }
    return out;
  }
}

function uniqueSets(sets: LockName[][]): LockName[][] {
  const seen = new Map<string, LockName[]>();
  for (const s of sets) seen.set(s.join('+'), s);
  return [...seen.values()];
}

/** `⟨vma_read⟩`, `⟨mmap_read, ptl⟩`, `⟨⟩` (no mm lock held). */
function label(s: LockName[]): string {
  return `⟨${s.join(', ')}⟩`;
}

/** `vma_read · mmap_read (fallback)`: the contexts' lock sets; mmap_read is the fallback when the
 * function is also entered under the VMA lock and this context has FAULT_FLAG_VMA_LOCK clear
 * (the fault retried under mmap_lock after the VMA-locked attempt gave up). */
function entrySummary(ctxs: Ctx[], entry: { locks: LockName[] }[]): string {
  const underVma = ctxs.some((c) => !c.root && (c.locks.vma_read ?? 0) > 0);
  const fallbackSets = new Set(ctxs.filter((c) => !c.root && c.flag === 2 && !(c.locks.vma_read ?? 0)).map((c) => publicLocks(c.locks).join('+')));
  return [...new Set(entry.map((x) => {
    const k = x.locks.join('+') || 'none';
    return underVma && x.locks.includes('mmap_read') && fallbackSets.has(x.locks.join('+')) ? `${k} (fallback)` : k;
  }))].join(' · ');
}

/** The entry contexts worth showing: known contexts, and contexts handed down by callers that took a
 * lock themselves; then, when the path to them rests on a guess (a callee outcome not tied to a
 * test), those that still hold a lock. */
function entryOfContexts(contexts: Ctx[], prog: Program): { locks: LockName[]; via: CallSite[] }[] {
  const seen = new Set<string>();
  const out: { locks: LockName[]; via: CallSite[] }[] = [];
  const ordered = [...contexts].sort((a, b) => Number(!!a.imprecise) - Number(!!b.imprecise));
  for (const c of ordered) {
    const anyLock = Object.values(c.locks).some((n) => (n as number) > 0);
    if (c.root || (!c.known && !anyLock) || (c.imprecise && !anyLock)) continue;
    // a guess that holds mmap_lock in both modes is an artefact of joined paths, not a context
    if (c.imprecise && (c.locks.mmap_read ?? 0) > 0 && (c.locks.mmap_write ?? 0) > 0) continue;
    const locks = publicLocks(c.locks);
    const k = locks.join();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ locks, via: c.via.map((v) => ({ function: v.function, file: v.file, line: currentLine(prog, v) })) });
  }
  return out;
}
