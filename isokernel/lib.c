/* lib.c - memory and string routines for the kernel: word moves rather than rep-prefixed string instructions. */
#define ISO_LIB_IMPL
#include <stdint.h>
#include "lib.h"

/* Unaligned word access that the compiler may not assume anything about. */
typedef uint64_t __attribute__((may_alias, aligned(1))) u64u;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32u;
#define LD64(p) (*(const u64u *)(const void *)(p))
#define ST64(p, v) (*(u64u *)(void *)(p) = (v))
#define LD32(p) (*(const u32u *)(const void *)(p))
#define ST32(p, v) (*(u32u *)(void *)(p) = (v))
/* Keep gcc from recognising the loops below as memcpy/memset and calling them. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Fewer than 32 bytes, every load before any store (so overlap is fine): at most four word moves. */
static void move_small(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 16) {
		uint64_t a = LD64(s), b = LD64(s + 8), c = LD64(s + n - 16), e = LD64(s + n - 8);
		ST64(d, a), ST64(d + 8, b), ST64(d + n - 16, c), ST64(d + n - 8, e);
	} else if (n >= 8) {
		uint64_t a = LD64(s), b = LD64(s + n - 8);
		ST64(d, a), ST64(d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = LD32(s), b = LD32(s + n - 4);
		ST32(d, a), ST32(d + n - 4, b);
	} else if (n) {
		uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
		d[0] = a, d[n / 2] = b, d[n - 1] = c;
	}
}

/* 32 or more bytes: 32-byte blocks in the direction that is safe for overlap; the block at the far end is
 * loaded first and stored last, overlapping the blocks before it. */
static NO_LIBCALL void move_large(uint8_t *d, const uint8_t *s, size_t n)
{
	if (d <= s || d >= s + n) {
		uint64_t t0 = LD64(s + n - 32), t1 = LD64(s + n - 24), t2 = LD64(s + n - 16), t3 = LD64(s + n - 8);
		uint8_t *dt = d + n - 32;
		for (const uint8_t *end = s + n - 32; s < end; s += 32, d += 32) {
			uint64_t a = LD64(s), b = LD64(s + 8), c = LD64(s + 16), e = LD64(s + 24);
			ST64(d, a), ST64(d + 8, b), ST64(d + 16, c), ST64(d + 24, e);
		}
		ST64(dt, t0), ST64(dt + 8, t1), ST64(dt + 16, t2), ST64(dt + 24, t3);
	} else {
		uint64_t h0 = LD64(s), h1 = LD64(s + 8), h2 = LD64(s + 16), h3 = LD64(s + 24);
		uint8_t *dh = d;
		for (size_t k = n; k > 32; k -= 32) {
			uint64_t a = LD64(s + k - 32), b = LD64(s + k - 24), c = LD64(s + k - 16), e = LD64(s + k - 8);
			ST64(d + k - 32, a), ST64(d + k - 24, b), ST64(d + k - 16, c), ST64(d + k - 8, e);
		}
		ST64(dh, h0), ST64(dh + 8, h1), ST64(dh + 16, h2), ST64(dh + 24, h3);
	}
}

/* Overlap-safe. No rep-prefixed string instructions: QEMU's TCG runs every iteration of one as a translation
 * block of its own, so a 1,500-byte frame took ~190 of them; this loop moves 32 bytes per block. */
void *memmove(void *dst, const void *src, size_t n)
{
	if (n < 32)
		move_small(dst, src, n);
	else
		move_large(dst, src, n);
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint64_t v = 0x0101010101010101ull * (uint8_t)c;

	if (n >= 32) {
		for (uint8_t *end = d + n - 32; d < end; d += 32)
			ST64(d, v), ST64(d + 8, v), ST64(d + 16, v), ST64(d + 24, v);
		d = (uint8_t *)dst + n - 32;
		ST64(d, v), ST64(d + 8, v), ST64(d + 16, v), ST64(d + 24, v);
	} else if (n >= 16) {
		ST64(d, v), ST64(d + 8, v), ST64(d + n - 16, v), ST64(d + n - 8, v);
	} else if (n >= 8) {
		ST64(d, v), ST64(d + n - 8, v);
	} else if (n >= 4) {
		ST32(d, (uint32_t)v), ST32(d + n - 4, (uint32_t)v);
	} else if (n) {
		d[0] = d[n / 2] = d[n - 1] = (uint8_t)c;
	}
	return dst;
}

/* Eight bytes at a time; the first differing word decides by its bytes in memory order (big-endian value). */
int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n >= 8; n -= 8, x += 8, y += 8) {
		uint64_t u = LD64(x), v = LD64(y);
		if (u != v)
			return __builtin_bswap64(u) < __builtin_bswap64(v) ? -1 : 1;
	}
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (*a == '\0')
			return 0;
	}
	return 0;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
