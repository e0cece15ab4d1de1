/**
 * The analysis core's query interface: what the CLI, the language server and
 * the tests drive. The host is handed file texts and edits (it never reads the
 * disk) and answers queries about the current state; answers are computed
 * lazily and cached per file and per function, so an edit re-analyses what it
 * touched and what depends on it.
 *
 * Positions are 1-based lines and 1-based UTF-16 columns, as in types.ts.
 * The implementation is created by `createAnalysisHost()` in ./index.ts.
 */
import type { FunctionProfile, Finding, LockName } from './types';

/** A text replacement in UTF-16 offsets of the text before this edit.
 * Several edits are applied in order, each on the result of the previous (LSP order). */
export interface TextEdit {
  startOffset: number;
  endOffset: number;
  newText: string;
}

export interface KernelVersionInfo {
  /** "X.Y" in use. */
  version: string;
  source: 'setting' | 'makefile' | 'default';
  /** E.g. "7.3 is newer than the newest version the catalogue knows (6.19): analysed as 6.19". */
  note?: string;
}

export interface HoverInfo {
  markdown: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** An inlay hint: the held-lock set after a change (acquire, release,
 * fallback), or at function entry the entry contexts. */
export interface LockHint {
  line: number;
  column: number;
  kind: 'entry' | 'change';
  /** Each alternative lock set that may hold here, e.g. [["vma_read"], ["mmap_read"]]. */
  states: LockName[][];
  label: string;
}

export interface FunctionInfo {
  name: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The whole definition, from the start of its return type to one past its closing brace. */
  definition: { line: number; column: number; endLine: number; endColumn: number };
  /** Short summary of its entry contexts for a code lens, e.g. "vma_read · mmap_read (fallback)"; '' when trivial. */
  entrySummary: string;
  /** The body had syntax errors tree-sitter could not recover from: its lock context may be incomplete. */
  parseErrors: boolean;
}

export interface AnalysisHost {
  /** `undefined` = auto (from the Makefile text given to setMakefile, else the newest known). */
  setKernelVersion(version: string | undefined): void;
  /** The text of the tree's top Makefile, for auto-detection; undefined to forget it. */
  setMakefile(text: string | undefined): void;
  kernelVersion(): KernelVersionInfo;

  /** Add or replace a file. Non-C, binary or over-size texts are kept out with a reason (see skipReason). */
  setFile(path: string, text: string): void;
  /** Add or replace a file no editor has open: analysed the same, but parsed lazily (only the
   * functions the analysis interprets) and without a tree; `setFile` later makes it editable. */
  indexFile(path: string, text: string): void;
  /** Incremental update of a file already set (tree-sitter `tree.edit` + re-parse). */
  editFile(path: string, edits: TextEdit[]): void;
  removeFile(path: string): void;
  files(): string[];
  /** Why a file is not analysed (binary, not UTF-8, too large), or null. */
  skipReason(path: string): string | null;
  /** True when the parse had errors (the analysis still yields what it can). */
  hasParseErrors(path: string): boolean;
  /** How many functions the file has, and those whose bodies had syntax errors (name and its position); no analysis runs. */
  parseErrors(path: string): { functions: number; broken: { name: string; line: number; column: number; endLine: number; endColumn: number }[] };

  findings(path: string): Finding[];
  allFindings(): Finding[];
  /**
   * Brings the whole analysis up to date, including what findings do not need and the
   * first hover, lens or profile would otherwise wait for (the contexts of functions no
   * rule judges): for a quiet moment.
   */
  complete(): void;

  functions(path: string): FunctionInfo[];
  /** The profile of the function whose definition contains the position (1-based), or null. */
  profileAt(path: string, line: number, column: number): FunctionProfile | null;
  profile(path: string, functionName: string): FunctionProfile | null;
  hover(path: string, line: number, column: number): HoverInfo | null;
  lockHints(path: string): LockHint[];
}
