// SPDX-License-Identifier: GPL-2.0
/*
 * A driver that maps a ring buffer. Its ->fault runs under the per-VMA lock
 * (6.7+) because the vm_operations_struct has ->map_pages. Outside mm/,
 * vmf_anon_prepare() is not available (mm/internal.h): the quick fix inserts
 * the FAULT_FLAG_VMA_LOCK guard that retries under mmap_lock.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rmap.h>

static vm_fault_t ringbuf_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct page *page;

	if (anon_vma_prepare(vma)) /* expect: anon-vma-prepare-under-vma-lock */
		return VM_FAULT_OOM;
	page = alloc_page(GFP_HIGHUSER_MOVABLE);
	if (!page)
		return VM_FAULT_OOM;
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct ringbuf_vm_ops = {
	.fault		= ringbuf_fault,
	.map_pages	= filemap_map_pages,
};

/* ->mmap runs under mmap_lock held for write: vm_flags_set() is fine here. */
static int ringbuf_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &ringbuf_vm_ops;
	return 0;
}

static const struct file_operations ringbuf_fops = {
	.owner	= THIS_MODULE,
	.mmap	= ringbuf_mmap,
};
