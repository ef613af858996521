/* xtenant.c - test_tenantnet's prober: a VM that addresses another tenant's VM directly, which the switch must never
 * deliver (lib/netplan.h: tenant blocks). usage: xtenant TENANT SLOT ROUNDS
 * Each round (100 ms apart) sends a UDP datagram to port 7 of tenant TENANT's VM SLOT by its MAC (06:<T>:<SLOT>) and
 * IPv4 (10.T.0.2 + SLOT), and an ARP request for that IPv4; the kernel must answer no such ARP request and hand it
 * no frame of the other tenant. Prints "xtenant: sent=N arp=N received=N arp_answers=N" and exits 0 when nothing came
 * back, 1 otherwise, 2 on bad arguments. (An ARP reply from outside for another address, or a datagram to its own
 * port 9999, are not the other tenant's: they are counted apart as other=N and do not fail it.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "pvisa_guest.h"
#include "udpframe.h"

#define ROUND_NS 100000000ull

static uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void arp_request(uint8_t *f, const struct pv_start_info *si, uint32_t target)
{
	memset(f, 0, UDPF_LEN);
	memcpy(f, bc, 6);
	memcpy(f + 6, si->mac, 6);
	be16_put(f + 12, ETHER_TYPE_ARP);
	be16_put(f + 14, 1);
	be16_put(f + 16, ETHER_TYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, si->mac, 6);
	be32_put(f + 28, si->ipv4);
	be32_put(f + 38, target);
}

/* A frame that came in: the other tenant's doing (its VM's MAC or IPv4 as the source, or an ARP reply naming it)? */
static int from_target(const uint8_t *f, long len, const uint8_t *tmac, uint32_t tip)
{
	if (len >= 14 && !memcmp(f + 6, tmac, 6))
		return 1;
	if (len >= 42 && be16_get(f + 12) == ETHER_TYPE_ARP)
		return be32_get(f + 28) == tip || !memcmp(f + 22, tmac, 6);
	return len >= 34 && be16_get(f + 12) == ETHER_TYPE_IPV4 && be32_get(f + 26) == tip;
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint8_t udp[UDPF_LEN], arp[UDPF_LEN], in[PV_FRAME_MAX], tmac[6];
	unsigned long t = argc == 4 ? strtoul(argv[1], NULL, 10) : 0, slot = argc == 4 ? strtoul(argv[2], NULL, 10) : 0;
	long rounds = argc == 4 ? strtol(argv[3], NULL, 10) : 0, sent = 0, arps = 0, got = 0, answers = 0, other = 0;

	if (t < 1 || t > NETPLAN_TENANT_MAX || slot >= NETPLAN_TENANT_SLOTS || rounds <= 0) {
		fprintf(stderr, "usage: xtenant TENANT(1..254) SLOT ROUNDS\n");
		return 2;
	}
	uint32_t tip = netplan_ipv4(netplan_tenant_base((unsigned)t), (uint32_t)slot);
	netplan_tenant_mac((unsigned)t, (uint32_t)slot, tmac);
	udp_frame(udp, tmac, si->mac, si->ipv4, tip, 7, "xtenant");
	arp_request(arp, si, tip);
	for (long r = 0; r < rounds; r++) {
		sent += pv_net_send((long)udp, sizeof(udp)) == (long)sizeof(udp);
		arps += pv_net_send((long)arp, sizeof(arp)) == (long)sizeof(arp);
		uint64_t until = guest_clock_ns() + ROUND_NS;
		while (guest_clock_ns() < until) {
			long n;
			while ((n = pv_net_recv((long)in, sizeof(in))) > 0) {
				int mine = from_target(in, n, tmac, tip);
				got += mine;
				answers += mine && n >= 42 && be16_get(in + 12) == ETHER_TYPE_ARP;
				other += !mine;
			}
			pv_idle((long)until);
		}
	}
	printf("xtenant: sent=%ld arp=%ld received=%ld arp_answers=%ld other=%ld\n", sent, arps, got, answers, other);
	return got ? 1 : 0;
}
