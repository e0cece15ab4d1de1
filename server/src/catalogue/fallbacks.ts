/**
 * Fallback kinds: why a fault handled under the per-VMA lock returns
 * VM_FAULT_RETRY and is retried under mmap_lock (the primer's section 4), and
 * how a fallback point's deciding text maps to its kind. Data, like the
 * primitives; used by profiles (core/workspace.ts) and by the simulate panel.
 */
import type { FallbackKind } from '../core/types';

/** Why each fallback kind returns VM_FAULT_RETRY under the per-VMA lock
 * (the primer's section 4), for a point whose call has no primitive of its own (hovers and the
 * simulate panel's explanations). */
export const FALLBACK_WHY: Record<FallbackKind, string> = {
  anon_vma:
    'The VMA has no anon_vma yet. Setting one up (__anon_vma_prepare) looks at neighbouring VMAs, which only mmap_lock protects: ' +
    'before 6.10 the fault drops the per-VMA lock and returns VM_FAULT_RETRY; from 6.10 vmf_anon_prepare() first tries mmap_read_trylock() ' +
    'and retries only if that fails. The retry runs under mmap_lock read.',
  no_map_pages:
    'The VMA\'s vm_ops has no ->map_pages, so ->fault/->page_mkwrite may not run under the per-VMA lock (vmf_can_call_fault, 6.7+): ' +
    'the per-VMA lock is dropped and the fault retried under mmap_lock.',
  uffd: 'userfaultfd-armed VMAs were not handled under the per-VMA lock before 6.6: lock_vma_under_rcu fails and the fault takes mmap_lock.',
  swap: 'Swap faults retried under mmap_lock before 6.6 (17c05f18e541); device-private entries still do.',
  folio_locked:
    'The folio is locked by someone else: folio_lock_or_retry() drops the fault lock (release_fault_lock) and returns VM_FAULT_RETRY; the retry takes mmap_lock.',
  io: 'The fault must wait for I/O: it drops its lock and returns VM_FAULT_RETRY, and on x86 the retry runs under mmap_lock, never the per-VMA lock again.',
  hugetlb: 'hugetlb faults returned VM_FAULT_RETRY under the per-VMA lock before 6.9 (7c43a553792a), so they ran under mmap_lock.',
  vma_lock_failed:
    'lock_vma_under_rcu() fails when the VMA is write-locked by an mmap writer (or, 6.4-6.14, a writer holds or waits for its per-VMA rwsem): ' +
    'the fault is counted as vma_lock_abort and taken under mmap_lock.',
  other: 'This point returns VM_FAULT_RETRY under the per-VMA lock; the fault is retried under mmap_lock read.',
};

/** The kind of a fallback point from the text that decides it (its condition or call, and the function's name). */
export function classifyFallback(text: string): FallbackKind {
  if (/uffd|userfaultfd/i.test(text)) return 'uffd';
  if (/swap/i.test(text)) return 'swap';
  if (/hugetlb/i.test(text)) return 'hugetlb';
  if (/anon_vma/.test(text)) return 'anon_vma';
  if (/map_pages/.test(text)) return 'no_map_pages';
  if (/folio|page_lock|trylock_page|folio_trylock/.test(text)) return 'folio_locked';
  if (/FAULT_FLAG_VMA_LOCK/.test(text)) return 'other';
  return 'other';
}
