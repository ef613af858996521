/* frame.h - physical 4 KiB frames: O(1) alloc/free over the ranges given at boot, a descriptor (kind, owners) each. */
#ifndef ISO_FRAME_H
#define ISO_FRAME_H

#include <stdint.h>
#include <stdbool.h>

#define FRAME_MAX_RANGES 32   /* separate ranges frame_add_range accepts */
#define FRAME_DESC_BYTES 4    /* a frame's descriptor: 28-bit owner count, 4-bit kind */

/* What a frame holds. A new frame is FRAME_KERNEL with one owner; its owner may name another kind. */
enum frame_kind {
	FRAME_FREE = 0,
	FRAME_KERNEL,     /* kernel tables, slabs, buffers */
	FRAME_PT,         /* a VM's page-table page */
	FRAME_IMAGE,      /* an image's text or data: held by the image, mapped by its instances without a reference */
	FRAME_VM,         /* VM memory: each VM mapping it holds one reference (shared copy-on-write when more than one) */
	FRAME_KINDS
};

/* Forget every range and frame (boot, or between unit tests). */
void frame_init(void);
/* Hand over every whole page inside [start, end). Page 0 and memory past DMAP_SIZE are skipped; the range's first
 * page of every 1,025 holds the descriptors of the other 1,024. Overlapping ranges panic. */
void frame_add_range(uint64_t start, uint64_t end);
/* A free frame's physical address, or 0 when none is left but those reserved. Contents undefined. */
uint64_t frame_alloc(void);
/* Like frame_alloc, but the page is zeroed (guests never see another's data). */
uint64_t frame_alloc_zero(void);
/* Give back a frame with one owner. Panics on a misaligned address, one outside every range, a double free, or a
 * frame that still has other owners. */
void frame_free(uint64_t pa);
/* Owners: one more; one fewer (the frame is freed with its last: true). Both panic like frame_free on a frame that
 * is not allocated. */
void frame_get(uint64_t pa);
bool frame_put(uint64_t pa);
uint32_t frame_refs(uint64_t pa);
enum frame_kind frame_kind(uint64_t pa);
void frame_set_kind(uint64_t pa, enum frame_kind k);
/* Reservations (VMs' memory guarantees): set n free frames aside, -1 when fewer than n unreserved ones are free;
 * give n back; take one frame of the caller's reservation (it must hold one: never fails). */
int frame_reserve(uint64_t n);
void frame_unreserve(uint64_t n);
uint64_t frame_alloc_reserved(void);
uint64_t frame_reserved_count(void);
/* Frames free now (reserved ones included) / frames the allocator manages in all (bitmap pages excluded). */
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);

#endif
