/**
 * Mutations of a real Linux 6.12 tree that re-introduce the bugs each rule
 * is about (several are the very bugs the kernel fixed). Each is a textual
 * edit that must apply exactly once, and the finding the analysis must give
 * for it: on the line holding `marker` in the mutated file, or anywhere in
 * the function whose definition starts with `inFunction`.
 */
export interface Mutation {
  name: string;
  /** Path below the tree's top. */
  file: string;
  from: string;
  to: string;
  rule: string;
  marker?: string;
  /** Which line of a multi-line marker the finding is on (0-based; default 0). */
  lineInMarker?: number;
  inFunction?: string;
}

export const MUTATIONS_6_12: Mutation[] = [
  {
    name: 'do_anonymous_page() back on anon_vma_prepare() (the 6.10 change undone)',
    file: 'mm/memory.c',
    from: '\t/* Allocate our own private page. */\n\tret = vmf_anon_prepare(vmf);\n\tif (ret)\n\t\treturn ret;\n',
    to: '\t/* Allocate our own private page. */\n\tif (unlikely(anon_vma_prepare(vma)))\n\t\treturn VM_FAULT_OOM;\n',
    rule: 'anon-vma-prepare-under-vma-lock',
    marker: '\tif (unlikely(anon_vma_prepare(vma)))\n\t\treturn VM_FAULT_OOM;\n',
  },
  {
    name: 'wp_page_copy() on anon_vma_prepare()',
    file: 'mm/memory.c',
    from: '\tret = vmf_anon_prepare(vmf);\n\tif (unlikely(ret))\n\t\tgoto out;\n',
    to: '\tif (unlikely(anon_vma_prepare(vma)))\n\t\tgoto oom;\n',
    rule: 'anon-vma-prepare-under-vma-lock',
    marker: '\tif (unlikely(anon_vma_prepare(vma)))\n\t\tgoto oom;\n',
  },
  {
    name: 'do_cow_fault() on anon_vma_prepare()',
    file: 'mm/memory.c',
    from: '\tret = vmf_can_call_fault(vmf);\n\tif (!ret)\n\t\tret = vmf_anon_prepare(vmf);\n',
    to: '\tret = vmf_can_call_fault(vmf);\n\tif (!ret && anon_vma_prepare(vma))\n\t\tret = VM_FAULT_OOM;\n',
    rule: 'anon-vma-prepare-under-vma-lock',
    marker: '\tif (!ret && anon_vma_prepare(vma))\n',
  },
  {
    name: 'hugetlb_no_page() on anon_vma_prepare() (9acad7ba3e25 undone)',
    file: 'mm/hugetlb.c',
    from: '\t\tif (!(vma->vm_flags & VM_MAYSHARE)) {\n\t\t\tret = __vmf_anon_prepare(vmf);\n\t\t\tif (unlikely(ret))\n\t\t\t\tgoto out;\n\t\t}\n',
    to: '\t\tif (!(vma->vm_flags & VM_MAYSHARE)) {\n\t\t\tif (unlikely(anon_vma_prepare(vma))) {\n\t\t\t\tret = VM_FAULT_OOM;\n\t\t\t\tgoto out;\n\t\t\t}\n\t\t}\n',
    rule: 'anon-vma-prepare-under-vma-lock',
    marker: '\t\t\tif (unlikely(anon_vma_prepare(vma))) {\n\t\t\t\tret = VM_FAULT_OOM;\n',
  },
  {
    name: 'hugetlb_wp() with the dropping vmf_anon_prepare() (98b74bb4d7e9 undone)',
    file: 'mm/hugetlb.c',
    from: '\tret = __vmf_anon_prepare(vmf);\n\tif (unlikely(ret))\n\t\tgoto out_release_all;\n',
    to: '\tret = vmf_anon_prepare(vmf);\n\tif (unlikely(ret))\n\t\tgoto out_release_all;\n',
    rule: 'vma-used-after-fault-lock-dropped',
    marker: '\t\trestore_reserve_on_error(h, vma, vmf->address, new_folio);\n',
  },
  {
    name: 'do_anonymous_page() looks at the VMA after vmf_anon_prepare() returned RETRY',
    file: 'mm/memory.c',
    from: '\tret = vmf_anon_prepare(vmf);\n\tif (ret)\n\t\treturn ret;\n\t/* Returns NULL on OOM',
    to: '\tret = vmf_anon_prepare(vmf);\n\tif (ret) {\n\t\tcount_memcg_event_mm(vma->vm_mm, PGFAULT);\n\t\treturn ret;\n\t}\n\t/* Returns NULL on OOM',
    rule: 'vma-used-after-fault-lock-dropped',
    marker: '\t\tcount_memcg_event_mm(vma->vm_mm, PGFAULT);\n\t\treturn ret;\n\t}\n',
  },
  {
    name: 'lock_vma_under_rcu() forgets vma_end_read() on its out-of-range exit',
    file: 'mm/memory.c',
    from: 'inval_end_read:\n\tvma_end_read(vma);\ninval:\n',
    to: 'inval_end_read:\ninval:\n',
    rule: 'lock-not-released',
    inFunction: 'struct vm_area_struct *lock_vma_under_rcu(',
  },
  {
    name: 'mmap_read_lock() taken under the VMA lock in do_anonymous_page()',
    file: 'mm/memory.c',
    from: '\t/* Allocate our own private page. */\n',
    to: '\t/* Allocate our own private page. */\n\tmmap_read_lock(vma->vm_mm);\n\tmmap_read_unlock(vma->vm_mm);\n',
    rule: 'mmap-lock-under-vma-lock',
    marker: '\tmmap_read_lock(vma->vm_mm);\n\tmmap_read_unlock(vma->vm_mm);\n',
  },
  {
    name: 'vm_flags_set() from the anonymous fault path',
    file: 'mm/memory.c',
    from: '\t/* Allocate our own private page. */\n',
    to: '\t/* Allocate our own private page. */\n\tvm_flags_set(vma, VM_SOFTDIRTY);\n',
    rule: 'vma-write-without-mmap-write-lock',
    marker: '\tvm_flags_set(vma, VM_SOFTDIRTY);\n',
  },
  {
    name: 'x86 ends the VMA read lock after RETRY/COMPLETED too (the 6.5 shape on 6.12)',
    file: 'arch/x86/mm/fault.c',
    from: '\tif (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))\n\t\tvma_end_read(vma);\n',
    to: '\tvma_end_read(vma);\n',
    rule: 'unlock-not-held',
    marker: '\tfault = handle_mm_fault(vma, address, flags | FAULT_FLAG_VMA_LOCK, regs);\n\tvma_end_read(vma);\n',
    lineInMarker: 1,
  },
  {
    name: '__folio_lock_or_retry() drops mmap_lock instead of the fault lock (pre-6.6 habit)',
    file: 'mm/filemap.c',
    from: '\t\trelease_fault_lock(vmf);\n\t\tif (flags & FAULT_FLAG_KILLABLE)\n',
    to: '\t\tmmap_read_unlock(vmf->vma->vm_mm);\n\t\tif (flags & FAULT_FLAG_KILLABLE)\n',
    rule: 'unlock-not-held',
    marker: '\t\tmmap_read_unlock(vmf->vma->vm_mm);\n\t\tif (flags & FAULT_FLAG_KILLABLE)\n',
  },
  {
    name: 'uffd_lock_vma() without its private-mapping check (Peter Xu\'s point 2)',
    file: 'mm/userfaultfd.c',
    from: '\t\tif (!(vma->vm_flags & VM_SHARED) && unlikely(!vma->anon_vma))\n\t\t\tvma_end_read(vma);\n\t\telse\n\t\t\treturn vma;\n',
    to: '\t\treturn vma;\n',
    rule: 'lock-vma-under-rcu-private-file',
    marker: '\tvma = lock_vma_under_rcu(mm, address);\n\tif (vma) {\n\t\t/*\n\t\t * We know',
  },
  {
    name: 'mprotect() sleeps with mmap_lock held for write',
    file: 'mm/mprotect.c',
    from: '\tif (mmap_write_lock_killable(current->mm))\n\t\treturn -EINTR;\n',
    to: '\tif (mmap_write_lock_killable(current->mm))\n\t\treturn -EINTR;\n\tmsleep(1);\n',
    rule: 'sleep-under-mmap-write-lock',
    marker: '\t\treturn -EINTR;\n\tmsleep(1);\n',
    lineInMarker: 1,
  },
];

/** Applies a mutation to a file's text; throws unless `from` occurs exactly once. */
export function applyMutation(text: string, m: Mutation): string {
  const at = text.indexOf(m.from);
  if (at < 0) throw new Error(`${m.name}: pattern not found in ${m.file}`);
  if (text.indexOf(m.from, at + 1) >= 0) throw new Error(`${m.name}: pattern occurs more than once in ${m.file}`);
  return text.slice(0, at) + m.to + text.slice(at + m.from.length);
}

/** The 1-based line range the mutation's finding must fall in, in the mutated text. */
export function expectedLines(mutated: string, m: Mutation): { first: number; last: number } {
  const lineAt = (off: number): number => mutated.slice(0, off).split('\n').length;
  if (m.marker !== undefined) {
    const at = mutated.indexOf(m.marker);
    if (at < 0 || mutated.indexOf(m.marker, at + 1) >= 0) throw new Error(`${m.name}: marker not unique in the mutated ${m.file}`);
    const l = lineAt(at) + (m.lineInMarker ?? 0);
    return { first: l, last: l };
  }
  const start = mutated.indexOf('\n' + m.inFunction!);
  if (start < 0) throw new Error(`${m.name}: function ${m.inFunction} not found`);
  const end = mutated.indexOf('\n}\n', start);
  return { first: lineAt(start + 1), last: lineAt(end + 1) };
}
