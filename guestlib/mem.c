/* mem.c - memcpy/memmove/memset/memcmp for every guest program: word loads and stores, no rep-prefixed string ops. */
/*
 * Why not newlib's: under QEMU's TCG every iteration of a rep movs/stos is one translation-block execution, and
 * newlib's x86_64 memcpy/memset use rep movsb/movsq (one TB per 8 bytes, per byte for short copies). Here a loop
 * iteration moves 32 bytes with unaligned 8-byte loads and stores (x86_64 allows them); the last 32 bytes (or a
 * short length's bytes) are done with loads and stores that may overlap bytes already handled, without a loop.
 * Every load of a step comes before its stores, so memmove's overlapping copies are safe in either direction.
 * guest-cc links mem.o ahead of newlib; --tiny programs take it from libguesttiny.a. Built with -fno-builtin
 * -fno-tree-loop-distribute-patterns so the compiler does not turn these loops back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Unaligned, aliasing-safe access. */
typedef uint64_t mem_u64 __attribute__((may_alias, aligned(1)));
typedef uint32_t mem_u32 __attribute__((may_alias, aligned(1)));
typedef uint16_t mem_u16 __attribute__((may_alias, aligned(1)));

static inline uint64_t ld8(const unsigned char *p) { return *(const mem_u64 *)p; }
static inline uint32_t ld4(const unsigned char *p) { return *(const mem_u32 *)p; }
static inline uint16_t ld2(const unsigned char *p) { return *(const mem_u16 *)p; }
static inline void st8(unsigned char *p, uint64_t v) { *(mem_u64 *)p = v; }
static inline void st4(unsigned char *p, uint32_t v) { *(mem_u32 *)p = v; }
static inline void st2(unsigned char *p, uint16_t v) { *(mem_u16 *)p = v; }

/* n < 32: all loads, then all stores (the two halves overlap when n is not a power of two). */
static inline void copy_short(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= 16) {
		uint64_t a = ld8(s), b = ld8(s + 8), c = ld8(s + n - 16), e = ld8(s + n - 8);
		st8(d, a);
		st8(d + 8, b);
		st8(d + n - 16, c);
		st8(d + n - 8, e);
	} else if (n >= 8) {
		uint64_t a = ld8(s), b = ld8(s + n - 8);
		st8(d, a);
		st8(d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = ld4(s), b = ld4(s + n - 4);
		st4(d, a);
		st4(d + n - 4, b);
	} else if (n >= 2) {
		uint16_t a = ld2(s), b = ld2(s + n - 2);
		st2(d, a);
		st2(d + n - 2, b);
	} else if (n) {
		*d = *s;
	}
}

/* 32 bytes from s to d, loads first. */
static inline void copy32(unsigned char *d, const unsigned char *s)
{
	uint64_t a = ld8(s), b = ld8(s + 8), c = ld8(s + 16), e = ld8(s + 24);

	st8(d, a);
	st8(d + 8, b);
	st8(d + 16, c);
	st8(d + 24, e);
}

/* n >= 32, front to back (safe when d <= s): the last 32 source bytes are loaded before anything is stored. */
static inline void copy_fwd(unsigned char *d, const unsigned char *s, size_t n)
{
	const unsigned char *ts = s + n - 32;
	uint64_t a = ld8(ts), b = ld8(ts + 8), c = ld8(ts + 16), e = ld8(ts + 24);
	unsigned char *td = d + n - 32;

	for (; d < td; d += 32, s += 32)
		copy32(d, s);
	st8(td, a);
	st8(td + 8, b);
	st8(td + 16, c);
	st8(td + 24, e);
}

/* n >= 32, back to front (safe when d >= s): the first 32 source bytes are loaded before anything is stored. */
static inline void copy_back(unsigned char *d, const unsigned char *s, size_t n)
{
	uint64_t a = ld8(s), b = ld8(s + 8), c = ld8(s + 16), e = ld8(s + 24);

	for (; n > 32; n -= 32)
		copy32(d + n - 32, s + n - 32);
	st8(d, a);
	st8(d + 8, b);
	st8(d + 16, c);
	st8(d + 24, e);
}

void *memcpy(void *dst, const void *src, size_t n)
{
	if (n < 32)
		copy_short(dst, src, n);
	else
		copy_fwd(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n < 32)
		copy_short(d, s, n);
	else if ((uintptr_t)d - (uintptr_t)s >= n)   /* d before s, or no overlap */
		copy_fwd(d, s, n);
	else
		copy_back(d, s, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;

	if (n >= 32) {
		unsigned char *td = d + n - 32;
		for (; d < td; d += 32) {
			st8(d, v);
			st8(d + 8, v);
			st8(d + 16, v);
			st8(d + 24, v);
		}
		d = td;
		n = 32;
	}
	if (n >= 16) {
		st8(d, v);
		st8(d + 8, v);
		st8(d + n - 16, v);
		st8(d + n - 8, v);
	} else if (n >= 8) {
		st8(d, v);
		st8(d + n - 8, v);
	} else if (n >= 4) {
		st4(d, (uint32_t)v);
		st4(d + n - 4, (uint32_t)v);
	} else if (n >= 2) {
		st2(d, (uint16_t)v);
		st2(d + n - 2, (uint16_t)v);
	} else if (n) {
		*d = (unsigned char)v;
	}
	return dst;
}

/* The difference of the first differing bytes of two unequal 8-byte words loaded little-endian. */
static inline int diff8(uint64_t x, uint64_t y)
{
	unsigned k = (unsigned)__builtin_ctzll(x ^ y) & ~7u;

	return (int)((x >> k) & 0xff) - (int)((y >> k) & 0xff);
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n >= 8; p += 8, q += 8, n -= 8) {
		uint64_t x = ld8(p), y = ld8(q);
		if (x != y)
			return diff8(x, y);
	}
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}
