/* tcp_out.c - TCP output (RFC 9293, 5681, 6298): segments, the send window, retransmission timers, RST. */
#include "ns_int.h"
#include "tcp.h"

/* Builds and sends one segment: n bytes from the send ring at offset off (s may be NULL when n is 0). */
void tcp_emit(struct ns_stack *st, struct ns_sock *s, const struct tcp_seg *h, uint32_t off, uint32_t n)
{
	uint8_t local[ETHER_FRAME_MAX];
	uint32_t hl = (h->flags & TH_SYN) ? TCP_HLEN + 4 : TCP_HLEN;
	uint8_t *f = ns_frame(st, L4_OFF + hl + n, local);
	uint8_t *t = f + L4_OFF;

	be16_put(t, h->sport);
	be16_put(t + 2, h->dport);
	be32_put(t + 4, h->seq);
	be32_put(t + 8, h->ack);
	be16_put(t + 14, h->wnd);
	be16_put(t + 16, 0);
	be16_put(t + 18, 0);
	if (h->flags & TH_SYN) {
		t[20] = 2;                       /* MSS option */
		t[21] = 4;
		be16_put(t + 22, (uint16_t)(ip_payload_max(st) - TCP_HLEN));
	}
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = h->flags;
	if (n)
		ring_read(&s->tx, off, t + hl, n);
	uint32_t sum = inet_csum_pseudo(st->cfg.ipv4, h->rip, PROTO_TCP, (uint16_t)(hl + n));
	be16_put(t + 16, inet_csum_fold(ns_csum_add(sum, t, hl + n)));
	ip_send(st, f, hl + n, PROTO_TCP, h->rip);
}

/* The window to advertise: never shrinks the right edge, grows it by at least min(rcvbuf/2, MSS)
 * (receiver silly-window avoidance, RFC 1122 4.2.3.3). */
uint16_t tcp_rcv_window(const struct ns_sock *s)
{
	uint32_t space = s->rx.cap - s->rx.len;
	uint32_t old = SEQ_GT(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	uint32_t step = s->rx.cap / 2 < s->mss ? s->rx.cap / 2 : s->mss;

	if (old > space)
		old = space;
	return (uint16_t)(space < old + step ? old : space);
}

/* Sends a segment of this connection with the current ACK and window. */
static void tcp_send(struct ns_sock *s, uint32_t seq, uint8_t flags, uint32_t off, uint32_t n)
{
	struct tcp_seg h = { .rip = s->rip, .sport = s->lport, .dport = s->rport, .seq = seq, .flags = flags };

	if (s->state == TCP_SYN_SENT) {
		h.wnd = (uint16_t)s->rx.cap;
	} else {
		h.ack = s->rcv_nxt;
		h.flags |= TH_ACK;
		h.wnd = tcp_rcv_window(s);
		s->rcv_adv = s->rcv_nxt + h.wnd;
	}
	tcp_emit(s->st, s, &h, off, n);
}

/* An ACK now (in SYN_RCVD the SYN-ACK again, which carries it). Its sequence number is snd_max, not snd_nxt:
 * after an RTO snd_nxt goes back, and a peer that had received everything would find an ACK numbered there
 * out of its window and ignore it (RFC 9293 3.10.7.4), and with both sides so, neither hears the other. */
void tcp_send_ack(struct ns_sock *s)
{
	if (s->state == TCP_SYN_RCVD)
		tcp_send(s, s->iss, TH_SYN, 0, 0);
	else
		tcp_send(s, s->snd_max, 0, 0, 0);
}

/* SYN or SYN-ACK (its first transmission or a retransmission). */
void tcp_send_syn(struct ns_sock *s)
{
	tcp_send(s, s->iss, TH_SYN, 0, 0);
}

/* RST answering a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_send_rst(struct ns_stack *st, const struct tcp_seg *in, uint32_t seglen)
{
	struct tcp_seg h = { .rip = in->rip, .sport = in->dport, .dport = in->sport };

	if (in->flags & TH_ACK) {
		h.seq = in->ack;
		h.flags = TH_RST;
	} else {
		h.ack = in->seq + seglen;
		h.flags = TH_RST | TH_ACK;
	}
	st->stats.tcp_rst_sent++;
	tcp_emit(st, NULL, &h, 0, 0);
}

/* RST from a connection (abort, data arriving after close, give-up). */
void tcp_send_rst_conn(struct ns_sock *s)
{
	struct tcp_seg h = { .rip = s->rip, .sport = s->lport, .dport = s->rport, .seq = s->snd_max,
	                     .ack = s->rcv_nxt, .flags = TH_RST | TH_ACK };

	s->st->stats.tcp_rst_sent++;
	tcp_emit(s->st, NULL, &h, 0, 0);
}

static int tcp_can_send(const struct ns_sock *s)
{
	return s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT || s->state == TCP_FIN_WAIT_1 ||
	       s->state == TCP_CLOSING || s->state == TCP_LAST_ACK;
}

void tcp_arm(struct ns_sock *s, uint64_t now)
{
	s->timer = now + (uint64_t)s->rto_us * 1000;
}

/* Resends the first unacknowledged segment (RTO, fast retransmit, partial ACK, zero-window probe):
 * at most one MSS, and at least one byte even into a zero window. */
void tcp_send_una(struct ns_sock *s)
{
	uint32_t n = s->tx.len < s->mss ? s->tx.len : s->mss;
	uint32_t wnd = s->snd_wnd ? s->snd_wnd : 1;
	if (n > wnd)
		n = wnd;
	uint32_t fin = (s->flags & SF_FIN_QUEUED) && n == s->tx.len;

	if (n == 0 && !fin)
		return;
	tcp_send(s, s->snd_una, (uint8_t)((fin ? TH_FIN : 0) | (n ? TH_PSH : 0)), 0, n);
	if (fin)
		s->flags |= SF_FIN_SENT;
	uint32_t end = s->snd_una + n + fin;
	if (SEQ_LT(s->snd_nxt, end))
		s->snd_nxt = end;
	if (SEQ_LT(s->snd_max, end))
		s->snd_max = end;
	s->flags &= (uint16_t)~SF_RTT_TIMING;    /* Karn: never time a retransmitted segment */
	s->st->stats.tcp_retransmits++;
}

/* Sends what the windows (peer's and congestion) allow: new data, the FIN, or data again after an RTO. */
void tcp_output(struct ns_sock *s)
{
	if (!tcp_can_send(s))
		return;
	uint64_t now = ns_now(s->st);
	uint32_t cw = s->cwnd;
	if (!(s->flags & SF_RECOVERY) && s->dupacks > 0 && s->dupacks < 3)
		cw += s->dupacks * (uint32_t)s->mss;    /* Limited Transmit (RFC 3042): a new segment per dupack */
	uint32_t win = s->snd_wnd < cw ? s->snd_wnd : cw;
	for (;;) {
		uint32_t off = s->snd_nxt - s->snd_una;
		if (off > s->tx.len)
			break;                           /* the FIN is out */
		uint32_t avail = s->tx.len - off;
		uint32_t usable = win > off ? win - off : 0;
		uint32_t n = avail < usable ? avail : usable;
		if (n > s->mss)
			n = s->mss;
		int fin = (s->flags & SF_FIN_QUEUED) && n == avail;
		if (n == 0 && !fin)
			break;
		if (n < s->mss && n < avail && off > 0)
			break;                           /* sender silly-window avoidance: wait for ACKs */
		int rexmit = SEQ_LT(s->snd_nxt, s->snd_max);
		tcp_send(s, s->snd_nxt, (uint8_t)((fin ? TH_FIN : 0) | (n == avail && n ? TH_PSH : 0)), off, n);
		if (rexmit) {
			s->st->stats.tcp_retransmits++;
			s->flags &= (uint16_t)~SF_RTT_TIMING;
		} else if (!(s->flags & SF_RTT_TIMING) && n) {
			s->flags |= SF_RTT_TIMING;
			s->rtt_seq = s->snd_nxt;
			s->rtt_start = now;
		}
		s->snd_nxt += n + (fin ? 1 : 0);
		if (SEQ_GT(s->snd_nxt, s->snd_max))
			s->snd_max = s->snd_nxt;
		if (fin)
			s->flags |= SF_FIN_SENT;
		if (!s->timer)
			tcp_arm(s, now);
		if (fin)
			break;
	}
	/* Zero window with data waiting and nothing in flight: the persist timer probes it. */
	if (!s->timer && s->snd_una == s->snd_max && s->tx.len)
		tcp_arm(s, now);
}

/* RTO = SRTT + max(G, 4 RTTVAR), within [rto_min, max]: no backoff (RFC 6298 2.3); the initial RTO before
 * any sample. */
static void tcp_rto_update(struct ns_sock *s)
{
	if (!s->srtt_us) {
		s->rto_us = TCP_RTO_INIT_US;
		return;
	}
	uint32_t var = 4 * s->rttvar_us > TCP_CLOCK_G_US ? 4 * s->rttvar_us : TCP_CLOCK_G_US;
	uint64_t rto = (uint64_t)s->srtt_us + var;
	uint64_t lo = (uint64_t)s->st->cfg.rto_min_ms * 1000;
	s->rto_us = (uint32_t)(rto < lo ? lo : rto > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : rto);
}

/* An RTT sample (RFC 6298 2.2-2.4). */
void tcp_rtt_sample(struct ns_sock *s, uint64_t r_ns)
{
	uint32_t r = r_ns / 1000 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : (uint32_t)(r_ns / 1000);
	if (r == 0)
		r = 1;
	if (!s->srtt_us) {
		s->srtt_us = r;
		s->rttvar_us = r / 2;
	} else {
		uint32_t d = s->srtt_us > r ? s->srtt_us - r : r - s->srtt_us;
		s->rttvar_us = (3 * s->rttvar_us + d) / 4;
		s->srtt_us = (7 * s->srtt_us + r) / 8;
	}
	tcp_rto_update(s);
}

/* The peer's zero window opened. The probe byte it refused is not in flight: send from snd_una again now
 * (with the data after it) instead of waiting for an RTO, and drop the probes' timer backoff. */
void tcp_window_opened(struct ns_sock *s)
{
	if (!tcp_can_send(s) || (s->snd_una == s->snd_max && !s->tx.len))
		return;                              /* the timer, if any, is not a persist timer */
	if (SEQ_GT(s->snd_nxt, s->snd_una))
		s->snd_nxt = s->snd_una;
	tcp_rto_update(s);
	s->timer = 0;                            /* tcp_output arms it again for what it sends */
}

/* The connection is over: CLOSED (err says why), buffers the application no longer needs freed. */
void tcp_closed(struct ns_sock *s, int err)
{
	s->state = TCP_CLOSED;
	s->st->reap_pending = 1;
	s->timer = 0;
	if (err)
		s->err = (int8_t)err;
	ring_free(&s->tx);
	if (s->flags & SF_APP_CLOSED)
		ring_free(&s->rx);
	sock_event(s, NS_EV_CLOSED | NS_EV_READABLE);
}

void tcp_time_wait(struct ns_sock *s, uint64_t now)
{
	s->state = TCP_TIME_WAIT;
	s->timer = now + 2 * (uint64_t)s->st->cfg.msl_ms * 1000000;
	ring_free(&s->tx);
	if (s->flags & SF_APP_CLOSED)
		ring_free(&s->rx);
	sock_event(s, NS_EV_CLOSED | NS_EV_READABLE);
}

/* The connection timer: TIME_WAIT and FIN_WAIT_2 ends, SYN and data retransmission, zero-window probes. */
void tcp_timer(struct ns_sock *s, uint64_t now)
{
	s->timer = 0;
	switch (s->state) {
	case TCP_TIME_WAIT:
	case TCP_FIN_WAIT_2:
		tcp_closed(s, 0);
		return;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		if (++s->retries > TCP_SYN_RETRIES) {
			s->st->stats.tcp_conns_timed_out++;
			tcp_closed(s, NS_ETIMEDOUT);
			return;
		}
		s->rto_us = s->rto_us * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : s->rto_us * 2;
		s->flags &= (uint16_t)~SF_RTT_TIMING;
		s->st->stats.tcp_retransmits++;
		tcp_send_syn(s);
		tcp_arm(s, now);
		return;
	default:
		break;
	}
	if (s->snd_una == s->snd_max && !s->tx.len)
		return;
	if (++s->retries > TCP_MAX_RETRIES) {    /* any ACK resets it: only a silent peer is given up */
		s->st->stats.tcp_conns_timed_out++;
		tcp_send_rst_conn(s);
		tcp_closed(s, NS_ETIMEDOUT);
		return;
	}
	if (s->snd_wnd == 0 || s->snd_una == s->snd_max) {
		/* Persist: a zero-window probe (one byte from snd_una), not a loss: cwnd is left alone. */
		s->st->stats.tcp_probes++;
	} else {
		s->st->stats.tcp_rto_expired++;
		uint32_t flight = s->snd_max - s->snd_una;
		s->ssthresh = flight / 2 > 2u * s->mss ? flight / 2 : 2u * s->mss;
		s->cwnd = s->mss;
		s->flags &= (uint16_t)~SF_RECOVERY;
		s->dupacks = 0;
		s->snd_nxt = s->snd_una;             /* go back: later segments follow as ACKs come */
	}
	s->rto_us = s->rto_us * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : s->rto_us * 2;
	tcp_send_una(s);
	tcp_arm(s, now);
}
