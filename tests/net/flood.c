/* flood.c - network test guest: once told "go" (UDP port 9999), sends frames as fast as the switch takes them.
 * usage: flood MODE SECONDS [VM]
 *   nic    UDP to the gateway (02:fe:00:00:00:01, loadgen's MAC), port 9: out through the NIC
 *   vm     UDP to VM's echo port 7: inside the switch, to another VM
 *   bcast  UDP to ff:ff:ff:ff:ff:ff / 255.255.255.255, port 9
 *   spoof  frames in other names, in turn: another VM's MAC, our MAC with VM's IPv4, ARP with VM's address
 * Batches of 32 frames (net_send_batch); when the kernel refuses (the budget of the quantum is spent) it
 * yields and goes on. After SECONDS it prints "flood: MODE sent=N refused=N calls=N" and exits 0. Frames
 * that come back (echoes) are never read: its own queue stays full. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "guest_net.h"
#include "pvisa_guest.h"
#include "udpframe.h"

#define CTL_PORT 9999
#define BATCH 32
#define FRAME UDPF_LEN

static const uint8_t gw_mac[6] = NETPLAN_GATEWAY_MAC;
static const uint8_t bc_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static uint8_t frames[3][FRAME];
static int go;

/* An ARP request in our MAC's name claiming ip. */
static void arp_frame(uint8_t *f, const uint8_t *mac, uint32_t ip, uint32_t target)
{
	memset(f, 0, FRAME);
	memcpy(f, bc_mac, 6);
	memcpy(f + 6, mac, 6);
	be16_put(f + 12, ETHER_TYPE_ARP);
	be16_put(f + 14, 1);
	be16_put(f + 16, ETHER_TYPE_IPV4);
	f[18] = 6, f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, mac, 6);
	be32_put(f + 28, ip);
	be32_put(f + 38, target);
}

/* The frames of MODE; how many kinds (sent in turn). 0: unknown mode. */
static int build(const char *mode, uint32_t vm)
{
	const struct pv_start_info *si = pv_start_info();
	uint32_t vm_ip = udpf_vm_ipv4(si, vm);
	uint8_t vm_mac[6];

	netplan_mac(vm, vm_mac);

	if (!strcmp(mode, "nic"))
		udp_frame(frames[0], gw_mac, si->mac, si->ipv4, si->gateway, 9, "flood");
	else if (!strcmp(mode, "vm"))
		udp_frame(frames[0], vm_mac, si->mac, si->ipv4, vm_ip, 7, "flood");
	else if (!strcmp(mode, "bcast"))
		udp_frame(frames[0], bc_mac, si->mac, si->ipv4, 0xffffffffu, 9, "flood");
	else if (!strcmp(mode, "spoof")) {
		udp_frame(frames[0], gw_mac, vm_mac, si->ipv4, si->gateway, 9, "flood");
		udp_frame(frames[1], gw_mac, si->mac, vm_ip, si->gateway, 9, "flood");
		arp_frame(frames[2], si->mac, vm_ip, si->gateway);
		return 3;
	} else
		return 0;
	return 1;
}

static void ctl_event(struct ns_sock *s, unsigned events, void *arg)
{
	char buf[8];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	while ((n = ns_udp_recvfrom(s, buf, sizeof buf - 1, &ip, &port)) >= 0) {
		buf[n] = 0;
		if (!strcmp(buf, "go")) {
			go = 1;
			guest_net_stop();
		}
	}
}

int main(int argc, char **argv)
{
	struct pv_frame d[BATCH];
	unsigned long long sent = 0, refused = 0, calls = 0;
	int kinds = argc >= 3 ? build(argv[1], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0) : 0;
	long secs = argc >= 3 ? strtol(argv[2], NULL, 10) : 0;
	struct ns_stack *st = guest_net_stack();

	if (!kinds || secs <= 0 || argc > 4) {
		fprintf(stderr, "usage: flood nic|vm|bcast|spoof SECONDS [VM]\n");
		return 2;
	}
	if (!st || !ns_udp_open(st, CTL_PORT, 0, ctl_event, NULL)) {
		fprintf(stderr, "flood: no network\n");
		return 1;
	}
	guest_net_run();
	printf("flood: %s: go\n", argv[1]);
	fflush(stdout);
	for (int i = 0; i < BATCH; i++)
		d[i] = (struct pv_frame){ .addr = (uint64_t)(uintptr_t)frames[i % kinds], .len = FRAME, .cap = FRAME };
	uint64_t end = guest_clock_ns() + (uint64_t)secs * 1000000000ull;
	while (guest_clock_ns() < end) {
		long r = pv_net_send_batch((long)d, BATCH);
		calls++;
		sent += r > 0 ? (unsigned long long)r : 0;
		if (r < BATCH) {
			refused += r > 0 ? (unsigned long long)(BATCH - r) : BATCH;
			pv_yield();
		}
	}
	printf("flood: %s sent=%llu refused=%llu calls=%llu\n", argv[1], sent, refused, calls);
	return 0;
}
