/* buf.c - byte rings for socket buffers: storage malloc'd at first use, freed at close; callers check bounds.
 * ring_pos, ring_write and ring_read are inline in ns_int.h; the copies that wrap are here. */
#include "ns_int.h"

/* Allocates the storage if not yet done: 0, or -1 when malloc fails. */
int ring_ensure(struct ns_ring *r)
{
	if (!r->buf && r->cap) {
		r->buf = malloc(r->cap);
		if (!r->buf)
			return -1;
		r->head = r->len = 0;
	}
	return r->buf ? 0 : -1;
}

void ring_free(struct ns_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->head = r->len = 0;
}

/* The wrapping cases of ring_write/ring_read (ns_int.h): pos is where the copy starts, n > cap - pos. */
void ring_write_wrap(struct ns_ring *r, uint32_t pos, const void *src, uint32_t n)
{
	uint32_t first = r->cap - pos;

	memcpy(r->buf + pos, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

void ring_read_wrap(const struct ns_ring *r, uint32_t pos, void *dst, uint32_t n)
{
	uint32_t first = r->cap - pos;

	memcpy(dst, r->buf + pos, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

/* Drops n bytes (n <= len) from the front. head never jumps back: bytes kept beyond len stay in place. */
void ring_consume(struct ns_ring *r, uint32_t n)
{
	r->head = ring_pos(r, n);
	r->len -= n;
}
