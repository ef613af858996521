/* slab.h - fixed-size object caches for kernel structures: objects packed into frames, zeroed on allocation, O(1). */
#ifndef ISO_SLAB_H
#define ISO_SLAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SLAB_MAX_ALIGN 64
#define SLAB_MAX_OBJ   4096

struct slab_page;

/* One cache per object type; static instances are fine (fill in with slab_init). */
struct slab_cache {
	const char *name;
	size_t objsize;              /* requested size rounded up to align */
	size_t align;                /* power of two, 16..64 */
	size_t first;                /* byte offset of object 0 in its page (after the page header) */
	size_t perpage;              /* objects per page */
	bool whole;                  /* objects too big to share a page with the header: one frame each */
	struct slab_page *partial;   /* pages with at least one free object, doubly linked */
	uint64_t pages;              /* frames the cache holds */
	uint64_t objs;               /* objects handed out and not freed */
};

/* Set up a cache of objsize-byte objects (1..4096) aligned to align (0 or a power of two up to 64;
 * at least 16 is used). name is kept for messages. */
void slab_init(struct slab_cache *c, const char *name, size_t objsize, size_t align);
/* A zeroed object, or NULL when no frame is left. */
void *slab_alloc(struct slab_cache *c);
/* The same, not zeroed: it holds whatever the last object there held (another VM's frame, say). Only for
 * objects whose every byte is written before it is read (the switch's frame buffers: len bytes copied in,
 * never more copied out). */
void *slab_alloc_raw(struct slab_cache *c);
/* Give an object back (NULL is ignored). Panics on a pointer that is not a live object of c.
 * A page left empty goes back to the frame allocator unless it is the cache's only partial page. */
void slab_free(struct slab_cache *c, void *obj);
/* Bytes of frames the cache holds now. */
uint64_t slab_bytes(const struct slab_cache *c);
/* How many objects one page holds. */
size_t slab_objs_per_page(const struct slab_cache *c);

#endif
