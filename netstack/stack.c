/* stack.c - the stack object: creation, frame input, timers, the socket table, event delivery and reaping. */
#include "ns_int.h"

static const char *const drop_names[NS_DROP_COUNT] = {
	"none",
#define NS_DROP_NAME_(name) #name,
	NS_DROPS(NS_DROP_NAME_)
#undef NS_DROP_NAME_
};

const char *ns_drop_name(int reason)
{
	return reason > 0 && reason < NS_DROP_COUNT ? drop_names[reason] : "?";
}

static uint32_t cfg_default(uint32_t v, uint32_t def) { return v ? v : def; }

struct ns_stack *ns_create(const struct ns_env *env, const struct ns_config *cfg)
{
	if (!env || !env->now_ns || !env->send_frame || !env->random || !cfg)
		return NULL;
	struct ns_config c = *cfg;
	c.max_socks = (uint16_t)cfg_default(c.max_socks, NS_DEF_MAX_SOCKS);
	c.mtu = (uint16_t)cfg_default(c.mtu, 1500);
	c.tcp_sndbuf = cfg_default(c.tcp_sndbuf, NS_DEF_TCP_BUF);
	c.tcp_rcvbuf = cfg_default(c.tcp_rcvbuf, NS_DEF_TCP_BUF);
	c.udp_rcvbuf = cfg_default(c.udp_rcvbuf, NS_DEF_UDP_BUF);
	c.rto_min_ms = cfg_default(c.rto_min_ms, NS_DEF_RTO_MIN_MS);
	c.msl_ms = cfg_default(c.msl_ms, NS_DEF_MSL_MS);
	if (c.mtu < 576 || c.mtu > 1500 || c.tcp_sndbuf > 65535 || c.tcp_rcvbuf > 65535 ||
	    c.udp_rcvbuf > 65535 || c.max_socks > 1024 || c.ipv4 == 0 || (c.mac[0] & 1))
		return NULL;
	struct ns_stack *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->socks = calloc(c.max_socks, sizeof(*st->socks));
	if (!st->socks) {
		free(st);
		return NULL;
	}
	st->env = *env;
	st->cfg = c;
	st->ip_id = (uint16_t)env->random(env->ctx);
	return st;
}

void ns_set_frame_buf(struct ns_stack *st, ns_frame_buf_fn fn)
{
	st->frame_buf = fn;
}

static void sock_free(struct ns_sock *s)
{
	if (s->st->udp_last == s)
		s->st->udp_last = NULL;
	if (s->st->lent_sock == s)
		s->st->lent_sock = NULL;
	ring_free(&s->rx);
	ring_free(&s->tx);
	free(s);
}

void ns_destroy(struct ns_stack *st)
{
	if (!st)
		return;
	for (unsigned i = 0; i < st->cfg.max_socks; i++)
		if (st->socks[i])
			sock_free(st->socks[i]);
	arp_flush(st);
	free(st->socks);
	free(st);
}

/* Frees sockets the application has released and the protocol is done with. */
static void sock_reap(struct ns_stack *st)
{
	st->reap_pending = 0;
	for (unsigned i = 0; i < st->cfg.max_socks; i++) {
		struct ns_sock *s = st->socks[i];
		if (!s || !(s->flags & SF_APP_CLOSED) || (s->kind == SK_TCP && s->state != TCP_CLOSED))
			continue;
		if (s->parent)
			s->parent->nchild--;
		st->socks[i] = NULL;
		sock_free(s);
	}
}

/* Calls the callbacks of sockets with events in table order, a few rounds (callbacks may raise more), then
 * reaps. A round scans only the slots below ev_end (events raised during the round move the bound again);
 * nothing is scanned unless something is pending: this runs after every received frame. */
static void sock_dispatch(struct ns_stack *st)
{
	st->dispatching = 1;
	for (int round = 0; round < 4 && st->ev_pending; round++) {
		int called = 0;
		unsigned end = st->ev_end;
		st->ev_pending = 0;
		st->ev_end = 0;
		for (unsigned i = 0; i < end || i < st->ev_end; i++) {
			struct ns_sock *s = st->socks[i];
			if (!s || !s->ev)
				continue;
			unsigned ev = s->ev;
			s->ev = 0;
			if (s->cb && !(s->flags & SF_APP_CLOSED)) {
				s->cb(s, ev, s->arg);
				called = 1;
			}
		}
		if (!called)
			break;
	}
	st->dispatching = 0;
	if (st->reap_pending)
		sock_reap(st);
}

/* A zeroed socket in a free slot; a full table recycles the oldest released TIME_WAIT connection. */
struct ns_sock *sock_new(struct ns_stack *st, uint8_t kind)
{
	int slot = -1, tw = -1;

	for (unsigned i = 0; i < st->cfg.max_socks && slot < 0; i++) {
		struct ns_sock *s = st->socks[i];
		if (!s)
			slot = (int)i;
		else if (s->kind == SK_TCP && s->state == TCP_TIME_WAIT && (s->flags & SF_APP_CLOSED) &&
		         (tw < 0 || s->timer < st->socks[tw]->timer))
			tw = (int)i;
	}
	if (slot < 0 && tw < 0)
		return NULL;
	if (slot < 0) {
		slot = tw;
		sock_free(st->socks[tw]);
		st->socks[tw] = NULL;
	}
	struct ns_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->st = st;
	s->kind = kind;
	s->slot = (uint16_t)slot;
	st->socks[slot] = s;
	return s;
}

/* Is a local port unused by sockets of this kind (UDP, or TCP listeners and connections)? */
int sock_port_free(struct ns_stack *st, uint8_t kind, uint16_t port)
{
	for (unsigned i = 0; i < st->cfg.max_socks; i++) {
		struct ns_sock *s = st->socks[i];
		if (s && s->lport == port && (s->kind == SK_UDP) == (kind == SK_UDP))
			return 0;
	}
	return 1;
}

/* A free port in 49152..65535 from a random start, or 0. */
uint16_t sock_ephemeral(struct ns_stack *st, uint8_t kind)
{
	uint32_t n = 65536 - NS_EPHEMERAL_LO, start = st->env.random(st->env.ctx) % n;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(NS_EPHEMERAL_LO + (start + i) % n);
		if (sock_port_free(st, kind, p))
			return p;
	}
	return 0;
}

void ns_input(struct ns_stack *st, const void *frame, size_t len)
{
	enum ns_drop r = frame ? eth_input(st, frame, len) : NS_DROP_eth_short;

	st->stats.rx_frames++;
	if (r == NS_DROP_none)
		st->stats.rx_ok++;
	else
		st->stats.drop[r]++;
	if (!st->dispatching) {
		sock_dispatch(st);
		if (st->lent_sock)
			udp_settle(st);       /* frame is about to go away */
	}
}

void ns_timers(struct ns_stack *st, uint64_t now)
{
	arp_timers(st, now);
	for (unsigned i = 0; i < st->cfg.max_socks; i++) {
		struct ns_sock *s = st->socks[i];
		if (s && s->kind == SK_TCP && s->timer && s->timer <= now)
			tcp_timer(s, now);
	}
	if (!st->dispatching)
		sock_dispatch(st);
}

uint64_t ns_next_deadline(const struct ns_stack *st)
{
	uint64_t d = arp_deadline(st);

	for (unsigned i = 0; i < st->cfg.max_socks; i++) {
		const struct ns_sock *s = st->socks[i];
		if (s && s->kind == SK_TCP && s->timer && s->timer < d)
			d = s->timer;
	}
	return d;
}

const struct ns_stats *ns_get_stats(const struct ns_stack *st)
{
	return &st->stats;
}

void ns_close(struct ns_sock *s)
{
	if (!s || (s->flags & SF_APP_CLOSED))
		return;
	if (s->kind == SK_TCP)
		tcp_release(s);
	else if (s->kind == SK_LISTEN)
		tcp_free_listener(s);
	s->flags |= SF_APP_CLOSED;
	s->ev = 0;
	s->st->reap_pending = 1;
	if (!s->st->dispatching)
		sock_reap(s->st);
}

unsigned ns_events(const struct ns_sock *s)
{
	unsigned ev = 0;

	switch (s->kind) {
	case SK_UDP:
		return NS_EV_WRITABLE | (s->rx.len ? NS_EV_READABLE : 0);
	case SK_LISTEN:
		for (unsigned i = 0; i < s->st->cfg.max_socks; i++) {
			const struct ns_sock *c = s->st->socks[i];
			if (c && c->parent == s && (c->flags & SF_ACCEPTABLE))
				return NS_EV_READABLE;
		}
		return 0;
	}
	if (s->rx.len || (s->flags & SF_FIN_RCVD) || s->state == TCP_CLOSED)
		ev |= NS_EV_READABLE;
	if ((s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT) && !(s->flags & SF_FIN_QUEUED) &&
	    s->tx.len < s->tx.cap)
		ev |= NS_EV_WRITABLE;
	if (s->state == TCP_CLOSED || s->state == TCP_TIME_WAIT)
		ev |= NS_EV_CLOSED;
	return ev;
}

int ns_error(const struct ns_sock *s)
{
	return s->err;
}

uint16_t ns_local_port(const struct ns_sock *s)
{
	return s->lport;
}

void ns_peer(const struct ns_sock *s, uint32_t *ip, uint16_t *port)
{
	if (ip)
		*ip = s->rip;
	if (port)
		*port = s->rport;
}

size_t ns_sizeof_stack(void) { return sizeof(struct ns_stack); }
size_t ns_sizeof_sock(void) { return sizeof(struct ns_sock); }
