// SPDX-License-Identifier: GPL-2.0
/*
 * A user page fault the way x86 takes it since 6.4: first under the per-VMA
 * lock, and only when that fails or the handler asks for a retry, under
 * mmap_lock. The inlay hints show which lock is held after each step.
 */
#include <linux/mm.h>
#include <linux/sched.h>

static void do_user_addr_fault(struct pt_regs *regs, unsigned long error_code,
			       unsigned long address)
{
	struct mm_struct *mm = current->mm;
	unsigned int flags = FAULT_FLAG_DEFAULT | FAULT_FLAG_USER;
	struct vm_area_struct *vma;
	vm_fault_t fault;

	if (!(flags & FAULT_FLAG_USER))
		goto lock_mmap;

	/* Fails when a writer holds or waits for this VMA (vma_start_write()). */
	vma = lock_vma_under_rcu(mm, address);
	if (!vma)
		goto lock_mmap;

	fault = handle_mm_fault(vma, address, flags | FAULT_FLAG_VMA_LOCK, regs);
	/* On RETRY or COMPLETED the handler has already dropped the VMA lock. */
	if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
		vma_end_read(vma);

	if (!(fault & VM_FAULT_RETRY))
		return;
	flags |= FAULT_FLAG_TRIED;

lock_mmap:
	/* The fallback: mmap_lock for read; on x86 the retry never goes back to the VMA lock. */
	vma = lock_mm_and_find_vma(mm, address, regs);
	if (unlikely(!vma))
		return;

	fault = handle_mm_fault(vma, address, flags, regs);
	if (fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))
		return;
	mmap_read_unlock(mm);
}
