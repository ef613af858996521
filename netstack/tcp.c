/* tcp.c - TCP input and state machine (RFC 9293) and the TCP socket API; output and timers are in tcp_out.c. */
#include "tcp.h"

static uint16_t tcp_our_mss(const struct ns_stack *st)
{
	return (uint16_t)(ip_payload_max(st) - TCP_HLEN);
}

/* The peer's MSS option (0 when absent); malformed options end the scan. */
static uint16_t tcp_parse_mss(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return 0;
		if (o[i] == 2 && o[i + 1] == 4)
			return be16_get(o + i + 2);
		i += o[i + 1];
	}
	return 0;
}

/* Connection parameters once the peer's SYN is known. */
static void tcp_init_conn(struct ns_sock *s, const struct tcp_seg *h)
{
	uint16_t ours = tcp_our_mss(s->st), peer = h->mss ? h->mss : TCP_MSS_DEFAULT;

	s->mss = peer < ours ? peer : ours;
	if (s->mss < TCP_MSS_MIN)
		s->mss = TCP_MSS_MIN;
	s->rcv_nxt = h->seq + 1;
	s->rcv_adv = s->rcv_nxt;
	s->snd_wnd = h->wnd;
	s->snd_wl1 = h->seq;
	s->snd_wl2 = h->ack;
	/* RFC 5681 initial window. */
	uint32_t iw = 4u * s->mss < (2u * s->mss > 4380 ? 2u * s->mss : 4380) ? 4u * s->mss :
	              (2u * s->mss > 4380 ? 2u * s->mss : 4380);
	s->cwnd = iw;
	s->ssthresh = 65535;
}

static void tcp_new_iss(struct ns_sock *s)
{
	s->iss = s->st->env.random(s->st->env.ctx);
	s->snd_una = s->iss;
	s->snd_nxt = s->snd_max = s->iss + 1;
	s->rto_us = TCP_RTO_INIT_US;
}

/* Our SYN was acknowledged: the connection is ESTABLISHED. */
static void tcp_established(struct ns_sock *s, const struct tcp_seg *h, uint64_t now)
{
	s->state = TCP_ESTABLISHED;
	s->snd_una = h->ack;
	s->snd_wnd = h->wnd;
	s->snd_wl1 = h->seq;
	s->snd_wl2 = h->ack;
	s->timer = 0;
	if (!s->retries)
		tcp_rtt_sample(s, now - s->rtt_start);   /* Karn: only an unretransmitted SYN is timed */
	s->retries = 0;
	s->st->stats.tcp_conns_opened++;
	if (s->parent) {
		s->flags |= SF_ACCEPTABLE;
		sock_event(s->parent, NS_EV_READABLE);
	} else {
		sock_event(s, NS_EV_WRITABLE);
	}
}

static enum ns_drop tcp_listen_input(struct ns_sock *l, const struct tcp_seg *h, uint32_t seglen)
{
	struct ns_stack *st = l->st;

	if (h->flags & TH_RST)
		return NS_DROP_tcp_no_conn;
	if (h->flags & TH_ACK) {
		tcp_send_rst(st, h, seglen);
		return NS_DROP_tcp_no_conn;
	}
	if (!(h->flags & TH_SYN))
		return NS_DROP_tcp_bad_flags;
	if (l->nchild >= l->backlog)
		return NS_DROP_tcp_listen_full;
	struct ns_sock *s = sock_new(st, SK_TCP);
	if (!s)
		return NS_DROP_tcp_listen_full;
	s->state = TCP_SYN_RCVD;
	s->flags = SF_APP_CLOSED;                /* owned by the stack until accepted */
	s->parent = l;
	l->nchild++;
	s->lport = h->dport;
	s->rport = h->sport;
	s->rip = h->rip;
	s->rx.cap = l->rx.cap;
	s->tx.cap = l->tx.cap;
	tcp_new_iss(s);
	tcp_init_conn(s, h);
	s->rtt_start = ns_now(st);
	tcp_send_syn(s);
	tcp_arm(s, s->rtt_start);
	return NS_DROP_none;
}

static enum ns_drop tcp_syn_sent_input(struct ns_sock *s, struct tcp_seg *h, uint32_t seglen)
{
	int ack_ok = (h->flags & TH_ACK) && h->ack == s->iss + 1;

	if ((h->flags & TH_ACK) && !ack_ok) {
		if (!(h->flags & TH_RST))
			tcp_send_rst(s->st, h, seglen);
		return NS_DROP_tcp_bad_ack;
	}
	if (h->flags & TH_RST) {
		if (!ack_ok)
			return NS_DROP_tcp_bad_flags;
		tcp_closed(s, NS_EREFUSED);
		return NS_DROP_none;
	}
	if (!(h->flags & TH_SYN))
		return NS_DROP_tcp_bad_flags;
	tcp_init_conn(s, h);
	if (!ack_ok) {                            /* simultaneous open */
		s->state = TCP_SYN_RCVD;
		tcp_send_syn(s);
		return NS_DROP_none;
	}
	tcp_established(s, h, ns_now(s->st));
	tcp_send_ack(s);
	return NS_DROP_none;
}

/* RFC 9293 3.10.7.4 first check: does the segment overlap the receive window? */
static int tcp_acceptable(const struct ns_sock *s, uint32_t seq, uint32_t seglen)
{
	uint32_t wnd = s->rx.cap - s->rx.len;

	if (seglen == 0)
		return wnd == 0 ? seq == s->rcv_nxt : SEQ_GEQ(seq, s->rcv_nxt) && SEQ_LT(seq, s->rcv_nxt + wnd);
	if (wnd == 0)
		return 0;
	return (SEQ_GEQ(seq, s->rcv_nxt) && SEQ_LT(seq, s->rcv_nxt + wnd)) ||
	       (SEQ_GEQ(seq + seglen - 1, s->rcv_nxt) && SEQ_LT(seq + seglen - 1, s->rcv_nxt + wnd));
}

/* New data acknowledged: free it, take an RTT sample, grow or deflate cwnd, restart the timer. */
static void tcp_ack_new(struct ns_sock *s, uint32_t ack, uint64_t now)
{
	uint32_t acked = ack - s->snd_una;
	uint32_t data = acked < s->tx.len ? acked : s->tx.len;

	ring_consume(&s->tx, data);
	s->snd_una = ack;
	if (SEQ_LT(s->snd_nxt, ack))
		s->snd_nxt = ack;
	if ((s->flags & SF_RTT_TIMING) && SEQ_GT(ack, s->rtt_seq)) {
		s->flags &= (uint16_t)~SF_RTT_TIMING;
		tcp_rtt_sample(s, now - s->rtt_start);
	}
	if (s->flags & SF_RECOVERY) {
		if (SEQ_GEQ(ack, s->recover)) {
			s->flags &= (uint16_t)~SF_RECOVERY;
			s->cwnd = s->ssthresh;
		} else {                                 /* NewReno partial ACK (RFC 6582) */
			tcp_send_una(s);
			s->cwnd = s->cwnd > data ? s->cwnd - data + s->mss : s->mss;
		}
	} else if (s->cwnd < s->ssthresh) {
		s->cwnd += data < s->mss ? data : s->mss;
	} else {
		s->cwnd += s->mss * s->mss / s->cwnd > 0 ? s->mss * s->mss / s->cwnd : 1;
	}
	if (s->cwnd > 4u * 65535)
		s->cwnd = 4u * 65535;
	s->dupacks = 0;
	s->timer = s->snd_una == s->snd_max ? 0 : now + (uint64_t)s->rto_us * 1000;
	if (data && (s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT))
		sock_event(s, NS_EV_WRITABLE);
}

/* Duplicate ACK: the third one triggers fast retransmit (RFC 5681 3.2), later ones inflate cwnd. */
static void tcp_dupack(struct ns_sock *s)
{
	if (++s->dupacks == 3 && !(s->flags & SF_RECOVERY)) {
		uint32_t flight = s->snd_max - s->snd_una;
		s->ssthresh = flight / 2 > 2u * s->mss ? flight / 2 : 2u * s->mss;
		s->recover = s->snd_max;
		s->flags |= SF_RECOVERY;
		s->st->stats.tcp_fast_retransmits++;
		tcp_send_una(s);
		s->cwnd = s->ssthresh + 3u * s->mss;
	} else if (s->dupacks > 3 && (s->flags & SF_RECOVERY)) {
		s->cwnd += s->mss;
	}
}

/* The ACK field of a synchronized connection. Returns a drop reason, or none to go on to the data. */
static enum ns_drop tcp_process_ack(struct ns_sock *s, const struct tcp_seg *h, uint32_t dlen, uint64_t now)
{
	if (s->state == TCP_SYN_RCVD) {
		if (!SEQ_GT(h->ack, s->snd_una) || SEQ_GT(h->ack, s->snd_max)) {
			tcp_send_rst(s->st, h, dlen);
			return NS_DROP_tcp_bad_ack;
		}
		tcp_established(s, h, now);
	}
	if (SEQ_GT(h->ack, s->snd_max)) {
		tcp_send_ack(s);
		return NS_DROP_tcp_bad_ack;
	}
	s->retries = 0;                          /* the peer is alive */
	int fin_was_acked = (s->flags & SF_FIN_SENT) && s->snd_una == s->snd_max;
	if (SEQ_GT(h->ack, s->snd_una))
		tcp_ack_new(s, h->ack, now);
	else if (h->ack == s->snd_una && dlen == 0 && !(h->flags & TH_FIN) && h->wnd == s->snd_wnd &&
	         h->wnd != 0 && s->snd_una != s->snd_max)
		tcp_dupack(s);                       /* (the answer to a zero-window probe is not one) */
	if (SEQ_LT(s->snd_wl1, h->seq) || (s->snd_wl1 == h->seq && SEQ_LEQ(s->snd_wl2, h->ack))) {
		int opened = s->snd_wnd == 0 && h->wnd != 0;
		s->snd_wnd = h->wnd;
		s->snd_wl1 = h->seq;
		s->snd_wl2 = h->ack;
		if (opened)
			tcp_window_opened(s);
	}
	if ((s->flags & SF_FIN_SENT) && s->snd_una == s->snd_max && !fin_was_acked) {
		switch (s->state) {
		case TCP_FIN_WAIT_1:
			s->state = TCP_FIN_WAIT_2;
			if (s->flags & SF_APP_CLOSED)     /* do not wait forever for a silent peer */
				s->timer = now + 2 * (uint64_t)s->st->cfg.msl_ms * 1000000;
			break;
		case TCP_CLOSING:
			tcp_time_wait(s, now);
			break;
		case TCP_LAST_ACK:
			tcp_closed(s, 0);
			break;
		default:
			break;
		}
	}
	return NS_DROP_none;
}

/* Records [seq, seq+n) as received beyond rcv_nxt, merging ranges; 0, or -1 when the table is full. */
static int tcp_ooo_add(struct ns_sock *s, uint32_t seq, uint32_t n)
{
	uint32_t start = seq, end = seq + n;
	int k = 0;

	for (int i = 0; i < s->nooo; i++) {
		struct ns_ooo r = s->ooo[i];
		if (SEQ_LT(r.end, start) || SEQ_GT(r.start, end)) {
			s->ooo[k++] = r;
			continue;
		}
		if (SEQ_LT(r.start, start))
			start = r.start;
		if (SEQ_GT(r.end, end))
			end = r.end;
	}
	if (k == NS_TCP_OOO_RANGES) {
		s->nooo = (uint8_t)k;
		return -1;
	}
	s->ooo[k].start = start;
	s->ooo[k].end = end;
	s->nooo = (uint8_t)(k + 1);
	return 0;
}

/* rcv_nxt advanced: absorb the out-of-order ranges it now reaches. */
static void tcp_ooo_merge(struct ns_sock *s)
{
	for (int again = 1; again;) {
		again = 0;
		for (int i = 0; i < s->nooo; i++) {
			struct ns_ooo r = s->ooo[i];
			if (SEQ_GT(r.start, s->rcv_nxt))
				continue;
			if (SEQ_GT(r.end, s->rcv_nxt)) {
				s->rx.len += r.end - s->rcv_nxt;
				s->rcv_nxt = r.end;
			}
			s->ooo[i] = s->ooo[--s->nooo];
			again = 1;
			break;
		}
	}
}

/* Segment text: trimmed to the window, copied in place (in order or not). Returns a drop reason. */
static enum ns_drop tcp_data(struct ns_sock *s, uint32_t seq, const uint8_t *d, uint32_t n, int *fin)
{
	if (SEQ_LT(seq, s->rcv_nxt)) {
		uint32_t skip = s->rcv_nxt - seq;
		d += skip;
		n -= skip;
		seq = s->rcv_nxt;
	}
	uint32_t room = s->rx.cap - s->rx.len - (seq - s->rcv_nxt);
	if (n > room) {
		n = room;
		*fin = 0;                            /* the FIN lies beyond the window */
	}
	if (n == 0)
		return NS_DROP_none;
	if (ring_ensure(&s->rx) != 0) {
		*fin = 0;
		return NS_DROP_tcp_no_mem;
	}
	if (seq != s->rcv_nxt) {
		*fin = 0;                            /* an out-of-order FIN is taken when retransmitted */
		if (tcp_ooo_add(s, seq, n) != 0)
			return NS_DROP_tcp_ooo_full;
		ring_write(&s->rx, s->rx.len + (seq - s->rcv_nxt), d, n);
		s->st->stats.tcp_ooo_kept++;
		return NS_DROP_none;
	}
	ring_write(&s->rx, s->rx.len, d, n);
	s->rx.len += n;
	s->rcv_nxt += n;
	tcp_ooo_merge(s);
	sock_event(s, NS_EV_READABLE);
	return NS_DROP_none;
}

static void tcp_fin(struct ns_sock *s, uint64_t now)
{
	s->rcv_nxt++;
	s->flags |= SF_FIN_RCVD;
	sock_event(s, NS_EV_READABLE);
	switch (s->state) {
	case TCP_ESTABLISHED:
		s->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		s->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		tcp_time_wait(s, now);
		break;
	default:
		break;
	}
}

/* A segment for a synchronized connection (SYN_RCVD and later). */
static enum ns_drop tcp_conn_input(struct ns_sock *s, struct tcp_seg *h, const uint8_t *d, uint32_t dlen)
{
	uint64_t now = ns_now(s->st);
	uint32_t seglen = dlen + !!(h->flags & TH_SYN) + !!(h->flags & TH_FIN);

	if (!tcp_acceptable(s, h->seq, seglen)) {
		if (!(h->flags & TH_RST))
			tcp_send_ack(s);
		return SEQ_LEQ(h->seq + seglen, s->rcv_nxt) ? NS_DROP_tcp_old_dup : NS_DROP_tcp_out_of_window;
	}
	if (h->flags & TH_RST) {
		if (h->seq != s->rcv_nxt) {          /* RFC 5961 3.2: challenge ACK */
			tcp_send_ack(s);
			return NS_DROP_tcp_out_of_window;
		}
		tcp_closed(s, s->state == TCP_SYN_RCVD && !s->parent ? NS_EREFUSED : NS_ERESET);
		return NS_DROP_none;
	}
	if (h->flags & TH_SYN) {                 /* RFC 5961 4.2: challenge ACK */
		tcp_send_ack(s);
		return NS_DROP_tcp_bad_flags;
	}
	if (!(h->flags & TH_ACK))
		return NS_DROP_tcp_bad_flags;
	enum ns_drop r = tcp_process_ack(s, h, dlen, now);
	if (r != NS_DROP_none || s->state == TCP_CLOSED)
		return r;
	int fin = !!(h->flags & TH_FIN);
	int ack_now = fin || dlen;
	if (s->state == TCP_ESTABLISHED || s->state == TCP_FIN_WAIT_1 || s->state == TCP_FIN_WAIT_2) {
		if (dlen && (s->flags & SF_APP_CLOSED) && !s->parent) {
			tcp_send_rst_conn(s);            /* nobody will read it (RFC 9293 3.10.7.1 note) */
			tcp_closed(s, NS_ERESET);
			return NS_DROP_none;
		}
		if (dlen)
			r = tcp_data(s, h->seq, d, dlen, &fin);
		if (fin && h->seq + dlen != s->rcv_nxt)
			fin = 0;
	} else {
		fin = 0;                             /* after the peer's FIN: retransmissions only */
	}
	if (fin)
		tcp_fin(s, now);
	if (ack_now)
		tcp_send_ack(s);
	tcp_output(s);
	return r;
}

enum ns_drop tcp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src, uint32_t dst)
{
	if (len < TCP_HLEN)
		return NS_DROP_tcp_short;
	size_t off = (size_t)(p[12] >> 4) * 4;
	if (off < TCP_HLEN || off > len)
		return NS_DROP_tcp_bad_off;
	if (inet_csum_fold(ns_csum_add(inet_csum_pseudo(src, dst, PROTO_TCP, (uint16_t)len), p, len)) != 0)
		return NS_DROP_tcp_bad_csum;
	struct tcp_seg h = { .rip = src, .sport = be16_get(p), .dport = be16_get(p + 2), .seq = be32_get(p + 4),
	                     .ack = be32_get(p + 8), .flags = p[13] & 0x3f, .wnd = be16_get(p + 14) };
	if ((h.flags & TH_SYN && h.flags & (TH_FIN | TH_RST)) || !(h.flags & (TH_SYN | TH_ACK | TH_RST)) ||
	    h.sport == 0 || h.dport == 0)
		return NS_DROP_tcp_bad_flags;
	if (h.flags & TH_SYN)
		h.mss = tcp_parse_mss(p + TCP_HLEN, off - TCP_HLEN);
	uint32_t dlen = (uint32_t)(len - off);
	uint32_t seglen = dlen + !!(h.flags & TH_SYN) + !!(h.flags & TH_FIN);
	struct ns_sock *s = NULL, *l = NULL;
	for (unsigned i = 0; i < st->cfg.max_socks && !s; i++) {
		struct ns_sock *c = st->socks[i];
		if (!c || c->lport != h.dport)
			continue;
		if (c->kind == SK_TCP && c->state != TCP_CLOSED && c->rport == h.sport && c->rip == src)
			s = c;
		else if (c->kind == SK_LISTEN && !(c->flags & SF_APP_CLOSED))
			l = c;
	}
	if (!s && l)
		return tcp_listen_input(l, &h, seglen);
	if (!s) {
		if (!(h.flags & TH_RST))
			tcp_send_rst(st, &h, seglen);
		return NS_DROP_tcp_no_conn;
	}
	if (s->state == TCP_SYN_SENT)
		return tcp_syn_sent_input(s, &h, seglen);
	return tcp_conn_input(s, &h, p + off, dlen);
}

/* ---- the socket API ---- */

static uint32_t tcp_buf(uint32_t v, uint32_t def)
{
	return v == 0 ? def : v > 65535 ? 65535 : v;
}

struct ns_sock *ns_tcp_listen(struct ns_stack *st, uint16_t port, unsigned backlog,
                              uint32_t sndbuf, uint32_t rcvbuf, ns_event_fn cb, void *arg)
{
	if (port == 0 || !sock_port_free(st, SK_TCP, port))
		return NULL;
	struct ns_sock *l = sock_new(st, SK_LISTEN);
	if (!l)
		return NULL;
	l->lport = port;
	l->backlog = (uint16_t)(backlog == 0 ? 1 : backlog > 255 ? 255 : backlog);
	l->tx.cap = tcp_buf(sndbuf, st->cfg.tcp_sndbuf);
	l->rx.cap = tcp_buf(rcvbuf, st->cfg.tcp_rcvbuf);
	l->cb = cb;
	l->arg = arg;
	return l;
}

struct ns_sock *ns_tcp_accept(struct ns_sock *l, ns_event_fn cb, void *arg)
{
	if (!l || l->kind != SK_LISTEN)
		return NULL;
	for (unsigned i = 0; i < l->st->cfg.max_socks; i++) {
		struct ns_sock *s = l->st->socks[i];
		if (!s || s->parent != l || !(s->flags & SF_ACCEPTABLE) || s->state == TCP_CLOSED)
			continue;
		s->parent = NULL;
		l->nchild--;
		s->flags &= (uint16_t)~(SF_ACCEPTABLE | SF_APP_CLOSED);
		s->cb = cb;
		s->arg = arg;
		s->ev = 0;
		if (ns_events(s))
			sock_event(s, ns_events(s));     /* what happened before the accept, delivered at the next dispatch */
		return s;
	}
	return NULL;
}

struct ns_sock *ns_tcp_connect(struct ns_stack *st, uint32_t ip, uint16_t port,
                               uint32_t sndbuf, uint32_t rcvbuf, ns_event_fn cb, void *arg)
{
	if (port == 0 || ip == 0 || ip == 0xffffffffu || ip == st->cfg.ipv4)
		return NULL;
	uint16_t lport = sock_ephemeral(st, SK_TCP);
	struct ns_sock *s = lport ? sock_new(st, SK_TCP) : NULL;
	if (!s)
		return NULL;
	s->state = TCP_SYN_SENT;
	s->lport = lport;
	s->rport = port;
	s->rip = ip;
	s->tx.cap = tcp_buf(sndbuf, st->cfg.tcp_sndbuf);
	s->rx.cap = tcp_buf(rcvbuf, st->cfg.tcp_rcvbuf);
	s->mss = tcp_our_mss(st);
	s->cb = cb;
	s->arg = arg;
	tcp_new_iss(s);
	s->rtt_start = ns_now(st);
	tcp_send_syn(s);
	tcp_arm(s, s->rtt_start);
	return s;
}

int ns_send(struct ns_sock *s, const void *buf, size_t len)
{
	if (!s || s->kind != SK_TCP || (len && !buf))
		return NS_EINVAL;
	if (s->state == TCP_CLOSED && s->err)
		return s->err;
	if (s->state == TCP_SYN_SENT || s->state == TCP_SYN_RCVD)
		return NS_ENOTCONN;
	if ((s->state != TCP_ESTABLISHED && s->state != TCP_CLOSE_WAIT) || (s->flags & SF_FIN_QUEUED))
		return NS_ESHUTDOWN;
	if (ring_ensure(&s->tx) != 0)
		return NS_ENOMEM;
	uint32_t n = s->tx.cap - s->tx.len;
	if (n > len)
		n = (uint32_t)len;
	if (n == 0)
		return len ? NS_EAGAIN : 0;
	ring_write(&s->tx, s->tx.len, buf, n);
	s->tx.len += n;
	tcp_output(s);
	return (int)n;
}

int ns_recv(struct ns_sock *s, void *buf, size_t cap)
{
	if (!s || s->kind != SK_TCP || (cap && !buf))
		return NS_EINVAL;
	if (s->rx.len == 0) {
		if (s->flags & SF_FIN_RCVD)
			return 0;
		if (s->state == TCP_CLOSED)
			return s->err ? s->err : 0;
		return NS_EAGAIN;
	}
	uint32_t n = s->rx.len < cap ? s->rx.len : (uint32_t)cap;
	ring_read(&s->rx, 0, buf, n);
	ring_consume(&s->rx, n);
	/* Window update when the advertised right edge can move by at least min(rcvbuf/2, MSS). */
	if (s->state == TCP_ESTABLISHED || s->state == TCP_FIN_WAIT_1 || s->state == TCP_FIN_WAIT_2) {
		if (s->rcv_nxt + tcp_rcv_window(s) != s->rcv_adv)
			tcp_send_ack(s);
	}
	return (int)n;
}

void ns_shutdown(struct ns_sock *s)
{
	if (!s || s->kind != SK_TCP)
		return;
	if (s->state == TCP_ESTABLISHED)
		s->state = TCP_FIN_WAIT_1;
	else if (s->state == TCP_CLOSE_WAIT)
		s->state = TCP_LAST_ACK;
	else
		return;
	s->flags |= SF_FIN_QUEUED;
	tcp_output(s);
}

/* ns_close of a connection: FIN after the queued data, or RST when received data would be lost. */
void tcp_release(struct ns_sock *s)
{
	s->flags |= SF_APP_CLOSED;
	if (s->state == TCP_SYN_SENT) {
		tcp_closed(s, 0);
	} else if (s->rx.len && (s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT ||
	                         s->state == TCP_FIN_WAIT_1 || s->state == TCP_FIN_WAIT_2)) {
		tcp_send_rst_conn(s);
		tcp_closed(s, NS_ERESET);
	} else {
		ns_shutdown(s);
		if (s->state == TCP_FIN_WAIT_2 && !s->timer)
			s->timer = ns_now(s->st) + 2 * (uint64_t)s->st->cfg.msl_ms * 1000000;
	}
	ring_free(&s->rx);
}

void ns_abort(struct ns_sock *s)
{
	if (!s)
		return;
	if (s->kind == SK_TCP && s->state != TCP_CLOSED && s->state != TCP_TIME_WAIT &&
	    s->state != TCP_SYN_SENT) {
		tcp_send_rst_conn(s);
		s->flags |= SF_APP_CLOSED;
		tcp_closed(s, NS_ERESET);
	}
	if (s->kind == SK_TCP && s->state == TCP_TIME_WAIT) {
		s->flags |= SF_APP_CLOSED;
		tcp_closed(s, 0);
	}
	ns_close(s);
}

/* ns_close of a listener: children not yet accepted are reset and freed. */
void tcp_free_listener(struct ns_sock *l)
{
	for (unsigned i = 0; i < l->st->cfg.max_socks; i++) {
		struct ns_sock *s = l->st->socks[i];
		if (!s || s->parent != l)
			continue;
		if (s->state != TCP_CLOSED)
			tcp_send_rst_conn(s);
		s->parent = NULL;
		tcp_closed(s, NS_ERESET);
	}
	l->nchild = 0;
}
