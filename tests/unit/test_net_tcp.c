/* test_net_tcp.c - CUnit suite for netstack's TCP driven with crafted frame sequences: the test plays the peer. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../netstack/ns_test.h"
#include "../../netstack/ns_int.h"

#define PPORT 40000       /* the peer's port */
#define SPORT 80          /* the listening port */

/* The peer's side of one connection. */
struct peer {
	struct nt_host *h;
	struct ns_sock *l, *s;   /* listener, accepted socket */
	uint32_t seq;            /* next sequence number the peer sends */
	uint32_t ack;            /* next sequence number the peer expects from the stack */
	uint16_t wnd;
};

static uint8_t fbuf[ETHER_FRAME_MAX];

/* Sends a segment from the peer; advances the peer's seq by the data (and SYN/FIN). */
static void psend(struct peer *p, uint8_t flags, const void *d, size_t n)
{
	size_t len = nt_tcp(fbuf, PPORT, SPORT, p->seq, p->ack, flags, p->wnd, flags & NT_SYN ? 1000 : 0, d, n);
	nt_input(p->h, fbuf, len);
	p->seq += (uint32_t)n + !!(flags & NT_SYN) + !!(flags & NT_FIN);
}

/* The i-th frame the stack sent, parsed as TCP (asserting it is one). */
static struct nt_tcp got(struct peer *p, int i)
{
	struct nt_tcp t = { 0 };
	CU_ASSERT_FATAL(i < p->h->nsent);
	CU_ASSERT_FATAL(nt_parse_tcp(p->h->sent[i], p->h->len[i], &t));
	return t;
}

static void advance(struct nt_host *h, uint64_t to)
{
	h->now = to;
	ns_timers(h->st, to);
}

/* Listen, SYN / SYN-ACK / ACK, accept. */
static void establish(struct peer *p, const struct ns_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->h = nt_new(NT_MAC, NT_IP, cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->h);
	p->wnd = 8192;
	p->seq = 1000;
	p->l = ns_tcp_listen(p->h->st, SPORT, 4, 0, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->l);
	nt_learn_peer(p->h);
	nt_clear(p->h);
	psend(p, NT_SYN, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(p->h->nsent, 1);
	struct nt_tcp t = got(p, 0);
	CU_ASSERT_EQUAL(t.flags, NT_SYN | NT_ACK);
	CU_ASSERT_EQUAL(t.ack, 1001);
	CU_ASSERT_EQUAL(t.mss, 1460);
	CU_ASSERT_EQUAL(t.sport, SPORT);
	CU_ASSERT_EQUAL(t.dport, PPORT);
	CU_ASSERT_EQUAL(ns_events(p->l), 0);
	p->ack = t.seq + 1;
	nt_clear(p->h);
	psend(p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p->h->nsent, 0);
	CU_ASSERT_EQUAL(ns_events(p->l), NS_EV_READABLE);
	p->s = ns_tcp_accept(p->l, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->s);
	CU_ASSERT_EQUAL(ns_events(p->s), NS_EV_WRITABLE);
	CU_ASSERT_EQUAL(p->s->mss, 1000);
}

static void finish(struct peer *p)
{
	CU_ASSERT(nt_stats_ok(p->h->st));
	nt_free(p->h);
}

/* Data both ways, then the peer closes first: CLOSE_WAIT, our FIN, LAST_ACK, freed. */
static void test_tcp_passive(void)
{
	struct peer p;
	uint8_t buf[4096];
	establish(&p, NULL);
	nt_clear(p.h);
	psend(&p, NT_ACK | NT_PSH, "GET /", 5);
	struct nt_tcp t = got(&p, 0);
	CU_ASSERT_EQUAL(t.flags, NT_ACK);
	CU_ASSERT_EQUAL(t.ack, p.seq);
	CU_ASSERT_EQUAL(t.wnd, 4096 - 5);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), 5);
	CU_ASSERT(memcmp(buf, "GET /", 5) == 0);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), NS_EAGAIN);
	/* 2500 bytes out: MSS 1000 segments, all inside the initial window. */
	for (int i = 0; i < 2500; i++)
		buf[i] = (uint8_t)i;
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, buf, 2500), 2500);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 3);
	for (int i = 0; i < 3; i++) {
		t = got(&p, i);
		CU_ASSERT_EQUAL(t.seq, p.ack + 1000u * (uint32_t)i);
		CU_ASSERT_EQUAL(t.dlen, i < 2 ? 1000u : 500u);
		CU_ASSERT(memcmp(t.data, buf + 1000 * i, t.dlen) == 0);
	}
	CU_ASSERT(ns_next_deadline(p.h->st) != UINT64_MAX);
	p.ack += 2500;
	nt_clear(p.h);
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p.h->nsent, 0);
	CU_ASSERT_EQUAL(ns_next_deadline(p.h->st), UINT64_MAX);   /* all acked: no timer */
	/* Peer's FIN. */
	psend(&p, NT_ACK | NT_FIN, NULL, 0);
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.ack, p.seq);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(p.s->state, TCP_CLOSE_WAIT);
	nt_clear(p.h);
	ns_close(p.s);
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.flags, NT_FIN | NT_ACK);
	CU_ASSERT_EQUAL(t.seq, p.ack);
	p.ack++;
	psend(&p, NT_ACK, NULL, 0);
	for (unsigned i = 0; i < p.h->st->cfg.max_socks; i++)
		CU_ASSERT(p.h->st->socks[i] == NULL || p.h->st->socks[i] == p.l);
	ns_close(p.l);
	finish(&p);
}

/* We close first: FIN_WAIT_1, FIN_WAIT_2, the peer's FIN, TIME_WAIT for 2 MSL, then the slot is free. */
static void test_tcp_active_close_time_wait(void)
{
	struct peer p;
	establish(&p, NULL);
	struct ns_sock *s = p.s;
	nt_clear(p.h);
	ns_close(s);
	struct nt_tcp t = got(&p, 0);
	CU_ASSERT_EQUAL(t.flags, NT_FIN | NT_ACK);
	CU_ASSERT_EQUAL(s->state, TCP_FIN_WAIT_1);
	p.ack++;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(s->state, TCP_FIN_WAIT_2);
	nt_clear(p.h);
	psend(&p, NT_ACK | NT_FIN, NULL, 0);
	CU_ASSERT_EQUAL(s->state, TCP_TIME_WAIT);
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.ack, p.seq);
	CU_ASSERT_EQUAL(ns_next_deadline(p.h->st), p.h->now + 60000000000ull);
	/* A retransmitted FIN in TIME_WAIT is ACKed again. */
	nt_clear(p.h);
	p.seq--;
	psend(&p, NT_ACK | NT_FIN, NULL, 0);
	CU_ASSERT_EQUAL(p.h->nsent, 1);
	advance(p.h, ns_next_deadline(p.h->st));
	int live = 0;
	for (unsigned i = 0; i < p.h->st->cfg.max_socks; i++)
		live += p.h->st->socks[i] != NULL;
	CU_ASSERT_EQUAL(live, 1);                /* only the listener */
	ns_close(p.l);
	finish(&p);
}

/* A SYN to a port nobody listens on gets RST+ACK; an ACK gets RST with its sequence; a RST gets nothing. */
static void test_tcp_rst_closed_port(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_learn_peer(h);
	nt_clear(h);
	nt_input(h, fbuf, nt_tcp(fbuf, PPORT, 81, 5000, 0, NT_SYN, 1000, 0, NULL, 0));
	struct nt_tcp t;
	CU_ASSERT_FATAL(h->nsent == 1 && nt_parse_tcp(h->sent[0], h->len[0], &t));
	CU_ASSERT_EQUAL(t.flags, NT_RST | NT_ACK);
	CU_ASSERT_EQUAL(t.ack, 5001);
	CU_ASSERT_EQUAL(t.seq, 0);
	nt_input(h, fbuf, nt_tcp(fbuf, PPORT, 81, 5000, 777, NT_ACK, 1000, 0, "ab", 2));
	CU_ASSERT_FATAL(h->nsent == 2 && nt_parse_tcp(h->sent[1], h->len[1], &t));
	CU_ASSERT_EQUAL(t.flags, NT_RST);
	CU_ASSERT_EQUAL(t.seq, 777);
	nt_input(h, fbuf, nt_tcp(fbuf, PPORT, 81, 5000, 777, NT_RST, 1000, 0, NULL, 0));
	CU_ASSERT_EQUAL(h->nsent, 2);
	CU_ASSERT_EQUAL(ns_get_stats(h->st)->tcp_no_conn, 3);
	nt_free(h);
}

/* Unacknowledged data is resent at the RTO, which doubles; an ACK then stops the timer. */
static void test_tcp_rto(void)
{
	struct peer p;
	establish(&p, NULL);
	uint32_t rto = p.s->rto_us;
	CU_ASSERT(rto >= 1000000);               /* the RFC 6298 floor (rto_min_ms default 1000) */
	nt_clear(p.h);
	ns_send(p.s, "hello", 5);
	uint64_t d = ns_next_deadline(p.h->st);
	CU_ASSERT_EQUAL(d, p.h->now + (uint64_t)rto * 1000);
	advance(p.h, d);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 2);
	struct nt_tcp a = got(&p, 0), b = got(&p, 1);
	CU_ASSERT_EQUAL(a.seq, b.seq);
	CU_ASSERT_EQUAL(b.dlen, 5);
	CU_ASSERT_EQUAL(p.s->rto_us, 2 * rto);
	CU_ASSERT_EQUAL(ns_next_deadline(p.h->st), d + 2ull * rto * 1000);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_rto_expired, 1);
	/* The ACK of the retransmission gives no RTT sample (Karn): srtt stays at the handshake's. */
	uint32_t srtt = p.s->srtt_us;
	p.ack += 5;
	p.h->now += 5000000;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p.s->srtt_us, srtt);
	CU_ASSERT_EQUAL(ns_next_deadline(p.h->st), UINT64_MAX);
	ns_close(p.l);
	finish(&p);
}

/* RFC 6298 arithmetic with a small floor: first sample, then smoothing. */
static void test_tcp_rtt_estimator(void)
{
	struct ns_config c = { .rto_min_ms = 1 };
	struct peer p;
	establish(&p, &c);
	/* The handshake took 0 ns here: SRTT 1 us. Now time one segment at 100 ms. */
	ns_send(p.s, "x", 1);
	p.h->now += 100000000;
	p.ack += 1;
	psend(&p, NT_ACK, NULL, 0);
	uint32_t srtt = (7 * 1 + 100000) / 8;
	CU_ASSERT_EQUAL(p.s->srtt_us, srtt);
	CU_ASSERT_EQUAL(p.s->rto_us, p.s->srtt_us + 4 * p.s->rttvar_us);
	ns_close(p.l);
	finish(&p);
}

/* Three duplicate ACKs resend the first segment at once, before any timer. */
static void test_tcp_fast_retransmit(void)
{
	struct peer p;
	uint8_t buf[4000];
	memset(buf, 'z', sizeof(buf));
	establish(&p, NULL);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, buf, 4000), 4000);
	CU_ASSERT_EQUAL(p.h->nsent, 4);          /* initial window: 4 x MSS 1000 */
	uint32_t first = p.ack;
	nt_clear(p.h);
	for (int i = 0; i < 3; i++)
		psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
	struct nt_tcp t = got(&p, 0);
	CU_ASSERT_EQUAL(t.seq, first);
	CU_ASSERT_EQUAL(t.dlen, 1000);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_fast_retransmits, 1);
	/* A partial ACK (the first two segments) resends the third at once (NewReno). */
	nt_clear(p.h);
	p.ack += 2000;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_FATAL(p.h->nsent >= 1);
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.seq, first + 2000);
	p.ack += 2000;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p.s->tx.len, 0);
	CU_ASSERT_FALSE(p.s->flags & SF_RECOVERY);
	ns_close(p.l);
	finish(&p);
}

/* Segments 2 and 3 before 1: kept in place, duplicate ACKs sent, then one cumulative ACK. */
static void test_tcp_out_of_order(void)
{
	struct peer p;
	char buf[64];
	establish(&p, NULL);
	uint32_t base = p.seq;
	nt_clear(p.h);
	p.seq = base + 4;
	psend(&p, NT_ACK, "efgh", 4);
	p.seq = base + 8;
	psend(&p, NT_ACK, "ijkl", 4);
	CU_ASSERT_EQUAL(p.h->nsent, 2);
	CU_ASSERT_EQUAL(got(&p, 0).ack, base);
	CU_ASSERT_EQUAL(got(&p, 1).ack, base);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), NS_EAGAIN);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_ooo_kept, 2);
	p.seq = base;
	psend(&p, NT_ACK, "abcd", 4);
	CU_ASSERT_EQUAL(got(&p, 2).ack, base + 12);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), 12);
	CU_ASSERT(memcmp(buf, "abcdefghijkl", 12) == 0);
	/* An overlapping retransmission adds only the new bytes; an old one is a counted duplicate. */
	p.seq = base + 10;
	psend(&p, NT_ACK, "klmn", 4);
	CU_ASSERT_EQUAL(ns_recv(p.s, buf, sizeof(buf)), 2);
	CU_ASSERT(memcmp(buf, "mn", 2) == 0);
	p.seq = base;
	psend(&p, NT_ACK, "abcd", 4);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_old_dup, 1);
	ns_close(p.l);
	finish(&p);
}

/* The peer's zero window holds data back; the persist timer probes; the window opens and data flows. */
static void test_tcp_zero_window(void)
{
	struct peer p;
	establish(&p, NULL);
	p.wnd = 0;
	psend(&p, NT_ACK, NULL, 0);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, "0123456789", 10), 10);
	CU_ASSERT_EQUAL(p.h->nsent, 0);
	uint64_t d = ns_next_deadline(p.h->st);
	CU_ASSERT_FATAL(d != UINT64_MAX);
	advance(p.h, d);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
	struct nt_tcp t = got(&p, 0);
	CU_ASSERT_EQUAL(t.dlen, 1);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_probes, 1);
	/* Still closed: the probe is answered with the same ACK; the next probe comes later. */
	psend(&p, NT_ACK, NULL, 0);
	advance(p.h, ns_next_deadline(p.h->st));
	CU_ASSERT_EQUAL(p.h->nsent, 2);
	CU_ASSERT_EQUAL(p.s->state, TCP_ESTABLISHED);
	/* The window opens: everything goes out. */
	nt_clear(p.h);
	p.wnd = 1000;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);      /* at once, from the refused probe byte on (no RTO wait) */
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.seq, p.ack);
	CU_ASSERT_EQUAL(t.dlen, 10);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_rto_expired, 0);
	p.ack += 10;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p.s->tx.len, 0);
	/* Our side: a full receive buffer advertises 0, and a read reopens it with a window update. */
	static uint8_t big[4096];
	nt_clear(p.h);
	for (int i = 0; i < 4; i++)
		psend(&p, NT_ACK, big, 1000);
	psend(&p, NT_ACK, big, 96);
	t = got(&p, p.h->nsent - 1);
	CU_ASSERT_EQUAL(t.wnd, 0);
	psend(&p, NT_ACK, big, 10);              /* beyond the window: refused */
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_out_of_window, 1);
	p.seq -= 10;
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_recv(p.s, big, 3000), 3000);
	t = got(&p, 0);
	CU_ASSERT_EQUAL(t.wnd, 3000);
	ns_close(p.l);
	finish(&p);
}

/* Seen with curl behind a stalled reader (scripts/realclients.sh, stall client): the stack counted the second
 * zero-window probe as an RTO (cwnd cut to one MSS, the refused probe byte left "in flight"), so the window
 * update that reopened the window released nothing (sender SWS avoidance waited for an ACK of that byte) and
 * the transfer sat idle until the next backed-off timer: 3.3 s in that run. Now the update releases a full
 * congestion window at once, from snd_una, and the timer is back to the RTO without the probes' backoff. */
static void test_tcp_zero_window_reopen(void)
{
	struct ns_config cfg = { .tcp_sndbuf = 8192 };
	static uint8_t data[8192];
	struct peer p;
	establish(&p, &cfg);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, data, sizeof data), (int)sizeof data);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 4);      /* initial window: 4 x MSS 1000 */
	/* The reader stalls: everything so far is acknowledged, the window closes. */
	p.ack += 4000;
	p.wnd = 0;
	psend(&p, NT_ACK, NULL, 0);
	uint32_t cwnd = p.s->cwnd;
	for (int probe = 1; probe <= 4; probe++) {
		nt_clear(p.h);
		advance(p.h, ns_next_deadline(p.h->st));
		CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
		struct nt_tcp t = got(&p, 0);
		CU_ASSERT_EQUAL(t.seq, p.ack);
		CU_ASSERT_EQUAL(t.dlen, 1);
		CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_probes, (uint32_t)probe);
		psend(&p, NT_ACK, NULL, 0);            /* refused: same ACK, window still 0 */
	}
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_rto_expired, 0);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_fast_retransmits, 0);   /* probe answers are not dupacks */
	CU_ASSERT_EQUAL(p.s->flags & SF_RECOVERY, 0);
	CU_ASSERT_EQUAL(p.s->cwnd, cwnd);
	CU_ASSERT_EQUAL(p.s->state, TCP_ESTABLISHED);
	/* The reader resumes: a window update with the same ACK. Data flows now, not at the next timer. */
	nt_clear(p.h);
	p.wnd = 8192;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_FATAL(p.h->nsent >= 4);
	for (int i = 0; i < p.h->nsent; i++) {
		struct nt_tcp t = got(&p, i);
		size_t off = 4000 + 1000 * (size_t)i, want = sizeof data - off < 1000 ? sizeof data - off : 1000;
		CU_ASSERT_EQUAL(t.seq, p.ack + 1000u * (uint32_t)i);
		CU_ASSERT_EQUAL(t.dlen, want);
		CU_ASSERT(t.dlen == want && memcmp(t.data, data + off, want) == 0);
	}
	CU_ASSERT(ns_next_deadline(p.h->st) - p.h->now <= 1000000000ull);   /* RTO = rto_min, not 8 s */
	/* Acknowledge segment by segment until everything is delivered. */
	for (int guard = 0; p.s->tx.len && guard < 20; guard++) {
		nt_clear(p.h);
		p.ack = p.s->snd_nxt;
		psend(&p, NT_ACK, NULL, 0);
	}
	CU_ASSERT_EQUAL(p.s->tx.len, 0);
	CU_ASSERT_EQUAL(p.s->snd_una, p.s->snd_max);
	ns_close(p.l);
	finish(&p);
}

/* Limited Transmit (RFC 3042): with a small window a loss may never bring three dupacks, so the first two
 * each release one new segment beyond cwnd (seen with a 10 MiB curl through 2% loss: RTOs instead of fast
 * retransmits); the third dupack retransmits. */
static void test_tcp_limited_transmit(void)
{
	struct ns_config cfg = { .tcp_sndbuf = 8192 };
	static uint8_t data[8000];
	struct peer p;
	establish(&p, &cfg);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, data, sizeof data), (int)sizeof data);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 4);      /* cwnd: 4 x MSS 1000 */
	uint32_t first = p.ack;
	for (uint32_t dup = 1; dup <= 2; dup++) {
		nt_clear(p.h);
		psend(&p, NT_ACK, NULL, 0);            /* the first segment was lost: the same ACK again */
		CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
		struct nt_tcp t = got(&p, 0);
		CU_ASSERT_EQUAL(t.seq, first + 3000 + 1000 * dup);
		CU_ASSERT_EQUAL(t.dlen, 1000);
	}
	nt_clear(p.h);
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
	CU_ASSERT_EQUAL(got(&p, 0).seq, first);
	CU_ASSERT_EQUAL(ns_get_stats(p.h->st)->tcp_fast_retransmits, 1);
	p.ack = p.s->snd_max;
	psend(&p, NT_ACK, NULL, 0);
	ns_close(p.l);
	finish(&p);
}

/* After an RTO snd_nxt goes back to snd_una; an ACK must still be numbered snd_max. A peer that had all the
 * data finds an ACK numbered snd_nxt left of its window and ignores it (and its window update); two stacks
 * doing so to each other deadlocked until they gave up (test_net_wire at 10-20% loss, 11-23 of 300 seeds). */
static void test_tcp_ack_seq_after_rto(void)
{
	static uint8_t data[3000];
	struct peer p;
	establish(&p, NULL);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_send(p.s, data, sizeof data), (int)sizeof data);
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 3);
	uint32_t first = p.ack;
	nt_clear(p.h);
	advance(p.h, ns_next_deadline(p.h->st));   /* every ACK of the peer was lost */
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
	CU_ASSERT_EQUAL(got(&p, 0).seq, first);
	CU_ASSERT_EQUAL(p.s->snd_nxt, first + 1000);
	nt_clear(p.h);
	psend(&p, NT_ACK | NT_PSH, "hello", 5);    /* data from the peer, with its old ACK */
	CU_ASSERT_EQUAL_FATAL(p.h->nsent, 1);
	struct nt_tcp t = got(&p, 0);
	CU_ASSERT_EQUAL(t.flags, NT_ACK);
	CU_ASSERT_EQUAL(t.ack, p.seq);
	CU_ASSERT_EQUAL(t.seq, first + 3000);      /* snd_max: inside the peer's window */
	p.ack = first + 3000;
	psend(&p, NT_ACK, NULL, 0);
	CU_ASSERT_EQUAL(p.s->tx.len, 0);
	ns_close(p.l);
	finish(&p);
}

static int conn_events;
static void conn_cb(struct ns_sock *s, unsigned ev, void *arg)
{
	(void)s;
	(void)arg;
	conn_events |= (int)ev;
}

/* Active open: SYN with MSS, SYN-ACK, ACK and a WRITABLE event; a refused one ends with NS_EREFUSED. */
static void test_tcp_connect(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	nt_learn_peer(h);
	nt_clear(h);
	conn_events = 0;
	struct ns_sock *s = ns_tcp_connect(h->st, NT_PEER_IP, 8080, 0, 0, conn_cb, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct nt_tcp t;
	CU_ASSERT_FATAL(h->nsent == 1 && nt_parse_tcp(h->sent[0], h->len[0], &t));
	CU_ASSERT_EQUAL(t.flags, NT_SYN);
	CU_ASSERT_EQUAL(t.mss, 1460);
	CU_ASSERT_EQUAL(ns_send(s, "x", 1), NS_ENOTCONN);
	nt_input(h, fbuf, nt_tcp(fbuf, 8080, t.sport, 9000, t.seq + 1, NT_SYN | NT_ACK, 5000, 1460, NULL, 0));
	struct nt_tcp a;
	CU_ASSERT_FATAL(h->nsent == 2 && nt_parse_tcp(h->sent[1], h->len[1], &a));
	CU_ASSERT_EQUAL(a.flags, NT_ACK);
	CU_ASSERT_EQUAL(a.ack, 9001);
	CU_ASSERT(conn_events & NS_EV_WRITABLE);
	CU_ASSERT_EQUAL(ns_send(s, "x", 1), 1);
	/* Peer resets: CLOSED event, recv reports it. */
	nt_input(h, fbuf, nt_tcp(fbuf, 8080, t.sport, 9001, 0, NT_RST, 0, 0, NULL, 0));
	CU_ASSERT(conn_events & NS_EV_CLOSED);
	CU_ASSERT_EQUAL(ns_recv(s, fbuf, 10), NS_ERESET);
	ns_close(s);
	/* Refused. */
	nt_clear(h);
	conn_events = 0;
	s = ns_tcp_connect(h->st, NT_PEER_IP, 8081, 0, 0, conn_cb, NULL);
	CU_ASSERT_FATAL(nt_parse_tcp(h->sent[0], h->len[0], &t));
	nt_input(h, fbuf, nt_tcp(fbuf, 8081, t.sport, 0, t.seq + 1, NT_RST | NT_ACK, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(conn_events, NS_EV_CLOSED | NS_EV_READABLE);
	CU_ASSERT_EQUAL(ns_error(s), NS_EREFUSED);
	ns_close(s);
	/* Unanswered: SYN retries back off, then NS_ETIMEDOUT. */
	s = ns_tcp_connect(h->st, NT_PEER_IP, 8082, 0, 0, NULL, NULL);
	for (int i = 0; i < 10 && ns_next_deadline(h->st) != UINT64_MAX; i++) {
		h->now = ns_next_deadline(h->st);
		ns_timers(h->st, h->now);
	}
	CU_ASSERT_EQUAL(ns_error(s), NS_ETIMEDOUT);
	ns_close(s);
	CU_ASSERT(nt_stats_ok(h->st));
	nt_free(h);
}

/* A full backlog drops SYNs; an in-window RST resets an established connection; bad checksums are counted. */
/* After a fork the stack takes a new address (ns_rebind): its connections are the parent's, closed here without a
 * segment sent (NS_ERESET, delivered from ns_timers), a SYN not yet accepted freed; the listener and a UDP socket
 * stay; a bad address is refused. */
static void test_tcp_rebind_after_fork(void)
{
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x09 }, mcast[6] = { 0x03, 0, 0, 0, 0, 1 };
	struct peer p;
	struct ns_sock *u;
	int socks = 0;

	establish(&p, NULL);
	u = ns_udp_open(p.h->st, 7, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	nt_input(p.h, fbuf, nt_tcp(fbuf, PPORT + 1, SPORT, 5000, 0, NT_SYN, 8192, 1000, NULL, 0));   /* not accepted */
	CU_ASSERT_EQUAL(p.l->nchild, 1);
	nt_clear(p.h);
	CU_ASSERT_EQUAL(ns_rebind(p.h->st, mac2, NT_IP + 7, 0xffffff00u, NT_GW), 0);
	CU_ASSERT_EQUAL(p.h->nsent, 0);
	CU_ASSERT_EQUAL(p.h->st->cfg.ipv4, NT_IP + 7);
	CU_ASSERT(memcmp(p.h->st->cfg.mac, mac2, 6) == 0);
	CU_ASSERT_EQUAL(p.s->state, TCP_CLOSED);
	CU_ASSERT_EQUAL(ns_error(p.s), NS_ERESET);
	CU_ASSERT(ns_events(p.s) & NS_EV_CLOSED);
	CU_ASSERT_EQUAL(p.l->nchild, 0);             /* the SYN_RCVD child freed with the listener's count */
	advance(p.h, p.h->now + 1000);
	CU_ASSERT_EQUAL(p.h->nsent, 0);              /* no RST, no FIN: the parent's connection lives on there */
	for (unsigned i = 0; i < p.h->st->cfg.max_socks; i++)
		socks += p.h->st->socks[i] != NULL;
	CU_ASSERT_EQUAL(socks, 3);                   /* listener, UDP, the accepted socket (closed, not yet released) */
	ns_close(p.s);
	socks = 0;
	for (unsigned i = 0; i < p.h->st->cfg.max_socks; i++)
		socks += p.h->st->socks[i] != NULL;
	CU_ASSERT_EQUAL(socks, 2);
	CU_ASSERT_EQUAL(ns_local_port(u), 7);
	CU_ASSERT_EQUAL(ns_rebind(p.h->st, mac2, 0, 0xffffff00u, NT_GW), NS_EINVAL);
	CU_ASSERT_EQUAL(ns_rebind(p.h->st, mcast, NT_IP, 0xffffff00u, NT_GW), NS_EINVAL);
	ns_close(u);
	ns_close(p.l);
	finish(&p);
}

static void test_tcp_malformed_and_limits(void)
{
	struct peer p;
	establish(&p, NULL);
	const struct ns_stats *st = ns_get_stats(p.h->st);
	size_t n = nt_tcp(fbuf, PPORT, SPORT, p.seq, p.ack, NT_ACK, 1000, 0, "data", 4);
	fbuf[n - 1] ^= 0xff;
	nt_input(p.h, fbuf, n);
	CU_ASSERT_EQUAL(st->tcp_bad_csum, 1);
	n = nt_tcp(fbuf, PPORT, SPORT, p.seq, p.ack, NT_ACK, 1000, 0, NULL, 0);
	fbuf[46] = 0xf0;                         /* data offset 60 > segment */
	nt_input(p.h, fbuf, n);
	CU_ASSERT_EQUAL(st->tcp_bad_off, 1);
	nt_input(p.h, fbuf, nt_tcp(fbuf, PPORT, SPORT, p.seq, p.ack, NT_SYN | NT_FIN, 1000, 0, NULL, 0));
	CU_ASSERT_EQUAL(st->tcp_bad_flags, 1);
	/* An ACK for data never sent. */
	nt_input(p.h, fbuf, nt_tcp(fbuf, PPORT, SPORT, p.seq, p.ack + 5000, NT_ACK, 1000, 0, NULL, 0));
	CU_ASSERT_EQUAL(st->tcp_bad_ack, 1);
	/* RST not exactly at rcv_nxt: challenge ACK only. */
	nt_clear(p.h);
	nt_input(p.h, fbuf, nt_tcp(fbuf, PPORT, SPORT, p.seq + 5, 0, NT_RST, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(p.h->nsent, 1);
	CU_ASSERT_EQUAL(p.s->state, TCP_ESTABLISHED);
	nt_input(p.h, fbuf, nt_tcp(fbuf, PPORT, SPORT, p.seq, 0, NT_RST, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(p.s->state, TCP_CLOSED);
	CU_ASSERT_EQUAL(ns_events(p.s), NS_EV_READABLE | NS_EV_CLOSED);
	ns_close(p.s);
	/* Backlog 4: a fifth half-open connection is dropped. */
	for (uint16_t i = 0; i < 5; i++)
		nt_input(p.h, fbuf, nt_tcp(fbuf, (uint16_t)(PPORT + 1 + i), SPORT, 1, 0, NT_SYN, 1000, 0, NULL, 0));
	CU_ASSERT_EQUAL(st->tcp_listen_full, 1);
	/* Closing the listener resets and frees the half-open ones. */
	ns_close(p.l);
	for (unsigned i = 0; i < p.h->st->cfg.max_socks; i++)
		CU_ASSERT_PTR_NULL(p.h->st->socks[i]);
	finish(&p);
}

int unit_suite_net_tcp(void)
{
	if (!nt_linked("net_tcp"))
		return 0;
	CU_pSuite s = CU_add_suite("net_tcp", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "passive open, data, MSS, peer closes", test_tcp_passive);
	CU_add_test(s, "active close and TIME_WAIT", test_tcp_active_close_time_wait);
	CU_add_test(s, "RST on a closed port", test_tcp_rst_closed_port);
	CU_add_test(s, "a fork's new address: connections dropped silently", test_tcp_rebind_after_fork);
	CU_add_test(s, "RTO retransmission, backoff, Karn", test_tcp_rto);
	CU_add_test(s, "RFC 6298 estimator", test_tcp_rtt_estimator);
	CU_add_test(s, "fast retransmit and NewReno", test_tcp_fast_retransmit);
	CU_add_test(s, "out-of-order segments kept", test_tcp_out_of_order);
	CU_add_test(s, "zero window both ways", test_tcp_zero_window);
	CU_add_test(s, "zero window reopened: data at once, cwnd kept", test_tcp_zero_window_reopen);
	CU_add_test(s, "limited transmit: a new segment per dupack", test_tcp_limited_transmit);
	CU_add_test(s, "ACKs numbered snd_max after an RTO", test_tcp_ack_seq_after_rto);
	CU_add_test(s, "active open, reset, refused, timeout", test_tcp_connect);
	CU_add_test(s, "malformed segments and limits", test_tcp_malformed_and_limits);
	return 0;
}
