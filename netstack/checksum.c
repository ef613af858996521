/* checksum.c - the Internet checksum (RFC 1071) for IPv4, ICMP, UDP and TCP: the only implementation in netstack. */
#include <string.h>
#include "ns_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ns_csum_add assumes a little-endian CPU (x86_64)"
#endif

/* The 16-bit word with bytes hi, lo in memory, as a little-endian CPU loads it. */
static inline uint32_t host_word(uint8_t hi, uint8_t lo)
{
	return (uint32_t)lo << 8 | hi;
}

/* Adds data to a running 32-bit one's-complement sum; an odd byte counts as the high byte of a word.
 * RFC 1071: the sum does not depend on byte order, so the words are added as the CPU loads them (8 bytes at a
 * time, 32-bit halves into a 64-bit sum, carries folded at the end) and the folded result is byte-swapped from
 * the CPU's order to network order once. This runs over every byte sent and received. */
uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = 0;
	uint64_t w8;
	uint32_t w4;
	uint16_t w2;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w8, p, 8);
		s += (w8 & 0xffffffffu) + (w8 >> 32);
	}
	if (len >= 4) {
		memcpy(&w4, p, 4);
		s += w4;
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
		s += host_word(p[0], 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)(s << 8 | s >> 8);        /* little-endian CPU order to network order */
	s += sum;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

/* Folds a sum to 16 bits and complements it: the value for the header (0 when verifying a good packet). */
uint16_t ns_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The sum of the TCP/UDP pseudo-header. */
uint32_t ns_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
	return (uint32_t)s;
}
