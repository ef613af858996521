/* test_net_basic.c - CUnit suite for netstack's Ethernet, ARP, IPv4, ICMP echo and UDP, driven with crafted frames. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../netstack/ns_test.h"
#include "../../netstack/ns_int.h"

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t OTHER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x09 };

static void test_arp_reply(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_input(h, f, nt_arp(f, 1, NT_PEER_MAC, NT_PEER_IP, NULL, NT_IP));
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	const uint8_t *r = h->sent[0];
	CU_ASSERT(memcmp(r, NT_PEER_MAC, 6) == 0);
	CU_ASSERT(memcmp(r + 6, NT_MAC, 6) == 0);
	CU_ASSERT_EQUAL(be16_get(r + 12), 0x0806);
	CU_ASSERT_EQUAL(be16_get(r + 20), 2);
	CU_ASSERT(memcmp(r + 22, NT_MAC, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(r + 28), NT_IP);
	CU_ASSERT(memcmp(r + 32, NT_PEER_MAC, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(r + 38), NT_PEER_IP);
	/* A request for another host is not answered and does not fill the cache. */
	nt_clear(h);
	nt_input(h, f, nt_arp(f, 1, OTHER_MAC, 0x0a000009, NULL, 0x0a000004));
	CU_ASSERT_EQUAL(h->nsent, 0);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->arp_not_ours, 1);
	nt_free(h);
}

/* Sending to an unresolved address asks ARP, holds the packet, sends it on the reply; then the cache hits. */
static void test_arp_resolve_pending(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *u = ns_udp_open(h->st, 5000, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, NT_PEER_IP, 7, "first", 5), 5);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, NT_PEER_IP, 7, "second", 6), 6);   /* replaces the held one */
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	CU_ASSERT(memcmp(h->sent[0], BCAST, 6) == 0);
	CU_ASSERT_EQUAL(be16_get(h->sent[0] + 20), 1);
	CU_ASSERT_EQUAL(be32_get(h->sent[0] + 38), NT_PEER_IP);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->arp_pending_replaced, 1);
	CU_ASSERT(ns_next_deadline(h->st) == h->now + 1000000000ull);
	nt_clear(h);
	nt_input(h, f, nt_arp(f, 2, NT_PEER_MAC, NT_PEER_IP, NT_MAC, NT_IP));
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	CU_ASSERT(memcmp(h->sent[0], NT_PEER_MAC, 6) == 0);
	CU_ASSERT_EQUAL(be16_get(h->sent[0] + 12), 0x0800);
	CU_ASSERT(memcmp(h->sent[0] + 42, "second", 6) == 0);
	CU_ASSERT_EQUAL(ns_next_deadline(h->st), UINT64_MAX);
	nt_clear(h);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, NT_PEER_IP, 7, "third", 5), 5);
	CU_ASSERT_EQUAL(h->nsent, 1);
	CU_ASSERT(memcmp(h->sent[0], NT_PEER_MAC, 6) == 0);
	/* Off-link destinations go to the gateway's MAC (resolved first). */
	nt_clear(h);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, 0x08080808, 53, "q", 1), 1);
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	CU_ASSERT_EQUAL(be32_get(h->sent[0] + 38), NT_GW);
	ns_close(u);
	nt_free(h);
}

/* No reply: three requests a second apart, then the held packet is dropped and counted. */
static void test_arp_timeout(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *u = ns_udp_open(h->st, 0, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT(ns_local_port(u) >= 49152);
	ns_udp_sendto(u, NT_PEER_IP, 7, "x", 1);
	for (int i = 0; i < 5; i++) {
		uint64_t d = ns_next_deadline(h->st);
		if (d == UINT64_MAX)
			break;
		h->now = d;
		ns_timers(h->st, d);
	}
	CU_ASSERT_EQUAL(h->nsent, 3);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->arp_timeouts, 1);
	CU_ASSERT_EQUAL(ns_next_deadline(h->st), UINT64_MAX);
	ns_close(u);
	nt_free(h);
}

/* The cache holds NS_ARP_ENTRIES; more hosts evict the oldest, and everything keeps working. */
static void test_arp_cache_full(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX], mac[6] = { 2, 0, 0, 0, 1, 0 };
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (int i = 0; i < 3 * NS_ARP_ENTRIES; i++) {
		mac[5] = (uint8_t)(10 + i);
		h->now += 1000;
		nt_input(h, f, nt_arp(f, 1, mac, 0x0a000000u + 10 + (uint32_t)i, NULL, NT_IP));
	}
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->rx_ok, 3 * NS_ARP_ENTRIES);
	struct ns_sock *u = ns_udp_open(h->st, 9, 0, NULL, NULL);
	nt_clear(h);
	ns_udp_sendto(u, 0x0a000000u + 10 + 3 * NS_ARP_ENTRIES - 1, 7, "x", 1);     /* the newest: cached */
	CU_ASSERT_EQUAL(be16_get(h->sent[0] + 12), 0x0800);
	nt_clear(h);
	ns_udp_sendto(u, 0x0a000000u + 10, 7, "x", 1);                               /* the oldest: evicted */
	CU_ASSERT_EQUAL(be16_get(h->sent[0] + 12), 0x0806);
	ns_close(u);
	nt_free(h);
}

static void test_icmp_echo(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_learn_peer(h);
	nt_clear(h);
	nt_input(h, f, nt_icmp_echo(f, NT_PEER_IP, NT_IP, 0x77, 3, "ping!", 5));
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	const uint8_t *r = h->sent[0];
	CU_ASSERT(memcmp(r, NT_PEER_MAC, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(r + 26), NT_IP);
	CU_ASSERT_EQUAL(be32_get(r + 30), NT_PEER_IP);
	CU_ASSERT_EQUAL(r[34], 0);
	CU_ASSERT_EQUAL(be16_get(r + 38), 0x77);
	CU_ASSERT_EQUAL(be16_get(r + 40), 3);
	CU_ASSERT(memcmp(r + 42, "ping!", 5) == 0);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->icmp_echo_replies, 1);
	/* Broadcast pings and non-echo messages are not answered. */
	nt_clear(h);
	nt_input(h, f, nt_icmp_echo(f, NT_PEER_IP, 0x0a0000ff, 1, 1, "", 0));
	size_t n = nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, 1, "", 0);
	f[34] = 13;                              /* timestamp request, checksum fixed below */
	f[36] = f[37] = 0;
	uint16_t c = nt_csum(f + 34, 8, 0);
	f[36] = (uint8_t)(c >> 8);
	f[37] = (uint8_t)c;
	nt_input(h, f, n);
	CU_ASSERT_EQUAL(h->nsent, 0);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->icmp_unhandled, 2);
	nt_free(h);
}

/* Each malformed IPv4 header lands on its own counter and gets no answer. */
static void test_ip_validation(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX];
	size_t n;
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_learn_peer(h);
	nt_clear(h);
	const struct ns_stats *s = ns_get_stats(h->st);
#define MUTATE(stmt, counter) do { \
		n = nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, 1, "abcd", 4); \
		stmt; \
		uint32_t before = s->counter; \
		nt_input(h, f, n); \
		CU_ASSERT_EQUAL(s->counter, before + 1); \
	} while (0)
	MUTATE(n = 20, ip_short);
	MUTATE(f[14] = 0x65, ip_bad_version);
	MUTATE(f[14] = 0x44, ip_bad_hlen);
	MUTATE(f[14] = 0x4f, ip_bad_hlen);
	MUTATE((f[16] = 0, f[17] = 19), ip_bad_len);
	MUTATE(f[17] += 1, ip_bad_len);
	MUTATE(f[24] ^= 1, ip_bad_csum);
	MUTATE((f[22] = 0, f[24] = 0, f[25] = 0, f[24] = (uint8_t)(nt_csum(f + 14, 20, 0) >> 8),
	        f[25] = (uint8_t)nt_csum(f + 14, 20, 0)), ip_ttl_zero);
	MUTATE(n = nt_ip(f, NT_PEER_IP, 0x0a000004, 1, f + 34, 12), ip_not_ours);
	MUTATE(n = nt_ip(f, 0x7f000001, NT_IP, 1, f + 34, 12), ip_bad_src);
	MUTATE(n = nt_ip(f, NT_PEER_IP, NT_IP, 99, f + 34, 12), ip_unknown_proto);
	MUTATE(f[12] = 0x86, eth_unknown_type);
	MUTATE(n = 13, eth_short);
	MUTATE(n = 1515, eth_oversize);
	MUTATE(f[0] = 0x01, eth_not_ours);
	MUTATE(f[37] ^= 0x40, icmp_bad_csum);
	/* A fragment (MF set), with a correct header checksum. */
	n = nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, 1, "abcd", 4);
	f[20] = 0x20;
	f[24] = f[25] = 0;
	uint16_t c = nt_csum(f + 14, 20, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	nt_input(h, f, n);
	CU_ASSERT_EQUAL(s->ip_fragment, 1);
	/* Ethernet padding after the IP packet is ignored. */
	n = nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, 1, "abcd", 4);
	memset(f + n, 0xee, 60 - n);
	nt_input(h, f, 60);
	CU_ASSERT_EQUAL(h->nsent, 1);
	CU_ASSERT_EQUAL(s->rx_frames, 1 + 16 + 2);
	CU_ASSERT(nt_stats_ok(h->st));
#undef MUTATE
	nt_free(h);
}

struct echo_ctx { int events; };

static void udp_echo_cb(struct ns_sock *s, unsigned ev, void *arg)
{
	struct echo_ctx *e = arg;
	uint8_t buf[64];
	uint32_t ip;
	uint16_t port;
	int n;
	e->events++;
	CU_ASSERT(ev & NS_EV_READABLE);
	while ((n = ns_udp_recvfrom(s, buf, sizeof(buf), &ip, &port)) >= 0)
		ns_udp_sendto(s, ip, port, buf, (size_t)n);
}

/* A UDP echo service: datagrams come back with ports swapped; a full queue and unbound ports are counted. */
static void test_udp_echo(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	struct echo_ctx e = { 0 };
	uint8_t f[ETHER_FRAME_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *u = ns_udp_open(h->st, 7, 64, udp_echo_cb, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_PTR_NULL(ns_udp_open(h->st, 7, 0, NULL, NULL));
	nt_learn_peer(h);
	nt_clear(h);
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 4444, 7, "hello", 5));
	CU_ASSERT_EQUAL(e.events, 1);
	CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
	const uint8_t *r = h->sent[0];
	CU_ASSERT_EQUAL(be16_get(r + 34), 7);
	CU_ASSERT_EQUAL(be16_get(r + 36), 4444);
	CU_ASSERT_EQUAL(be16_get(r + 38), 13);
	CU_ASSERT(memcmp(r + 42, "hello", 5) == 0);
	CU_ASSERT_EQUAL(nt_csum(r + 34, 13, (NT_IP >> 16) + (NT_IP & 0xffff) + (NT_PEER_IP >> 16) +
	                                    (NT_PEER_IP & 0xffff) + 17 + 13), 0);
	/* No checksum (0) is allowed; a wrong one is not. */
	size_t n = nt_udp(f, NT_PEER_IP, NT_IP, 4444, 7, "x", 1);
	f[40] = f[41] = 0;
	nt_input(h, f, n);
	CU_ASSERT_EQUAL(h->nsent, 2);
	n = nt_udp(f, NT_PEER_IP, NT_IP, 4444, 7, "x", 1);
	f[41] ^= 1;
	nt_input(h, f, n);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_bad_csum, 1);
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 4444, 8, "x", 1));
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_no_port, 1);
	n = nt_udp(f, NT_PEER_IP, NT_IP, 4444, 7, "xyz", 3);
	f[38] = 0;
	f[39] = 12;                              /* UDP length beyond the IP payload */
	nt_input(h, f, n);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_bad_len, 1);
	ns_close(u);
	/* Without a callback: a 64-byte queue takes one 40-byte datagram (plus 8 bytes of bookkeeping). */
	u = ns_udp_open(h->st, 7, 64, NULL, NULL);
	uint8_t d[40] = { 1, 2, 3 }, out[40];
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 1, 7, d, 40));
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 2, 7, d, 40));
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_rcvbuf_full, 1);
	CU_ASSERT_EQUAL(ns_events(u), NS_EV_READABLE | NS_EV_WRITABLE);
	uint16_t port = 0;
	CU_ASSERT_EQUAL(ns_udp_recvfrom(u, out, 10, NULL, &port), 10);   /* truncated */
	CU_ASSERT_EQUAL(port, 1);
	CU_ASSERT(memcmp(out, d, 10) == 0);
	CU_ASSERT_EQUAL(ns_udp_recvfrom(u, out, sizeof(out), NULL, NULL), NS_EAGAIN);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, NT_PEER_IP, 1, d, 1473), NS_EMSGSIZE);
	CU_ASSERT_EQUAL(ns_udp_sendto(u, NT_IP, 1, d, 1), NS_ENOROUTE);
	ns_close(u);
	nt_free(h);
}

/* What a callback of test_udp_lent does on each event: read none, one or all of the datagrams, or close. */
struct lent_ctx {
	int mode;                /* 0: read none, 1: read one, 2: read all, 3: close the socket */
	int events, got;
	uint8_t data[4][32];
	int len[4];
};

static void lent_cb(struct ns_sock *s, unsigned ev, void *arg)
{
	struct lent_ctx *c = arg;
	int n;

	(void)ev;
	c->events++;
	if (c->mode == 3) {
		ns_close(s);
		return;
	}
	while (c->mode && c->got < 4 && (n = ns_udp_recvfrom(s, c->data[c->got], 32, NULL, NULL)) >= 0) {
		c->len[c->got++] = n;
		if (c->mode == 1)
			break;
	}
}

/* Datagrams are the same bytes whether the callback reads them at once (from the frame), later (from the ring, the
 * frame's buffer overwritten in between) or never: each arrives at an empty ring and is left unread, partly read,
 * or queued behind others; a callback that closes its socket leaves nothing behind. */
static void test_udp_lent(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	struct lent_ctx c = { .mode = 0 };
	uint8_t f[ETHER_FRAME_MAX], out[32];
	static const char *const msg[4] = { "first", "second datagram", "3", "fourth, the last one" };
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *u = ns_udp_open(h->st, 9, 256, lent_cb, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	/* Unread: copied into the ring before ns_input returns. */
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 1, 9, msg[0], strlen(msg[0])));
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 2, 9, msg[1], strlen(msg[1])));
	memset(f, 0xee, sizeof(f));
	CU_ASSERT_EQUAL(c.events, 2);
	CU_ASSERT_EQUAL(ns_udp_recvfrom(u, out, sizeof(out), NULL, NULL), (int)strlen(msg[0]));
	CU_ASSERT(memcmp(out, msg[0], strlen(msg[0])) == 0);
	/* Read one per event: the queued one, while the new one waits behind it. */
	c.mode = 1;
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 3, 9, msg[2], strlen(msg[2])));
	CU_ASSERT_EQUAL_FATAL(c.got, 1);
	CU_ASSERT(c.len[0] == (int)strlen(msg[1]) && memcmp(c.data[0], msg[1], strlen(msg[1])) == 0);
	memset(f, 0xee, sizeof(f));
	/* Read all: the queued one, then the new one from its frame. */
	c.mode = 2;
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 4, 9, msg[3], strlen(msg[3])));
	CU_ASSERT_EQUAL_FATAL(c.got, 3);
	CU_ASSERT(c.len[1] == (int)strlen(msg[2]) && memcmp(c.data[1], msg[2], strlen(msg[2])) == 0);
	CU_ASSERT(c.len[2] == (int)strlen(msg[3]) && memcmp(c.data[2], msg[3], strlen(msg[3])) == 0);
	CU_ASSERT_EQUAL(ns_events(u), NS_EV_WRITABLE);
	/* Read at once from an empty ring, truncated; the ring is empty after. */
	c.got = 0;
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 5, 9, msg[3], 21));
	CU_ASSERT(c.got == 1 && c.len[0] == 21 && memcmp(c.data[0], msg[3], 21) == 0);
	CU_ASSERT_EQUAL(ns_udp_recvfrom(u, out, sizeof(out), NULL, NULL), NS_EAGAIN);
	/* Closed by its callback with a datagram lent. */
	c.mode = 3;
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 6, 9, msg[0], strlen(msg[0])));
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_no_port, 0);
	nt_input(h, f, nt_udp(f, NT_PEER_IP, NT_IP, 6, 9, msg[0], strlen(msg[0])));
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->udp_no_port, 1);
	nt_free(h);
}

static void test_config(void)
{
	struct ns_env env = { 0 };
	struct ns_config c = { .ipv4 = NT_IP };
	CU_ASSERT_PTR_NULL(ns_create(&env, &c));
	CU_ASSERT_STRING_EQUAL(ns_drop_name(NS_DROP_tcp_bad_csum), "tcp_bad_csum");
	CU_ASSERT_STRING_EQUAL(ns_drop_name(0), "?");
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *s[9];
	for (int i = 0; i < 8; i++)
		s[i] = ns_udp_open(h->st, (uint16_t)(100 + i), 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(s[7]);
	CU_ASSERT_PTR_NULL(ns_udp_open(h->st, 200, 0, NULL, NULL));   /* default table: 8 sockets */
	for (int i = 0; i < 8; i++)
		ns_close(s[i]);
	nt_free(h);
}

int unit_suite_net_basic(void)
{
	if (!nt_linked("net_basic"))
		return 0;
	CU_pSuite s = CU_add_suite("net_basic", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "ARP request answered", test_arp_reply);
	CU_add_test(s, "ARP resolves, holds a packet, caches", test_arp_resolve_pending);
	CU_add_test(s, "ARP gives up after three requests", test_arp_timeout);
	CU_add_test(s, "ARP cache eviction", test_arp_cache_full);
	CU_add_test(s, "ICMP echo", test_icmp_echo);
	CU_add_test(s, "IPv4/Ethernet validation counters", test_ip_validation);
	CU_add_test(s, "UDP echo, checksums, queue limits", test_udp_echo);
	CU_add_test(s, "UDP datagrams read in the callback, later or never", test_udp_lent);
	CU_add_test(s, "config and limits", test_config);
	return 0;
}
