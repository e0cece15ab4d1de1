/**
 * The analysis core's public data shapes. These are the CLI's JSON contract
 * (`check --format json`, `context --format json`) and what the language
 * server, the simulator's profile mapping and the tests consume. Lines and
 * columns are 1-based; columns count UTF-16 code units (a tab is one);
 * end columns are exclusive.
 */

/** Lock names, as the catalogue and every output spell them. */
export type LockName =
  | 'mmap_read' | 'mmap_write'
  | 'vma_read' | 'vma_write'
  | 'rcu' | 'ptl'
  | 'anon_vma_read' | 'anon_vma_write'
  | 'i_mmap_read' | 'i_mmap_write'
  | 'hugetlb_vma_read' | 'hugetlb_vma_write';

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedLocation {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  rule: string;
  message: string;
  related: RelatedLocation[];
}

export interface CallSite {
  function: string;
  file: string;
  line: number;
}

/** One lock state a function may be entered with, and a witness call chain
 * ordered from the outermost caller to the function itself. */
export interface EntryContext {
  locks: LockName[];
  via: CallSite[];
}

export interface LockEvent {
  lock: LockName;
  line: number;
  call: string;
}

export type FallbackKind =
  | 'anon_vma' | 'no_map_pages' | 'uffd' | 'swap' | 'folio_locked'
  | 'io' | 'hugetlb' | 'vma_lock_failed' | 'other';

export interface FallbackPoint {
  line: number;
  kind: FallbackKind;
  /** The C expression or call that decides it, as written. */
  condition: string;
}

/** `mm-lock-lens context` output; the language server's
 * `mmLockLens/functionProfile` answer adds `uri`. */
export interface FunctionProfile {
  function: string;
  file: string;
  line: number;
  kernelVersion: string;
  entry: EntryContext[];
  acquires: LockEvent[];
  releases: LockEvent[];
  fallbacks: FallbackPoint[];
  needsAnonVma: boolean;
  writesVma: boolean;
}
