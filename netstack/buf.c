/* buf.c - byte rings for socket buffers: storage malloc'd at first use, freed at close; callers check bounds. */
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

/* Where offset off (<= cap) is in the storage: head < cap, so one subtraction replaces a division. */
static inline uint32_t ring_pos(const struct ns_ring *r, uint32_t off)
{
	uint32_t pos = r->head + off;

	return pos >= r->cap ? pos - r->cap : pos;
}

/* Copies n bytes to offset off (off + n <= cap); len is not changed. The second copy only when it wraps. */
void ring_write(struct ns_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t pos = ring_pos(r, off);
	uint32_t first = r->cap - pos < n ? r->cap - pos : n;

	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

/* Copies n bytes from offset off (off + n <= cap). */
void ring_read(const struct ns_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t pos = ring_pos(r, off);
	uint32_t first = r->cap - pos < n ? r->cap - pos : n;

	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, r->buf, n - first);
}

/* Drops n bytes (n <= len) from the front. head never jumps back: bytes kept beyond len stay in place. */
void ring_consume(struct ns_ring *r, uint32_t n)
{
	r->head = ring_pos(r, n);
	r->len -= n;
}
