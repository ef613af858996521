/* udpframe.h - for the network test guests: big-endian stores and a 60-byte IPv4/UDP frame (IPv4 checksum right,
 * UDP checksum 0: none) with a payload tag, as flood.c and fair.c send them. */
#ifndef TESTS_NET_UDPFRAME_H
#define TESTS_NET_UDPFRAME_H

#include <stdint.h>
#include <string.h>

#define UDPF_LEN 60

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* f[UDPF_LEN]: dst and src MACs, sip:4444 -> dip:port, payload tag (at most 18 bytes). */
static inline void udp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t sip, uint32_t dip,
			     uint16_t port, const char *tag)
{
	uint32_t sum = 0;

	memset(f, 0, UDPF_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, UDPF_LEN - 14);
	f[22] = 64;
	f[23] = 17;
	put32(f + 26, sip);
	put32(f + 30, dip);
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, ~sum);
	put16(f + 34, 4444);
	put16(f + 36, port);
	put16(f + 38, UDPF_LEN - 34);
	memcpy(f + 42, tag, strlen(tag));
}

#endif
