/* frame.c - physical frame allocator: free list through free frames, lazy fresh frames, a free bit per frame. */
/* Fresh frames are handed out in address order without being touched first, so guest RAM nobody used stays
 * unbacked on the host; the per-range bitmap turns a double free or a stray address into a panic. */
#include <stddef.h>
#include "frame.h"
#include "memlayout.h"
#include "lib.h"
#include "kprintf.h"

#define BITS_PER_PAGE (PAGE_SIZE * 8)

/* A range: [lo, base) holds the bitmap, [base, end) the frames, [fresh, end) frames never handed out. */
struct frange {
	uint64_t lo, base, end, fresh;
	uint64_t *onlist;   /* bit i set: frame base + i pages is on the free list */
};

/* What a frame on the free list holds in its first two words. */
struct free_link {
	uint64_t next;      /* physical address of the next free frame, 0 at the end */
	uint64_t range;     /* index of its range, so frame_alloc finds the bitmap in O(1) */
};

static struct frange ranges[FRAME_MAX_RANGES];
static uint32_t nranges;
static uint32_t fresh_idx;     /* ranges before this one have no fresh frames left */
static uint64_t free_head;
static uint64_t nfree, ntotal;
static uint64_t nreserved;     /* free frames promised to VMs' guarantees: frame_alloc leaves them alone */

void frame_init(void)
{
	memset(ranges, 0, sizeof(ranges));
	nranges = fresh_idx = 0;
	free_head = nfree = ntotal = nreserved = 0;
}

static void check_overlap(uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < nranges; i++)
		if (lo < ranges[i].end && ranges[i].lo < hi)
			panic("frame: range [0x%lx,0x%lx) overlaps [0x%lx,0x%lx)", lo, hi, ranges[i].lo, ranges[i].end);
}

void frame_add_range(uint64_t start, uint64_t end)
{
	if (start >= DMAP_SIZE || end <= start)
		return;
	uint64_t lo = (start + PAGE_SIZE - 1) & PAGE_MASK;
	uint64_t hi = (end > DMAP_SIZE ? DMAP_SIZE : end) & PAGE_MASK;
	if (lo < PAGE_SIZE)
		lo = PAGE_SIZE;                 /* physical 0 means "no frame" */
	if (lo >= hi)
		return;
	uint64_t pages = (hi - lo) / PAGE_SIZE;
	uint64_t bmpages = (pages + BITS_PER_PAGE - 1) / BITS_PER_PAGE;
	if (pages <= bmpages)
		return;
	check_overlap(lo, hi);
	if (nranges == FRAME_MAX_RANGES)
		panic("frame: more than %d ranges", FRAME_MAX_RANGES);
	uint64_t nframes = pages - bmpages;
	struct frange *r = &ranges[nranges++];
	r->lo = lo;
	r->base = r->fresh = lo + bmpages * PAGE_SIZE;
	r->end = hi;
	r->onlist = P2V(lo);
	memset(r->onlist, 0, (nframes + 63) / 64 * 8);
	nfree += nframes;
	ntotal += nframes;
}

static struct frange *range_of(uint64_t pa)
{
	if (pa & (PAGE_SIZE - 1))
		panic("frame_free: misaligned address 0x%lx", pa);
	for (uint32_t i = 0; i < nranges; i++)
		if (pa >= ranges[i].base && pa < ranges[i].end)
			return &ranges[i];
	panic("frame_free: 0x%lx is outside every frame range", pa);
	return NULL;
}

static uint64_t alloc_fresh(void)
{
	while (fresh_idx < nranges) {
		struct frange *r = &ranges[fresh_idx];
		if (r->fresh < r->end) {
			uint64_t pa = r->fresh;
			r->fresh += PAGE_SIZE;
			return pa;
		}
		fresh_idx++;
	}
	return 0;
}

static uint64_t alloc_listed(void)
{
	uint64_t pa = free_head;
	struct free_link *l = P2V(pa);
	struct frange *r = &ranges[l->range];
	uint64_t i = (pa - r->base) / PAGE_SIZE;

	r->onlist[i / 64] &= ~(1ull << (i % 64));
	free_head = l->next;
	return pa;
}

static uint64_t take(void)
{
	uint64_t pa = free_head ? alloc_listed() : alloc_fresh();

	if (pa)
		nfree--;
	return pa;
}

uint64_t frame_alloc(void)
{
	return nfree > nreserved ? take() : 0;
}

uint64_t frame_alloc_zero(void)
{
	uint64_t pa = frame_alloc();

	if (pa)
		memset(P2V(pa), 0, PAGE_SIZE);
	return pa;
}

int frame_reserve(uint64_t n)
{
	if (nfree - nreserved < n)
		return -1;
	nreserved += n;
	return 0;
}

void frame_unreserve(uint64_t n)
{
	if (n > nreserved)
		panic("frame_unreserve: %lu frames, only %lu reserved", n, nreserved);
	nreserved -= n;
}

uint64_t frame_alloc_reserved(void)
{
	if (!nreserved)
		panic("frame_alloc_reserved: nothing reserved");
	nreserved--;
	return take();             /* nfree >= the reservations it held: never 0 */
}

uint64_t frame_reserved_count(void)
{
	return nreserved;
}

void frame_free(uint64_t pa)
{
	struct frange *r = range_of(pa);
	uint64_t i = (pa - r->base) / PAGE_SIZE;
	uint64_t bit = 1ull << (i % 64);

	if (pa >= r->fresh || (r->onlist[i / 64] & bit))
		panic("frame_free: 0x%lx is not allocated (double free?)", pa);
	r->onlist[i / 64] |= bit;
	struct free_link *l = P2V(pa);
	l->next = free_head;
	l->range = (uint64_t)(r - ranges);
	free_head = pa;
	nfree++;
}

uint64_t frame_free_count(void)
{
	return nfree;
}

uint64_t frame_total_count(void)
{
	return ntotal;
}
