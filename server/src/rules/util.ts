/** Helpers shared by rules: witness chains, lock sites, the kernel's words for locks. */
import { held, holdsMmap, type State } from '../core/interp';
import type { RelatedSite, RunView } from './types';

const WORDS: Record<string, string> = {
  mmap_read: 'mmap_lock (read)',
  mmap_write: 'mmap_lock (write)',
  mmap_any: 'mmap_lock',
  vma_read: 'the per-VMA read lock',
  vma_write: 'the VMA write lock',
  rcu: 'the RCU read lock',
  ptl: 'the page-table lock',
  anon_vma_read: 'the anon_vma lock (read)',
  anon_vma_write: 'the anon_vma lock (write)',
  i_mmap_read: 'i_mmap_rwsem (read)',
  i_mmap_write: 'i_mmap_rwsem (write)',
  hugetlb_vma_read: 'the hugetlb VMA lock (read)',
  hugetlb_vma_write: 'the hugetlb VMA lock (write)',
  fault: "the fault's lock",
};

export function lockWords(l: string): string {
  return WORDS[l] ?? l;
}

/** The witness call chain of the run's entry context, outermost first (without the function itself). */
export function chain(run: RunView): RelatedSite[] {
  const via = run.entry.via;
  const out: RelatedSite[] = [];
  for (let i = 0; i < via.length - 1; i++) {
    const c = via[i]!;
    out.push({ call: c, message: i === 0 && run.entry.note ? `${run.entry.note}` : `called from ${c.function}()` });
  }
  return out;
}

export function lockSite(s: State, lock: string, message: string): RelatedSite[] {
  const site = s.sites[lock];
  return site ? [{ site, message }] : [];
}

/** Holds the per-VMA read lock and no mmap_lock. */
export function onlyVmaLock(s: State): boolean {
  return held(s, 'vma_read') > 0 && !holdsMmap(s);
}

/** A short description of the lock set of a state. */
export function describe(s: State): string {
  const ls = Object.keys(s.locks).filter((l) => (s.locks[l] ?? 0) > 0);
  return ls.length ? ls.map(lockWords).join(' + ') : 'no mm lock';
}
