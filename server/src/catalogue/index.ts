/**
 * The lock catalogue: primitives, callback contracts and entry contracts, per
 * kernel version. `catalogueFor(version)` returns the view the analysis uses.
 */
import { PRIMITIVES, VMA_WRITE_FIELDS, FAULT_MASKS, PREDICATES } from './primitives';
import type { EntryContract, LockToken, OpsContract, Primitive } from './types';

export * from './types';
export { classifyFallback, FALLBACK_WHY } from './fallbacks';
export { VMA_WRITE_FIELDS, FAULT_MASKS, PREDICATES };

/** Versions the catalogue knows, oldest first. */
export const KNOWN_VERSIONS = ['5.15', '6.1', '6.2', '6.3', '6.4', '6.5', '6.6', '6.7', '6.8', '6.9', '6.10', '6.11', '6.12', '6.13', '6.14', '6.15', '6.16', '6.17', '6.18', '6.19'];
export const NEWEST_VERSION = KNOWN_VERSIONS[KNOWN_VERSIONS.length - 1]!;

/** "6.12" -> 612; NaN when malformed. */
export function versionNumber(v: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? Number(m[1]) * 100 + Number(m[2]) : NaN;
}

export function inRange(v: number, since?: string, until?: string): boolean {
  return (since === undefined || v >= versionNumber(since)) && (until === undefined || v < versionNumber(until));
}

/** How the kernel calls vm_operations_struct / file_operations members. */
export const OPS_CONTRACTS: OpsContract[] = [
  { struct: 'vm_operations_struct', member: 'fault', until: '6.7', entries: [{ locks: ['mmap_read'], vmaFlag: false }],
    note: 'before 6.7 ->fault runs under mmap_lock held for read (file faults were not handled under the per-VMA lock)' },
  { struct: 'vm_operations_struct', member: 'fault', since: '6.7', entries: [{ locks: ['vma_read'], vmaFlag: true, needsMapPages: true }, { locks: ['mmap_read'], vmaFlag: false }],
    note: '6.7+: ->fault runs under the per-VMA lock only if the vm_ops has ->map_pages (vmf_can_call_fault), else under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'page_mkwrite', until: '6.7', entries: [{ locks: ['mmap_read'], vmaFlag: false }], note: 'before 6.7 under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'page_mkwrite', since: '6.7', entries: [{ locks: ['vma_read'], vmaFlag: true, needsMapPages: true }, { locks: ['mmap_read'], vmaFlag: false }],
    note: '6.7+: under the per-VMA lock only if the vm_ops has ->map_pages, else under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'pfn_mkwrite', until: '6.7', entries: [{ locks: ['mmap_read'], vmaFlag: false }], note: 'before 6.7 under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'pfn_mkwrite', since: '6.7', entries: [{ locks: ['vma_read'], vmaFlag: true, needsMapPages: true }, { locks: ['mmap_read'], vmaFlag: false }],
    note: '6.7+: under the per-VMA lock only if the vm_ops has ->map_pages, else under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'map_pages', until: '6.6', entries: [{ locks: ['mmap_read'], vmaFlag: false }], note: 'fault-around under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'map_pages', since: '6.6', entries: [{ locks: ['vma_read'], vmaFlag: true }, { locks: ['mmap_read'], vmaFlag: false }],
    note: '6.6+: fault-around runs under the fault\'s lock: the per-VMA lock or mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'huge_fault', until: '6.7', entries: [{ locks: ['mmap_read'], vmaFlag: false }], note: 'under mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'huge_fault', since: '6.7', entries: [{ locks: ['vma_read'], vmaFlag: true }, { locks: ['mmap_read'], vmaFlag: false }],
    note: '6.7+: under the fault\'s lock: the per-VMA lock or mmap_lock for read' },
  { struct: 'vm_operations_struct', member: 'open', entries: [{ locks: ['mmap_write'] }], note: '->open runs when a VMA is split or copied, under mmap_lock for write' },
  { struct: 'vm_operations_struct', member: 'close', entries: [{ locks: ['mmap_write'] }], note: '->close runs when a VMA is removed, under mmap_lock for write' },
  { struct: 'vm_operations_struct', member: 'may_split', entries: [{ locks: ['mmap_write'] }], note: 'under mmap_lock for write' },
  { struct: 'vm_operations_struct', member: 'mremap', entries: [{ locks: ['mmap_write'] }], note: 'under mmap_lock for write' },
  { struct: 'vm_operations_struct', member: 'access', entries: [{ locks: ['mmap_read'] }], note: 'access_remote_vm() calls it under mmap_lock for read' },
  { struct: 'file_operations', member: 'mmap', entries: [{ locks: ['mmap_write'] }], note: 'mmap_region() calls ->mmap with mmap_lock held for write' },
  { struct: 'file_operations', member: 'mmap_prepare', entries: [{ locks: ['mmap_write'] }], note: 'mmap_region() calls ->mmap_prepare with mmap_lock held for write' },
];

/** Entry points whose callers are not C in any workspace. */
export const ENTRY_CONTRACTS: EntryContract[] = [
  { name: /^(do_user_addr_fault|do_page_fault|do_translation_fault|handle_page_fault|__do_page_fault|do_mem_abort)$/, locks: [], note: 'architecture page fault handler: entered with no mm lock held' },
  { name: /^(sys_|__x64_sys_|__se_sys_|__do_sys_|ksys_)/, locks: [], note: 'system call: entered with no mm lock held' },
];

/** A function that takes a `struct vm_fault *` runs inside a page fault, under the fault's lock:
 * the entry contexts of a non-static one that no workspace function calls (its callers are in
 * headers or elsewhere, e.g. `__folio_lock_or_retry()` behind the inline `folio_lock_or_retry()`). */
export const FAULT_PARAM_CONTRACT = {
  param: /\bstruct\s+vm_fault\s*\*/,
  entries: [
    { locks: ['vma_read'] as LockToken[], vmaFlag: true, since: '6.4' },
    { locks: ['mmap_read'] as LockToken[], vmaFlag: false },
  ],
  note: "takes a struct vm_fault and has no caller here: runs inside a page fault, under the fault's lock",
};

/** handle_mm_fault() is also called by the architecture fault handlers, under the per-VMA lock
 * (FAULT_FLAG_VMA_LOCK, 6.4+) or mmap_lock: its entry contexts when no such handler is in the
 * workspace (checking `mm/` alone). */
export const FAULT_ENTRY = {
  name: /^handle_mm_fault$/,
  entries: FAULT_PARAM_CONTRACT.entries,
  note: 'called by the architecture page fault handler (not in the workspace): under the per-VMA lock or mmap_lock',
};

export interface Catalogue {
  version: number;
  /** Primitives by name; several when they differ by argument text. */
  byName: Map<string, Primitive[]>;
  ops: OpsContract[];
  entries: EntryContract[];
  /** Guard class -> the primitive that acquires it. */
  guards: Map<string, Primitive>;
  /** Is this call a catalogue primitive? (argument text decides for raw rwsem calls) */
  lookup(name: string, argText: string): Primitive | undefined;
  hover(name: string): Primitive | undefined;
}

const cache = new Map<number, Catalogue>();

export function catalogueFor(version: string): Catalogue {
  const v = versionNumber(version);
  const hit = cache.get(v);
  if (hit) return hit;
  const byName = new Map<string, Primitive[]>();
  const guards = new Map<string, Primitive>();
  for (const p of PRIMITIVES) {
    if (!inRange(v, p.since, p.until)) continue;
    let list = byName.get(p.name);
    if (!list) byName.set(p.name, (list = []));
    list.push(p);
    if (p.guard) guards.set(p.guard, p);
  }
  // Entries with argMatch first, so the specific form wins over the general one.
  for (const list of byName.values()) list.sort((a, b) => Number(!!b.argMatch) - Number(!!a.argMatch));
  const cat: Catalogue = {
    version: v,
    byName,
    ops: OPS_CONTRACTS.filter((o) => inRange(v, o.since, o.until)),
    entries: ENTRY_CONTRACTS,
    guards,
    lookup(name, argText) {
      const list = byName.get(name);
      if (!list) return undefined;
      for (const p of list) if (!p.argMatch || p.argMatch.test(argText)) return p;
      return undefined;
    },
    hover(name) {
      const list = byName.get(name);
      if (list?.length) return list.find((p) => !p.argMatch) ?? list[0];
      // A primitive not present in this version still gets its text.
      return PRIMITIVES.find((p) => p.name === name && !p.argMatch);
    },
  };
  cache.set(v, cat);
  return cat;
}

/** The mm locks every rule is about: mmap_lock in each mode, the per-VMA lock, the fault's lock. */
export const MM_LOCK_TOKENS: ReadonlySet<string> = new Set<LockToken>(['mmap_read', 'mmap_write', 'mmap_any', 'vma_read', 'vma_write', 'fault']);

/**
 * Does the interpretation of a call of this primitive depend on the entry's mm locks?
 * It takes, drops or asserts one (or the fault's lock, or its FAULT_FLAG_VMA_LOCK
 * outcome). A function that calls none of these runs alike under every entry context:
 * analysis.ts rebases its runs, the entry's locks added to every state, so a rule that
 * judges a call against the mm locks (a sleep, anon_vma setup, a VMA write) reads the
 * same states in a rebased run as in an interpreted one (core-rebase.test.ts compares them).
 */
export function dependsOnMmLocks(p: Primitive): boolean {
  return !!p.asserts
    || p.outcomes.some((o) => o.drops || o.vmaFlag !== undefined || o.acquire?.some((l) => MM_LOCK_TOKENS.has(l)) || o.release?.some((l) => MM_LOCK_TOKENS.has(l)));
}

/** Every name that has catalogue semantics in some version (for hovers / highlighting). */
export function allPrimitiveNames(): string[] {
  return [...new Set(PRIMITIVES.map((p) => p.name))];
}

/** The argument a primitive reaches its lock through (see `Primitive.lockArg`), or null. */
export function lockArgument(p: Primitive): number | null {
  if (p.lockArg !== undefined) return p.lockArg;
  return p.outcomes.some((o) => o.acquire?.length || o.release?.length) ? 0 : null;
}
