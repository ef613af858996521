/* icmp.c - ICMP (RFC 792): answers echo requests; every other message is counted and dropped. */
#include "ns_int.h"

#define ICMP_HLEN 8

enum ns_drop icmp_input(struct ns_stack *st, const uint8_t *p, size_t len, uint32_t src)
{
	uint8_t local[ETHER_FRAME_MAX];

	if (len < ICMP_HLEN)
		return NS_DROP_icmp_short;
	if (inet_csum_fold(ns_csum_add(0, p, len)) != 0)
		return NS_DROP_icmp_bad_csum;
	if (p[0] != 8 || p[1] != 0 || len > ip_payload_max(st))
		return NS_DROP_icmp_unhandled;
	uint8_t *f = ns_frame(st, L4_OFF + len, local);
	uint8_t *r = f + L4_OFF;
	memcpy(r, p, len);
	r[0] = 0;                                /* echo reply: same id, sequence and data */
	be16_put(r + 2, 0);
	be16_put(r + 2, inet_csum_fold(ns_csum_add(0, r, len)));
	if (ip_send(st, f, len, PROTO_ICMP, src) == 0)
		st->stats.icmp_echo_replies++;
	return NS_DROP_none;
}
