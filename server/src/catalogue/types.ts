/**
 * Shapes of the lock catalogue. The catalogue is data: the analysis applies
 * an entry's outcomes at a call site, the rules read its flags; adding a
 * primitive touches no rule.
 */
import type { FallbackKind, LockName } from '../core/types';

/** A lock as the analysis tracks it: the public names, plus
 *  `mmap_any` (mmap_lock held, mode unknown: from `__must_hold` or
 *  `mmap_assert_locked`) and `fault` (the fault's lock: the per-VMA lock
 *  under FAULT_FLAG_VMA_LOCK, else mmap_lock for read; resolved at the call). */
export type LockToken = LockName | 'mmap_any' | 'fault';

/** Abstract return values, as a bit set. */
export const Z = 1; // zero, NULL, false
export const E = 2; // an errno (negative) or ERR_PTR
export const R = 4; // a vm_fault_t with VM_FAULT_RETRY
export const C = 8; // a vm_fault_t with VM_FAULT_COMPLETED
export const N = 16; // any other non-zero value, a valid pointer, true
export const ANY = Z | E | R | C | N;

export interface Outcome {
  /** Which return values this outcome produces. */
  ret: number;
  acquire?: LockToken[];
  release?: LockToken[];
  /** The fault's lock was dropped: the VMA must not be touched again. */
  drops?: boolean;
  /** Only when FAULT_FLAG_VMA_LOCK is set (true) / clear (false) in the fault. */
  vmaFlag?: boolean;
}

export interface Primitive {
  name: string;
  /** The call matches only when its arguments' text matches (e.g. `down_read(&mm->mmap_lock)`). */
  argMatch?: RegExp;
  /** Half-open kernel version range [since, until), as "X.Y". */
  since?: string;
  until?: string;
  /** What can happen when it returns; one entry = unconditional. Empty = no lock effect. */
  outcomes: Outcome[];
  /** A blocking acquisition of mmap_lock (forbidden under a VMA read lock). */
  blockingMmap?: boolean;
  /** Asserts that one of these is held: used as an entry contract. */
  asserts?: LockToken[];
  /** Looks at adjacent VMAs / installs vma->anon_vma: needs mmap_lock. */
  anonVmaPrepare?: boolean;
  /** Modifies a VMA: needs mmap_lock held for write. */
  vmaWrite?: boolean;
  /** May sleep. */
  sleeps?: boolean;
  /** Initialises the VMA in its first argument (not yet visible: no lock needed to fill it in). */
  initsVma?: boolean;
  /** Returns a new VMA, not yet visible to faults. */
  returnsNewVma?: boolean;
  /** Returns a VMA locked with the per-VMA lock from a lookup (Peter Xu's point 2). */
  vmaLookupUnderRcu?: boolean;
  /** Starts the fault path proper (the VMA is handed to the fault handlers). */
  faultEntry?: boolean;
  /** A place where a VMA-locked fault may fall back. */
  fallback?: { kind: FallbackKind; condition: string };
  /** The argument through which the lock is reached (`mapping`, `&mm->mmap_lock`, the `pmd` of `pmd_lock(mm, pmd)`):
   *  the call dereferences it, so that pointer is not NULL afterwards. Default: 0 for a primitive with a lock
   *  effect, none otherwise; `null`: none. See `lockArgument()`. */
  lockArg?: number | null;
  /** The lock it takes (or only looks up) reaches the caller as a pointer: the return value (`ptl = pmd_lock(mm, pmd)`)
   *  or written through argument N (`pte_offset_map_lock(mm, pmd, addr, &ptl)`). A variable holding it names that lock. */
  lockPointer?: { lock: LockToken; to: 'ret' | number };
  /** For an entry matched by `argMatch`: the call also matches when its lock argument is a variable that holds a
   *  pointer to this lock (see `lockPointer`): `spin_unlock(lock)` after `lock = pud_lock(mm, pud)`. */
  matchesLockPointer?: LockToken;
  /** Name of the guard class for guard()/scoped_guard(). */
  guard?: string;
  /** One paragraph for hovers, in our own words. */
  hover: string;
}

/** A callback contract: how the kernel calls an ops-table member. */
export interface OpsContract {
  /** `vm_operations_struct.fault` etc. */
  member: string;
  struct: 'vm_operations_struct' | 'file_operations';
  since?: string;
  until?: string;
  /** Alternative entry lock sets; `vmaLockOnlyWithMapPages` restricts the vma_read context. */
  entries: { locks: LockToken[]; vmaFlag?: boolean; needsMapPages?: boolean }[];
  note: string;
}

/** An entry point whose callers are outside any workspace (arch fault handlers, syscalls). */
export interface EntryContract {
  name: RegExp;
  locks: LockToken[];
  note: string;
}
