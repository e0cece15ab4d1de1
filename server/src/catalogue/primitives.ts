/**
 * The lock primitives of kernel mm, with their effect per kernel version and a
 * hover paragraph each. Sources: the project's primer (sections 1-7).
 *
 * A version range is given only where the *semantics* differ by version. A
 * helper that exists only from some release on keeps its meaning wherever it
 * is called: stable trees carry backports (lock_mm_and_find_vma() is in
 * 6.1.37+), and a tree that does not have it does not call it.
 */
import { ANY, C, E, N, R, Z, type Primitive } from './types';

const MMAP = /\bmmap_lock\b|\bmmap_sem\b/;
const VMLOCK = /vm_lock\b|vm_lock->lock|vm_refcnt/;
const IMMAP = /i_mmap_rwsem/;
const ANONVMA = /anon_vma.*rwsem|root->rwsem/;
const PTL = /\bptl\b|page_table_lock/;
/** The hugetlb VMA lock's rwsem (`vma_lock->rw_sema`, or the resv_map's for private mappings). */
const HUGETLB_VMA = /\brw_sema\b/;

const rw = (name: string, argMatch: RegExp, lock: Primitive['outcomes'][number]['acquire'], hover: string, extra: Partial<Primitive> = {}): Primitive =>
  ({ name, argMatch, outcomes: [{ ret: ANY, acquire: lock }], hover, ...extra });

export const PRIMITIVES: Primitive[] = [
  // ---- mmap_lock ----
  { name: 'mmap_read_lock', outcomes: [{ ret: ANY, acquire: ['mmap_read'] }], blockingMmap: true, sleeps: true, guard: 'mmap_read_lock',
    hover: 'Takes `mm->mmap_lock` for read and may sleep. Readers queue behind any waiting writer (the rwsem is fair), so one `mmap()` in another thread stalls this caller. Taking it while holding a per-VMA read lock can deadlock against `vma_start_write()`; use `mmap_read_trylock()` there.' },
  { name: 'mmap_read_lock_killable', outcomes: [{ ret: Z, acquire: ['mmap_read'] }, { ret: E | N }], blockingMmap: true, sleeps: true,
    hover: 'Takes `mm->mmap_lock` for read, sleeping killably: returns 0 with the lock held, or -EINTR (lock not held) when a fatal signal arrives. Blocking: not allowed under a per-VMA read lock.' },
  { name: 'mmap_read_trylock', outcomes: [{ ret: N, acquire: ['mmap_read'] }, { ret: Z }],
    hover: 'Tries to take `mm->mmap_lock` for read without sleeping: true with the lock held, false without. Safe under a per-VMA read lock; `vmf_anon_prepare()` uses it (6.10+) to install an anon_vma without leaving the VMA lock.' },
  { name: 'mmap_read_unlock', outcomes: [{ ret: ANY, release: ['mmap_read'] }],
    hover: 'Releases `mm->mmap_lock` held for read. Calling it when only the per-VMA lock is held releases a lock the context does not own.' },
  { name: 'mmap_read_unlock_non_owner', outcomes: [{ ret: ANY, release: ['mmap_read'] }],
    hover: 'Releases `mm->mmap_lock` held for read by another task (lockdep owner not checked).' },
  { name: 'mmap_write_lock', outcomes: [{ ret: ANY, acquire: ['mmap_write'] }], blockingMmap: true, sleeps: true, guard: 'mmap_write_lock',
    hover: 'Takes `mm->mmap_lock` for write and may sleep. While it waits, every new page fault of the process that needs mmap_lock queues behind it; while it is held, VMA writers may mark VMAs with `vma_start_write()`.' },
  { name: 'mmap_write_lock_killable', outcomes: [{ ret: Z, acquire: ['mmap_write'] }, { ret: E | N }], blockingMmap: true, sleeps: true,
    hover: 'Takes `mm->mmap_lock` for write, sleeping killably: 0 with the lock held, -EINTR without.' },
  { name: 'mmap_write_lock_nested', outcomes: [{ ret: ANY, acquire: ['mmap_write'] }], blockingMmap: true, sleeps: true,
    hover: 'Takes `mm->mmap_lock` for write with a lockdep subclass (fork, when both mms are locked).' },
  { name: 'mmap_write_trylock', outcomes: [{ ret: N, acquire: ['mmap_write'] }, { ret: Z }],
    hover: 'Tries to take `mm->mmap_lock` for write without sleeping.' },
  { name: 'mmap_write_unlock', outcomes: [{ ret: ANY, release: ['mmap_write', 'vma_write'] }],
    hover: 'Releases `mm->mmap_lock` held for write; this also ends every VMA write lock taken under it (`vma_end_write_all()`).' },
  { name: 'mmap_write_downgrade', outcomes: [{ ret: ANY, release: ['mmap_write', 'vma_write'], acquire: ['mmap_read'] }],
    hover: 'Turns a write hold of `mm->mmap_lock` into a read hold without letting a writer in between; VMA write locks end here.' },
  rw('down_read', MMAP, ['mmap_read'], 'Raw rwsem read acquire of `mm->mmap_lock`; prefer `mmap_read_lock()`.', { blockingMmap: true, sleeps: true }),
  rw('down_read_killable', MMAP, ['mmap_read'], 'Raw killable read acquire of `mm->mmap_lock`.', { blockingMmap: true, sleeps: true, outcomes: [{ ret: Z, acquire: ['mmap_read'] }, { ret: E | N }] }),
  rw('down_read_trylock', MMAP, ['mmap_read'], 'Raw read trylock of `mm->mmap_lock`.', { outcomes: [{ ret: N, acquire: ['mmap_read'] }, { ret: Z }] }),
  rw('up_read', MMAP, undefined, 'Raw release of `mm->mmap_lock` held for read.', { outcomes: [{ ret: ANY, release: ['mmap_read'] }] }),
  rw('down_write', MMAP, ['mmap_write'], 'Raw write acquire of `mm->mmap_lock`.', { blockingMmap: true, sleeps: true }),
  rw('down_write_killable', MMAP, ['mmap_write'], 'Raw killable write acquire of `mm->mmap_lock`.', { blockingMmap: true, sleeps: true, outcomes: [{ ret: Z, acquire: ['mmap_write'] }, { ret: E | N }] }),
  rw('up_write', MMAP, undefined, 'Raw release of `mm->mmap_lock` held for write.', { outcomes: [{ ret: ANY, release: ['mmap_write', 'vma_write'] }] }),
  rw('downgrade_write', MMAP, undefined, 'Raw downgrade of `mm->mmap_lock` from write to read.', { outcomes: [{ ret: ANY, release: ['mmap_write', 'vma_write'], acquire: ['mmap_read'] }] }),

  // ---- per-VMA lock ----
  { name: 'lock_vma_under_rcu', outcomes: [{ ret: N, acquire: ['vma_read'] }, { ret: Z }], vmaLookupUnderRcu: true,
    fallback: { kind: 'vma_lock_failed', condition: 'lock_vma_under_rcu() returned NULL' },
    hover: 'Looks the address up in the maple tree under RCU and read-locks that VMA alone (6.4+). Returns the VMA locked, or NULL: the VMA is being written (`vma_start_write()`), detached, out of range, or (6.4-6.9) anonymous without an anon_vma, and the caller falls back to `mmap_lock`. Outside the fault path a caller must itself handle private mappings without an anon_vma (see `uffd_lock_vma()`).' },
  { name: 'vma_start_read', until: '6.15', outcomes: [{ ret: N, acquire: ['vma_read'] }, { ret: Z }],
    hover: 'Tries to read-lock one VMA: returns false if a writer holds or waits for it (`vm_lock_seq` matches the mm\'s sequence). Never sleeps.' },
  { name: 'vma_start_read', since: '6.15', outcomes: [{ ret: N, acquire: ['vma_read'] }, { ret: Z | E }],
    hover: 'Tries to read-lock one VMA: fails if a writer holds or waits for it (`vm_lock_seq` matches the mm\'s sequence). Never sleeps.' },
  { name: 'vma_start_read_locked', outcomes: [{ ret: ANY, acquire: ['vma_read'] }],
    hover: 'Read-locks a VMA while mmap_lock is held, which keeps writers out, so it cannot fail.' },
  { name: 'vma_start_read_locked_nested', outcomes: [{ ret: ANY, acquire: ['vma_read'] }],
    hover: 'Read-locks a VMA under mmap_lock, with a lockdep subclass.' },
  { name: 'vma_end_read', outcomes: [{ ret: ANY, release: ['vma_read'] }],
    hover: 'Drops the per-VMA read lock. After a VMA-locked `handle_mm_fault()` returned VM_FAULT_RETRY or VM_FAULT_COMPLETED (6.6+), the handler already dropped it: do not call this again, and do not touch the VMA.' },
  rw('down_read', VMLOCK, ['vma_read'], 'Raw read acquire of a VMA\'s `vm_lock` rwsem: only under mmap_lock, where no writer can hold it.'),
  rw('down_read_trylock', VMLOCK, ['vma_read'], 'Raw read trylock of a VMA\'s `vm_lock` rwsem.', { outcomes: [{ ret: N, acquire: ['vma_read'] }, { ret: Z }] }),
  rw('up_read', VMLOCK, undefined, 'Raw release of a VMA\'s `vm_lock` rwsem.', { outcomes: [{ ret: ANY, release: ['vma_read'] }] }),
  { name: 'vma_start_write', outcomes: [{ ret: ANY, acquire: ['vma_write'] }], vmaWrite: true, sleeps: true,
    hover: 'Write-locks a VMA: waits for its readers to leave and keeps new per-VMA faults out until `mmap_write_unlock()`. Requires `mmap_lock` held for write (it asserts so); every VMA modification visible to faults goes through it.' },
  { name: 'vma_start_write_killable', outcomes: [{ ret: Z, acquire: ['vma_write'] }, { ret: E }], vmaWrite: true, sleeps: true,
    hover: 'Killable `vma_start_write()`.' },
  { name: 'vma_assert_write_locked', outcomes: [], asserts: ['vma_write'],
    hover: 'Asserts (with CONFIG_DEBUG_VM) that the VMA is write-locked under mmap_lock held for write.' },
  { name: 'vma_assert_locked', outcomes: [], asserts: ['vma_read', 'vma_write', 'mmap_any', 'mmap_read', 'mmap_write'],
    hover: 'Asserts that the VMA is locked, for read or write.' },
  { name: 'vm_flags_set', outcomes: [{ ret: ANY, acquire: ['vma_write'] }], vmaWrite: true,
    hover: 'Sets VMA flags after `vma_start_write()`: needs `mmap_lock` held for write (fine in a `->mmap` handler, which runs under it).' },
  { name: 'vm_flags_clear', outcomes: [{ ret: ANY, acquire: ['vma_write'] }], vmaWrite: true,
    hover: 'Clears VMA flags after `vma_start_write()`: needs `mmap_lock` held for write.' },
  { name: 'vm_flags_mod', outcomes: [{ ret: ANY, acquire: ['vma_write'] }], vmaWrite: true,
    hover: 'Sets and clears VMA flags after `vma_start_write()`: needs `mmap_lock` held for write.' },
  { name: 'vm_flags_reset', outcomes: [], vmaWrite: true,
    hover: 'Replaces the VMA flags of a VMA already write-locked: needs `mmap_lock` held for write.' },
  { name: 'vm_flags_reset_once', outcomes: [], vmaWrite: true,
    hover: 'Replaces the VMA flags (with WRITE_ONCE) of a VMA already write-locked: needs `mmap_lock` held for write.' },

  // ---- fault helpers ----
  { name: 'lock_mm_and_find_vma', outcomes: [{ ret: N, acquire: ['mmap_read'] }, { ret: Z }], blockingMmap: true, sleeps: true,
    hover: 'The fallback lookup of a fault (6.5+): takes `mmap_lock` for read (upgrading to write to expand a stack) and returns the VMA with `mmap_lock` held for read, or NULL with it released.' },
  { name: 'handle_mm_fault', argMatch: /FAULT_FLAG_VMA_LOCK/, since: '6.6', faultEntry: true,
    outcomes: [{ ret: R, release: ['vma_read'], drops: true }, { ret: C, release: ['vma_read'], drops: true }, { ret: Z | N | E }],
    fallback: { kind: 'io', condition: 'handle_mm_fault() returned VM_FAULT_RETRY' },
    hover: 'Handles one fault. Under `FAULT_FLAG_VMA_LOCK` (6.6+), a VM_FAULT_RETRY or VM_FAULT_COMPLETED return means the handler already dropped the per-VMA lock: the caller must not call `vma_end_read()` nor touch the VMA, and retries under `mmap_lock`.' },
  { name: 'handle_mm_fault', argMatch: /FAULT_FLAG_VMA_LOCK/, since: '6.4', until: '6.6', faultEntry: true, outcomes: [{ ret: ANY }],
    hover: 'Handles one fault. Under `FAULT_FLAG_VMA_LOCK` before 6.6 the per-VMA lock stays held whatever it returns; the caller ends it with `vma_end_read()`.' },
  // Retry (and so a drop of mmap_lock) is possible only with FAULT_FLAG_ALLOW_RETRY: the arch handlers pass it in `flags`.
  { name: 'handle_mm_fault', faultEntry: true, argMatch: /ALLOW_RETRY|FAULT_FLAG_DEFAULT|,\s*(flags|mm_flags)\s*,/,
    outcomes: [{ ret: R, release: ['mmap_read'], drops: true }, { ret: C, release: ['mmap_read'], drops: true }, { ret: Z | N | E }],
    hover: 'Handles one fault under `mmap_lock` held for read. With FAULT_FLAG_ALLOW_RETRY, a VM_FAULT_RETRY (without FAULT_FLAG_RETRY_NOWAIT) or VM_FAULT_COMPLETED return means `mmap_lock` was already released.' },
  { name: 'handle_mm_fault', faultEntry: true, outcomes: [{ ret: ANY }],
    hover: 'Handles one fault under `mmap_lock` held for read. Without FAULT_FLAG_ALLOW_RETRY it never drops the lock.' },
  // Calls through a VMA's vm_ops (`vma->vm_ops->fault(vmf)`): the fault protocol says a
  // handler that returns VM_FAULT_RETRY or VM_FAULT_COMPLETED has released the fault's lock.
  ...['fault', 'huge_fault', 'page_mkwrite', 'pfn_mkwrite'].map((m): Primitive => ({
    name: `vm_ops->${m}`,
    outcomes: [{ ret: R, release: ['fault'], drops: true }, { ret: C, release: ['fault'], drops: true }, { ret: Z | N | E }],
    hover: `A call of the VMA's \`->${m}\` handler. By the fault protocol, VM_FAULT_RETRY or VM_FAULT_COMPLETED from it means the handler already released the fault's lock (\`mmap_lock\`, or the per-VMA lock under FAULT_FLAG_VMA_LOCK); the VMA must not be used afterwards.`,
  })),
  // fs/userfaultfd.c: a missing/wp/minor fault on a registered range waits for the monitor,
  // after releasing the fault's lock; it returns VM_FAULT_RETRY then (not with RETRY_NOWAIT).
  { name: 'handle_userfault', outcomes: [{ ret: R, release: ['fault'], drops: true }, { ret: Z | N | E }],
    fallback: { kind: 'uffd', condition: 'userfaultfd-registered range: wait for the monitor' },
    hover: 'Hands a fault on a userfaultfd-registered range to the monitor. When it has to wait it releases the fault\'s lock (`release_fault_lock()`) and returns VM_FAULT_RETRY: the VMA must not be used afterwards.' },
  { name: 'release_fault_lock', outcomes: [{ ret: ANY, release: ['fault'], drops: true }],
    hover: 'Drops whichever lock the fault holds: `vma_end_read()` under FAULT_FLAG_VMA_LOCK, else `mmap_read_unlock()`. The VMA must not be used afterwards.' },
  { name: 'assert_fault_locked', outcomes: [], asserts: ['fault'],
    hover: 'Asserts that the fault holds its lock: the per-VMA lock under FAULT_FLAG_VMA_LOCK, else mmap_lock.' },
  { name: 'vmf_anon_prepare', until: '6.10',
    outcomes: [{ ret: Z }, { ret: R, release: ['vma_read'], drops: true, vmaFlag: true }, { ret: N }],
    fallback: { kind: 'anon_vma', condition: '!vma->anon_vma under FAULT_FLAG_VMA_LOCK' },
    hover: 'Makes sure the faulting VMA has an anon_vma. Under the per-VMA lock (6.7-6.9) a VMA without one cannot be prepared: it drops the VMA lock and returns VM_FAULT_RETRY, so the fault is retried under `mmap_lock`.' },
  { name: 'vmf_anon_prepare', since: '6.10',
    outcomes: [{ ret: Z }, { ret: R, release: ['vma_read'], drops: true, vmaFlag: true }, { ret: N }],
    fallback: { kind: 'anon_vma', condition: '!vma->anon_vma && !mmap_read_trylock(vma->vm_mm)' },
    hover: 'Makes sure the faulting VMA has an anon_vma. Under the per-VMA lock (6.10+) it first tries `mmap_read_trylock()` and prepares the anon_vma under it; only if the trylock fails does it drop the VMA lock and return VM_FAULT_RETRY. The VMA must not be used after a RETRY.' },
  { name: '__vmf_anon_prepare',
    outcomes: [{ ret: Z }, { ret: R, vmaFlag: true }, { ret: N }],
    fallback: { kind: 'anon_vma', condition: '!vma->anon_vma && !mmap_read_trylock(vma->vm_mm)' },
    hover: 'Like `vmf_anon_prepare()`, but on VM_FAULT_RETRY it keeps the per-VMA lock (6.12+): the caller drops it (hugetlb does, after its own cleanup).' },
  { name: 'vmf_can_call_fault',
    outcomes: [{ ret: Z }, { ret: R, release: ['vma_read'], drops: true, vmaFlag: true }],
    fallback: { kind: 'no_map_pages', condition: '!vma->vm_ops->map_pages under FAULT_FLAG_VMA_LOCK' },
    hover: 'Decides whether `->fault` may run under the per-VMA lock (6.7+): only when the VMA\'s vm_ops has `->map_pages`. Otherwise it drops the VMA lock and returns VM_FAULT_RETRY; the fault is retried under `mmap_lock`.' },
  { name: 'folio_lock_or_retry', since: '6.6',
    outcomes: [{ ret: Z }, { ret: R, release: ['fault'], drops: true }],
    fallback: { kind: 'folio_locked', condition: 'folio locked by someone else' },
    hover: 'Locks a folio for a fault, or, if it is locked by someone else and the fault may retry, drops the fault\'s lock (`release_fault_lock()`, 6.6+) and returns VM_FAULT_RETRY.' },
  { name: 'folio_lock_or_retry', until: '6.6',
    outcomes: [{ ret: N }, { ret: Z, release: ['mmap_read'], drops: true }],
    fallback: { kind: 'folio_locked', condition: 'folio locked by someone else' },
    hover: 'Locks a folio for a fault, or drops `mmap_lock` and returns false (before 6.6 it always released mmap_lock: wrong under only the per-VMA lock, which is why swap faults stayed off the VMA lock until 6.6).' },
  { name: 'anon_vma_prepare', outcomes: [{ ret: Z }, { ret: N }], anonVmaPrepare: true,
    hover: 'Makes sure the VMA has an anon_vma, creating or reusing one (`find_mergeable_anon_vma()` looks at adjacent VMAs). That walk is protected only by `mmap_lock`: never call it holding only the per-VMA lock; a fault path uses `vmf_anon_prepare(vmf)`.' },
  { name: '__anon_vma_prepare', outcomes: [{ ret: Z }, { ret: N }], anonVmaPrepare: true,
    hover: 'Allocates or reuses an anon_vma for the VMA; needs `mmap_lock` (asserted since 6.10) plus `page_table_lock` to install it.' },

  { name: 'userfaultfd_remove', outcomes: [{ ret: N }, { ret: Z, release: ['mmap_read'] }],
    hover: 'Tells a userfaultfd monitor about a range being zapped by madvise; returns false when it had to drop `mmap_lock` (read) to wait for the monitor: the caller must retake it and look the VMA up again.' },

  { name: 'vma_is_anonymous', outcomes: [],
    hover: 'True for an anonymous VMA (no `vm_ops`). Under the per-VMA lock in [6.4, 6.10) such a VMA always has an anon_vma: `lock_vma_under_rcu()` refused those without one.' },
  { name: 'vma_init', outcomes: [], initsVma: true, hover: 'Initialises a new VMA (not yet in the tree, so nobody else can see it: filling it in needs no lock).' },
  { name: 'vm_area_alloc', outcomes: [], returnsNewVma: true, hover: 'Allocates and initialises a new VMA, not yet visible to faults.' },
  { name: 'vm_area_dup', outcomes: [], returnsNewVma: true, hover: 'Copies a VMA into a new one, not yet visible to faults.' },
  { name: 'vm_flags_init', outcomes: [], hover: 'Sets the flags of a VMA that is not yet visible: no lock needed.' },

  // ---- assertions ----
  { name: 'mmap_assert_locked', outcomes: [], asserts: ['mmap_any', 'mmap_read', 'mmap_write'],
    hover: 'Asserts (lockdep / CONFIG_DEBUG_VM) that `mmap_lock` is held, for read or write.' },
  { name: 'mmap_assert_write_locked', outcomes: [], asserts: ['mmap_write', 'mmap_any'],
    hover: 'Asserts that `mmap_lock` is held for write.' },
  { name: 'lockdep_assert_held', argMatch: MMAP, outcomes: [], asserts: ['mmap_any', 'mmap_read', 'mmap_write'],
    hover: 'Asserts that `mmap_lock` is held.' },
  { name: 'lockdep_assert_held_write', argMatch: MMAP, outcomes: [], asserts: ['mmap_write', 'mmap_any'],
    hover: 'Asserts that `mmap_lock` is held for write.' },
  { name: 'lockdep_assert_held_read', argMatch: MMAP, outcomes: [], asserts: ['mmap_read', 'mmap_any'],
    hover: 'Asserts that `mmap_lock` is held for read.' },

  // ---- RCU, page-table, rmap locks ----
  { name: 'rcu_read_lock', outcomes: [{ ret: ANY, acquire: ['rcu'] }], guard: 'rcu',
    hover: 'Enters an RCU read-side section; `lock_vma_under_rcu()` walks the maple tree inside one.' },
  { name: 'rcu_read_unlock', outcomes: [{ ret: ANY, release: ['rcu'] }], hover: 'Leaves an RCU read-side section.' },
  { name: 'pte_offset_map_lock', until: '6.5', outcomes: [{ ret: N, acquire: ['ptl'] }], lockArg: 1, lockPointer: { lock: 'ptl', to: 3 },
    hover: 'Maps a PTE table and takes its page-table lock (before 6.5 it cannot fail).' },
  { name: 'pte_offset_map_lock', since: '6.5', outcomes: [{ ret: N, acquire: ['ptl'] }, { ret: Z }], lockArg: 1, lockPointer: { lock: 'ptl', to: 3 },
    hover: 'Maps a PTE table and takes its page-table lock; returns NULL (no lock) if the table went away (6.5+).' },
  { name: 'pte_alloc_map_lock', outcomes: [{ ret: N, acquire: ['ptl'] }, { ret: Z }], lockArg: 1, lockPointer: { lock: 'ptl', to: 3 },
    hover: 'Allocates the PTE table if needed, maps it and takes its page-table lock; NULL (no lock) when the allocation failed or (6.5+) the table went away.' },
  { name: 'pte_offset_map_nolock', outcomes: [], lockPointer: { lock: 'ptl', to: 3 }, hover: 'Maps a PTE table and returns its lock without taking it.' },
  { name: 'pte_unmap_unlock', outcomes: [{ ret: ANY, release: ['ptl'] }], lockArg: 1, hover: 'Unmaps a PTE table and drops its page-table lock.' },
  { name: 'pmd_lock', outcomes: [{ ret: N, acquire: ['ptl'] }], lockArg: 1, lockPointer: { lock: 'ptl', to: 'ret' }, hover: 'Takes the PMD page-table lock (split or mm-wide).' },
  { name: 'pud_lock', outcomes: [{ ret: N, acquire: ['ptl'] }], lockArg: 1, lockPointer: { lock: 'ptl', to: 'ret' }, hover: 'Takes the PUD page-table lock.' },
  { name: 'huge_pte_lock', outcomes: [{ ret: N, acquire: ['ptl'] }], lockArg: 2, lockPointer: { lock: 'ptl', to: 'ret' }, hover: 'Takes the page-table lock of a hugetlb PTE.' },
  { name: 'pmd_trans_huge_lock', outcomes: [{ ret: N, acquire: ['ptl'] }, { ret: Z }], lockPointer: { lock: 'ptl', to: 'ret' }, hover: 'Takes the PMD lock if the PMD maps a huge page; NULL otherwise (no lock).' },
  { name: 'pud_trans_huge_lock', outcomes: [{ ret: N, acquire: ['ptl'] }, { ret: Z }], lockPointer: { lock: 'ptl', to: 'ret' }, hover: 'Takes the PUD lock if the PUD maps a huge page; NULL otherwise.' },
  // `spin_lock(ptl)`, or on any variable that holds a page-table lock pointer (`lock = pud_lock(mm, pud)`)
  rw('spin_lock', PTL, ['ptl'], 'Takes a page-table spinlock.', { matchesLockPointer: 'ptl' }),
  rw('spin_lock_nested', PTL, ['ptl'], 'Takes a second page-table spinlock (lockdep subclass), e.g. the PTE table\'s under the PMD\'s.', { matchesLockPointer: 'ptl' }),
  rw('spin_unlock', PTL, undefined, 'Drops a page-table spinlock.', { outcomes: [{ ret: ANY, release: ['ptl'] }], matchesLockPointer: 'ptl' }),
  { name: 'anon_vma_lock_write', outcomes: [{ ret: ANY, acquire: ['anon_vma_write'] }], sleeps: true, hover: 'Takes the anon_vma root rwsem for write.' },
  { name: 'anon_vma_unlock_write', outcomes: [{ ret: ANY, release: ['anon_vma_write'] }], hover: 'Drops the anon_vma root rwsem held for write.' },
  { name: 'anon_vma_lock_read', outcomes: [{ ret: ANY, acquire: ['anon_vma_read'] }], sleeps: true, hover: 'Takes the anon_vma root rwsem for read (rmap walks).' },
  { name: 'anon_vma_trylock_read', outcomes: [{ ret: N, acquire: ['anon_vma_read'] }, { ret: Z }], hover: 'Tries the anon_vma root rwsem for read.' },
  { name: 'anon_vma_unlock_read', outcomes: [{ ret: ANY, release: ['anon_vma_read'] }], hover: 'Drops the anon_vma root rwsem held for read.' },
  rw('down_write', ANONVMA, ['anon_vma_write'], 'Raw write acquire of an anon_vma rwsem.', { sleeps: true }),
  rw('up_write', ANONVMA, undefined, 'Raw release of an anon_vma rwsem held for write.', { outcomes: [{ ret: ANY, release: ['anon_vma_write'] }] }),
  { name: 'i_mmap_lock_write', outcomes: [{ ret: ANY, acquire: ['i_mmap_write'] }], sleeps: true, hover: 'Takes `mapping->i_mmap_rwsem` for write (file rmap changes).' },
  { name: 'i_mmap_unlock_write', outcomes: [{ ret: ANY, release: ['i_mmap_write'] }], hover: 'Drops `i_mmap_rwsem` held for write.' },
  { name: 'i_mmap_trylock_write', outcomes: [{ ret: N, acquire: ['i_mmap_write'] }, { ret: Z }], hover: 'Tries `i_mmap_rwsem` for write (returns non-zero when taken).' },
  { name: 'i_mmap_lock_read', outcomes: [{ ret: ANY, acquire: ['i_mmap_read'] }], sleeps: true, hover: 'Takes `mapping->i_mmap_rwsem` for read (file rmap walks).' },
  { name: 'i_mmap_trylock_read', outcomes: [{ ret: N, acquire: ['i_mmap_read'] }, { ret: Z }], hover: 'Tries `i_mmap_rwsem` for read.' },
  { name: 'i_mmap_unlock_read', outcomes: [{ ret: ANY, release: ['i_mmap_read'] }], hover: 'Drops `i_mmap_rwsem` held for read.' },
  rw('down_write', IMMAP, ['i_mmap_write'], 'Raw write acquire of `i_mmap_rwsem`.', { sleeps: true }),
  rw('up_write', IMMAP, undefined, 'Raw release of `i_mmap_rwsem` held for write.', { outcomes: [{ ret: ANY, release: ['i_mmap_write'] }] }),
  rw('down_read', HUGETLB_VMA, ['hugetlb_vma_read'], 'Raw read acquire of a hugetlb VMA lock rwsem.', { sleeps: true }),
  rw('up_read', HUGETLB_VMA, undefined, 'Raw release of a hugetlb VMA lock rwsem held for read.', { outcomes: [{ ret: ANY, release: ['hugetlb_vma_read'] }] }),
  rw('down_write', HUGETLB_VMA, ['hugetlb_vma_write'], 'Raw write acquire of a hugetlb VMA lock rwsem.', { sleeps: true }),
  rw('up_write', HUGETLB_VMA, undefined, 'Raw release of a hugetlb VMA lock rwsem held for write.', { outcomes: [{ ret: ANY, release: ['hugetlb_vma_write'] }] }),
  rw('down_read_trylock', HUGETLB_VMA, ['hugetlb_vma_read'], 'Raw read trylock of a hugetlb VMA lock rwsem.', { outcomes: [{ ret: N, acquire: ['hugetlb_vma_read'] }, { ret: Z }] }),
  rw('down_write_trylock', HUGETLB_VMA, ['hugetlb_vma_write'], 'Raw write trylock of a hugetlb VMA lock rwsem.', { outcomes: [{ ret: N, acquire: ['hugetlb_vma_write'] }, { ret: Z }] }),
  { name: 'hugetlb_vma_lock_read', outcomes: [{ ret: ANY, acquire: ['hugetlb_vma_read'] }], sleeps: true, hover: 'Takes the hugetlb VMA lock (shared PMD protection) for read.' },
  { name: 'hugetlb_vma_unlock_read', outcomes: [{ ret: ANY, release: ['hugetlb_vma_read'] }], hover: 'Drops the hugetlb VMA lock held for read.' },
  { name: 'hugetlb_vma_trylock_read', outcomes: [{ ret: N, acquire: ['hugetlb_vma_read'] }, { ret: Z }], hover: 'Tries the hugetlb VMA lock for read.' },
  { name: 'hugetlb_vma_lock_write', outcomes: [{ ret: ANY, acquire: ['hugetlb_vma_write'] }], sleeps: true, hover: 'Takes the hugetlb VMA lock for write.' },
  { name: 'hugetlb_vma_unlock_write', outcomes: [{ ret: ANY, release: ['hugetlb_vma_write'] }], hover: 'Drops the hugetlb VMA lock held for write.' },
  { name: 'hugetlb_vma_trylock_write', outcomes: [{ ret: N, acquire: ['hugetlb_vma_write'] }, { ret: Z }], hover: 'Tries the hugetlb VMA lock for write.' },

  // ---- sleeping calls (info under mmap write) ----
  ...['msleep', 'ssleep', 'usleep_range', 'schedule', 'schedule_timeout', 'schedule_timeout_killable', 'schedule_timeout_uninterruptible',
    'io_schedule', 'wait_for_completion', 'wait_for_completion_killable', 'wait_for_completion_interruptible', 'synchronize_rcu',
    'synchronize_srcu', 'lru_add_drain_all', 'flush_work', 'flush_workqueue', 'drain_all_pages', 'copy_from_user', 'copy_to_user',
    'wait_event', 'wait_event_killable', 'wait_event_interruptible', 'mutex_lock', 'mutex_lock_killable', 'folio_wait_writeback',
    'wait_on_page_writeback', 'filemap_write_and_wait_range'].map((name): Primitive => ({
    name, outcomes: [], sleeps: true,
    hover: `\`${name}()\` may sleep. Under \`mmap_lock\` held for write, every page fault of the process that needs mmap_lock waits until it returns.`,
  })),
];

/** Predicates on a fault result: when true, argument `arg` has these abstract values. */
export const PREDICATES: Record<string, { arg: number; whenTrue: number }> = {
  fault_signal_pending: { arg: 0, whenTrue: R },
};

/** `FAULT_FLAG_VMA_LOCK` et al.: vm_fault_t masks and the abstract values they select. */
export const FAULT_MASKS: Record<string, number> = {
  VM_FAULT_RETRY: R,
  VM_FAULT_COMPLETED: C,
};

/** Fields of `struct vm_area_struct` that need mmap_lock for write (and the VMA write lock) to change. */
export const VMA_WRITE_FIELDS = ['vm_flags', '__vm_flags', 'vm_page_prot', 'vm_policy', 'vm_userfaultfd_ctx'];

export { Z, E, R, C, N, ANY };
