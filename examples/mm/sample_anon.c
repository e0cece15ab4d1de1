// SPDX-License-Identifier: GPL-2.0
/*
 * anon_vma and the per-VMA lock. anon_vma_prepare() looks at the neighbouring
 * VMAs, which only mmap_lock keeps still, so a fault that may hold only the
 * VMA lock must use vmf_anon_prepare(vmf): it prepares the anon_vma under an
 * mmap_lock trylock or drops the VMA lock and returns VM_FAULT_RETRY.
 */
#include <linux/mm.h>
#include <linux/rmap.h>
#include "internal.h"

/* BUG: a first write fault on an anonymous VMA may arrive here under only the VMA lock. */
static vm_fault_t sample_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;

	if (unlikely(anon_vma_prepare(vma))) /* expect: anon-vma-prepare-under-vma-lock */
		return VM_FAULT_OOM;
	folio = vma_alloc_zeroed_movable_folio(vma, vmf->address);
	if (!folio)
		return VM_FAULT_OOM;
	folio_add_new_anon_rmap(folio, vma, vmf->address, RMAP_EXCLUSIVE);
	return 0;
}

/* The fix, as mm/memory.c writes it since 6.10. */
static vm_fault_t sample_anonymous_page_fixed(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;
	vm_fault_t ret;

	ret = vmf_anon_prepare(vmf);
	if (ret)
		return ret;
	folio = vma_alloc_zeroed_movable_folio(vma, vmf->address);
	if (!folio)
		return VM_FAULT_OOM;
	folio_add_new_anon_rmap(folio, vma, vmf->address, RMAP_EXCLUSIVE);
	return 0;
}

/* BUG: on VM_FAULT_RETRY the VMA lock is gone and the VMA may be freed (98b74bb4d7e9). */
static vm_fault_t sample_cow_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	vm_fault_t ret;

	ret = vmf_anon_prepare(vmf);
	if (ret) {
		pr_debug("no anon_vma for %lx\n", vma->vm_start); /* expect: vma-used-after-fault-lock-dropped */
		return ret;
	}
	return 0;
}

static vm_fault_t sample_handle_pte_fault(struct vm_fault *vmf)
{
	if (vmf->flags & FAULT_FLAG_WRITE)
		return sample_cow_page(vmf);
	if (!vmf->pte)
		return sample_anonymous_page_fixed(vmf);
	return sample_anonymous_page(vmf);
}

/* ->fault of a mapping that also has ->map_pages: since 6.7 it runs under the VMA lock. */
static vm_fault_t sample_fault(struct vm_fault *vmf)
{
	return sample_handle_pte_fault(vmf);
}

static const struct vm_operations_struct sample_vm_ops = {
	.fault		= sample_fault,
	.map_pages	= filemap_map_pages,
};
