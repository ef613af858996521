/* vswself.c - the switch's per-frame cost, for tenant networks' before/after figures: sends argv[1] frames to its own
 * MAC (the switch's VM-to-VM path: the address lookup, the tenant rule, delivery into its own queue) and takes each
 * back, or with argv[2] "gw" to the gateway's MAC (the path to the NIC: timed per send, nothing comes back) (a send the budget of the quantum refuses waits, untimed, for the next), then prints "vswself: frames=N cycles_per_frame=C tenant_mac=M" (C: TSC ticks per send + receive, which
 * under TCG -icount shift=0 are guest instructions: deterministic). Exit 0 if every frame came back intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "pvisa_guest.h"
#include "udpframe.h"

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint8_t f[UDPF_LEN], in[PV_FRAME_MAX];
	static const uint8_t gw_mac[6] = NETPLAN_GATEWAY_MAC;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000, bad = 0;
	int gw = argc > 2 && !strcmp(argv[2], "gw");

	if (n <= 0 || argc > 3 || (argc > 2 && !gw && strcmp(argv[2], "self"))) {
		fprintf(stderr, "usage: vswself [FRAMES [self|gw]]\n");
		return 2;
	}
	if (gw)
		udp_frame(f, gw_mac, si->mac, si->ipv4, si->gateway, 9, "gw");
	else
		udp_frame(f, si->mac, si->mac, si->ipv4, si->ipv4, 9, "self");
	uint64_t t = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = tsc();
		long r = pv_net_send((long)f, sizeof(f));
		if (r == PV_EAGAIN) {              /* the quantum's send budget (VSW_TX_BUDGET) is spent: untimed */
			pv_yield();
			i--;
			continue;
		}
		if (r != (long)sizeof(f) || (!gw && (pv_net_recv((long)in, sizeof(in)) != (long)sizeof(f) ||
						     memcmp(in, f, sizeof(f)))))
			bad++;
		t += tsc() - t0;
	}
	printf("vswself: %s frames=%ld cycles_per_frame=%llu tenant_mac=%02x:%02x bad=%ld\n", gw ? "gw" : "self", n,
	       (unsigned long long)(t / (uint64_t)n), si->mac[0], si->mac[1], bad);
	return bad ? 1 : 0;
}
