/* inet_csum.h - the Internet checksum (RFC 1071) of IPv4, ICMP, UDP and TCP: the one implementation for everyone. */
/*
 * Header-only and freestanding (no libc): the kernel's switch, the guests' netstack, loadgen and the test tools use
 * it. A checksum is built as a running 32-bit one's-complement sum (inet_csum_add, inet_csum_pseudo, chained in any
 * order; an odd byte counts as the high byte of a word), then inet_csum_fold gives the 16-bit field: the value to
 * store when the field was zero while summing, or 0 when checking a packet whose field is right. Sums of byte runs
 * chain only at even lengths (all but the last run of a chain must have an even length).
 *
 * RFC 1071: the sum does not depend on byte order, so words are added as the CPU loads them (8-byte words, their
 * carries counted, 32 bytes per loop iteration), and inet_csum_finish folds the carries and swaps the result from
 * the CPU's order to network order once. Little-endian CPUs only (x86_64).
 */
#ifndef LIB_INET_CSUM_H
#define LIB_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "inet_csum.h assumes a little-endian CPU (x86_64)"
#endif

/* Unaligned loads and stores in the CPU's byte order (the compiler makes each one move). */
static inline uint32_t inet_csum_ld32(const uint8_t *p)
{
	uint32_t w;

	__builtin_memcpy(&w, p, 4);
	return w;
}

static inline uint64_t inet_csum_ld64(const uint8_t *p)
{
	uint64_t w;

	__builtin_memcpy(&w, p, 8);
	return w;
}

static inline void inet_csum_st64(uint8_t *p, uint64_t w)
{
	__builtin_memcpy(p, &w, 8);
}

/* The end of a sum: s, a sum of words as the little-endian CPU loaded them (any 64-bit value), folded to 32 bits
 * (2^32 = 1 modulo 0xffff), byte-swapped to network order (a swap of the 16-bit words' bytes modulo 0xffff) and
 * added to the running sum. The result is nonzero exactly when s or sum is. */
static inline uint32_t inet_csum_finish(uint64_t s, uint32_t sum)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	uint32_t x = (uint32_t)s;
	s = (uint64_t)(x >> 24 | (x >> 8 & 0xff00) | (x << 8 & 0xff0000) | x << 24) + sum;
	return (uint32_t)((s & 0xffffffffu) + (s >> 32));    /* s < 2^33 - 1: one fold is enough */
}

/* Folds a sum to 16 bits and complements it: the value for the header (0 when verifying a good packet).
 * Two folds always suffice: the first leaves at most 0x1fffe. */
static inline uint16_t inet_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The sum of the TCP/UDP pseudo-header (at most 6 * 0xffff: no carry out of 32 bits); addresses in host order. */
static inline uint32_t inet_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

/* inet_csum_add(sum, p, 20) for an IPv4 header without options: five loads, no loop and no branch. (Five separate
 * loads: a copy into a 20-byte array went through an SSE register and the C stack.) */
static inline uint32_t inet_csum_hdr20(uint32_t sum, const uint8_t *p)
{
	return inet_csum_finish((uint64_t)inet_csum_ld32(p) + inet_csum_ld32(p + 4) + inet_csum_ld32(p + 8) +
	                        inet_csum_ld32(p + 12) + inet_csum_ld32(p + 16), sum);
}

/* A sum of 64-bit words and a count of its carries out of 64 bits: each word costs an add and an adc. */
struct inet_csum_acc {
	uint64_t s, c;
};

static inline void inet_csum_acc_add(struct inet_csum_acc *a, uint64_t w)
{
	a->c += __builtin_add_overflow(a->s, w, &a->s);
}

/* The sum and its carries folded to 64 bits with the end-around carry (2^64 = 1 modulo 0xffff); nonzero when the
 * sum of the words is. */
static inline uint64_t inet_csum_acc_fold(struct inet_csum_acc a)
{
	uint64_t s = a.s + a.c;

	return s + (s < a.c);
}

/* The sum of len < 8 bytes (an odd last byte as the high byte of a word, i.e. the low byte as loaded). */
static inline uint64_t inet_csum_short(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint16_t w2;

	if (len >= 4) {
		s = inet_csum_ld32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		__builtin_memcpy(&w2, p, 2);
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
static inline uint64_t inet_csum_tail(const uint8_t *end, size_t len)
{
	return (inet_csum_ld64(end - 8) >> (63 - 8 * len)) >> 1;
}

/* Adds data to a running 32-bit one's-complement sum (len < 2^32). The last len % 8 bytes (len >= 8) are one
 * inet_csum_tail word: no branches for them. */
static inline uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct inet_csum_acc a = { 0, 0 };

	if (len < 8)
		return inet_csum_finish(inet_csum_short(p, len), sum);
	const uint8_t *end = p + len;
	for (; len >= 32; p += 32, len -= 32) {
		inet_csum_acc_add(&a, inet_csum_ld64(p));
		inet_csum_acc_add(&a, inet_csum_ld64(p + 8));
		inet_csum_acc_add(&a, inet_csum_ld64(p + 16));
		inet_csum_acc_add(&a, inet_csum_ld64(p + 24));
	}
	if (len >= 16) {
		inet_csum_acc_add(&a, inet_csum_ld64(p));
		inet_csum_acc_add(&a, inet_csum_ld64(p + 8));
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		inet_csum_acc_add(&a, inet_csum_ld64(p));
		len -= 8;
	}
	inet_csum_acc_add(&a, inet_csum_tail(end, len));
	return inet_csum_finish(inet_csum_acc_fold(a), sum);
}

/* len < 8 bytes from src to dst: loads that may overlap, then the stores. */
static inline void inet_csum_copy_short(uint8_t *dst, const uint8_t *src, size_t len)
{
	if (len >= 4) {
		uint32_t a, b;
		__builtin_memcpy(&a, src, 4);
		__builtin_memcpy(&b, src + len - 4, 4);
		__builtin_memcpy(dst, &a, 4);
		__builtin_memcpy(dst + len - 4, &b, 4);
	} else if (len >= 2) {
		uint16_t a, b;
		__builtin_memcpy(&a, src, 2);
		__builtin_memcpy(&b, src + len - 2, 2);
		__builtin_memcpy(dst, &a, 2);
		__builtin_memcpy(dst + len - 2, &b, 2);
	} else if (len) {
		dst[0] = src[0];
	}
}

/* Copies len bytes from src to dst (which do not overlap) and adds them to the running sum, in one pass: the same
 * result as a copy and then inet_csum_add(sum, dst, len). The last len % 8 bytes (len >= 8) go as the one 8-byte
 * word that ends at the last byte, which stores again bytes already copied, with the same values. */
static inline uint32_t inet_csum_copy(uint32_t sum, void *dst, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint8_t *d = dst;
	struct inet_csum_acc a = { 0, 0 };

	if (len < 8) {
		inet_csum_copy_short(d, p, len);
		return inet_csum_finish(inet_csum_short(p, len), sum);
	}
	const uint8_t *end = p + len;
	for (; len >= 32; p += 32, d += 32, len -= 32) {
		uint64_t w0 = inet_csum_ld64(p), w1 = inet_csum_ld64(p + 8), w2 = inet_csum_ld64(p + 16),
		         w3 = inet_csum_ld64(p + 24);
		inet_csum_st64(d, w0);
		inet_csum_st64(d + 8, w1);
		inet_csum_st64(d + 16, w2);
		inet_csum_st64(d + 24, w3);
		inet_csum_acc_add(&a, w0);
		inet_csum_acc_add(&a, w1);
		inet_csum_acc_add(&a, w2);
		inet_csum_acc_add(&a, w3);
	}
	for (; len >= 8; p += 8, d += 8, len -= 8) {
		uint64_t w = inet_csum_ld64(p);
		inet_csum_st64(d, w);
		inet_csum_acc_add(&a, w);
	}
	inet_csum_st64(d + len - 8, inet_csum_ld64(end - 8));
	inet_csum_acc_add(&a, inet_csum_tail(end, len));
	return inet_csum_finish(inet_csum_acc_fold(a), sum);
}

/* Is the checksum of an IPv4 header of hlen bytes (20..60, a multiple of 4) right? */
static inline int inet_csum_ipv4_ok(const uint8_t *h, size_t hlen)
{
	uint32_t sum = inet_csum_hdr20(0, h);

	if (hlen > 20)
		sum = inet_csum_add(sum, h + 20, hlen - 20);
	return inet_csum_fold(sum) == 0;
}

#endif
