/* test_net_fuzz.c - CUnit suite: 20,000 random mutations of valid frames; no crash, the stack stays usable, every frame counted once. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../netstack/ns_test.h"

#define FUZZ_ROUNDS 20000

static uint32_t rng = 0xc0ffee11u;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* One valid frame of a random kind: ARP, ICMP echo, UDP, TCP SYN, TCP data/ACK/FIN/RST on a live flow. */
static size_t valid_frame(uint8_t *f, uint32_t peer_seq, uint32_t our_seq)
{
	static const uint8_t data[64] = "fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuzz fuz";
	size_t n = rnd() % sizeof(data);
	switch (rnd() % 7) {
	case 0:
		return nt_arp(f, (uint16_t)(1 + rnd() % 2), NT_PEER_MAC, NT_PEER_IP, NT_MAC, NT_IP);
	case 1:
		return nt_icmp_echo(f, NT_PEER_IP, NT_IP, 1, (uint16_t)rnd(), data, n);
	case 2:
		return nt_udp(f, NT_PEER_IP, NT_IP, 1234, 7, data, n);
	case 3:
		return nt_tcp(f, (uint16_t)(1024 + rnd() % 64), 80, rnd(), 0, NT_SYN, 4096, 1460, NULL, 0);
	default: {
		static const uint8_t flags[] = { NT_ACK, NT_ACK | NT_PSH, NT_ACK | NT_FIN, NT_RST, NT_ACK | NT_RST };
		return nt_tcp(f, 40000, 80, peer_seq + rnd() % 3000, our_seq + rnd() % 64, flags[rnd() % 5],
		              (uint16_t)rnd(), 0, data, n);
	}
	}
}

static size_t mutate(uint8_t *f, size_t n)
{
	switch (rnd() % 6) {
	case 0:                                  /* truncate */
		return rnd() % (n + 1);
	case 1:                                  /* extend with garbage, sometimes oversized */
		for (size_t m = n + 1 + rnd() % 1600; n < m && n < 1600; n++)
			f[n] = (uint8_t)rnd();
		return n;
	case 2: {                                /* a header length or total length field */
		static const int at[] = { 14, 16, 17, 38, 39, 46, 20, 21 };
		f[at[rnd() % 8]] = (uint8_t)rnd();
		return n;
	}
	default:                                 /* flip 1 to 4 random bytes */
		for (int k = 1 + (int)(rnd() % 4); k > 0 && n; k--)
			f[rnd() % n] ^= (uint8_t)(1 + rnd() % 255);
		return n;
	}
}

static void test_fuzz(void)
{
	static uint8_t f[1700];
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct ns_sock *l = ns_tcp_listen(h->st, 80, 4, 0, 0, NULL, NULL);
	struct ns_sock *u = ns_udp_open(h->st, 7, 0, NULL, NULL);
	CU_ASSERT_FATAL(l && u);
	nt_learn_peer(h);
	nt_clear(h);
	nt_input(h, f, nt_tcp(f, 40000, 80, 100, 0, NT_SYN, 8192, 1460, NULL, 0));
	struct nt_tcp t;
	CU_ASSERT_FATAL(nt_parse_tcp(h->sent[0], h->len[0], &t));
	uint32_t our = t.seq + 1;
	nt_input(h, f, nt_tcp(f, 40000, 80, 101, our, NT_ACK, 8192, 0, NULL, 0));
	struct ns_sock *s = ns_tcp_accept(l, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	const struct ns_stats *st = ns_get_stats(h->st);
	uint32_t frames0 = st->rx_frames, ok0 = st->rx_ok;
	int bad = 0;
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		size_t n = valid_frame(f, 101, our);
		if (rnd() % 8)                       /* one in eight goes in unmutated */
			n = mutate(f, n);
		ns_input(h->st, f, n);
		bad += !nt_stats_ok(h->st);
		if (i % 64 == 0) {                   /* keep the sockets drained, timers running */
			uint8_t buf[2048];
			while (ns_recv(s, buf, sizeof(buf)) > 0)
				;
			while (ns_udp_recvfrom(u, buf, sizeof(buf), NULL, NULL) >= 0)
				;
			h->now += 250000000;
			ns_timers(h->st, h->now);
			struct ns_sock *c;
			while ((c = ns_tcp_accept(l, NULL, NULL)))
				ns_close(c);
		}
		nt_clear(h);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(st->rx_frames - frames0, FUZZ_ROUNDS);
	CU_ASSERT(st->rx_ok - ok0 > 0);
	CU_ASSERT(nt_drops(h->st) > FUZZ_ROUNDS / 2);
	/* A good share of the distinct reasons were hit. */
	int reasons = 0;
	for (int i = 1; i < NS_DROP_COUNT; i++)
		reasons += st->drop[i] != 0;
	CU_ASSERT(reasons >= 20);
	/* Still alive: it answers a ping. */
	nt_clear(h);
	nt_input(h, f, nt_icmp_echo(f, NT_PEER_IP, NT_IP, 9, 9, "alive", 5));
	CU_ASSERT_EQUAL(h->nsent, 1);
	nt_free(h);
}

int unit_suite_net_fuzz(void)
{
	if (!nt_linked("net_fuzz"))
		return 0;
	CU_pSuite s = CU_add_suite("net_fuzz", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "20,000 mutated frames: no crash, all counted", test_fuzz);
	return 0;
}
