/* netstack.h - the guest network stack's one public header: Ethernet, ARP, IPv4, ICMP echo, UDP, TCP, sockets. */
/*
 * The stack does no I/O and keeps no global state. The environment (a guest's event loop, or a test)
 * supplies a struct ns_env: the clock, a frame transmitter and a random source. It then
 *   - calls ns_input() with every received Ethernet frame (no FCS),
 *   - calls ns_timers() when ns_next_deadline() has passed, and idles until that deadline otherwise.
 * Addresses and ports in this API are in host byte order. Nothing here is thread-safe.
 *
 * Sockets are event driven. Each socket has an optional callback (ns_event_fn) called with the events
 * that became true (edges), always from inside ns_input() or ns_timers() after the frame or timer was
 * fully processed, never from inside an API call made by the application. A callback may call any
 * function here, including ns_close() on its own socket. ns_events() gives the same bits level-triggered,
 * for a poll-style loop without callbacks.
 *   NS_EV_READABLE  data (or EOF, or for a listener a connection to accept, or for UDP a datagram)
 *   NS_EV_WRITABLE  send-buffer space (first raised when an active open completes)
 *   NS_EV_CLOSED    the connection is over: reset, refused, timed out or fully closed (see ns_error())
 * After ns_close() the handle is gone: no more callbacks; the stack finishes the TCP close itself
 * (FIN, TIME_WAIT) and frees the socket.
 *
 * Memory: one ns_stack (ns_create mallocs it and the socket-pointer table), one malloc per socket in
 * use, and each socket's byte buffers, allocated at first use and freed at close. No static buffers.
 * Frames are built on the C stack (at most 1514 bytes), or where the environment's ns_frame_buf_fn says.
 *
 * TCP: passive and active open with the MSS option, sliding window, RTO per RFC 6298 (Karn's rule,
 * exponential backoff), fast retransmit on 3 duplicate ACKs with NewReno partial-ACK recovery, RFC 5681
 * congestion window, zero-window probes, FIN both ways, RST, TIME_WAIT (2 MSL). Out-of-order segments
 * are kept in place in the receive buffer (up to NS_TCP_OOO_RANGES holes' worth), never copied. No
 * window scaling, SACK, timestamps, urgent data, delayed ACKs (every data segment is ACKed at once) or
 * IP reassembly (fragments are dropped and counted).
 *
 * Every received frame ends in exactly one counter of struct ns_stats: rx_ok, or one drop reason.
 */
#ifndef NETSTACK_H
#define NETSTACK_H

#include <stddef.h>
#include <stdint.h>

/* What the stack needs from its environment. ctx is passed back unchanged. */
struct ns_env {
	void *ctx;
	uint64_t (*now_ns)(void *ctx);                                  /* monotonic nanoseconds */
	void (*send_frame)(void *ctx, const void *frame, size_t len);   /* transmit one Ethernet frame */
	uint32_t (*random)(void *ctx);                                  /* ISNs, ephemeral ports */
};

/* An optional part of the environment (ns_set_frame_buf): where to build the next frame, at least len bytes, so
 * that send_frame need not copy it; NULL: the stack builds it on the C stack. The stack builds one frame at a
 * time there and sends it, or drops it (an error such as no route), before it builds or sends any other frame;
 * the frame it sends from there is at most len bytes. (Not in struct ns_env: callers initialise that
 * positionally.) */
typedef void *(*ns_frame_buf_fn)(void *ctx, size_t len);

/* Addressing and tunables; a zero tunable takes the default shown. */
struct ns_config {
	uint8_t mac[6];
	uint32_t ipv4, netmask, gateway;   /* gateway 0: off-link destinations are unreachable */
	uint16_t max_socks;                /* sockets of all kinds, listeners and TIME_WAIT included (8) */
	uint16_t mtu;                      /* IP MTU, 576..1500 (1500) */
	uint32_t tcp_sndbuf, tcp_rcvbuf;   /* bytes per connection, at most 65535 (4096 each) */
	uint32_t udp_rcvbuf;               /* bytes of queued datagrams per UDP socket (2048) */
	uint32_t rto_min_ms;               /* RFC 6298 lower bound (1000) */
	uint32_t msl_ms;                   /* TIME_WAIT lasts 2 MSL (30000) */
};

/* Every drop reason for a received frame. The X-macro keeps the names, fields and the array in step. */
#define NS_DROPS(X) \
	X(eth_short) X(eth_oversize) X(eth_not_ours) X(eth_unknown_type) \
	X(arp_bad) X(arp_not_ours) \
	X(ip_short) X(ip_bad_version) X(ip_bad_hlen) X(ip_bad_len) X(ip_bad_csum) X(ip_ttl_zero) \
	X(ip_fragment) X(ip_not_ours) X(ip_bad_src) X(ip_unknown_proto) \
	X(icmp_short) X(icmp_bad_csum) X(icmp_unhandled) \
	X(udp_short) X(udp_bad_len) X(udp_bad_csum) X(udp_no_port) X(udp_rcvbuf_full) \
	X(tcp_short) X(tcp_bad_off) X(tcp_bad_csum) X(tcp_bad_flags) X(tcp_no_conn) X(tcp_listen_full) \
	X(tcp_bad_ack) X(tcp_out_of_window) X(tcp_old_dup) X(tcp_ooo_full) X(tcp_no_mem)

#define NS_DROP_FIELD_(name) uint32_t name;
#define NS_DROP_ENUM_(name) NS_DROP_##name,
enum ns_drop { NS_DROP_none, NS_DROPS(NS_DROP_ENUM_) NS_DROP_COUNT };

struct ns_stats {
	uint32_t rx_frames;        /* every ns_input() call */
	uint32_t rx_ok;            /* frames fully processed (rx_frames = rx_ok + sum of drop[]) */
	union {
		uint32_t drop[NS_DROP_COUNT];              /* drop[0] is unused */
		struct { uint32_t drop_none_; NS_DROPS(NS_DROP_FIELD_) };
	};
	/* Transmit side and protocol events (not part of the identity above). */
	uint32_t tx_frames, tx_no_route, tx_too_big, tx_no_mem;
	uint32_t arp_requests, arp_replies, arp_pending_replaced, arp_timeouts;
	uint32_t icmp_echo_replies;
	uint32_t tcp_rst_sent, tcp_retransmits, tcp_fast_retransmits, tcp_rto_expired, tcp_probes;
	uint32_t tcp_ooo_kept, tcp_conns_opened, tcp_conns_timed_out;
};

/* Error results (negative); functions that return sizes return one of these on failure. */
enum {
	NS_EAGAIN = -1,       /* nothing to receive / no buffer space now: wait for the event */
	NS_EINVAL = -2,
	NS_ENOMEM = -3,       /* malloc failed or the socket table is full */
	NS_ENOTCONN = -4,
	NS_ERESET = -5,       /* the peer reset the connection */
	NS_ETIMEDOUT = -6,    /* retransmissions gave up */
	NS_EREFUSED = -7,     /* active open answered with RST */
	NS_EADDRINUSE = -8,
	NS_ESHUTDOWN = -9,    /* send after close, or the connection is over */
	NS_EMSGSIZE = -10,
	NS_ENOROUTE = -11,
};

enum { NS_EV_READABLE = 1, NS_EV_WRITABLE = 2, NS_EV_CLOSED = 4 };

/* Sizes of the fixed tables. */
#define NS_ARP_ENTRIES 8
#define NS_TCP_OOO_RANGES 4

struct ns_stack;
struct ns_sock;
typedef void (*ns_event_fn)(struct ns_sock *s, unsigned events, void *arg);

/* Stack life: ns_create copies env and cfg (NULL on bad config or no memory); ns_destroy frees everything. */
struct ns_stack *ns_create(const struct ns_env *env, const struct ns_config *cfg);
void ns_destroy(struct ns_stack *st);
void ns_set_frame_buf(struct ns_stack *st, ns_frame_buf_fn fn);   /* called with env.ctx; NULL: none (the default) */

/* Feed one received frame; run the timers due at now; the nearest timer (UINT64_MAX: none). */
void ns_input(struct ns_stack *st, const void *frame, size_t len);
void ns_timers(struct ns_stack *st, uint64_t now_ns);
uint64_t ns_next_deadline(const struct ns_stack *st);
const struct ns_stats *ns_get_stats(const struct ns_stack *st);
const char *ns_drop_name(int reason);   /* "eth_short", ... for printing drop[] */

/* UDP. port 0 picks an ephemeral port; rcvbuf 0 takes cfg.udp_rcvbuf. sendto returns len or an error;
 * a datagram waiting for ARP is held (one per destination) and counts as sent. recvfrom returns the
 * datagram's length (truncated to cap), or NS_EAGAIN; ip and port may be NULL. */
struct ns_sock *ns_udp_open(struct ns_stack *st, uint16_t port, uint32_t rcvbuf, ns_event_fn cb, void *arg);
int ns_udp_sendto(struct ns_sock *s, uint32_t ip, uint16_t port, const void *buf, size_t len);
int ns_udp_recvfrom(struct ns_sock *s, void *buf, size_t cap, uint32_t *ip, uint16_t *port);

/* TCP. sndbuf/rcvbuf 0 take the config defaults; children of a listener inherit the listener's.
 * ns_tcp_accept returns an established connection (NULL when none) and gives it cb/arg. */
struct ns_sock *ns_tcp_listen(struct ns_stack *st, uint16_t port, unsigned backlog,
                              uint32_t sndbuf, uint32_t rcvbuf, ns_event_fn cb, void *arg);
struct ns_sock *ns_tcp_accept(struct ns_sock *listener, ns_event_fn cb, void *arg);
struct ns_sock *ns_tcp_connect(struct ns_stack *st, uint32_t ip, uint16_t port,
                               uint32_t sndbuf, uint32_t rcvbuf, ns_event_fn cb, void *arg);

/* Stream I/O: send copies up to len bytes into the send buffer and returns how many (NS_EAGAIN if none
 * fit); recv returns bytes read, 0 at EOF (peer's FIN, all data read), or an error. */
int ns_send(struct ns_sock *s, const void *buf, size_t len);
int ns_recv(struct ns_sock *s, void *buf, size_t cap);

/* ns_shutdown sends FIN after the queued data (half close; recv still works). ns_close releases the
 * handle (graceful close for TCP); ns_abort sends RST and releases it. */
void ns_shutdown(struct ns_sock *s);
void ns_close(struct ns_sock *s);
void ns_abort(struct ns_sock *s);

/* Level-triggered NS_EV_* bits; why a connection ended (0 or an NS_E* value); local and peer addresses. */
unsigned ns_events(const struct ns_sock *s);
int ns_error(const struct ns_sock *s);
uint16_t ns_local_port(const struct ns_sock *s);
void ns_peer(const struct ns_sock *s, uint32_t *ip, uint16_t *port);

/* After a fork (pvisa/PVISA.md "fork"): the stack takes a new address (MAC, IPv4, netmask, gateway) and the VM it was
 * copied from keeps the connections: every TCP connection is closed here without a segment sent (NS_EV_CLOSED,
 * ns_error NS_ERESET, delivered from the next ns_input or ns_timers), connections not yet accepted are freed; ARP
 * entries still pending are dropped with their packet. Listeners and UDP sockets stay, on their ports. 0, or
 * NS_EINVAL (no IPv4, a multicast MAC). */
int ns_rebind(struct ns_stack *st, const uint8_t mac[6], uint32_t ipv4, uint32_t netmask, uint32_t gateway);

/* Bytes an allocated socket costs (struct only, for reports). */
size_t ns_sizeof_stack(void);
size_t ns_sizeof_sock(void);

#endif
