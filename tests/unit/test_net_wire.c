/* test_net_wire.c - CUnit suite: two netstacks joined by a lossy, reordering simulated wire move 1 MB each way checked byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../netstack/ns_test.h"
#include "../../netstack/ns_int.h"

#define WIRE_MAX 4096
#define CLIENT_IP 0x0a000002u
#define SERVER_IP 0x0a000003u

struct pkt {
	uint64_t at;
	struct nt_host *to;
	size_t len;
	uint8_t *data;
};

/* The wire: frames in flight with their delivery times; loss and delay are drawn per frame. */
struct wire {
	struct pkt q[WIRE_MAX];
	int n;
	uint32_t rng;
	unsigned loss_pct;
	struct nt_host *a, *b;
	uint32_t sent, lost;
};

static uint32_t wrand(struct wire *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

static void wire_tap(struct nt_host *from, const uint8_t *f, size_t len, void *arg)
{
	struct wire *w = arg;
	w->sent++;
	if (wrand(w) % 100 < w->loss_pct || w->n == WIRE_MAX) {
		w->lost++;
		return;
	}
	struct pkt *p = &w->q[w->n++];
	p->at = from->now + 200000 + wrand(w) % 3000000;     /* 0.2 to 3.2 ms: frames overtake each other */
	p->to = from == w->a ? w->b : w->a;
	p->len = len;
	p->data = malloc(len);
	memcpy(p->data, f, len);
}

/* One side of the transfer: sends `total` bytes of a pattern seeded by `seed`, checks what it receives. */
struct app {
	struct ns_sock *s;
	uint32_t seed_out, seed_in;
	size_t total, sent, got;
	int bad, eof, closed;
};

static uint8_t pat(uint32_t seed, size_t i) { return (uint8_t)((i * 2654435761u + seed) >> 11); }

static void app_pump(struct app *a)
{
	uint8_t buf[1500];
	int n;
	if (!a->s)
		return;
	while ((n = ns_recv(a->s, buf, sizeof(buf))) > 0) {
		for (int i = 0; i < n; i++)
			a->bad += buf[i] != pat(a->seed_in, a->got + (size_t)i);
		a->got += (size_t)n;
	}
	if (n == 0)
		a->eof = 1;
	while (a->sent < a->total) {
		size_t k = a->total - a->sent < sizeof(buf) ? a->total - a->sent : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = pat(a->seed_out, a->sent + i);
		n = ns_send(a->s, buf, k);
		if (n <= 0)
			break;
		a->sent += (size_t)n;
	}
	if (a->sent == a->total && a->eof && !a->closed) {
		a->closed = 1;
		ns_close(a->s);
		a->s = NULL;
	} else if (a->sent == a->total) {
		ns_shutdown(a->s);
	}
}

static void app_cb(struct ns_sock *s, unsigned ev, void *arg)
{
	(void)s;
	(void)ev;
	app_pump(arg);
}

static struct app *g_server;
static void accept_cb(struct ns_sock *l, unsigned ev, void *arg)
{
	(void)ev;
	(void)arg;
	struct ns_sock *s = ns_tcp_accept(l, app_cb, g_server);
	if (s) {
		g_server->s = s;
		app_pump(g_server);
	}
}

static void set_time(struct wire *w, uint64_t t)
{
	w->a->now = w->b->now = t;
}

/* Runs the simulation until both apps are done or the simulated time limit; returns the end time. */
static uint64_t run(struct wire *w, struct app *c, struct app *s, uint64_t limit)
{
	uint64_t now = w->a->now;
	while (now < limit && (!c || !(c->closed && s->closed))) {
		uint64_t next = ns_next_deadline(w->a->st);
		uint64_t d = ns_next_deadline(w->b->st);
		if (d < next)
			next = d;
		for (int i = 0; i < w->n; i++)
			if (w->q[i].at < next)
				next = w->q[i].at;
		if (next == UINT64_MAX)
			break;
		now = next > now ? next : now;
		set_time(w, now);
		for (int i = 0; i < w->n;) {
			if (w->q[i].at > now) {
				i++;
				continue;
			}
			struct pkt p = w->q[i];
			w->q[i] = w->q[--w->n];
			nt_input(p.to, p.data, p.len);
			free(p.data);
		}
		ns_timers(w->a->st, now);
		ns_timers(w->b->st, now);
	}
	return now;
}

static void transfer(unsigned loss, size_t c2s, size_t s2c, uint32_t seed)
{
	static struct wire w;
	static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 2 }, mac_s[6] = { 2, 0, 0, 0, 0, 3 };
	struct ns_config cfg = { .rto_min_ms = 200, .msl_ms = 1000, .tcp_sndbuf = 8192, .tcp_rcvbuf = 8192 };
	struct app c = { .seed_out = 1, .seed_in = 2, .total = c2s }, s = { .seed_out = 2, .seed_in = 1, .total = s2c };

	memset(&w, 0, sizeof(w));
	w.rng = seed;
	w.loss_pct = loss;
	w.a = nt_new(mac_c, CLIENT_IP, &cfg);
	w.b = nt_new(mac_s, SERVER_IP, &cfg);
	CU_ASSERT_FATAL(w.a && w.b);
	w.a->tap = w.b->tap = wire_tap;
	w.a->tap_arg = w.b->tap_arg = &w;
	g_server = &s;
	struct ns_sock *l = ns_tcp_listen(w.b->st, 80, 2, 0, 0, accept_cb, NULL);
	c.s = ns_tcp_connect(w.a->st, SERVER_IP, 80, 0, 0, app_cb, &c);
	CU_ASSERT_FATAL(l && c.s);
	uint64_t start = w.a->now;
	uint64_t end = run(&w, &c, &s, start + 3600ull * 1000000000ull);
	CU_ASSERT_EQUAL(c.got, s2c);
	CU_ASSERT_EQUAL(s.got, c2s);
	CU_ASSERT_EQUAL(c.bad + s.bad, 0);
	CU_ASSERT(c.closed && s.closed);
	/* Both sides settle: the last FINs and ACKs land, TIME_WAIT ends (2 MSL = 2 s here). */
	ns_close(l);
	run(&w, NULL, NULL, end + 600ull * 1000000000ull);
	int live = 0;
	for (unsigned i = 0; i < w.a->st->cfg.max_socks; i++)
		live += (w.a->st->socks[i] != NULL) + (w.b->st->socks[i] != NULL);
	CU_ASSERT_EQUAL(live, 0);
	const struct ns_stats *sa = ns_get_stats(w.a->st), *sb = ns_get_stats(w.b->st);
	if (loss)
		CU_ASSERT(sa->tcp_retransmits + sb->tcp_retransmits > 0);
	CU_ASSERT(nt_stats_ok(w.a->st) && nt_stats_ok(w.b->st));
	if (getenv("NT_VERBOSE"))
		printf("\nwire loss %u%%: %zu+%zu bytes in %.1f s simulated, %u frames (%u lost), rexmit %u+%u "
		       "(fast %u+%u, rto %u+%u), ooo kept %u+%u\n", loss, c2s, s2c, (double)(end - start) / 1e9,
		       w.sent, w.lost, sa->tcp_retransmits, sb->tcp_retransmits, sa->tcp_fast_retransmits,
		       sb->tcp_fast_retransmits, sa->tcp_rto_expired, sb->tcp_rto_expired, sa->tcp_ooo_kept,
		       sb->tcp_ooo_kept);
	for (int i = 0; i < w.n; i++)
		free(w.q[i].data);
	w.n = 0;
	nt_free(w.a);
	nt_free(w.b);
}

static void test_wire_clean(void) { transfer(0, 200000, 50000, 7); }
static void test_wire_lossy_1mb(void) { transfer(5, 1 << 20, 1 << 20, 12345); }
static void test_wire_very_lossy(void) { transfer(20, 100000, 30000, 99); }

int unit_suite_net_wire(void)
{
	if (!nt_linked("net_wire"))
		return 0;
	CU_pSuite s = CU_add_suite("net_wire", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "two stacks, clean wire", test_wire_clean);
	CU_add_test(s, "1 MB each way, 5% loss, reordering", test_wire_lossy_1mb);
	CU_add_test(s, "20% loss", test_wire_very_lossy);
	return 0;
}
