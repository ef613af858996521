/* checksum.c - the Internet checksum (RFC 1071) for IPv4, ICMP, UDP and TCP: the only implementation in netstack. */
#include "ns_int.h"

/* Adds data to a running 32-bit one's-complement sum; an odd byte counts as the high byte of a word. */
uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
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
