/* vmspace.h - a VM's address space: one page-table page for its 2 MiB window, demand paging, COW, user copies. */
#ifndef ISO_VMSPACE_H
#define ISO_VMSPACE_H

#include <stdint.h>
#include <stdbool.h>
#include "pvisa.h"
#include "page.h"

#ifndef VM_STACK_KIB
#define VM_STACK_KIB 64
/* The memory part of a VM's saved state (pvisa/vmstate_format.h, VMST_MEM; vmspace_state.c). Restore builds s from
 * nothing (vms_create and the saved pages) or leaves nothing: 0, or -1 with why set. */
struct vmstate_io;
struct vmst_in;
int vms_state_save(const struct vmspace *s, const struct vmstate_io *out);
int vms_state_restore(struct vmspace *s, struct vmst_in *in, const char **why);

#endif
#define VMS_STACK_LIMIT (PV_WIN_END - (uint64_t)VM_STACK_KIB * 1024)   /* lowest stack byte */

struct image;

/*
 * The per-VM memory state (embedded in struct vm). Memory policy (PVISA.md, "Memory"): guar_pages of private
 * memory are reserved for the VM when it is created and are always there for it; beyond them, up to its quota,
 * it takes frames that nobody has reserved (overcommitted). When those run out, the VM furthest beyond its
 * guarantee pays (vms_reclaim): it is ended, or, if that is the VM asking, it is refused (VMS_NOMEM).
 */
struct vmspace {
	uint64_t pt_phys;          /* the window's page table: 512 PTEs */
	const struct image *img;
	uint32_t heap_end;         /* the heap starts at the image's end: vms_heap_start() */
	uint16_t priv_pages;       /* pages of VM memory it maps, its own or shared copy-on-write (against the quota) */
	uint16_t quota_pages;      /* at most PV_WIN_SIZE / page: 512 */
	uint16_t guar_pages;       /* reserved at creation (<= quota_pages) */
	uint16_t resv_left;        /* of those, frames not taken yet (given back when it ends) */
	uint16_t pinned_bufs;      /* its frames waiting in other VMs' queues and the NIC (vswitch.c): half a page each
				    * against the quota */
};
_Static_assert(PV_WIN_SIZE / PV_PAGE_SIZE <= UINT16_MAX, "page counts of a window fit in 16 bits");
_Static_assert(PV_WIN_END <= UINT32_MAX, "window addresses fit in 32 bits");

/* Pages the VM uses beyond its guarantee (its pinned frames included), or 0. */
static inline uint32_t vms_over_guarantee(const struct vmspace *s)
{
	uint32_t used = s->priv_pages + (s->pinned_bufs + 1u) / 2;

	return used > s->guar_pages ? used - s->guar_pages : 0;
}

/* Set by the VM layer: free memory by ending the live VM furthest beyond its guarantee, if that is not the VM that
 * owns needy (nor one within its guarantee). True if frames were freed and an allocation may be tried again. */
extern bool (*vms_reclaim)(const struct vmspace *needy);

/* First heap byte: the page after the image. */
#define vms_heap_start(s) ((s)->img->end)

/* Why an access could not be satisfied (for the VM's end-of-life reason). */
enum vms_err { VMS_OK = 0, VMS_OUTSIDE, VMS_GUARD, VMS_QUOTA, VMS_READONLY, VMS_NOEXEC, VMS_NOMEM, VMS_UNMAPPED };

/* Build the address space of a new instance of img: PT from the image template, the start page, guar_pages
 * (<= quota_pages, >= 1) reserved. Returns 0, or -1 when they cannot be had (nothing left allocated). */
int vms_create(struct vmspace *s, const struct image *img, uint32_t quota_pages, uint32_t guar_pages);
/* A copy of parent p for a new VM (a fork): the same pages, VM memory shared copy-on-write by both (one reference
 * each; the parent's private pages become copy-on-write too), guar_pages (<= its quota) reserved for the copy.
 * 0, or -1 when the page table or the reservation cannot be had (nothing changed). */
int vms_clone(struct vmspace *c, struct vmspace *p, uint32_t guar_pages);
/* Drop every page (a frame goes back with its last owner), the page table and what is left of the reservation. */
void vms_destroy(struct vmspace *s);
/* The kind of the page at va (PAGE_NONE outside the window or when unmapped). */
enum page_kind vms_page_kind(const struct vmspace *s, uint64_t va);
/* The guest physical page behind the start page (the kernel fills in start info through it). */
void *vms_start_page(const struct vmspace *s);
/* Resolve a fault at va (demand-zero or copy-on-write). write/exec describe the access. */
enum vms_err vms_fault(struct vmspace *s, uint64_t va, bool write, bool exec, bool *changed);
/* Copy between guest and kernel: every byte checked against the window and page permissions,
 * demand-zero and COW pages resolved. PV_OK (0), PV_EFAULT or PV_ENOMEM. */
int vms_copyin(struct vmspace *s, void *dst, uint64_t uva, uint64_t len);
/* Make every page of [uva, uva+len) writable (demand-zero and COW resolved) without writing a byte: after 0, a
 * vms_copyout into that range cannot fail. PV_OK, PV_EFAULT or PV_ENOMEM. */
int vms_prepare_write(struct vmspace *s, uint64_t uva, uint64_t len);
int vms_copyout(struct vmspace *s, uint64_t uva, const void *src, uint64_t len);
/* Translate [uva, uva+len) (len <= 2 pages) for reading into up to two kernel pointers/lengths. */
int vms_map_read(struct vmspace *s, uint64_t uva, uint64_t len, const void *ptr[2], uint64_t n[2]);
const char *vms_strerror(enum vms_err e);

/* Pages as they are mapped, in their kinds (page.h; for saving and restoring a VM: vmspace_state.c). */
struct vms_page {
	uint64_t va;
	enum page_kind kind;       /* PAGE_SHARED: the image's read-only page; PAGE_COW: its data page, not yet written */
	const void *data;          /* the page's bytes (kernel address) */
	bool vm_memory;            /* PAGE_COW only: the frame is VM memory shared with a fork's other VMs (vms_clone), not
				    * the image's: its bytes are the VM's own (a save writes them) */
};
/* The first mapped page at or after *va (start at PV_WIN_BASE), in pg; *va moves past it. false when none is left. */
bool vms_page_next(const struct vmspace *s, uint64_t *va, struct vms_page *pg);
/* How the image maps the page at va (PAGE_SHARED, PAGE_COW, or PAGE_NONE). */
enum page_kind vms_image_kind(const struct image *img, uint64_t va);
/* May the VM have a private page at va that the image does not map (bss, heap, stack, start page)? */
bool vms_may_create(const struct vmspace *s, uint64_t va);
/* A private page at va (not mapped as one yet), zeroed, for a restore to fill: its kernel address, or NULL with
 * *e set (VMS_QUOTA, VMS_NOMEM). The start page is private from vms_create: its address is returned as it is. */
void *vms_page_private(struct vmspace *s, uint64_t va, enum vms_err *e);

/* The memory part of a VM's saved state (pvisa/vmstate_format.h, VMST_MEM; vmspace_state.c). Restore builds s from
 * nothing (vms_create and the saved pages) or leaves nothing: 0, or -1 with why set. */
struct vmstate_io;
struct vmst_in;
int vms_state_save(const struct vmspace *s, const struct vmstate_io *out);
int vms_state_restore(struct vmspace *s, struct vmst_in *in, const char **why);

#endif
