// SPDX-License-Identifier: GPL-2.0
/*
 * One example per lock-protocol rule. Each function is short on purpose; the
 * comment above it says what is wrong and what the kernel does instead.
 * Helpers that take the VMA lock with lock_vma_under_rcu() and never look at
 * VM_SHARED or vma->anon_vma are also reported by
 * lock-vma-under-rcu-private-file (see sample_lookup_for_copy()).
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/delay.h>

/* unlock-not-held: under the VMA lock, mmap_lock was never taken. */
static void sample_wrong_unlock(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	vma = lock_vma_under_rcu(mm, address); /* expect: lock-vma-under-rcu-private-file */
	if (!vma)
		return;
	mmap_read_unlock(mm); /* expect: unlock-not-held */
}

/* lock-not-released: the error path for a private mapping without an anon_vma forgets vma_end_read(). */
static int sample_leaky_lookup(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	vma = lock_vma_under_rcu(mm, address);
	if (!vma)
		return -EAGAIN;
	if (!(vma->vm_flags & VM_SHARED) && !vma->anon_vma)
		return -EINVAL; /* expect: lock-not-released */
	if (vma->vm_flags & VM_IO) {
		vma_end_read(vma);
		return -EFAULT;
	}
	vma_end_read(vma);
	return 0;
}

/* mmap-lock-under-vma-lock: a blocking mmap_lock under a VMA read lock can deadlock with vma_start_write(). */
static void sample_nested_lock(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	vma = lock_vma_under_rcu(mm, address); /* expect: lock-vma-under-rcu-private-file */
	if (!vma)
		return;
	mmap_read_lock(mm); /* expect: mmap-lock-under-vma-lock */
	mmap_read_unlock(mm);
	vma_end_read(vma);
}

/* vma-write-without-mmap-write-lock: vm_flags changes need mmap_lock for write. */
static void sample_set_flags(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mmap_read_lock(mm);
	vm_flags_set(vma, VM_DONTDUMP); /* expect: vma-write-without-mmap-write-lock */
	mmap_read_unlock(mm);
}

/* sleep-under-mmap-write-lock: every fault of the process waits meanwhile. */
static void sample_slow_writer(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mmap_write_lock(mm);
	vm_flags_set(vma, VM_DONTDUMP);
	msleep(10); /* expect: sleep-under-mmap-write-lock */
	mmap_write_unlock(mm);
}

/* lock-vma-under-rcu-private-file: outside the fault path, a private file mapping without an anon_vma is not handled. */
static int sample_lookup_for_copy(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	vma = lock_vma_under_rcu(mm, address); /* expect: lock-vma-under-rcu-private-file */
	if (!vma)
		return -ENOENT;
	vma_end_read(vma);
	return 0;
}

/* The model: uffd_lock_vma() falls back to mmap_lock for such mappings. */
static struct vm_area_struct *sample_lock_vma(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	vma = lock_vma_under_rcu(mm, address);
	if (vma) {
		if (!(vma->vm_flags & VM_SHARED) && unlikely(!vma->anon_vma))
			vma_end_read(vma);
		else
			return vma;
	}

	mmap_read_lock(mm);
	vma = find_vma_and_prepare_anon(mm, address);
	if (!IS_ERR(vma) && !vma_start_read_locked(vma))
		vma = ERR_PTR(-EAGAIN);
	mmap_read_unlock(mm);
	return vma;
}

/* The system call that reaches them all: it is entered with no mm lock held. */
SYSCALL_DEFINE2(sample_locking, unsigned long, address, int, which)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	switch (which) {
	case 0:
		sample_wrong_unlock(mm, address);
		break;
	case 1:
		return sample_leaky_lookup(mm, address);
	case 2:
		sample_nested_lock(mm, address);
		break;
	case 3:
		mmap_read_lock(mm);
		vma = find_vma(mm, address);
		mmap_read_unlock(mm);
		if (vma)
			sample_set_flags(mm, vma);
		break;
	case 4:
		mmap_read_lock(mm);
		vma = find_vma(mm, address);
		mmap_read_unlock(mm);
		if (vma)
			sample_slow_writer(mm, vma);
		break;
	case 5:
		return sample_lookup_for_copy(mm, address);
	default:
		vma = sample_lock_vma(mm, address);
		if (IS_ERR(vma))
			return PTR_ERR(vma);
		vma_end_read(vma);
	}
	return 0;
}
