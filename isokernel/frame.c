/* frame.c - physical frame allocator: free list through free frames, lazy fresh frames, a descriptor per frame. */
/* Fresh frames are handed out in address order without being touched first, so guest RAM nobody used stays
 * unbacked on the host (a frame's descriptor is written when it is first handed out, never before); the descriptor
 * (kind and reference count) turns a double free or a stray address into a panic and lets several owners share a
 * frame. */
#include <stddef.h>
#include "frame.h"
#include "memlayout.h"
#include "lib.h"
#include "kprintf.h"

/* One frame's descriptor: 4 bytes, FRAME_DESC_BYTES. */
struct frame_desc {
	uint32_t refs : 28;   /* owners (0 when free) */
	uint32_t kind : 4;    /* enum frame_kind */
};
_Static_assert(sizeof(struct frame_desc) == FRAME_DESC_BYTES, "frame descriptor size");
#define DESCS_PER_PAGE (PAGE_SIZE / FRAME_DESC_BYTES)
#define REFS_MAX ((1u << 28) - 1)

/* A range: [lo, base) holds the descriptors, [base, end) the frames, [fresh, end) frames never handed out (their
 * descriptors are not initialised). */
struct frange {
	uint64_t lo, base, end, fresh;
	struct frame_desc *desc;   /* desc[i]: frame base + i pages */
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
	uint64_t dpages = (pages + DESCS_PER_PAGE) / (DESCS_PER_PAGE + 1);   /* dpages * DESCS_PER_PAGE >= frames */
	if (pages <= dpages)
		return;
	check_overlap(lo, hi);
	if (nranges == FRAME_MAX_RANGES)
		panic("frame: more than %d ranges", FRAME_MAX_RANGES);
	uint64_t nframes = pages - dpages;
	struct frange *r = &ranges[nranges++];
	r->lo = lo;
	r->base = r->fresh = lo + dpages * PAGE_SIZE;
	r->end = hi;
	r->desc = P2V(lo);
	nfree += nframes;
	ntotal += nframes;
}

static struct frange *range_of(uint64_t pa)
{
	if (pa & (PAGE_SIZE - 1))
		panic("frame: misaligned address 0x%lx", pa);
	for (uint32_t i = 0; i < nranges; i++)
		if (pa >= ranges[i].base && pa < ranges[i].end)
			return &ranges[i];
	panic("frame: 0x%lx is outside every frame range", pa);
	return NULL;
}

/* The descriptor of an allocated frame (and its range in *rp if rp); panics on any other address. */
static struct frame_desc *desc_in(uint64_t pa, struct frange **rp)
{
	struct frange *r = range_of(pa);
	struct frame_desc *d = &r->desc[(pa - r->base) / PAGE_SIZE];

	if (pa >= r->fresh || d->kind == FRAME_FREE)
		panic("frame: 0x%lx is not allocated (double free?)", pa);
	if (rp)
		*rp = r;
	return d;
}

static struct frame_desc *desc_of(uint64_t pa)
{
	return desc_in(pa, NULL);
}

static void desc_init(struct frange *r, uint64_t pa)
{
	struct frame_desc *d = &r->desc[(pa - r->base) / PAGE_SIZE];

	d->refs = 1;
	d->kind = FRAME_KERNEL;
}

static uint64_t alloc_fresh(void)
{
	while (fresh_idx < nranges) {
		struct frange *r = &ranges[fresh_idx];
		if (r->fresh < r->end) {
			uint64_t pa = r->fresh;
			r->fresh += PAGE_SIZE;
			desc_init(r, pa);
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

	free_head = l->next;
	desc_init(r, pa);
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

/* Put an allocated frame (descriptor d, range r) on the free list. */
static void release(struct frange *r, struct frame_desc *d, uint64_t pa)
{
	struct free_link *l = P2V(pa);

	d->refs = 0;
	d->kind = FRAME_FREE;
	l->next = free_head;
	l->range = (uint64_t)(r - ranges);
	free_head = pa;
	nfree++;
}

void frame_free(uint64_t pa)
{
	struct frange *r;
	struct frame_desc *d = desc_in(pa, &r);

	if (d->refs != 1)
		panic("frame_free: 0x%lx still has %u owners", pa, (unsigned)d->refs);
	release(r, d, pa);
}

void frame_get(uint64_t pa)
{
	struct frame_desc *d = desc_of(pa);

	if (d->refs == REFS_MAX)
		panic("frame_get: 0x%lx has too many owners", pa);
	d->refs++;
}

bool frame_put(uint64_t pa)
{
	struct frange *r;
	struct frame_desc *d = desc_in(pa, &r);

	if (--d->refs)
		return false;
	release(r, d, pa);
	return true;
}

uint32_t frame_refs(uint64_t pa)
{
	return desc_of(pa)->refs;
}

enum frame_kind frame_kind(uint64_t pa)
{
	return (enum frame_kind)desc_of(pa)->kind;
}

void frame_set_kind(uint64_t pa, enum frame_kind k)
{
	if (k == FRAME_FREE || k >= FRAME_KINDS)
		panic("frame_set_kind: bad kind %d", (int)k);
	desc_of(pa)->kind = k;
}

uint64_t frame_free_count(void)
{
	return nfree;
}

uint64_t frame_total_count(void)
{
	return ntotal;
}
