/* vmspace.h - a VM's address space: one page-table page for its 2 MiB window, demand paging, COW, user copies. */
#ifndef ISO_VMSPACE_H
#define ISO_VMSPACE_H

#include <stdint.h>
#include <stdbool.h>
#include "pvisa.h"

#ifndef VM_STACK_KIB
#define VM_STACK_KIB 64
#endif
#define VMS_STACK_LIMIT (PV_WIN_END - (uint64_t)VM_STACK_KIB * 1024)   /* lowest stack byte */

struct image;

/* The per-VM memory state (embedded in struct vm). */
struct vmspace {
	uint64_t pt_phys;          /* the window's page table: 512 PTEs */
	const struct image *img;
	uint64_t heap_end;         /* the heap starts at the image's end: vms_heap_start() */
	uint16_t priv_pages;       /* frames the VM owns (counted against the quota) */
	uint16_t quota_pages;      /* at most PV_WIN_SIZE / page: 512 */
	uint16_t pinned_bufs;      /* its frames waiting in other VMs' queues and the NIC (vswitch.c): half a page each
				    * against the quota */
};
_Static_assert(PV_WIN_SIZE / PV_PAGE_SIZE <= UINT16_MAX, "page counts of a window fit in 16 bits");

/* First heap byte: the page after the image. */
#define vms_heap_start(s) ((s)->img->end)

/* Why an access could not be satisfied (for the VM's end-of-life reason). */
enum vms_err { VMS_OK = 0, VMS_OUTSIDE, VMS_GUARD, VMS_QUOTA, VMS_READONLY, VMS_NOEXEC, VMS_NOMEM, VMS_UNMAPPED };

/* Build the address space of a new instance of img: PT from the image template, the start page.
 * Returns 0, or -1 when frames run out (nothing left allocated). */
int vms_create(struct vmspace *s, const struct image *img, uint32_t quota_pages);
/* Free every private frame and the page table. */
void vms_destroy(struct vmspace *s);
/* The guest physical page behind the start page (the kernel fills in start info through it). */
void *vms_start_page(const struct vmspace *s);
/* Resolve a fault at va (demand-zero or copy-on-write). write/exec describe the access. */
enum vms_err vms_fault(struct vmspace *s, uint64_t va, bool write, bool exec, bool *changed);
/* Copy between guest and kernel: every byte checked against the window and page permissions,
 * demand-zero and COW pages resolved. PV_OK (0), PV_EFAULT or PV_ENOMEM. */
int vms_copyin(struct vmspace *s, void *dst, uint64_t uva, uint64_t len);
int vms_copyout(struct vmspace *s, uint64_t uva, const void *src, uint64_t len);
/* Translate [uva, uva+len) (len <= 2 pages) for reading into up to two kernel pointers/lengths. */
int vms_map_read(struct vmspace *s, uint64_t uva, uint64_t len, const void *ptr[2], uint64_t n[2]);
const char *vms_strerror(enum vms_err e);

#endif
