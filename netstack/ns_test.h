/* ns_test.h - the host test harness for netstack (tests/unit/test_net_harness.c): fake hosts, frame builders. */
/*
 * Host tests only; never built for guests. A host is a stack with a fake environment: a clock the test
 * sets, a deterministic random source, and a transmitter that captures frames (nt_sent) so that tests
 * check what the stack sent and inject crafted frames with nt_* builders. Addresses: the stack under
 * test is NT_IP/NT_MAC, the peer the tests play is NT_PEER_IP/NT_PEER_MAC, on 10.0.0.0/24.
 */
#ifndef NS_TEST_H
#define NS_TEST_H

#include "netstack.h"
#include "ether.h"

/* The unit tests link netstack only once tests/unit/unit.mk has UNIT_SRCS += $(NETSTACK_SRCS): until
 * then these references stay unresolved (null) and the net suites register nothing, saying why. */
#pragma weak ns_create
#pragma weak ns_destroy
#pragma weak ns_set_frame_buf
#pragma weak ns_input
#pragma weak ns_timers
#pragma weak ns_next_deadline
#pragma weak ns_get_stats
#pragma weak ns_drop_name
#pragma weak ns_udp_open
#pragma weak ns_udp_sendto
#pragma weak ns_udp_recvfrom
#pragma weak ns_tcp_listen
#pragma weak ns_tcp_accept
#pragma weak ns_tcp_connect
#pragma weak ns_send
#pragma weak ns_recv
#pragma weak ns_shutdown
#pragma weak ns_close
#pragma weak ns_abort
#pragma weak ns_events
#pragma weak ns_error
#pragma weak ns_local_port
#pragma weak ns_peer
#pragma weak ns_sizeof_stack
#pragma weak ns_sizeof_sock
#pragma weak ns_rebind
int nt_linked(const char *suite);   /* 1 if netstack is linked, else prints why the suite is empty */

#define NT_IP        0x0a000002u
#define NT_PEER_IP   0x0a000003u
#define NT_GW        0x0a000001u
#define NT_MAXSENT   64

extern const uint8_t NT_MAC[6], NT_PEER_MAC[6];

struct nt_host {
	struct ns_stack *st;
	uint64_t now;
	uint32_t rnd;
	int nsent;                         /* frames captured since nt_clear (the array keeps the first) */
	size_t len[NT_MAXSENT];
	uint8_t sent[NT_MAXSENT][1514];
	void (*tap)(struct nt_host *h, const uint8_t *f, size_t len, void *arg);   /* also sees every frame */
	void *tap_arg;
};

/* A parsed TCP segment sent by the stack. */
struct nt_tcp {
	uint32_t src, dst, seq, ack;
	uint16_t sport, dport, wnd, mss;
	uint8_t flags;
	const uint8_t *data;
	size_t dlen;
};

struct nt_host *nt_new(const uint8_t mac[6], uint32_t ip, const struct ns_config *tmpl);
void nt_free(struct nt_host *h);
void nt_clear(struct nt_host *h);
void nt_input(struct nt_host *h, const void *f, size_t len);   /* ns_input, then checks the stats identity */
int nt_stats_ok(const struct ns_stack *st);                    /* rx_frames == rx_ok + all drops */
uint32_t nt_drops(const struct ns_stack *st);
void nt_learn_peer(struct nt_host *h);                         /* the peer ARPs for the stack: it learns the peer */

/* Frame builders; each returns the frame length. buf must hold 1514 bytes. */
size_t nt_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa);
size_t nt_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, const void *payload, size_t plen);
size_t nt_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *d, size_t n);
size_t nt_tcp(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
              uint16_t wnd, uint16_t mss, const void *d, size_t n);
size_t nt_icmp_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, const void *d, size_t n);

/* Parses a TCP frame sent by the stack: 1, or 0 if not a valid TCP/IPv4 frame (checksums verified). */
int nt_parse_tcp(const uint8_t *f, size_t len, struct nt_tcp *t);
uint16_t nt_csum(const void *d, size_t n, uint32_t init);

enum { NT_FIN = 1, NT_SYN = 2, NT_RST = 4, NT_PSH = 8, NT_ACK = 16 };

#endif
