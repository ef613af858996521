/* uplink.c - test_tenantnet's host side: the world outside the NIC for two tenants' VMs (lib/netplan.h blocks).
 * usage: uplink SOCK SECONDS
 * SOCK is isorun --net-socket's unix stream socket (framing: 4-byte big-endian length, then the frame). Plays every
 * tenant's gateway (10.t.0.1, MAC 02:fe:00:00:00:01: it answers ARP for x.y.0.1). For SECONDS it counts what comes
 * out: frames to tenant 2's VM 0 by its MAC (06:02:00:00:00:00), ARP requests for its IPv4 (10.2.0.2) - the
 * cross-tenant frames tests/net/xtenant sends in tenant 1, which the switch must send here and not to tenant 2.
 * It also sends two datagrams to tenant 2's VM 0 (udp-echo, port 7): first one claiming tenant 2's own 10.2.0.3 as
 * its source (the switch must drop it: nothing from outside may speak for a tenant's address to that tenant), then,
 * every 0.5 s until one is echoed, one from tenant 1's 10.1.0.2 (routed traffic between tenants: delivered).
 * Prints "uplink: frames=N to_tenant_mac=N arp_for=N routed_sent=N routed_echo=N spoof_echo=N". Exit 0 when
 * connected and counted, 2 on usage or connection errors (the test judges the counts). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "byteorder.h"
#include "qstream.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

static const uint8_t gw_mac[6] = NETPLAN_GATEWAY_MAC;
static int sock;
static unsigned long frames, to_mac, arp_for, routed_sent, routed_echo, spoof_echo;
static uint8_t t2_mac[6];
static uint32_t t2_ip, t2_other_ip, t1_ip;

static void send_record(const uint8_t *f, size_t len)
{
	qstream_send(sock, f, len, "uplink");
}

/* A UDP datagram from sip:5555 to tenant 2's VM 0, port 7, through its MAC. */
static void send_udp(uint32_t sip, const char *tag)
{
	uint8_t f[ETHER_FRAME_PAD] = { 0 };

	memcpy(f, t2_mac, 6);
	memcpy(f + 6, gw_mac, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	f[14] = 0x45;
	be16_put(f + 16, 28 + (uint16_t)strlen(tag));
	f[22] = 64;
	f[23] = 17;
	be32_put(f + 26, sip);
	be32_put(f + 30, t2_ip);
	be16_put(f + 24, inet_csum_fold(inet_csum_hdr20(0, f + 14)));
	be16_put(f + 34, 5555);
	be16_put(f + 36, 7);
	be16_put(f + 38, 8 + (uint16_t)strlen(tag));
	memcpy(f + 42, tag, strlen(tag));
	send_record(f, sizeof(f));
}

/* An ARP request for a gateway (x.y.0.1): answered in the gateway's name. */
static void answer_gateway(const uint8_t *f)
{
	uint8_t r[42];
	uint32_t tpa = be32_get(f + 38);

	if ((tpa & 0xffff) != 1)
		return;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, gw_mac, 6);
	memcpy(r + 12, f + 12, 8);
	be16_put(r + 20, 2);
	memcpy(r + 22, gw_mac, 6);
	be32_put(r + 28, tpa);
	memcpy(r + 32, f + 22, 10);
	send_record(r, sizeof(r));
}

static void on_frame(const uint8_t *f, size_t len)
{
	frames++;
	if (len < 42)
		return;
	to_mac += !memcmp(f, t2_mac, 6);
	if (be16_get(f + 12) == ETHER_TYPE_ARP && be16_get(f + 20) == 1) {
		arp_for += be32_get(f + 38) == t2_ip;
		answer_gateway(f);
		return;
	}
	if (be16_get(f + 12) != ETHER_TYPE_IPV4 || f[23] != 17 || be32_get(f + 26) != t2_ip || be16_get(f + 34) != 7)
		return;
	routed_echo += be32_get(f + 30) == t1_ip && len >= 48 && !memcmp(f + 42, "routed", 6);
	spoof_echo += be32_get(f + 30) == t2_other_ip;
}

/* Reads whole records while they come; false when QEMU closed the connection. */
static int pump(int ms)
{
	static uint8_t buf[65536 + 4];
	static size_t have;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 1;
	if ((n = recv(sock, buf + have, sizeof(buf) - have, 0)) <= 0)
		return 0;
	have += (size_t)n;
	while (have >= 4 && have >= 4 + (size_t)be32_get(buf)) {
		size_t len = be32_get(buf);
		on_frame(buf + 4, len);
		memmove(buf, buf + 4 + len, have - 4 - len);
		have -= 4 + len;
	}
	if (have >= 4 && be32_get(buf) > 65536)
		return 0;
	return 1;
}

int main(int argc, char **argv)
{
	double secs = argc == 3 ? atof(argv[2]) : 0, end, next;

	if (secs <= 0) {
		fprintf(stderr, "usage: uplink SOCK SECONDS\n");
		return 2;
	}
	netplan_tenant_mac(2, 0, t2_mac);
	t2_ip = netplan_ipv4(netplan_tenant_base(2), 0);
	t2_other_ip = netplan_ipv4(netplan_tenant_base(2), 1);
	t1_ip = netplan_ipv4(netplan_tenant_base(1), 0);
	if ((sock = connect_to(argv[1], 60)) < 0) {
		fprintf(stderr, "uplink: cannot connect to %s\n", argv[1]);
		return 2;
	}
	end = now_s() + secs;
	next = now_s() + 1;
	while (now_s() < end && pump(50)) {
		if (now_s() < next || routed_echo)
			continue;
		if (!routed_sent)
			send_udp(t2_other_ip, "spoof");
		send_udp(t1_ip, "routed");
		routed_sent++;
		next = now_s() + 0.5;
	}
	printf("uplink: frames=%lu to_tenant_mac=%lu arp_for=%lu routed_sent=%lu routed_echo=%lu spoof_echo=%lu\n",
	       frames, to_mac, arp_for, routed_sent, routed_echo, spoof_echo);
	return 0;
}
