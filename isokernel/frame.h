/* frame.h - physical 4 KiB frame allocator: O(1) alloc/free by physical address over the ranges given at boot. */
#ifndef ISO_FRAME_H
#define ISO_FRAME_H

#include <stdint.h>

#define FRAME_MAX_RANGES 32   /* separate ranges frame_add_range accepts */

/* Forget every range and frame (boot, or between unit tests). */
void frame_init(void);
/* Hand over every whole page inside [start, end). Page 0 and memory past DMAP_SIZE are skipped; the
 * first page of every 128 MiB holds the range's allocation bitmap. Overlapping ranges panic. */
void frame_add_range(uint64_t start, uint64_t end);
/* A free frame's physical address, or 0 when none is left but those reserved. Contents undefined. */
uint64_t frame_alloc(void);
/* Like frame_alloc, but the page is zeroed (guests never see another's data). */
uint64_t frame_alloc_zero(void);
/* Give a frame back. Panics on a misaligned address, one outside every range, or a double free. */
void frame_free(uint64_t pa);
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
