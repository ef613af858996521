/* ns_int.h - netstack internals shared by its .c files: protocol numbers and offsets, the stack and socket structs. */
#ifndef NS_INT_H
#define NS_INT_H

#include <stdlib.h>
#include <string.h>
#include "netstack.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"

#define IP_OFF         ETHER_HLEN                  /* the IP header in a frame */
#define L4_OFF         (ETHER_HLEN + IPV4_HLEN)    /* the transport header in a frame we build */
#define PROTO_ICMP     1
#define PROTO_TCP      6
#define PROTO_UDP      17
#define IP_TTL         64

/* Defaults of struct ns_config. */
#define NS_DEF_MAX_SOCKS  8
#define NS_DEF_TCP_BUF    4096
#define NS_DEF_UDP_BUF    2048
#define NS_DEF_RTO_MIN_MS 1000
#define NS_DEF_MSL_MS     30000
/* ARP: request retries one second apart, entries live ten minutes. */
#define ARP_RETRY_NS      1000000000ull
#define ARP_TRIES         3
#define ARP_TTL_NS        600000000000ull
#define NS_EPHEMERAL_LO   49152

/* TCP sequence-space comparisons. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* checksum.c - the stack's one out-of-line instance of lib/inet_csum.h's sum (inet_csum_fold, inet_csum_pseudo and
 * inet_csum_hdr20 are used inline from there). */
uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len);
uint32_t ns_csum_copy(uint32_t sum, void *dst, const void *src, size_t len);   /* memcpy + ns_csum_add, one pass */

/* buf.c - a byte ring whose storage is malloc'd at first use; offsets count from the oldest byte. */
struct ns_ring {
	uint8_t *buf;
	uint32_t cap, head, len;
};
int ring_ensure(struct ns_ring *r);
void ring_free(struct ns_ring *r);
void ring_consume(struct ns_ring *r, uint32_t n);
void ring_write_wrap(struct ns_ring *r, uint32_t pos, const void *src, uint32_t n);
void ring_read_wrap(const struct ns_ring *r, uint32_t pos, void *dst, uint32_t n);

/* Where offset off (<= cap) is in the storage: head < cap, so one subtraction replaces a division. */
static inline uint32_t ring_pos(const struct ns_ring *r, uint32_t off)
{
	uint32_t pos = r->head + off;

	return pos >= r->cap ? pos - r->cap : pos;
}

/* Copies n bytes to offset off (off + n <= cap); len is not changed. Inline: a copy that does not wrap is one
 * memcpy (a few moves when n is a constant). */
static inline void ring_write(struct ns_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t pos = ring_pos(r, off);

	if (n <= r->cap - pos)
		memcpy(r->buf + pos, src, n);
	else
		ring_write_wrap(r, pos, src, n);
}

/* Copies n bytes from offset off (off + n <= cap). */
static inline void ring_read(const struct ns_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t pos = ring_pos(r, off);

	if (n <= r->cap - pos)
		memcpy(dst, r->buf + pos, n);
	else
		ring_read_wrap(r, pos, dst, n);
}

/* ARP cache entry: FREE, PENDING (resolving, holding at most one IP packet) or OK. */
enum { ARP_FREE, ARP_PENDING, ARP_OK };
struct arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state, tries;
	uint16_t pend_len;
	uint8_t *pend;          /* an IP packet (no Ethernet header) waiting for the reply */
	uint64_t deadline;      /* PENDING: next retry; OK: expiry */
};

enum { SK_UDP = 1, SK_LISTEN, SK_TCP };
enum tcp_state { TCP_CLOSED, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2,
                 TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT };
/* Socket flags. */
enum { SF_APP_CLOSED = 1, SF_FIN_QUEUED = 2, SF_FIN_SENT = 4, SF_FIN_RCVD = 8, SF_RECOVERY = 16,
       SF_ACCEPTABLE = 32, SF_RTT_TIMING = 64, SF_ACK_NOW = 128 };

struct ns_ooo { uint32_t start, end; };   /* received sequence range beyond rcv_nxt */

struct ns_sock {
	struct ns_stack *st;
	uint8_t kind, state;
	uint8_t ev;              /* events to deliver */
	int8_t err;
	uint16_t flags;
	uint16_t slot;           /* index in st->socks */
	uint16_t lport, rport;
	uint32_t rip;
	ns_event_fn cb;
	void *arg;
	struct ns_ring rx;
	/* TCP only (a listener uses backlog, nchild, sndbuf cap in tx.cap, parent for its children). */
	struct ns_ring tx;
	struct ns_sock *parent;  /* listener of a not yet accepted child */
	uint16_t backlog, nchild;
	uint16_t mss;            /* segment size we send */
	uint8_t dupacks, retries;
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t cwnd, ssthresh, recover;
	uint32_t rcv_nxt, rcv_adv;        /* rcv_adv: right edge of the window last advertised */
	uint32_t rtt_seq;
	uint32_t srtt_us, rttvar_us, rto_us;   /* srtt 0: no sample yet */
	uint64_t rtt_start;
	uint64_t timer;          /* retransmit, persist or TIME_WAIT deadline; 0: none */
	struct ns_ooo ooo[NS_TCP_OOO_RANGES];
	uint8_t nooo;
};

struct ns_stack {
	struct ns_env env;
	ns_frame_buf_fn frame_buf;  /* NULL: frames are built on the C stack */
	struct ns_config cfg;
	struct ns_stats stats;
	struct arp_entry arp[NS_ARP_ENTRIES];
	struct ns_sock **socks;
	struct ns_sock *udp_last; /* the UDP socket that took the last datagram (a hint; NULL when freed) */
	/* A datagram lent to lent_sock (udp.c): its queue header and room for its lent_len bytes are first in the
	 * socket's ring, but the bytes are still in the frame ns_input is processing. NULL: none. */
	struct ns_sock *lent_sock;
	const uint8_t *lent;
	uint16_t lent_len;
	uint8_t dispatching;
	uint8_t ev_pending;      /* some socket has events to deliver (sock_event) */
	uint8_t reap_pending;    /* a socket may be done with (closed by the application, or TCP CLOSED) */
	uint16_t ev_end;         /* sockets with events are all in socks[0 .. ev_end) */
	uint16_t ip_id;
};

static inline uint64_t ns_now(struct ns_stack *st) { return st->env.now_ns(st->env.ctx); }

/* Where to build a frame of len bytes that is sent next (or dropped): the environment's buffer when it offers
 * one (ns_set_frame_buf: send_frame then need not copy it), else local, an ETHER_FRAME_MAX array of the caller. */
static inline uint8_t *ns_frame(struct ns_stack *st, size_t len, uint8_t *local)
{
	uint8_t *f = st->frame_buf ? st->frame_buf(st->env.ctx, len) : NULL;

	return f ? f : local;
}

/* stack.c */
struct ns_sock *sock_new(struct ns_stack *st, uint8_t kind);
int sock_port_free(struct ns_stack *st, uint8_t kind, uint16_t port);
uint16_t sock_ephemeral(struct ns_stack *st, uint8_t kind);

/* Marks events for delivery at the next dispatch (stack.c, sock_dispatch). */
static inline void sock_event(struct ns_sock *s, unsigned ev)
{
	s->ev |= (uint8_t)ev;
	s->st->ev_pending = 1;
	if (s->slot >= s->st->ev_end)
		s->st->ev_end = (uint16_t)(s->slot + 1);
}

/* eth.c */
enum ns_drop eth_input(struct ns_stack *st, const uint8_t *f, size_t len);
void eth_send(struct ns_stack *st, uint8_t *f, size_t len, const uint8_t *dst, uint16_t type);

/* arp.c */
enum ns_drop arp_input(struct ns_stack *st, const uint8_t *p, size_t len);
void arp_output(struct ns_stack *st, uint32_t nexthop, uint8_t *f, size_t len);
void arp_timers(struct ns_stack *st, uint64_t now);
uint64_t arp_deadline(const struct ns_stack *st);
void arp_flush(struct ns_stack *st);

/* ip.c: f is a frame buffer (ETHER_FRAME_MAX, or from ns_frame) with the payload at L4_OFF. Returns 0 or NS_E*. */
enum ns_drop ip_input(struct ns_stack *st, const uint8_t *p, size_t len);
int ip_send(struct ns_stack *st, uint8_t *f, size_t plen, uint8_t proto, uint32_t dst);

static inline uint32_t ip_payload_max(const struct ns_stack *st)
{
	return (uint32_t)st->cfg.mtu - IPV4_HLEN;
}

/* icmp.c, udp.c, tcp.c: p is the transport header, len its length with payload; src/dst from IP. */
enum ns_drop icmp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src);
enum ns_drop udp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src, uint32_t dst);
void udp_settle(struct ns_stack *st);
enum ns_drop tcp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src, uint32_t dst);
void tcp_timer(struct ns_sock *s, uint64_t now);
void tcp_release(struct ns_sock *s);
void tcp_free_listener(struct ns_sock *s);

#endif
