/* ctl_ops.h - what the control decoder (ctl.c) asks of the kernel once a request's every field is checked. */
#ifndef ISO_CTL_OPS_H
#define ISO_CTL_OPS_H

#include <stdint.h>
#include <stdbool.h>
#include "ctl.h"

/* A reply under construction: payload bytes at p (len of cap used), flags for the header. first: this is the
 * request's first call (false when the op asked to be called again: CTL_AGAIN, or a CTL_F_MORE reply). */
struct ctl_out {
	uint8_t *p;
	uint32_t len, cap;
	uint16_t flags;
	bool first;
};
/* A handler's status meaning "no reply yet: call me again with the same request on the next pass". */
#define CTL_AGAIN 0xffffu

/* Append a reason text (at most CTL_WHY_MAX bytes) to the reply; returns status, for "return ctl_why(...)". */
uint16_t ctl_why(struct ctl_out *o, uint16_t status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The acts. The decoder has checked: sizes; reserved fields 0; names NUL-terminated, 1..31 bytes of
 * [A-Za-z0-9._-]; args NUL-terminated printable ASCII; kind is a CTL_BLOB_*; 1 <= size <= CTL_BLOB_MAX;
 * 1 <= count <= MAX_VMS; quota 0 or 8..2048 KiB; guarantee 0 or 4..quota (or the default quota). */
uint16_t ctlop_hello(struct ctl_out *o);
uint16_t ctlop_upload(const struct ctl_upload_req *q, struct ctl_out *o);
uint16_t ctlop_chunk(uint64_t offset, const uint8_t *data, uint32_t n, struct ctl_out *o);
uint16_t ctlop_abort(struct ctl_out *o);
uint16_t ctlop_load(struct ctl_out *o);
uint16_t ctlop_images(const struct ctl_page_req *q, struct ctl_out *o);
uint16_t ctlop_create(const struct ctl_create_req *q, struct ctl_out *o);
uint16_t ctlop_destroy(uint32_t id, struct ctl_out *o);
uint16_t ctlop_list(const struct ctl_page_req *q, struct ctl_out *o);
uint16_t ctlop_stats(struct ctl_out *o);
uint16_t ctlop_save(uint32_t id, uint32_t flags, struct ctl_out *o);
uint16_t ctlop_restore(struct ctl_out *o);

/* For the tenant ops (service.c): the complete image upload as an ELF source and its name (CTL_OK), or E_STATE
 * with the reason written; dropping the upload; an image loaded (+1) or removed (-1) at run time, for STATS; a
 * VM's LIST entry; ending a VM for the host (counted in STATS' ended_by_host). */
struct elf_src;
struct image;
struct vm;
uint16_t ctlop_image_blob(struct elf_src *src, char name[CTL_NAME_MAX], struct ctl_out *o);
void ctlop_blob_drop(void);
void ctlop_image_added(const struct image *img, int sign);
void ctlop_image_entry(const struct image *img, struct ctl_image *e);
void ctlop_vm_entry(const struct vm *vm, struct ctl_vm *e);
void ctlop_end_vm(struct vm *vm, const char *reason);
/* A VM's quota and guarantee in pages for CREATE's quota_kib and guar_kib (0: the kernel's defaults). */
void ctlop_mem_pages(uint32_t quota_kib, uint32_t guar_kib, uint32_t *quota, uint32_t *guar);
/* STOP: nothing to check; the decoder sends the reply, then the run ends (ctl_stop_requested). */

#endif
