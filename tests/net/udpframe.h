/* udpframe.h - for the network test guests: other VMs' addresses and a 60-byte IPv4/UDP frame (IPv4 checksum right,
 * UDP checksum 0: none) with a payload tag, as flood.c and fair.c send them. */
#ifndef TESTS_NET_UDPFRAME_H
#define TESTS_NET_UDPFRAME_H

#include <stdint.h>
#include <string.h>
#include "pvisa.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

#define UDPF_LEN ETHER_FRAME_PAD

/* VM vm's IPv4 address and MAC on this VM's network (the plan, lib/netplan.h). */
static inline uint32_t udpf_vm_ipv4(const struct pv_start_info *si, uint32_t vm)
{
	return netplan_ipv4(si->ipv4 & si->netmask, vm);
}

/* f[UDPF_LEN]: dst and src MACs, sip:4444 -> dip:port, payload tag (at most 18 bytes). */
static inline void udp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t sip, uint32_t dip,
			     uint16_t port, const char *tag)
{
	memset(f, 0, UDPF_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	f[14] = 0x45;
	be16_put(f + 16, UDPF_LEN - ETHER_HLEN);
	f[22] = 64;
	f[23] = 17;
	be32_put(f + 26, sip);
	be32_put(f + 30, dip);
	be16_put(f + 24, inet_csum_fold(inet_csum_hdr20(0, f + 14)));
	be16_put(f + 34, 4444);
	be16_put(f + 36, port);
	be16_put(f + 38, UDPF_LEN - 34);
	memcpy(f + 42, tag, strlen(tag));
}

#endif
