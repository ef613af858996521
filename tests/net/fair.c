/* fair.c - test_vswfair's guest: shares of one receiving VM's queue among sending VMs (raw frames, no netstack).
 * usage: fair sink SECONDS          reads every frame for SECONDS, then prints "fair: from vm ID: N" per sender
 *        fair flood VM SECONDS      sends UDP frames to VM as fast as the switch takes them (batches of 32;
 *                                   refused: yields), then prints "fair: flood sent=N"
 *        fair send VM N START_MS GAP_MS   after START_MS, N frames to VM, GAP_MS apart; "fair: sent N"
 * Exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "pvisa_guest.h"
#include "udpframe.h"

#define BATCH 32
#define FRAME UDPF_LEN
#define MAXSRC 128

static uint8_t frame[FRAME];

/* A 60-byte UDP frame from this VM to VM id vm, port 9 (IPv4 checksum right, UDP checksum 0: none). */
static void build(uint32_t vm)
{
	const struct pv_start_info *si = pv_start_info();
	uint8_t mac[6];

	netplan_mac(vm, mac);
	udp_frame(frame, mac, si->mac, si->ipv4, udpf_vm_ipv4(si, vm), 9, "fair");
}

static int sink(uint64_t secs)
{
	static uint8_t bufs[BATCH][ETHER_FRAME_MAX];
	struct pv_frame d[BATCH];
	unsigned long count[MAXSRC] = { 0 }, other = 0;
	uint64_t end = guest_clock_ns() + secs * 1000000000ull;

	for (int i = 0; i < BATCH; i++)
		d[i] = (struct pv_frame){ .addr = (uint64_t)(uintptr_t)bufs[i], .cap = sizeof(bufs[i]) };
	while (guest_clock_ns() < end) {
		long n = pv_net_recv_batch((long)d, BATCH);
		if (n <= 0) {
			pv_idle((long)end);
			continue;
		}
		for (long i = 0; i < n; i++) {
			const uint8_t *f = bufs[i];
			uint32_t src;
			if (netplan_mac_slot(f + 6, &src) && src < MAXSRC)   /* a VM's MAC */
				count[src]++;
			else
				other++;
		}
	}
	for (int i = 0; i < MAXSRC; i++)
		if (count[i])
			printf("fair: from vm %d: %lu\n", i, count[i]);
	if (other)
		printf("fair: from elsewhere: %lu\n", other);
	return 0;
}

static int flood(uint32_t vm, uint64_t secs)
{
	struct pv_frame d[BATCH];
	unsigned long long sent = 0;
	uint64_t end = guest_clock_ns() + secs * 1000000000ull;

	build(vm);
	for (int i = 0; i < BATCH; i++)
		d[i] = (struct pv_frame){ .addr = (uint64_t)(uintptr_t)frame, .len = FRAME, .cap = FRAME };
	while (guest_clock_ns() < end) {
		long r = pv_net_send_batch((long)d, BATCH);
		sent += r > 0 ? (unsigned long long)r : 0;
		if (r < BATCH)
			pv_yield();
	}
	printf("fair: flood sent=%llu\n", sent);
	return 0;
}

static int send(uint32_t vm, unsigned long n, uint64_t start_ms, uint64_t gap_ms)
{
	uint64_t t = guest_clock_ns() + start_ms * 1000000ull;
	unsigned long sent = 0;

	build(vm);
	for (unsigned long i = 0; i < n; i++) {
		while (guest_clock_ns() < t)
			pv_idle((long)t);
		while (pv_net_send((long)frame, FRAME) == PV_EAGAIN)   /* the budget of the turn: the next turn */
			pv_yield();
		sent++;
		t += gap_ms * 1000000ull;
	}
	printf("fair: sent %lu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return sink(strtoull(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "flood"))
		return flood((uint32_t)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send((uint32_t)strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
			    strtoull(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
	fprintf(stderr, "usage: fair sink SECONDS | flood VM SECONDS | send VM N START_MS GAP_MS\n");
	return 2;
}
