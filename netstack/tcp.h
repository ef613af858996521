/* tcp.h - internals shared by tcp.c (input, state machine, API) and tcp_out.c (output, timers). */
#ifndef NS_TCP_H
#define NS_TCP_H

#include "ns_int.h"

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16, TH_URG = 32 };

#define TCP_RTO_INIT_US  1000000u    /* RFC 6298 2.1 */
#define TCP_RTO_MAX_US   60000000u
#define TCP_CLOCK_G_US   1000u       /* clock granularity G */
#define TCP_SYN_RETRIES  5
#define TCP_MAX_RETRIES  10
#define TCP_MSS_DEFAULT  536         /* peer sent no MSS option */
#define TCP_MSS_MIN      64

/* A segment's header fields, host order; rip is the peer. */
struct tcp_seg {
	uint32_t rip, seq, ack;
	uint16_t sport, dport, wnd, mss;
	uint8_t flags;
};

void tcp_emit(struct ns_stack *st, struct ns_sock *s, const struct tcp_seg *h, uint32_t off, uint32_t n);
uint16_t tcp_rcv_window(const struct ns_sock *s);
void tcp_send_ack(struct ns_sock *s);
void tcp_send_syn(struct ns_sock *s);
void tcp_send_rst(struct ns_stack *st, const struct tcp_seg *in, uint32_t seglen);
void tcp_send_rst_conn(struct ns_sock *s);
void tcp_send_una(struct ns_sock *s);
void tcp_output(struct ns_sock *s);
void tcp_arm(struct ns_sock *s, uint64_t now);
void tcp_rtt_sample(struct ns_sock *s, uint64_t r_ns);
void tcp_window_opened(struct ns_sock *s);
void tcp_closed(struct ns_sock *s, int err);
void tcp_time_wait(struct ns_sock *s, uint64_t now);

#endif
