/* checksum.c - the Internet checksum (RFC 1071) for IPv4, ICMP, UDP and TCP: the only implementation in netstack. */
#include <string.h>
#include "ns_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ns_csum_add assumes a little-endian CPU (x86_64)"
#endif

/* Unaligned loads and stores in the CPU's byte order (the compiler makes each one move); 4 bytes: ns_ld32. */
static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline void st64(uint8_t *p, uint64_t w) { memcpy(p, &w, 8); }

/* A sum of 64-bit words and a count of its carries out of 64 bits: each word costs an add and an adc. */
struct csum_acc {
	uint64_t s, c;
};

static inline void acc_add(struct csum_acc *a, uint64_t w)
{
	a->c += __builtin_add_overflow(a->s, w, &a->s);
}

/* The sum of len < 8 bytes (an odd last byte as the high byte of a word, i.e. the low byte as loaded). */
static uint64_t sum_short(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint16_t w2;

	if (len >= 4) {
		s = ns_ld32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w2, p, 2);
		s += w2;
		p += 2;
		len -= 2;
	}
	if (len)
		s += p[0];
	return s;
}

/* The last len < 8 bytes of a buffer of at least 8 that end at end, as a word: one 8-byte load ending at the last
 * byte, shifted so that only they remain (they start at an even offset: an odd last byte stays the low byte). */
static inline uint64_t tail_word(const uint8_t *end, size_t len)
{
	return (ld64(end - 8) >> (63 - 8 * len)) >> 1;
}

/* The sum and its carries folded to 64 bits with the end-around carry (2^64 = 1 modulo 0xffff); nonzero when the
 * sum of the words is. */
static inline uint64_t csum_fold64(struct csum_acc a)
{
	uint64_t s = a.s + a.c;

	return s + (s < a.c);
}

/* Adds data to a running 32-bit one's-complement sum; an odd byte counts as the high byte of a word.
 * RFC 1071: the sum does not depend on byte order, so words are added as the CPU loads them (8-byte words, their
 * carries counted, 32 bytes per loop iteration) and ns_csum_finish folds the carries and swaps the result from the
 * CPU's order to network order once. The last len % 8 bytes (len >= 8) are one tail_word: no branches for them.
 * This runs over every byte sent and received (len < 2^32). */
uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct csum_acc a = { 0, 0 };

	if (len < 8)
		return ns_csum_finish(sum_short(p, len), sum);
	const uint8_t *end = p + len;
	for (; len >= 32; p += 32, len -= 32) {
		acc_add(&a, ld64(p));
		acc_add(&a, ld64(p + 8));
		acc_add(&a, ld64(p + 16));
		acc_add(&a, ld64(p + 24));
	}
	if (len >= 16) {
		acc_add(&a, ld64(p));
		acc_add(&a, ld64(p + 8));
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		acc_add(&a, ld64(p));
		len -= 8;
	}
	acc_add(&a, tail_word(end, len));
	return ns_csum_finish(csum_fold64(a), sum);
}

/* len < 8 bytes from src to dst: loads that may overlap, then the stores. */
static void copy_short(uint8_t *dst, const uint8_t *src, size_t len)
{
	if (len >= 4) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, src + len - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + len - 4, &b, 4);
	} else if (len >= 2) {
		uint16_t a, b;
		memcpy(&a, src, 2);
		memcpy(&b, src + len - 2, 2);
		memcpy(dst, &a, 2);
		memcpy(dst + len - 2, &b, 2);
	} else if (len) {
		dst[0] = src[0];
	}
}

/* Copies len bytes from src to dst (which do not overlap) and adds them to the running sum, in one pass: the
 * same result as memcpy and then ns_csum_add(sum, dst, len). The last len % 8 bytes (len >= 8) go as the one
 * 8-byte word that ends at the last byte, which stores again bytes already copied, with the same values. */
uint32_t ns_csum_copy(uint32_t sum, void *dst, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint8_t *d = dst;
	struct csum_acc a = { 0, 0 };

	if (len < 8) {
		copy_short(d, p, len);
		return ns_csum_finish(sum_short(p, len), sum);
	}
	const uint8_t *end = p + len;
	for (; len >= 32; p += 32, d += 32, len -= 32) {
		uint64_t w0 = ld64(p), w1 = ld64(p + 8), w2 = ld64(p + 16), w3 = ld64(p + 24);
		st64(d, w0);
		st64(d + 8, w1);
		st64(d + 16, w2);
		st64(d + 24, w3);
		acc_add(&a, w0);
		acc_add(&a, w1);
		acc_add(&a, w2);
		acc_add(&a, w3);
	}
	for (; len >= 8; p += 8, d += 8, len -= 8) {
		uint64_t w = ld64(p);
		st64(d, w);
		acc_add(&a, w);
	}
	st64(d + len - 8, ld64(end - 8));
	acc_add(&a, tail_word(end, len));
	return ns_csum_finish(csum_fold64(a), sum);
}
