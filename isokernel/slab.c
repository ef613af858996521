/* slab.c - object caches: page header + objects; only pages with free objects are listed, so alloc/free are O(1). */
/* The header holds the list links, the chain of free objects and a bitmap of them (double-free checks). */
#include "slab.h"
#include "frame.h"
#include "memlayout.h"
#include "lib.h"
#include "kprintf.h"

#define SLAB_MAGIC    0x534c4142u   /* "SLAB" */
#define SLAB_MAP_BITS 256

struct slab_page {
	struct slab_page *next, *prev;    /* on the cache's partial list */
	struct slab_cache *cache;
	void *free;                       /* free objects, chained through their first word */
	uint32_t inuse;
	uint32_t magic;
	uint64_t freemap[SLAB_MAP_BITS / 64];   /* bit i: object i is free */
};

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void slab_init(struct slab_cache *c, const char *name, size_t objsize, size_t align)
{
	if (align < 16)
		align = 16;
	if (align > SLAB_MAX_ALIGN || (align & (align - 1)))
		panic("slab_init(%s): bad alignment %lu", name, (unsigned long)align);
	if (objsize == 0 || objsize > SLAB_MAX_OBJ)
		panic("slab_init(%s): bad object size %lu", name, (unsigned long)objsize);
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->align = align;
	c->objsize = round_up(objsize, align);
	c->first = round_up(sizeof(struct slab_page), align);
	c->perpage = (PAGE_SIZE - c->first) / c->objsize;
	if (c->perpage == 0) {
		c->whole = true;
		c->first = 0;
		c->perpage = 1;
		c->objsize = PAGE_SIZE;
	}
	if (c->perpage > SLAB_MAP_BITS)
		panic("slab_init(%s): %lu objects per page", name, (unsigned long)c->perpage);
}

static void list_push(struct slab_cache *c, struct slab_page *p)
{
	p->prev = NULL;
	p->next = c->partial;
	if (c->partial)
		c->partial->prev = p;
	c->partial = p;
}

static void list_remove(struct slab_cache *c, struct slab_page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		c->partial = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

static size_t obj_index(const struct slab_cache *c, const struct slab_page *p, const void *obj)
{
	return ((uintptr_t)obj - (uintptr_t)p - c->first) / c->objsize;
}

/* A fresh page with every object free, put on the partial list; NULL when frames ran out. */
static struct slab_page *page_new(struct slab_cache *c)
{
	uint64_t pa = frame_alloc();
	if (!pa)
		return NULL;
	struct slab_page *p = P2V(pa);
	memset(p, 0, sizeof(*p));
	p->cache = c;
	p->magic = SLAB_MAGIC;
	for (size_t i = c->perpage; i-- > 0;) {
		void **obj = (void **)((uint8_t *)p + c->first + i * c->objsize);
		*obj = p->free;
		p->free = obj;
		p->freemap[i / 64] |= 1ull << (i % 64);
	}
	list_push(c, p);
	c->pages++;
	return p;
}

static void *alloc_whole(struct slab_cache *c)
{
	uint64_t pa = frame_alloc_zero();
	if (!pa)
		return NULL;
	c->pages++;
	c->objs++;
	return P2V(pa);
}

void *slab_alloc_raw(struct slab_cache *c)
{
	if (c->whole)
		return alloc_whole(c);
	struct slab_page *p = c->partial;
	if (!p && !(p = page_new(c)))
		return NULL;
	void *obj = p->free;
	size_t i = obj_index(c, p, obj);
	p->free = *(void **)obj;
	p->freemap[i / 64] &= ~(1ull << (i % 64));
	if (++p->inuse == c->perpage)
		list_remove(c, p);
	c->objs++;
	return obj;
}

void *slab_alloc(struct slab_cache *c)
{
	void *obj = slab_alloc_raw(c);

	if (obj && !c->whole)
		memset(obj, 0, c->objsize);
	return obj;
}

/* The page holding obj, after checking obj is the start of one of c's objects. */
static struct slab_page *page_of(struct slab_cache *c, void *obj)
{
	struct slab_page *p = (struct slab_page *)((uintptr_t)obj & ~(uintptr_t)(PAGE_SIZE - 1));
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p;

	if (p->magic != SLAB_MAGIC || p->cache != c || off < c->first || (off - c->first) % c->objsize ||
	    obj_index(c, p, obj) >= c->perpage)
		panic("slab_free(%s): %p is not an object of this cache", c->name, obj);
	return p;
}

static void free_whole(struct slab_cache *c, void *obj)
{
	if ((uintptr_t)obj & (PAGE_SIZE - 1))
		panic("slab_free(%s): %p is not an object of this cache", c->name, obj);
	frame_free(V2P(obj));
	c->pages--;
	c->objs--;
}

void slab_free(struct slab_cache *c, void *obj)
{
	if (!obj)
		return;
	if (c->whole) {
		free_whole(c, obj);
		return;
	}
	struct slab_page *p = page_of(c, obj);
	size_t i = obj_index(c, p, obj);
	if (p->freemap[i / 64] & (1ull << (i % 64)))
		panic("slab_free(%s): double free of %p", c->name, obj);
	p->freemap[i / 64] |= 1ull << (i % 64);
	*(void **)obj = p->free;
	p->free = obj;
	if (p->inuse-- == c->perpage)
		list_push(c, p);
	c->objs--;
	if (p->inuse == 0 && (p->next || p->prev)) {
		list_remove(c, p);
		p->magic = 0;
		frame_free(V2P(p));
		c->pages--;
	}
}

uint64_t slab_bytes(const struct slab_cache *c)
{
	return c->pages * PAGE_SIZE;
}

size_t slab_objs_per_page(const struct slab_cache *c)
{
	return c->perpage;
}
