/* pingpong.c - hostile, two instances (ids 0 and 1): bounce a UDP datagram between them, VM to VM, for argv[1] ms
 * (default 3000). Run with net_immediate=1, each wake-up would put the other at the head of the run queue; VMs that
 * wait must still get their quanta (witness.c checks). Prints how many bounces it saw; exits 0. */
#include "hostile.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

static uint8_t pp_frame[64];

/* An IPv4/UDP frame from this VM to VM peer (same subnet: the address plan on our network). */
static void pp_build(const struct pv_start_info *si, uint32_t peer)
{
	uint8_t *ip = pp_frame + ETHER_HLEN;

	netplan_mac(peer, pp_frame);
	for (int i = 0; i < 6; i++)
		pp_frame[6 + i] = si->mac[i];
	be16_put(pp_frame + 12, ETHER_TYPE_IPV4);
	ip[0] = 0x45, ip[3] = 50 - 14, ip[8] = 64, ip[9] = 17;
	be32_put(ip + 12, si->ipv4);
	be32_put(ip + 16, netplan_ipv4(si->ipv4 & si->netmask, peer));
	be16_put(ip + 10, inet_csum_fold(inet_csum_hdr20(0, ip)));
	ip[20] = 0x30, ip[21] = 0x39, ip[22] = 0x30, ip[23] = 0x39, ip[25] = 50 - 34;   /* ports 12345, no sum */
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t end = (uint64_t)pv_clock_mono() + h_num(argc, argv, 1, 3000) * 1000000u, bounces = 0;
	uint8_t in[ETHER_FRAME_MAX];

	pp_build(si, si->vm_id ^ 1);
	if (si->vm_id == 0)
		pv_net_send((long)pp_frame, 50);
	while ((uint64_t)pv_clock_mono() < end) {
		long p = pv_idle((long)(pv_clock_mono() + 50000000));      /* 50 ms: a lost datagram is resent */
		int got = 0;
		while (pv_net_recv((long)in, sizeof(in)) > 0)
			got++;
		bounces += (uint64_t)got;
		if (got || !(p & PV_PEND_NET_RX))
			pv_net_send((long)pp_frame, 50);
	}
	h_say("pingpong: bounces ");
	h_dec(bounces);
	h_say("\n");
	h_exit(0);
}
