/* ip.c - IPv4 (RFC 791) for an end host: validates and demultiplexes received packets, routes and frames output. */
#include "ns_int.h"

/* Limited or directed broadcast; | and & instead of || and && so that it compiles without branches. */
static inline int ip_is_bcast(const struct ns_stack *st, uint32_t a)
{
	return (a == 0xffffffffu) | ((st->cfg.netmask != 0) & (a == (st->cfg.ipv4 | ~st->cfg.netmask)));
}

/* The checks of ip_input in order (len >= IPV4_HLEN): the first reason to drop the packet, or NS_DROP_none. */
static enum ns_drop ip_check(const struct ns_stack *st, const uint8_t *p, size_t len)
{
	if (p[0] >> 4 != 4)
		return NS_DROP_ip_bad_version;
	size_t hl = (size_t)(p[0] & 15) * 4;
	if (hl < IPV4_HLEN || hl > len)
		return NS_DROP_ip_bad_hlen;
	size_t tot = be16_get(p + 2);
	if (tot < hl || tot > len)
		return NS_DROP_ip_bad_len;
	if (inet_csum_fold(hl == IPV4_HLEN ? inet_csum_hdr20(0, p) : ns_csum_add(0, p, hl)) != 0)
		return NS_DROP_ip_bad_csum;
	if (p[8] == 0)
		return NS_DROP_ip_ttl_zero;
	if (be16_get(p + 6) & 0x3fff)               /* MF set or a fragment offset */
		return NS_DROP_ip_fragment;
	uint32_t src = be32_get(p + 12), dst = be32_get(p + 16);
	if (dst != st->cfg.ipv4 && !ip_is_bcast(st, dst))
		return NS_DROP_ip_not_ours;
	if (ip_is_bcast(st, src) || src == 0 || (src >> 28) == 14 || (src >> 24) == 127)
		return NS_DROP_ip_bad_src;
	return NS_DROP_none;
}

/* Checks version, header length, total length (Ethernet padding trimmed), checksum and TTL; drops
 * fragments (no reassembly), packets not for us and impossible sources; options are skipped. The usual
 * packet (no options, unicast to us) passes one combined test (| not ||: few branches) and its checksum;
 * any other goes through ip_check, which finds the same drop reason as testing in order would. */
enum ns_drop ip_input(struct ns_stack *st, const uint8_t *p, size_t len)
{
	if (len < IPV4_HLEN)
		return NS_DROP_ip_short;
	size_t tot = be16_get(p + 2);
	uint32_t src = be32_get(p + 12), dst = be32_get(p + 16);
	int usual = (p[0] == 0x45) & (tot >= IPV4_HLEN) & (tot <= len) & (p[8] != 0) & ((be16_get(p + 6) & 0x3fff) == 0) &
	            (dst == st->cfg.ipv4) & !ip_is_bcast(st, src) & (src != 0) & ((src >> 28) != 14) &
	            ((src >> 24) != 127);
	if (!usual || inet_csum_fold(inet_csum_hdr20(0, p)) != 0) {
		enum ns_drop r = ip_check(st, p, len);
		if (r != NS_DROP_none)
			return r;
	}
	size_t hl = (size_t)(p[0] & 15) * 4;
	int bcast = ip_is_bcast(st, dst);
	const uint8_t *l4 = p + hl;
	size_t l4len = tot - hl;
	switch (p[9]) {
	case PROTO_ICMP:
		return bcast ? NS_DROP_icmp_unhandled : icmp_input(st, l4, l4len, src);
	case PROTO_UDP:
		return udp_input(st, l4, l4len, src, dst);
	case PROTO_TCP:
		return bcast ? NS_DROP_tcp_no_conn : tcp_input(st, l4, l4len, src, dst);
	default:
		return NS_DROP_ip_unknown_proto;
	}
}

/* Fills the IP header in front of the plen payload bytes at f + L4_OFF and sends the frame to dst's
 * next hop (the gateway when off-link). Returns 0, NS_EMSGSIZE or NS_ENOROUTE. */
int ip_send(struct ns_stack *st, uint8_t *f, size_t plen, uint8_t proto, uint32_t dst)
{
	uint8_t *h = f + IP_OFF;

	if (plen > ip_payload_max(st)) {
		st->stats.tx_too_big++;
		return NS_EMSGSIZE;
	}
	uint32_t nexthop = dst;
	int bcast = ip_is_bcast(st, dst);
	if (!bcast && (dst ^ st->cfg.ipv4) & st->cfg.netmask)
		nexthop = st->cfg.gateway;
	if (!bcast && (nexthop == 0 || dst == st->cfg.ipv4 || dst == 0)) {
		st->stats.tx_no_route++;
		return NS_ENOROUTE;
	}
	h[0] = 0x45;
	h[1] = 0;
	be16_put(h + 2, (uint16_t)(IPV4_HLEN + plen));
	be16_put(h + 4, st->ip_id++);
	be16_put(h + 6, 0x4000);                    /* DF: we never fragment */
	h[8] = IP_TTL;
	h[9] = proto;
	be16_put(h + 10, 0);
	be32_put(h + 12, st->cfg.ipv4);
	be32_put(h + 16, dst);
	be16_put(h + 10, inet_csum_fold(inet_csum_hdr20(0, h)));
	if (bcast)
		eth_send(st, f, L4_OFF + plen, NULL, ETHER_TYPE_IPV4);
	else
		arp_output(st, nexthop, f, L4_OFF + plen);
	return 0;
}
