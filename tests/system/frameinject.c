/* frameinject.c - test_netabuse's host side: malformed frames into QEMU's stream netdev, then every VM must answer.
 * usage: frameinject SOCK SUBNET_BASE [--udp IDS] [--http IDS] [--no-abuse] [--stats IDS] [--go IDS] [--zero]
 *        [--spoof T:S]
 * (IDS: comma-separated VM ids)
 * SOCK is isorun --net-socket's unix stream socket (framing: 4-byte big-endian length, then the frame).
 * Plays the gateway (SUBNET_BASE + 1, MAC 02:fe:00:00:00:01 as loadgen; it answers ARP for that address). Steps:
 *   1. readiness: every --udp VM echoes a datagram on port 7, every --http VM answers GET / with 200 (own TCP);
 *   2. unless --no-abuse: to every VM, runts (record lengths 1..13), oversized records (1515..65535), unknown
 *      ethertypes, broken IPv4 headers (version, IHL, lengths, checksum), broken ARP (sizes, kinds, truncated),
 *      IPv4 that passes the switch but not a netstack (fragments, bad UDP/TCP/ICMP checksums and lengths, unknown
 *      protocols, other destinations), frames for VM addresses that are not live, seeded random garbage;
 *      every datagram that must be dropped carries "BAD" and must never come back; then every VM answers again;
 *   3. a "stats" datagram to port 9999 of each --stats VM (tests/net/echostats) makes it print its netstack's
 *      counters; "go" to each --go VM (tests/net/flood) starts it;
 *   3b. with --spoof T:S, 30 frames to VM T in VM S's name (its MAC; its IPv4; ARP replies giving its IPv4 to our
 *      MAC): the switch must drop them all (@switch drop_nic_spoofed); "frameinject: sent spoofed=N";
 *   4. with --zero, last, a record of length 0, then whether frames still get through (QEMU 7.2's stream netdev
 *      hands virtio-net a 0-byte packet it never takes: nothing is delivered after it, even on a new
 *      connection; reported, not judged: the kernel never sees it).
 * Prints "frameinject: sent ..." (what the kernel should have counted) and one verdict line.
 * Exit 0 all checks passed, 1 a check failed, 2 usage or connection error. */
#define _GNU_SOURCE                       /* memmem */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include "byteorder.h"
#include "qstream.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

#define MAXREC 65536
#define ECHO_PORT 7
#define HTTP_PORT 80
#define CTL_PORT 9999                     /* tests/net guests listen for "stats" / "go" here */
#define MAXVM 64

static const uint8_t gw_mac[6] = NETPLAN_GATEWAY_MAC;   /* loadgen's: VMs may have it cached */
static int sock = -1;
static uint32_t net_base, gw_ip;
static uint32_t udp_ids[MAXVM], http_ids[MAXVM];
static int n_udp, n_http;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* What was sent, by what should count it. */
static struct {
	unsigned runt, oversize, ethertype, malformed, no_dest, netstack, garbage, bad_echoes, spoofed;
} sent;

/* The one TCP exchange in flight (an HTTP GET to one VM). */
static struct {
	uint32_t vm;
	uint16_t port;
	uint32_t iss, irs;
	int state;                            /* 0 idle, 1 SYN sent, 2 request sent, 3 got 200, -1 refused */
} tcp;
static char echo_want[64];                /* the UDP payload whose echo we wait for */
static int echo_seen;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static uint32_t vm_ip(uint32_t id)
{
	return netplan_ipv4(net_base, id);
}

/* One record on the stream: length word len, then n bytes (n == len unless the test means otherwise). */
static int send_record(const uint8_t *f, size_t len)
{
	qstream_send(sock, f, len, "frameinject");
	return 0;
}

/* Ethernet header. */
static void eth(uint8_t *f, const uint8_t *dst, uint32_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, gw_mac, 6);
	be16_put(f + 12, type);
}

/* IPv4 header (20 bytes, checksum right) for plen payload bytes; frame at f. */
static void ipv4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, size_t plen)
{
	uint8_t *h = f + 14;

	memset(h, 0, 20);
	h[0] = 0x45;
	be16_put(h + 2, (uint32_t)(20 + plen));
	be16_put(h + 4, rnd());
	h[8] = 64;
	h[9] = proto;
	be32_put(h + 12, src);
	be32_put(h + 16, dst);
	be16_put(h + 10, inet_csum_fold(inet_csum_add(0, h, 20)));
}

static void ip_recsum(uint8_t *f)
{
	uint8_t *h = f + 14;
	size_t hl = (size_t)(h[0] & 15) * 4;

	be16_put(h + 10, 0);
	be16_put(h + 10, inet_csum_fold(inet_csum_add(0, h, hl)));
}

/* The UDP or TCP checksum of the segment at f + 14 + 20 (pseudo header from the IPv4 header). */
static uint16_t l4_csum(const uint8_t *f, size_t l4len, uint8_t proto)
{
	uint32_t ph = inet_csum_pseudo(be32_get(f + 26), be32_get(f + 30), proto, (uint16_t)l4len);
	uint16_t c = inet_csum_fold(inet_csum_add(ph, f + 34, l4len));
	return proto == 17 && c == 0 ? 0xffff : c;
}

/* A UDP datagram from the gateway to VM id (frame in f, its length returned; padded to 60). */
static size_t udp_to(uint8_t *f, uint32_t id, uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	uint8_t m[6];

	memset(f, 0, 60);
	netplan_mac(id, m);
	eth(f, m, ETHER_TYPE_IPV4);
	ipv4(f, gw_ip, vm_ip(id), 17, 8 + n);
	be16_put(f + 34, sport);
	be16_put(f + 36, dport);
	be16_put(f + 38, (uint32_t)(8 + n));
	memcpy(f + 42, data, n);
	be16_put(f + 40, l4_csum(f, 8 + n, 17));
	return 42 + n < 60 ? 60 : 42 + n;
}

/* A TCP segment from the gateway to VM id's port 80. */
static size_t tcp_to(uint8_t *f, uint32_t id, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags,
		     const void *data, size_t n)
{
	uint8_t m[6];

	memset(f, 0, 60);
	netplan_mac(id, m);
	eth(f, m, ETHER_TYPE_IPV4);
	ipv4(f, gw_ip, vm_ip(id), 6, 20 + n);
	be16_put(f + 34, sport);
	be16_put(f + 36, HTTP_PORT);
	be32_put(f + 38, seq);
	be32_put(f + 42, ack);
	f[46] = 5 << 4;
	f[47] = flags;
	be16_put(f + 48, 65535);
	memcpy(f + 54, data, n);
	be16_put(f + 50, l4_csum(f, 20 + n, 6));
	return 54 + n < 60 ? 60 : 54 + n;
}

/* Our ARP answer for the gateway address. */
static void arp_answer(const uint8_t *req)
{
	uint8_t f[60] = { 0 };

	eth(f, req + 6, ETHER_TYPE_ARP);
	memcpy(f + 14, req + 14, 6);
	be16_put(f + 20, 2);
	memcpy(f + 22, gw_mac, 6);
	be32_put(f + 28, gw_ip);
	memcpy(f + 32, req + 22, 10);
	send_record(f, 60);
}

static void on_tcp(const uint8_t *f, size_t len)
{
	const uint8_t *t = f + 34;
	size_t hl = (size_t)(t[12] >> 4) * 4, plen = be16_get(f + 16) - 20;
	uint8_t out[ETHER_FRAME_MAX];
	static const char req[] = "GET / HTTP/1.1\r\nHost: vm\r\n\r\n";

	if (len >= 54 && be16_get(t + 2) >= 40000 && be16_get(t + 2) < 40004 && (t[13] & 0x12) == 0x12) {
		sent.bad_echoes++;
		fprintf(stderr, "frameinject: a broken SYN was answered by %u.%u.%u.%u\n", f[26], f[27], f[28], f[29]);
	}
	if (len < 54 || be16_get(t + 2) != tcp.port || be32_get(f + 26) != vm_ip(tcp.vm) || hl < 20 || plen < hl)
		return;
	if (t[13] & 0x04) {
		tcp.state = tcp.state == 3 ? 3 : -1;
		return;
	}
	if (tcp.state == 1 && (t[13] & 0x12) == 0x12 && be32_get(t + 8) == tcp.iss + 1) {
		tcp.irs = be32_get(t + 4);
		send_record(out, tcp_to(out, tcp.vm, tcp.port, tcp.iss + 1, tcp.irs + 1, 0x18, req, sizeof(req) - 1));
		tcp.state = 2;
	} else if (tcp.state == 2 && plen > hl && plen - hl >= 12 && !memcmp(t + hl, "HTTP/1.1 200", 12)) {
		tcp.state = 3;
	}
}

static void on_udp(const uint8_t *f, size_t len)
{
	size_t n = be16_get(f + 38);

	if (len < 42 || n < 8 || 34 + n > len || be16_get(f + 34) != ECHO_PORT)
		return;
	n -= 8;
	if (n >= 3 && memmem(f + 42, n, "BAD", 3)) {
		sent.bad_echoes++;
		fprintf(stderr, "frameinject: a datagram that had to be dropped came back from %u.%u.%u.%u\n", f[26], f[27],
			f[28], f[29]);
	}
	if (n == strlen(echo_want) && !memcmp(f + 42, echo_want, n))
		echo_seen = 1;
}

static void on_icmp(const uint8_t *f, size_t len)
{
	if (len > 42 && f[34] == 0 && memmem(f + 42, len - 42, "BAD", 3)) {
		sent.bad_echoes++;
		fprintf(stderr, "frameinject: an ICMP echo that had to be dropped was answered\n");
	}
}

/* One frame from the NIC. */
static void on_frame(const uint8_t *f, size_t len)
{
	if (len >= 42 && be16_get(f + 12) == ETHER_TYPE_ARP && be16_get(f + 20) == 1 && be32_get(f + 38) == gw_ip) {
		arp_answer(f);
		return;
	}
	if (len < 34 || be16_get(f + 12) != ETHER_TYPE_IPV4 || memcmp(f, gw_mac, 6) != 0)
		return;
	if (f[23] == 17)
		on_udp(f, len);
	else if (f[23] == 6)
		on_tcp(f, len);
	else if (f[23] == 1)
		on_icmp(f, len);
}

/* Reads and handles records for up to secs. */
static void pump(double secs)
{
	static uint8_t buf[4 + MAXREC];
	static size_t have;
	double end = now_s() + secs;

	for (;;) {
		int ms = (int)((end - now_s()) * 1000);
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (ms < 0 || poll(&p, 1, ms) <= 0)
			return;
		ssize_t n = recv(sock, buf + have, sizeof(buf) - have, 0);
		if (n <= 0) {
			fprintf(stderr, "frameinject: QEMU closed the connection\n");
			exit(2);
		}
		have += (size_t)n;
		size_t len;
		while (have >= 4 && have >= 4 + (len = be32_get(buf))) {
			on_frame(buf + 4, len);
			memmove(buf, buf + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
		if (have >= 4 && be32_get(buf) > MAXREC) {
			fprintf(stderr, "frameinject: bad record length %u from QEMU\n", be32_get(buf));
			exit(2);
		}
	}
}

/* UDP echo from VM id: tries every 0.3 s for up to secs. */
static int echo_ok(uint32_t id, double secs)
{
	uint8_t f[128];
	double end = now_s() + secs;
	static unsigned k;

	snprintf(echo_want, sizeof(echo_want), "frameinject %u %u", id, k++);
	echo_seen = 0;
	while (!echo_seen && now_s() < end) {
		send_record(f, udp_to(f, id, (uint16_t)(20000 + k % 20000), ECHO_PORT, echo_want, strlen(echo_want)));
		for (int i = 0; i < 30 && !echo_seen; i++)
			pump(0.01);
	}
	return echo_seen;
}

/* GET / from VM id over a fresh connection: tries for up to secs; the connection is reset after. */
static int http_ok(uint32_t id, double secs)
{
	uint8_t f[128];
	double end = now_s() + secs;
	static uint16_t port = 30000;

	tcp.state = 0;
	while (tcp.state != 3 && now_s() < end) {
		tcp.vm = id;
		tcp.port = port++;
		tcp.iss = rnd();
		tcp.state = 1;
		send_record(f, tcp_to(f, id, tcp.port, tcp.iss, 0, 0x02, NULL, 0));
		for (int i = 0; i < 100 && tcp.state > 0 && tcp.state != 3; i++)
			pump(0.01);
	}
	send_record(f, tcp_to(f, id, tcp.port, tcp.iss + 1 + 28, 0, 0x04, NULL, 0));
	return tcp.state == 3;
}

/* Runts (1..13 bytes: a record of length 0 is sent last, see main) and oversized records. */
static void abuse_lengths(uint32_t id)
{
	static uint8_t f[MAXREC];
	static const size_t big[] = { 1515, 1518, 1600, 4096, 9018, 65535 };
	uint8_t m[6];

	netplan_mac(id, m);
	for (size_t len = 1; len < 14; len++) {
		for (size_t i = 0; i < len; i++)
			f[i] = i < 6 ? m[i] : (uint8_t)rnd();
		send_record(f, len);
		sent.runt++;
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		memset(f, 0, big[i]);
		udp_to(f, id, 5000, ECHO_PORT, "BAD oversized", 13);
		send_record(f, big[i]);
		sent.oversize++;
	}
}

static void abuse_ethertypes(uint32_t id)
{
	static const uint16_t types[] = { 0x86dd, 0x88b5, 0x8100, 0x0000, 0xffff, 0x0805, 0x8035, 0x05dc };
	uint8_t f[128];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t len = udp_to(f, id, 5001, ECHO_PORT, "BAD ethertype", 13);
		be16_put(f + 12, types[i]);
		send_record(f, len);
		sent.ethertype++;
	}
}

/* IPv4 headers the switch must refuse. */
static void abuse_ip_headers(uint32_t id)
{
	uint8_t f[128];
	size_t len;

	for (int k = 0; k < 8; k++) {
		len = udp_to(f, id, 5002, ECHO_PORT, "BAD ipheader", 12);
		switch (k) {
		case 0: len = 14 + 10; break;                              /* truncated header */
		case 1: f[14] = 0x65; ip_recsum(f); break;                  /* version 6 */
		case 2: f[14] = 0x44; break;                                /* IHL 4 */
		case 3: f[14] = 0x4f; ip_recsum(f); len = 60; break;        /* IHL 15 past the frame */
		case 4: be16_put(f + 16, 1400); ip_recsum(f); break;           /* total length past the frame */
		case 5: be16_put(f + 16, 12); ip_recsum(f); break;             /* total length < header */
		case 6: f[24] ^= 0x40; break;                               /* header checksum */
		case 7: be16_put(f + 16, 0); ip_recsum(f); break;              /* total length 0 */
		}
		send_record(f, len);
		sent.malformed++;
	}
}

static void abuse_arp(uint32_t id)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[60];

	for (int k = 0; k < 7; k++) {
		memset(f, 0, sizeof(f));
		eth(f, bc, ETHER_TYPE_ARP);
		be16_put(f + 14, 1);
		be16_put(f + 16, ETHER_TYPE_IPV4);
		f[18] = 6, f[19] = 4;
		be16_put(f + 20, 1);
		memcpy(f + 22, gw_mac, 6);
		be32_put(f + 28, gw_ip);
		be32_put(f + 38, vm_ip(id));
		size_t len = 60;
		switch (k) {
		case 0: f[18] = 8; break;
		case 1: f[19] = 16; break;
		case 2: be16_put(f + 14, 6); break;
		case 3: be16_put(f + 16, 0x86dd); break;
		case 4: be16_put(f + 20, 9); break;
		case 5: len = 30; break;
		case 6: len = 41; break;
		}
		send_record(f, len);
		sent.malformed++;
	}
}

/* IPv4 the switch passes and a netstack must drop: every one would be answered if it were taken. */
static void abuse_netstack_udp(uint32_t id)
{
	uint8_t f[128];
	size_t len;

	for (int k = 0; k < 8; k++) {
		len = udp_to(f, id, 5003, ECHO_PORT, "BAD netstack", 12);
		switch (k) {
		case 0: be16_put(f + 20, 0x2000); ip_recsum(f); break;        /* more fragments */
		case 1: be16_put(f + 20, 0x0010); ip_recsum(f); break;        /* a later fragment */
		case 2: f[41] ^= 0x55; break;                              /* UDP checksum */
		case 3: be16_put(f + 38, 200); f[40] = f[41] = 0; break;      /* UDP length past the packet */
		case 4: be16_put(f + 38, 4); f[40] = f[41] = 0; break;        /* UDP length < header */
		case 5: be16_put(f + 16, 24); ip_recsum(f); break;            /* UDP header cut by the IPv4 length */
		case 6: be32_put(f + 30, vm_ip(id) + 1000); ip_recsum(f); break;  /* another destination */
		case 7: be32_put(f + 26, 0x7f000001); ip_recsum(f); break;    /* from 127.0.0.1 */
		}
		send_record(f, len);
		sent.netstack++;
	}
	len = udp_to(f, id, 5003, ECHO_PORT, "BAD netstack", 12);   /* an unknown protocol */
	f[23] = 253;
	ip_recsum(f);
	send_record(f, len);
	sent.netstack++;
}

/* ICMP echo requests (bad checksum, truncated) and TCP segments that must get no answer. */
static void abuse_netstack_icmp_tcp(uint32_t id)
{
	uint8_t f[128], m[6];
	size_t len;

	netplan_mac(id, m);
	memset(f, 0, sizeof(f));
	eth(f, m, ETHER_TYPE_IPV4);
	ipv4(f, gw_ip, vm_ip(id), 1, 8 + 12);
	f[34] = 8;
	memcpy(f + 42, "BAD icmp....", 12);
	be16_put(f + 36, inet_csum_fold(inet_csum_add(0, f + 34, 20)) ^ 0x1234);  /* wrong checksum */
	send_record(f, 62);
	ipv4(f, gw_ip, vm_ip(id), 1, 4);                            /* truncated */
	send_record(f, 60);
	sent.netstack += 2;
	for (int k = 0; k < 4; k++) {
		len = tcp_to(f, id, (uint16_t)(40000 + k), rnd(), 0, 0x02, NULL, 0);
		switch (k) {
		case 0: f[51] ^= 0x33; break;                              /* checksum */
		case 1: f[46] = 4 << 4; be16_put(f + 50, 0); be16_put(f + 50, l4_csum(f, 20, 6)); break;  /* offset < 5 */
		case 2: f[46] = 15 << 4; be16_put(f + 50, 0); be16_put(f + 50, l4_csum(f, 20, 6)); break; /* offset past */
		case 3: be16_put(f + 16, 30); ip_recsum(f); break;            /* TCP header cut */
		}
		send_record(f, len);
		sent.netstack++;
	}
}

/* Frames for VM addresses nobody has. */
static void abuse_no_dest(void)
{
	uint8_t f[128];

	for (uint32_t id = 5000; id < 5004; id++) {
		send_record(f, udp_to(f, id, 5004, ECHO_PORT, "BAD nodest", 10));
		sent.no_dest++;
	}
}

/* Seeded random frames for VM id: any ethertype, IPv4 with a checksummed random header, ARP, random bytes. */
static void abuse_garbage(uint32_t id, int count)
{
	uint8_t f[ETHER_FRAME_MAX], m[6];

	netplan_mac(id, m);
	for (int k = 0; k < count; k++) {
		size_t len = ETHER_HLEN + rnd() % (ETHER_FRAME_MAX - ETHER_HLEN + 1);
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rnd();
		memcpy(f, m, 6);
		memcpy(f + 6, gw_mac, 6);
		if (k % 3 == 0 && len >= 34) {
			be16_put(f + 12, ETHER_TYPE_IPV4);
			f[14] = 0x45;
			be16_put(f + 16, (uint32_t)(len - 14 - rnd() % 8 % (len - 33)));
			f[20] &= 0x40;                                      /* not a fragment */
			f[21] = 0;
			f[22] |= 1;                                         /* TTL */
			f[23] = (uint8_t[]){ 1, 6, 17, (uint8_t)rnd() }[rnd() % 4];
			be32_put(f + 30, vm_ip(id));
			ip_recsum(f);
		} else if (k % 3 == 1) {
			be16_put(f + 12, ETHER_TYPE_ARP);
		}
		if (be16_get(f + 12) != ETHER_TYPE_IPV4 && be16_get(f + 12) != ETHER_TYPE_ARP)
			sent.ethertype++;
		send_record(f, len);
		sent.garbage++;
	}
}

static int parse_ids(const char *s, uint32_t *ids)
{
	int n = 0;
	char *end;

	if (!strcmp(s, "-"))
		return 0;
	while (*s && n < MAXVM) {
		ids[n++] = (uint32_t)strtoul(s, &end, 10);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* Every VM answers a valid request; false (said which) if one does not within secs. */
static int all_answer(const char *when, double secs)
{
	int ok = 1;

	for (int i = 0; i < n_udp; i++)
		if (!echo_ok(udp_ids[i], secs)) {
			printf("frameinject: %s: udp-echo VM %u does not answer\n", when, udp_ids[i]);
			ok = 0;
		}
	for (int i = 0; i < n_http; i++)
		if (!http_ok(http_ids[i], secs)) {
			printf("frameinject: %s: http VM %u does not answer GET /\n", when, http_ids[i]);
			ok = 0;
		}
	return ok;
}

static void abuse_all(void)
{
	uint32_t all[2 * MAXVM];
	int n = 0;

	for (int i = 0; i < n_udp; i++)
		all[n++] = udp_ids[i];
	for (int i = 0; i < n_http; i++)
		all[n++] = http_ids[i];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < n; i++) {
			abuse_lengths(all[i]);
			abuse_ethertypes(all[i]);
			abuse_ip_headers(all[i]);
			abuse_arp(all[i]);
			abuse_netstack_udp(all[i]);
			abuse_netstack_icmp_tcp(all[i]);
			abuse_garbage(all[i], 100);
			pump(0.05);
		}
	abuse_no_dest();
}

/* "stats" or "go" datagrams to the control port of the tests/net guests. */
static void control(const char *ids, const char *word)
{
	uint32_t v[MAXVM];
	uint8_t f[128];
	int n = parse_ids(ids, v);

	for (int rep = 0; rep < 3; rep++)
		for (int i = 0; i < n; i++) {
			send_record(f, udp_to(f, v[i], 5005, CTL_PORT, word, strlen(word)));
			pump(0.05);
		}
}

/* --spoof: frames to VM t in VM s's name, every one to be dropped by the switch (each "BAD": no echo may come). */
static void spoof(uint32_t t, uint32_t s)
{
	uint8_t f[128], ms[6], mt[6];
	size_t len;

	netplan_mac(s, ms);
	netplan_mac(t, mt);
	for (int k = 0; k < 10; k++) {
		len = udp_to(f, t, 5006, ECHO_PORT, "BAD spoof mac", 13);     /* its MAC */
		memcpy(f + 6, ms, 6);
		send_record(f, len);
		len = udp_to(f, t, 5006, ECHO_PORT, "BAD spoof ip", 12);      /* its IPv4 */
		be32_put(f + 26, vm_ip(s));
		ip_recsum(f);
		be16_put(f + 40, 0);
		be16_put(f + 40, l4_csum(f, 8 + 12, 17));
		send_record(f, len);
		memset(f, 0, 60);                                              /* ARP: its IPv4 is at our MAC */
		eth(f, mt, ETHER_TYPE_ARP);
		be16_put(f + 14, 1);
		be16_put(f + 16, ETHER_TYPE_IPV4);
		f[18] = 6, f[19] = 4;
		be16_put(f + 20, 2);
		memcpy(f + 22, gw_mac, 6);
		be32_put(f + 28, vm_ip(s));
		memcpy(f + 32, mt, 6);
		be32_put(f + 38, vm_ip(t));
		send_record(f, 60);
		sent.spoofed += 3;
		pump(0.01);
	}
	printf("frameinject: sent spoofed=%u\n", sent.spoofed);
}

static struct {
	const char *sock, *stats, *go, *spoof;
	int abuse, zero;
} opt = { .abuse = 1 };

static int parse_args(int argc, char **argv)
{
	struct in_addr a;

	if (argc < 3 || inet_pton(AF_INET, argv[2], &a) != 1)
		return -1;
	opt.sock = argv[1];
	net_base = ntohl(a.s_addr);
	gw_ip = netplan_gateway(net_base);
	for (int i = 3; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--no-abuse"))
			opt.abuse = 0;
		else if (!strcmp(argv[i], "--zero"))
			opt.zero = 1;
		else if (v && !strcmp(argv[i], "--udp") && (n_udp = parse_ids(v, udp_ids)) >= 0)
			i++;
		else if (v && !strcmp(argv[i], "--http") && (n_http = parse_ids(v, http_ids)) >= 0)
			i++;
		else if (v && !strcmp(argv[i], "--stats"))
			opt.stats = argv[++i];
		else if (v && !strcmp(argv[i], "--go"))
			opt.go = argv[++i];
		else if (v && !strcmp(argv[i], "--spoof") && strchr(v, ':'))
			opt.spoof = argv[++i];
		else
			return -1;
	}
	return 0;
}

/* The abuse, what it sent, and whether every VM still answers. */
static int abuse_and_check(void)
{
	double t0 = now_s();

	abuse_all();
	double t1 = now_s();
	pump(1.0);                                    /* anything that would come back, comes back now */
	printf("frameinject: sent runt=%u oversize=%u ethertype=%u malformed=%u no_dest=%u netstack=%u garbage=%u"
	       " in %.2f s\n", sent.runt, sent.oversize, sent.ethertype, sent.malformed, sent.no_dest, sent.netstack,
	       sent.garbage, t1 - t0);
	return all_answer("after", 20);
}

/* A record of length 0, then: do frames still get through? */
static void zero_record(void)
{
	send_record(NULL, 0);
	if (n_udp)
		printf("frameinject: after a record of length 0, udp-echo VM %u %s\n", udp_ids[0],
		       echo_ok(udp_ids[0], 2) ? "still answers" : "is no longer reached (QEMU holds the 0-byte packet)");
}

int main(int argc, char **argv)
{
	int ok = 1;

	if (parse_args(argc, argv) < 0) {
		fprintf(stderr, "usage: frameinject SOCK SUBNET_BASE [--udp IDS] [--http IDS] [--no-abuse] [--stats IDS]"
			" [--go IDS] [--zero] [--spoof T:S]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((sock = connect_to(opt.sock, 60)) < 0) {
		fprintf(stderr, "frameinject: cannot connect to %s\n", opt.sock);
		return 2;
	}
	if (!all_answer("before", 60))
		return 1;
	if (opt.abuse)
		ok = abuse_and_check();
	if (opt.stats)
		control(opt.stats, "stats");
	if (opt.go)
		control(opt.go, "go");
	if (opt.spoof)
		spoof((uint32_t)strtoul(opt.spoof, NULL, 10), (uint32_t)strtoul(strchr(opt.spoof, ':') + 1, NULL, 10));
	pump(0.5);
	if (opt.zero)
		zero_record();
	if (sent.bad_echoes)
		printf("frameinject: %u answers to frames that had to be dropped\n", sent.bad_echoes);
	ok = ok && !sent.bad_echoes;
	printf("frameinject: %s: %d udp-echo and %d http VMs answered%s\n", ok ? "ok" : "FAILED", n_udp, n_http,
	       opt.abuse ? " before and after the abuse, none answered a bad frame" : "");
	return ok ? 0 : 1;
}
