/* udp.c - UDP (RFC 768): sockets bound to a port; datagrams queue in the socket's ring as [len, port, ip, data]. */
/*
 * A datagram that arrives at an empty ring is lent, not copied: ns_input delivers the socket's event right after
 * the frame is processed, while the frame is still there, and the usual callback reads the datagram at once; so
 * recvfrom copies it from the frame, and only a datagram still unread when the callbacks are done is copied into
 * the ring (udp_settle), where room for it was kept. The application sees no difference.
 */
#include "ns_int.h"

#define UDP_QHDR 8   /* per queued datagram: length (2), source port (2), source address (4) */

/* The open UDP socket bound to port (at most one is: ns_udp_open refuses a port in use): the last one found, if
 * it still is, else a scan of the table. */
static struct ns_sock *udp_lookup(struct ns_stack *st, uint16_t port)
{
	struct ns_sock *s = st->udp_last;

	if (s && s->lport == port && !(s->flags & SF_APP_CLOSED))
		return s;
	for (unsigned i = 0; i < st->cfg.max_socks; i++) {
		s = st->socks[i];
		if (s && s->kind == SK_UDP && s->lport == port && !(s->flags & SF_APP_CLOSED)) {
			st->udp_last = s;
			return s;
		}
	}
	return NULL;
}

enum ns_drop udp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src, uint32_t dst)
{
	if (len < UDP_HLEN)
		return NS_DROP_udp_short;
	size_t ulen = be16_get(p + 4);
	if (ulen < UDP_HLEN || ulen > len)
		return NS_DROP_udp_bad_len;
	if (be16_get(p + 6) != 0 &&
	    inet_csum_fold(ns_csum_add(inet_csum_pseudo(src, dst, PROTO_UDP, (uint16_t)ulen), p, ulen)) != 0)
		return NS_DROP_udp_bad_csum;
	struct ns_sock *s = udp_lookup(st, be16_get(p + 2));
	if (!s)
		return NS_DROP_udp_no_port;
	uint32_t dlen = (uint32_t)(ulen - UDP_HLEN);
	if (UDP_QHDR + dlen > s->rx.cap - s->rx.len || ring_ensure(&s->rx) != 0)
		return NS_DROP_udp_rcvbuf_full;
	uint8_t h[UDP_QHDR];
	be16_put(h, (uint16_t)dlen);
	be16_put(h + 2, be16_get(p));
	be32_put(h + 4, src);
	ring_write(&s->rx, s->rx.len, h, UDP_QHDR);
	if (s->rx.len == 0 && !st->dispatching && !st->lent_sock) {
		st->lent_sock = s;            /* ns_input dispatches next, then settles it */
		st->lent = p + UDP_HLEN;
		st->lent_len = (uint16_t)dlen;
	} else {
		ring_write(&s->rx, s->rx.len + UDP_QHDR, p + UDP_HLEN, dlen);
	}
	s->rx.len += UDP_QHDR + dlen;
	sock_event(s, NS_EV_READABLE);
	return NS_DROP_none;
}

struct ns_sock *ns_udp_open(struct ns_stack *st, uint16_t port, uint32_t rcvbuf, ns_event_fn cb, void *arg)
{
	if (port == 0)
		port = sock_ephemeral(st, SK_UDP);
	if (port == 0 || !sock_port_free(st, SK_UDP, port) || rcvbuf > 65535)
		return NULL;
	struct ns_sock *s = sock_new(st, SK_UDP);
	if (!s)
		return NULL;
	s->lport = port;
	s->rx.cap = rcvbuf ? rcvbuf : st->cfg.udp_rcvbuf;
	s->cb = cb;
	s->arg = arg;
	return s;
}

int ns_udp_sendto(struct ns_sock *s, uint32_t ip, uint16_t port, const void *buf, size_t len)
{
	struct ns_stack *st = s->st;
	uint8_t local[ETHER_FRAME_MAX];

	if (s->kind != SK_UDP || port == 0 || (len && !buf))
		return NS_EINVAL;
	if (len > ip_payload_max(st) - UDP_HLEN)
		return NS_EMSGSIZE;
	uint8_t *f = ns_frame(st, L4_OFF + UDP_HLEN + len, local);
	uint8_t *u = f + L4_OFF;
	uint16_t ulen = (uint16_t)(UDP_HLEN + len);
	be16_put(u, s->lport);
	be16_put(u + 2, port);
	be16_put(u + 4, ulen);
	/* The header's words are added as numbers (the checksum word is 0); the data is summed as it is copied. */
	uint32_t sum = inet_csum_pseudo(st->cfg.ipv4, ip, PROTO_UDP, ulen) + s->lport + port + ulen;
	uint16_t c = inet_csum_fold(ns_csum_copy(sum, u + UDP_HLEN, buf, len));
	be16_put(u + 6, c ? c : 0xffff);
	int r = ip_send(st, f, UDP_HLEN + len, PROTO_UDP, ip);
	return r ? r : (int)len;
}

int ns_udp_recvfrom(struct ns_sock *s, void *buf, size_t cap, uint32_t *ip, uint16_t *port)
{
	uint8_t h[UDP_QHDR];

	if (s->kind != SK_UDP)
		return NS_EINVAL;
	if (s->rx.len == 0)
		return NS_EAGAIN;
	ring_read(&s->rx, 0, h, UDP_QHDR);
	uint32_t dlen = be16_get(h);
	uint32_t n = dlen < cap ? dlen : (uint32_t)cap;
	if (s == s->st->lent_sock) {      /* the first datagram, still in its frame */
		if (n)
			memcpy(buf, s->st->lent, n);
		s->st->lent_sock = NULL;
	} else if (n) {
		ring_read(&s->rx, UDP_QHDR, buf, n);
	}
	ring_consume(&s->rx, UDP_QHDR + dlen);
	if (ip)
		*ip = be32_get(h + 4);
	if (port)
		*port = be16_get(h + 2);
	return (int)n;
}

/* The lent datagram nobody read during the dispatch into the room kept for it, before its frame goes away. */
void udp_settle(struct ns_stack *st)
{
	struct ns_sock *s = st->lent_sock;

	st->lent_sock = NULL;
	ring_write(&s->rx, UDP_QHDR, st->lent, st->lent_len);
}
