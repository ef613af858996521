/* test_net_harness.c - netstack's test harness (fake hosts, frame builders, see netstack/ns_test.h) and its checksum suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "byteorder.h"
#include "../../netstack/ns_test.h"

const uint8_t NT_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t NT_PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x03 };


/* An independent checksum (not netstack's): sum of 16-bit words, folded, complemented. */
uint16_t nt_csum(const void *d, size_t n, uint32_t init)
{
	const uint8_t *p = d;
	uint64_t s = init;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16_get(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

static uint64_t h_now(void *ctx) { return ((struct nt_host *)ctx)->now; }

static uint32_t h_random(void *ctx)
{
	struct nt_host *h = ctx;
	h->rnd ^= h->rnd << 13;
	h->rnd ^= h->rnd >> 17;
	h->rnd ^= h->rnd << 5;
	return h->rnd;
}

static void h_send(void *ctx, const void *f, size_t len)
{
	struct nt_host *h = ctx;
	if (h->nsent < NT_MAXSENT) {
		memcpy(h->sent[h->nsent], f, len);
		h->len[h->nsent] = len;
	}
	h->nsent++;
	if (h->tap)
		h->tap(h, f, len, h->tap_arg);
}

struct nt_host *nt_new(const uint8_t mac[6], uint32_t ip, const struct ns_config *tmpl)
{
	struct nt_host *h = calloc(1, sizeof(*h));
	struct ns_config c;
	if (tmpl)
		c = *tmpl;
	else
		memset(&c, 0, sizeof(c));
	memcpy(c.mac, mac, 6);
	c.ipv4 = ip;
	c.netmask = 0xffffff00u;
	c.gateway = NT_GW;
	h->rnd = 0x9e3779b9u ^ ip;
	h->now = 1000000000ull;
	struct ns_env env = { .ctx = h, .now_ns = h_now, .send_frame = h_send, .random = h_random };
	h->st = ns_create(&env, &c);
	if (!h->st) {
		free(h);
		return NULL;
	}
	return h;
}

void nt_free(struct nt_host *h)
{
	if (h) {
		ns_destroy(h->st);
		free(h);
	}
}

void nt_clear(struct nt_host *h) { h->nsent = 0; }

uint32_t nt_drops(const struct ns_stack *st)
{
	const struct ns_stats *s = ns_get_stats(st);
	uint32_t d = 0;
	for (int i = 1; i < NS_DROP_COUNT; i++)
		d += s->drop[i];
	return d;
}

int nt_stats_ok(const struct ns_stack *st)
{
	const struct ns_stats *s = ns_get_stats(st);
	return s->rx_frames == s->rx_ok + nt_drops(st) && s->drop[0] == 0;
}

void nt_input(struct nt_host *h, const void *f, size_t len)
{
	ns_input(h->st, f, len);
	CU_ASSERT(nt_stats_ok(h->st));
}

static size_t eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	be16_put(buf + 12, type);
	return 14;
}

size_t nt_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	eth(buf, op == 1 ? bc : tha, sha, 0x0806);
	uint8_t *p = buf + 14;
	be16_put(p, 1);
	be16_put(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	be16_put(p + 6, op);
	memcpy(p + 8, sha, 6);
	be32_put(p + 14, spa);
	memcpy(p + 18, op == 1 ? zero : tha, 6);
	be32_put(p + 24, tpa);
	memset(buf + 42, 0, 18);                 /* Ethernet padding to 60 bytes */
	return 60;
}

size_t nt_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, const void *payload, size_t plen)
{
	eth(buf, dst == 0xffffffffu ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff" : NT_MAC, NT_PEER_MAC, 0x0800);
	uint8_t *p = buf + 14;
	p[0] = 0x45;
	p[1] = 0;
	be16_put(p + 2, (uint16_t)(20 + plen));
	be16_put(p + 4, 0x1234);
	be16_put(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	be16_put(p + 10, 0);
	be32_put(p + 12, src);
	be32_put(p + 16, dst);
	be16_put(p + 10, nt_csum(p, 20, 0));
	if (payload != p + 20)
		memmove(p + 20, payload, plen);
	return 34 + plen;
}

size_t nt_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *d, size_t n)
{
	uint8_t *u = buf + 34;
	be16_put(u, sport);
	be16_put(u + 2, dport);
	be16_put(u + 4, (uint16_t)(8 + n));
	be16_put(u + 6, 0);
	memmove(u + 8, d, n);
	uint16_t c = nt_csum(u, 8 + n, pseudo(src, dst, 17, 8 + n));
	be16_put(u + 6, c ? c : 0xffff);
	return nt_ip(buf, src, dst, 17, u, 8 + n);
}

size_t nt_tcp(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
              uint16_t wnd, uint16_t mss, const void *d, size_t n)
{
	uint8_t *t = buf + 34;
	size_t hl = mss ? 24 : 20;
	be16_put(t, sport);
	be16_put(t + 2, dport);
	be32_put(t + 4, seq);
	be32_put(t + 8, ack);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = flags;
	be16_put(t + 14, wnd);
	be16_put(t + 16, 0);
	be16_put(t + 18, 0);
	if (mss) {
		t[20] = 2;
		t[21] = 4;
		be16_put(t + 22, mss);
	}
	if (n)
		memmove(t + hl, d, n);
	be16_put(t + 16, nt_csum(t, hl + n, pseudo(NT_PEER_IP, NT_IP, 6, hl + n)));
	return nt_ip(buf, NT_PEER_IP, NT_IP, 6, t, hl + n);
}

size_t nt_icmp_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, const void *d, size_t n)
{
	uint8_t *p = buf + 34;
	p[0] = 8;
	p[1] = 0;
	be16_put(p + 2, 0);
	be16_put(p + 4, id);
	be16_put(p + 6, seq);
	memmove(p + 8, d, n);
	be16_put(p + 2, nt_csum(p, 8 + n, 0));
	return nt_ip(buf, src, dst, 1, p, 8 + n);
}

int nt_parse_tcp(const uint8_t *f, size_t len, struct nt_tcp *t)
{
	if (len < 54 || be16_get(f + 12) != 0x0800 || f[14] != 0x45 || f[23] != 6 || nt_csum(f + 14, 20, 0) != 0)
		return 0;
	size_t tot = be16_get(f + 16);
	if (tot < 40 || tot + 14 > len)
		return 0;
	const uint8_t *p = f + 34;
	size_t tl = tot - 20, hl = (size_t)(p[12] >> 4) * 4;
	t->src = be32_get(f + 26);
	t->dst = be32_get(f + 30);
	if (hl < 20 || hl > tl || nt_csum(p, tl, pseudo(t->src, t->dst, 6, tl)) != 0)
		return 0;
	t->sport = be16_get(p);
	t->dport = be16_get(p + 2);
	t->seq = be32_get(p + 4);
	t->ack = be32_get(p + 8);
	t->flags = p[13];
	t->wnd = be16_get(p + 14);
	t->mss = hl >= 24 && p[20] == 2 && p[21] == 4 ? be16_get(p + 22) : 0;
	t->data = p + hl;
	t->dlen = tl - hl;
	return 1;
}

void nt_learn_peer(struct nt_host *h)
{
	uint8_t f[ETHER_FRAME_MAX];
	nt_input(h, f, nt_arp(f, 1, NT_PEER_MAC, NT_PEER_IP, NULL, NT_IP));
}

int nt_linked(const char *suite)
{
	if (ns_create)
		return 1;
	printf("%s: skipped, netstack is not linked (tests/unit/unit.mk needs UNIT_SRCS += $(NETSTACK_SRCS))\n",
	       suite);
	return 0;
}

/* ---- suite: the checksum ---- */

static void test_csum_rfc1071(void)
{
	/* RFC 1071 section 3 example: the one's-complement sum of these words is ddf2. */
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CU_ASSERT_EQUAL(nt_csum(d, sizeof(d), 0), (uint16_t)~0xddf2);
}

/* The stack's checksums agree with the harness's on the frames it sends (ICMP echo reply, odd length). */
static void test_csum_odd_lengths(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	uint8_t f[ETHER_FRAME_MAX], data[200];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_learn_peer(h);
	for (size_t n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(n * 7 + 1);
	for (size_t n = 0; n < sizeof(data); n += 13) {
		nt_clear(h);
		nt_input(h, f, nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, (uint16_t)n, data, n));
		CU_ASSERT_EQUAL_FATAL(h->nsent, 1);
		CU_ASSERT_EQUAL(nt_csum(h->sent[0] + 14, 20, 0), 0);
		CU_ASSERT_EQUAL(nt_csum(h->sent[0] + 34, 8 + n, 0), 0);
		CU_ASSERT_EQUAL(h->sent[0][34], 0);
		CU_ASSERT(memcmp(h->sent[0] + 42, data, n) == 0);
	}
	nt_free(h);
}

int unit_suite_net_harness(void)
{
	if (!nt_linked("net_checksum"))
		return 0;
	CU_pSuite s = CU_add_suite("net_checksum", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "RFC 1071 example", test_csum_rfc1071);
	CU_add_test(s, "echo replies checksum at every length", test_csum_odd_lengths);
	return 0;
}
