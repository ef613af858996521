/* checksum.c - the Internet checksum (RFC 1071) for IPv4, ICMP, UDP and TCP: the only implementation in netstack. */
#include <string.h>
#include "ns_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ns_csum_add assumes a little-endian CPU (x86_64)"
#endif

/* Unaligned loads in the CPU's byte order (the compiler makes each one move). */
static inline uint64_t ld32(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* Sum of the 32-bit words of 8 bytes: congruent to the sum of their 16-bit words modulo 0xffff. */
static inline uint64_t sum8(const uint8_t *p)
{
	return ld32(p) + ld32(p + 4);
}

/* The sum of len < 8 bytes (an odd last byte as the high byte of a word, i.e. the low byte as loaded). */
static uint64_t sum_short(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint16_t w2;

	if (len >= 4) {
		s = ld32(p);
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

/* Adds data to a running 32-bit one's-complement sum; an odd byte counts as the high byte of a word.
 * RFC 1071: the sum does not depend on byte order, so words are added as the CPU loads them (32-bit words into a
 * 64-bit sum, 32 bytes per loop iteration) and ns_csum_finish folds the carries and swaps the result from the
 * CPU's order to network order once. The last len % 8 bytes (len >= 8) come from one 8-byte load ending at the
 * last byte, shifted so that only they remain: no branches for them. This runs over every byte sent and received
 * (len < 2^32). */
uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s;

	if (len < 8) {
		s = sum_short(p, len);
	} else {
		s = 0;
		for (; len >= 32; p += 32, len -= 32)
			s += sum8(p) + sum8(p + 8) + sum8(p + 16) + sum8(p + 24);
		if (len >= 16) {
			s += sum8(p) + sum8(p + 8);
			p += 16;
			len -= 16;
		}
		if (len >= 8) {
			s += sum8(p);
			p += 8;
			len -= 8;
		}
		/* len < 8 bytes left, at an even offset from data; the load stays inside data (the whole is >= 8). */
		uint64_t w = (ld64(p + len - 8) >> (63 - 8 * len)) >> 1;
		s += (w & 0xffffffffu) + (w >> 32);
	}
	return ns_csum_finish(s, sum);
}
