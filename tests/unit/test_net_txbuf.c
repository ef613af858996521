/* test_net_txbuf.c - CUnit suite for ns_set_frame_buf: frames built in the environment's buffer (guest_net's way). */
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../netstack/ns_test.h"

/* A packing area like guest_net's gn_tx: the stack is offered the free space at used; a frame sent from there
 * is kept in place, any other frame is copied to used (over whatever the stack may have built there). The
 * harness has captured each frame (h->sent) before the tap sees it. */
struct pack {
	uint8_t area[8192];
	size_t used;
	int offered, in_place, copied;
	int refuse;               /* frame_buf returns NULL for this many calls */
};

static struct pack pk;

static void *pack_frame_buf(void *ctx, size_t len)
{
	(void)ctx;
	pk.offered++;
	if (pk.refuse) {
		pk.refuse--;
		return NULL;
	}
	if (pk.used + len > sizeof(pk.area))
		pk.used = 0;          /* "flushed" */
	memset(pk.area + pk.used, 0xa5, len);   /* no byte the stack does not write survives */
	return pk.area + pk.used;
}

static void pack_tap(struct nt_host *h, const uint8_t *f, size_t len, void *arg)
{
	(void)h;
	(void)arg;
	if (pk.used + len > sizeof(pk.area))
		pk.used = 0;
	if (f == pk.area + pk.used) {
		pk.in_place++;
	} else {
		memcpy(pk.area + pk.used, f, len);
		pk.copied++;
	}
	pk.used += (len + 7) & ~(size_t)7;
}

/* A host whose frames are built in pk, and a twin without frame_buf (same addresses, random source and clock). */
static struct nt_host *packed_host(void)
{
	struct nt_host *h = nt_new(NT_MAC, NT_IP, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	memset(&pk, 0, sizeof(pk));
	ns_set_frame_buf(h->st, pack_frame_buf);
	h->tap = pack_tap;
	return h;
}

/* The twins sent the same frames, byte for byte, since they were last cleared. */
static void same_frames(const struct nt_host *a, const struct nt_host *b)
{
	CU_ASSERT_EQUAL_FATAL(a->nsent, b->nsent);
	for (int i = 0; i < a->nsent && i < NT_MAXSENT; i++) {
		CU_ASSERT_EQUAL_FATAL(a->len[i], b->len[i]);
		CU_ASSERT(memcmp(a->sent[i], b->sent[i], a->len[i]) == 0);
	}
}

static void both_input(struct nt_host *a, struct nt_host *b, const uint8_t *f, size_t len)
{
	nt_clear(a);
	nt_clear(b);
	nt_input(a, f, len);
	nt_input(b, f, len);
	same_frames(a, b);
}

/* A host building frames on the C stack (*a) and one building them in place (*b, packed_host), each with a UDP
 * socket on port 5000 (*ua, *ub); learn: both know the peer's MAC first, and pk's counts start after that. */
static void udp_pair(struct nt_host **a, struct nt_host **b, struct ns_sock **ua, struct ns_sock **ub, int learn)
{
	*a = nt_new(NT_MAC, NT_IP, NULL);
	*b = packed_host();
	CU_ASSERT_PTR_NOT_NULL_FATAL(*a);
	if (learn) {
		nt_learn_peer(*a);
		nt_learn_peer(*b);
		pk.offered = pk.in_place = pk.copied = 0;   /* the ARP reply to the peer was copied */
	}
	*ua = ns_udp_open((*a)->st, 5000, 0, NULL, NULL);
	*ub = ns_udp_open((*b)->st, 5000, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*ua);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*ub);
}

/* UDP of every size class, an ICMP echo reply and a TCP connection (SYN-ACK with its option, data, ACKs, FIN)
 * come out the same whether built in place or on the C stack; the in-place ones were not copied. */
static void test_txbuf_identical(void)
{
	struct nt_host *a, *b;
	struct ns_sock *ua, *ub;
	uint8_t f[ETHER_FRAME_MAX], d[2500];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 13 + 5);
	udp_pair(&a, &b, &ua, &ub, 1);
	static const size_t sizes[] = { 0, 1, 7, 8, 63, 64, 65, 1000, 1471, 1472 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		nt_clear(a);
		nt_clear(b);
		CU_ASSERT_EQUAL(ns_udp_sendto(ua, NT_PEER_IP, 7, d, sizes[i]), (int)sizes[i]);
		CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_PEER_IP, 7, d, sizes[i]), (int)sizes[i]);
		same_frames(a, b);
	}
	both_input(a, b, f, nt_icmp_echo(f, NT_PEER_IP, NT_IP, 9, 1, d, 100));
	CU_ASSERT_EQUAL(a->nsent, 1);

	struct ns_sock *la = ns_tcp_listen(a->st, 80, 4, 0, 0, NULL, NULL);
	struct ns_sock *lb = ns_tcp_listen(b->st, 80, 4, 0, 0, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(la);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	both_input(a, b, f, nt_tcp(f, 40000, 80, 1000, 0, NT_SYN, 8192, 1000, NULL, 0));
	struct nt_tcp t;
	CU_ASSERT_FATAL(a->nsent == 1 && nt_parse_tcp(a->sent[0], a->len[0], &t));
	CU_ASSERT_EQUAL(t.mss, 1460);
	uint32_t iss = t.seq;
	both_input(a, b, f, nt_tcp(f, 40000, 80, 1001, iss + 1, NT_ACK, 8192, 0, NULL, 0));
	struct ns_sock *sa = ns_tcp_accept(la, NULL, NULL), *sb = ns_tcp_accept(lb, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
	nt_clear(a);
	nt_clear(b);
	CU_ASSERT_EQUAL(ns_send(sa, d, 2500), 2500);
	CU_ASSERT_EQUAL(ns_send(sb, d, 2500), 2500);
	same_frames(a, b);
	CU_ASSERT(a->nsent >= 2);                           /* MSS 1000: the window allows more than one */
	both_input(a, b, f, nt_tcp(f, 40000, 80, 1001, iss + 1 + 2500, NT_ACK | NT_PSH, 8192, 0, d, 33));
	CU_ASSERT(a->nsent >= 1);                           /* the ACK of the data, and more data */
	nt_clear(a);
	nt_clear(b);
	ns_close(sa);
	ns_close(sb);
	same_frames(a, b);                                  /* the FIN */
	CU_ASSERT_EQUAL(pk.copied, 0);
	CU_ASSERT_EQUAL(pk.in_place, pk.offered);
	CU_ASSERT(pk.in_place >= 17);
	nt_free(a);
	nt_free(b);
}

/* A datagram to an unresolved address is built in the buffer, then the ARP request is sent (and packed where
 * the datagram was): the datagram held for the reply is the one built, not the request's bytes. */
static void test_txbuf_arp_pending(void)
{
	struct nt_host *a, *b;
	struct ns_sock *ua, *ub;
	uint8_t f[ETHER_FRAME_MAX];
	udp_pair(&a, &b, &ua, &ub, 0);
	CU_ASSERT_EQUAL(ns_udp_sendto(ua, NT_PEER_IP, 7, "held datagram", 13), 13);
	CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_PEER_IP, 7, "held datagram", 13), 13);
	same_frames(a, b);
	CU_ASSERT_EQUAL(b->nsent, 1);                       /* the request */
	CU_ASSERT_EQUAL(pk.copied, 1);
	CU_ASSERT_EQUAL(pk.in_place, 0);
	both_input(a, b, f, nt_arp(f, 2, NT_PEER_MAC, NT_PEER_IP, NT_MAC, NT_IP));
	CU_ASSERT_EQUAL_FATAL(b->nsent, 1);                 /* the held datagram, intact */
	CU_ASSERT(memcmp(b->sent[0] + 42, "held datagram", 13) == 0);
	CU_ASSERT_EQUAL(nt_csum(b->sent[0] + 14, 20, 0), 0);
	nt_free(a);
	nt_free(b);
}

/* A frame given a buffer but not sent (no route) leaves nothing behind: the next one is built in the same place
 * and is right; a NULL from frame_buf makes the stack use its own buffer. */
static void test_txbuf_aborted(void)
{
	struct nt_host *a, *b;
	struct ns_sock *ua, *ub;
	uint8_t d[64];
	memset(d, 0x3c, sizeof(d));
	udp_pair(&a, &b, &ua, &ub, 1);
	nt_clear(a);
	nt_clear(b);
	size_t used = pk.used;
	CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_IP, 7, d, sizeof(d)), NS_ENOROUTE);
	CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_PEER_IP, 7, d, 1473), NS_EMSGSIZE);
	CU_ASSERT_EQUAL(pk.offered, 1);                     /* asked for the first only: the size is checked first */
	CU_ASSERT_EQUAL(b->nsent, 0);
	CU_ASSERT_EQUAL(pk.used, used);
	CU_ASSERT_EQUAL(ns_udp_sendto(ua, NT_PEER_IP, 7, d, sizeof(d)), (int)sizeof(d));
	CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_PEER_IP, 7, d, sizeof(d)), (int)sizeof(d));
	pk.refuse = 1;
	CU_ASSERT_EQUAL(ns_udp_sendto(ua, NT_PEER_IP, 8, d, 3), 3);
	CU_ASSERT_EQUAL(ns_udp_sendto(ub, NT_PEER_IP, 8, d, 3), 3);
	same_frames(a, b);
	CU_ASSERT_EQUAL(pk.in_place, 1);
	CU_ASSERT_EQUAL(pk.copied, 1);
	CU_ASSERT_EQUAL(ns_get_stats(b->st)->tx_no_route, 1);
	nt_free(a);
	nt_free(b);
}

int unit_suite_net_txbuf(void)
{
	if (!nt_linked("net_txbuf"))
		return 0;
	CU_pSuite s = CU_add_suite("net_txbuf", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "frames built in place are the same bytes", test_txbuf_identical);
	CU_add_test(s, "ARP holds the datagram built in place", test_txbuf_arp_pending);
	CU_add_test(s, "a dropped frame leaves the buffer free", test_txbuf_aborted);
	return 0;
}
