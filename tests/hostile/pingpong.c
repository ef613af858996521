/* pingpong.c - hostile, two instances (ids 0 and 1): bounce a UDP datagram between them, VM to VM, for argv[1] ms
 * (default 3000). Run with net_immediate=1, each wake-up would put the other at the head of the run queue; VMs that
 * wait must still get their quanta (witness.c checks). Prints how many bounces it saw; exits 0. */
#include "hostile.h"

static uint8_t pp_frame[64];

/* An IPv4/UDP frame from this VM to VM peer (same subnet: address = own - own id + peer id). */
static void pp_build(const struct pv_start_info *si, uint32_t peer)
{
	uint32_t dst = si->ipv4 - si->vm_id + peer, sum = 0;
	uint8_t *ip = pp_frame + 14;

	pp_frame[0] = 0x02;
	for (int i = 0; i < 4; i++)
		pp_frame[2 + i] = (uint8_t)(peer >> (24 - 8 * i));
	for (int i = 0; i < 6; i++)
		pp_frame[6 + i] = si->mac[i];
	pp_frame[12] = 0x08;
	ip[0] = 0x45, ip[3] = 50 - 14, ip[8] = 64, ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(si->ipv4 >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
	ip[20] = 0x30, ip[21] = 0x39, ip[22] = 0x30, ip[23] = 0x39, ip[25] = 50 - 34;   /* ports 12345, no sum */
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t end = (uint64_t)pv_clock_mono() + h_num(argc, argv, 1, 3000) * 1000000u, bounces = 0;
	uint8_t in[1514];

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
