/**
 * From a function's lock profile (what the analysis says the code does) to a
 * simulator configuration of the `path` scenario (what that costs under
 * contention), plus the comparisons the profile makes meaningful.
 *
 * Pure: shared by the CLI (`simulate --profile`), the webview page and the
 * tests. It decides only *which* keys of the `path` scenario describe the
 * path; the simulator owns their meaning, defaults and ranges.
 */
import { catalogueFor, FALLBACK_WHY } from '../catalogue';
import type { FallbackKind, FunctionProfile, LockName } from '../core/types';
import type { KeySpec, SimConfigInput } from './api';

export type PathLock = 'vma' | 'mmap_read' | 'mmap_write' | 'none';
export type ParamValue = number | boolean | string;
export type ParamSet = Record<string, ParamValue>;

/** One fallback point of the profile, as the panel lists it. */
export interface FallbackRow {
  line: number;
  kind: FallbackKind;
  condition: string;
  /** Why this point sends the fault back to `mmap_lock`, in kernel words. */
  why: string;
}

export interface Variant {
  label: string;
  /** Keys that differ from the profile's own settings. */
  set: ParamSet;
}

/** Two variants worth putting side by side, and why. */
export interface Comparison {
  id: string;
  title: string;
  question: string;
  a: Variant;
  b: Variant;
}

export interface ProfileScenario {
  function: string;
  file: string;
  line: number;
  kernelVersion: string;
  scenario: 'path';
  pathLock: PathLock;
  /** The `path` scenario's keys that describe this path (before the user's parameters). */
  set: ParamSet;
  fallbacks: FallbackRow[];
  /** Meaningful comparisons; the first is the one the panel starts with. Never empty. */
  comparisons: Comparison[];
  /** How the mapping read the profile, one sentence each (shown in the panel and the CLI). */
  reasons: string[];
}

/** The `path` scenario's mmap writer rates (`writers_per_s` and one per kind of writer). */
const WRITER_RATE_KEY = /^(writers|mmap|munmap|mprotect|brk)_per_s$/;

/** Service time of a fault that maps one page (pft, 1 thread: ~1.1 us per
 * anonymous fault, the primer's section 8). */
export const FAULT_SERVICE_US = 1.1;
/** Service time of a path that takes no mm lock: it still does its work. */
export const UNLOCKED_SERVICE_US = 1.1;
/** Hold time of a path that is itself an mmap writer (the order of an
 * mmap/munmap/mprotect under `mmap_write_lock`, VMA tree update included). */
export const WRITER_SERVICE_US = 10;

/** The catalogue's text for the call that decides a fallback point (its
 * condition starts with the call, e.g. `vmf_anon_prepare(vmf): ...`), for the
 * profile's kernel version; else the kind's general text. */
export function fallbackWhy(kind: FallbackKind, condition = '', kernelVersion = ''): string {
  const call = /^\s*([A-Za-z_]\w*)\s*\(/.exec(condition)?.[1];
  if (call) {
    try {
      const text = catalogueFor(kernelVersion).hover(call)?.hover;
      if (text) return text;
    } catch {
      // An unknown version or call: the general text below.
    }
  }
  return FALLBACK_WHY[kind] ?? FALLBACK_WHY.other;
}

function has(list: LockName[], lock: LockName): boolean {
  return list.includes(lock);
}

/** Fallback kinds that exist only for a fault handled under the per-VMA lock. */
const VMA_FAULT_FALLBACKS = new Set<FallbackKind>(['anon_vma', 'no_map_pages', 'uffd', 'swap', 'folio_locked', 'io', 'hugetlb']);

/** Which lock the path runs under, from where it is entered, what it takes,
 * what it drops without taking (it was entered holding it), and its fallbacks. */
export function pathLockOf(profile: FunctionProfile): { lock: PathLock; reason: string } {
  const acquired = profile.acquires.map((e) => e.lock);
  const entries = profile.entry.map((e) => e.locks);
  const droppedHeld = (lock: LockName) => profile.releases.find((e) => e.lock === lock && !has(acquired, lock));
  if (has(acquired, 'mmap_write')) {
    const at = profile.acquires.find((e) => e.lock === 'mmap_write')!;
    return { lock: 'mmap_write', reason: `takes mmap_lock for write (${at.call}, line ${at.line}): the path is an mmap writer` };
  }
  if (entries.length > 0 && entries.every((locks) => has(locks, 'mmap_write'))) {
    return { lock: 'mmap_write', reason: 'every caller holds mmap_lock for write: the path runs as an mmap writer' };
  }
  if (has(acquired, 'vma_read')) return { lock: 'vma', reason: 'takes the per-VMA read lock, with mmap_lock read as the fallback' };
  if (entries.some((locks) => has(locks, 'vma_read'))) return { lock: 'vma', reason: 'is entered under the per-VMA read lock, with mmap_lock read as the fallback' };
  const dropsVma = droppedHeld('vma_read');
  if (dropsVma) {
    return { lock: 'vma', reason: `drops a per-VMA read lock it did not take (${dropsVma.call}, line ${dropsVma.line}): it runs under the per-VMA lock, with mmap_lock read as the fallback` };
  }
  const faultFallback = entries.length === 0 ? profile.fallbacks.find((f) => VMA_FAULT_FALLBACKS.has(f.kind)) : undefined;
  if (faultFallback) {
    return { lock: 'vma', reason: `has no known caller, but its fallback at line ${faultFallback.line} (${faultFallback.kind}) exists only in a fault under the per-VMA lock: modelled so, with mmap_lock read as the fallback` };
  }
  if (has(acquired, 'mmap_read')) return { lock: 'mmap_read', reason: 'takes mmap_lock for read (no per-VMA lock)' };
  if (entries.some((locks) => has(locks, 'mmap_read'))) return { lock: 'mmap_read', reason: 'is entered under mmap_lock read (no per-VMA lock)' };
  const dropsMmap = droppedHeld('mmap_read');
  if (dropsMmap) return { lock: 'mmap_read', reason: `drops mmap_lock read it did not take (${dropsMmap.call}, line ${dropsMmap.line}): it runs under mmap_lock read` };
  return { lock: 'none', reason: 'takes no mm lock and is entered under none: it pays no lock cost' };
}

/** The `path` scenario's fallback kinds (its `path_fallback` values). */
export type ModelFallback = 'none' | 'anon_vma' | 'no_map_pages' | 'io' | 'uffd' | 'swap' | 'hugetlb';

/** How each kind of fallback point is modelled: most are the simulator's own
 * kinds; a folio locked by someone else waits like I/O before the retry; a
 * failed lock_vma_under_rcu is what mmap writers cause, which the model
 * produces by itself; any other retry is a plain retry under mmap_lock. */
const MODEL_FALLBACK: Record<FallbackKind, ModelFallback> = {
  anon_vma: 'anon_vma',
  no_map_pages: 'no_map_pages',
  io: 'io',
  uffd: 'uffd',
  swap: 'swap',
  hugetlb: 'hugetlb',
  folio_locked: 'io',
  vma_lock_failed: 'none',
  other: 'no_map_pages',
};

/** The fallback that decides the path's behaviour in the model: an anon_vma
 * fallback first (it is what the comparisons are about), else the first point. */
function primaryFallback(fallbacks: FallbackRow[]): { kind: ModelFallback; row?: FallbackRow } {
  const anon = fallbacks.find((f) => f.kind === 'anon_vma');
  if (anon) return { kind: 'anon_vma', row: anon };
  for (const f of fallbacks) {
    const kind = MODEL_FALLBACK[f.kind];
    if (kind !== 'none') return { kind, row: f };
  }
  return { kind: 'none' };
}

export function profileToScenario(profile: FunctionProfile): ProfileScenario {
  const { lock, reason } = pathLockOf(profile);
  const fallbacks: FallbackRow[] = profile.fallbacks
    .map((f) => ({ line: f.line, kind: f.kind, condition: f.condition, why: fallbackWhy(f.kind, f.condition, profile.kernelVersion) }))
    .sort((x, y) => x.line - y.line);
  const needsAnonVma = profile.needsAnonVma || fallbacks.some((f) => f.kind === 'anon_vma');
  const primary = lock === 'vma' ? primaryFallback(fallbacks) : { kind: 'none' as const };
  const fallback = primary.kind;
  const reasons = [`${profile.function} ${reason}.`];

  const set: ParamSet = {
    path_lock: lock,
    path_service_us: lock === 'mmap_write' ? WRITER_SERVICE_US : lock === 'none' ? UNLOCKED_SERVICE_US : FAULT_SERVICE_US,
    path_fallback: fallback,
    anon_vma_present: !needsAnonVma,
    kernel_version: profile.kernelVersion,
    // What the kernel version did: early-anon before 6.10, late from 6.10 (the simulator's `auto`).
    anon_vma_check: 'auto',
  };
  if (primary.row) {
    const at = primary.row;
    const as = at.kind === fallback ? `an ${fallback}` : `an ${fallback} (${at.kind})`;
    reasons.push(`It can fall back at line ${at.line} (${at.condition}): modelled as ${as} fallback to mmap_lock read in path_fallback_prob of its runs.`);
  }
  if (needsAnonVma) reasons.push('It needs an anon_vma: modelled on first touch (the VMA has none yet); compare with a VMA that already has one.');
  if (lock === 'mmap_write') reasons.push(`It holds mmap_lock for write for about ${WRITER_SERVICE_US} us per call (adjust path_service_us).`);

  const comparisons: Comparison[] = [];
  const asWritten: Variant = { label: 'as written', set: {} };
  if (lock === 'vma') {
    comparisons.push({
      id: 'per-vma',
      title: 'per-VMA lock vs mmap_lock only',
      question: 'What do per-VMA locks buy this path under this process?',
      a: asWritten,
      b: { label: 'without per-VMA locks', set: { per_vma_locks: false } },
    });
  }
  if (needsAnonVma && lock === 'vma') {
    comparisons.push({
      id: 'anon-vma-check',
      title: 'anon_vma checked late vs early',
      question: 'Does checking for an anon_vma early in lock_vma_under_rcu (instead of in vmf_anon_prepare) cost this path?',
      a: { label: 'late check (vmf_anon_prepare, 6.10+)', set: { anon_vma_check: 'late' } },
      b: { label: 'early check (lock_vma_under_rcu)', set: { anon_vma_check: 'early' } },
    });
  }
  if (needsAnonVma) {
    comparisons.push({
      id: 'anon-vma-present',
      title: 'VMA already has an anon_vma vs first touch',
      question: 'How much of the cost is the first touch of a VMA without an anon_vma?',
      a: { label: 'first touch (no anon_vma)', set: { anon_vma_present: false } },
      b: { label: 'anon_vma already present', set: { anon_vma_present: true } },
    });
  }
  comparisons.push({
    id: 'writers',
    title: 'fewer vs more mmap writers',
    question: lock === 'none' ? 'Does mmap writer traffic touch this path at all?' : 'How does this path degrade when mmap writers get busier?',
    a: asWritten,
    b: { label: 'writers x10', set: { writers_scale: 10 } },
  });
  return {
    function: profile.function,
    file: profile.file,
    line: profile.line,
    kernelVersion: profile.kernelVersion,
    scenario: 'path',
    pathLock: lock,
    set,
    fallbacks,
    comparisons,
    reasons,
  };
}

/**
 * The simulator config of one side of a comparison: the profile's keys, then
 * the user's parameters, then the variant's keys. `writers_scale` is not a
 * simulator key: it multiplies every writer rate in use (the user's or the
 * scenario's default), clamped to the key's range.
 * Keys the scenario does not know (when its `keys` are given) are dropped and
 * reported, so a variant written for another simulator version degrades visibly.
 */
export function variantConfig(
  plan: ProfileScenario,
  variant: Variant,
  user: ParamSet,
  seed: number,
  keys?: readonly KeySpec[],
): { config: SimConfigInput; dropped: string[] } {
  const set: ParamSet = { ...plan.set, ...user };
  for (const [k, v] of Object.entries(variant.set)) {
    if (k === 'writers_scale') {
      // Every mmap writer rate that is not zero (the user's value, else the scenario's default), within its range.
      const rateKeys = (keys ?? []).filter((spec) => WRITER_RATE_KEY.test(spec.key));
      let scaled = false;
      for (const spec of rateKeys.length ? rateKeys : [{ key: 'writers_per_s', default: undefined as unknown, max: undefined as number | undefined }]) {
        // The user's rate may still be text (CLI --set); the simulator validates it later.
        const raw = set[spec.key] ?? spec.default;
        const base = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
        if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0) continue;
        set[spec.key] = Math.min(base * Number(v), spec.max ?? Infinity);
        scaled = true;
      }
      if (!scaled && !keys) set.writers_scale = v;
    } else {
      set[k] = v;
    }
  }
  const dropped: string[] = [];
  if (keys) {
    const known = new Set(keys.map((s) => s.key));
    for (const k of Object.keys(set)) {
      if (!known.has(k)) {
        dropped.push(k);
        delete set[k];
      }
    }
  }
  return { config: { scenario: plan.scenario, seed, set }, dropped };
}
