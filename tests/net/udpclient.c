/* udpclient.c - VM-to-VM test guest: first forges frames in another VM's name (the switch must drop them),
 * then sends argv[2] datagrams to the udp-echo VM argv[1] and exits 0 only if every echo came back intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "guest_net.h"
#include "pvisa_guest.h"
#include "udpframe.h"

#define PORT 7
#define TIME_LIMIT_NS 20000000000ull

static unsigned long want, got, bad;
static uint32_t server_ip;

static void on_reply(struct ns_sock *s, unsigned events, void *arg)
{
	char buf[64], expect[64];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	while ((n = ns_udp_recvfrom(s, buf, sizeof(buf) - 1, &ip, &port)) >= 0) {
		buf[n] = 0;
		snprintf(expect, sizeof(expect), "datagram %lu", got);
		if (ip != server_ip || port != PORT || strcmp(buf, expect) != 0)
			bad++;
		else if (++got < want) {                  /* one datagram in flight at a time */
			snprintf(expect, sizeof(expect), "datagram %lu", got);
			ns_udp_sendto(s, server_ip, PORT, expect, strlen(expect));
		}
		if (got == want)
			guest_net_stop();
	}
}

/* A UDP frame to the server claiming to come from `mac`/`ip` (checksums left 0: the switch must drop it
 * before anyone looks). */
static void send_forged(const uint8_t *dst_mac, const uint8_t *mac, uint32_t ip)
{
	uint8_t f[ETHER_FRAME_PAD] = { 0 };

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, mac, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	f[14] = 0x45;
	be16_put(f + 16, 46);
	f[22] = 64;
	f[23] = 17;
	be32_put(f + 26, ip);
	be32_put(f + 30, server_ip);
	be16_put(f + 34, 9);
	be16_put(f + 36, PORT);
	be16_put(f + 38, 26);
	pv_net_send((long)f, sizeof(f));
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	struct ns_sock *s;

	if (argc != 3) {
		fprintf(stderr, "usage: udpclient SERVER_VM_ID COUNT\n");
		return 2;
	}
	unsigned long server = strtoul(argv[1], NULL, 10);
	want = strtoul(argv[2], NULL, 10);
	server_ip = udpf_vm_ipv4(si, (uint32_t)server);
	uint8_t server_mac[6];
	netplan_mac((uint32_t)server, server_mac);
	uint8_t other_mac[6] = { 0x02, 0x00, 0x12, 0x34, 0x56, 0x78 };
	/* Forgeries: another MAC; our MAC with the server's IPv4. */
	for (int i = 0; i < 5; i++) {
		send_forged(server_mac, other_mac, si->ipv4);
		send_forged(server_mac, si->mac, server_ip);
	}
	if (!guest_net_stack() || !(s = ns_udp_open(guest_net_stack(), 0, 0, on_reply, NULL))) {
		fprintf(stderr, "udpclient: no network\n");
		return 1;
	}
	ns_udp_sendto(s, server_ip, PORT, "datagram 0", 10);
	guest_net_stop_after(TIME_LIMIT_NS);
	guest_net_run();
	printf("udpclient: %lu of %lu echoes, %lu wrong\n", got, want, bad);
	return got == want && bad == 0 ? 0 : 1;
}
