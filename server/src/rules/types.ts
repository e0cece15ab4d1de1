/**
 * What a rule sees: one analysis run of one function (under one entry context,
 * or under the unknown entry), with the events the interpreter recorded. A rule
 * judges those facts; it never walks syntax or matches primitive names (lock
 * knowledge comes from the catalogue flags on the events).
 */
import type { Catalogue } from '../catalogue';
import type { RunResult, Site, State } from '../core/interp';
import type { CallSite, Severity } from '../core/types';

export interface EntryView {
  /** A real entry context (from callers, ops tables, contracts) vs the unknown entry (counts relative to it). */
  known: boolean;
  /** This is the run with the unknown entry (what summaries and lock-not-released use). */
  root: boolean;
  locks: Record<string, number>;
  via: CallSite[];
  /** How the context was derived, e.g. "vm_operations_struct.fault of shmem_vm_ops (6.7+: ...)". */
  note?: string;
}

export interface RunView {
  file: string;
  fn: string;
  /** The function's text (offsets in events are relative to its start). */
  text: string;
  entry: EntryView;
  result: RunResult;
  /** Does the function return a pointer (lock-returning lookups)? */
  returnsPointer: boolean;
  /** Lock annotations between the parameters and the body (`__must_hold(&mm->mmap_lock)`). */
  contracts: { kind: 'must_hold' | 'acquires' | 'releases'; lock: string; arg: string }[];
}

export interface RuleEnv {
  cat: Catalogue;
  /** Kernel version as a number, 6.12 -> 612. */
  version: number;
}

export interface RelatedSite {
  message: string;
  /** A site in some function (resolved by the host to file/line/column). */
  site?: Site;
  /** A call site of the witness chain. */
  call?: CallSite;
}

export interface RawFinding {
  /** Offsets relative to the function's text. */
  at: number;
  end: number;
  message: string;
  related: RelatedSite[];
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One line: what it finds. */
  summary: string;
  /** (Rules walk a run's events by index: they run before the optimising compiler has compiled them, and until then a for-of allocates at every step.) */
  check(run: RunView, env: RuleEnv): RawFinding[];
  /** Rules that judge a function over all its runs at once (a "must" over every entry context). */
  checkAll?(runs: RunView[], env: RuleEnv): RawFinding[];
}

export type { State };
