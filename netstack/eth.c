/* eth.c - Ethernet II: validates received frames and hands them to ARP or IPv4; frames the stack's output. */
#include "ns_int.h"

static const uint8_t eth_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Accepts frames to our MAC or broadcast; anything else (multicast, VLAN tags, other types) is dropped. */
enum ns_drop eth_input(struct ns_stack *st, const uint8_t *f, size_t len)
{
	if (len < ETHER_HLEN)
		return NS_DROP_eth_short;
	if (len > ETHER_HLEN + (size_t)st->cfg.mtu)
		return NS_DROP_eth_oversize;
	if (memcmp(f, st->cfg.mac, 6) != 0 && memcmp(f, eth_bcast, 6) != 0)
		return NS_DROP_eth_not_ours;
	switch (be16_get(f + 12)) {
	case ETHER_TYPE_IPV4:
		return ip_input(st, f + ETHER_HLEN, len - ETHER_HLEN);
	case ETHER_TYPE_ARP:
		return arp_input(st, f + ETHER_HLEN, len - ETHER_HLEN);
	default:
		return NS_DROP_eth_unknown_type;
	}
}

/* Fills the Ethernet header of f (len includes it) and transmits it. dst NULL means broadcast. */
void eth_send(struct ns_stack *st, uint8_t *f, size_t len, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst ? dst : eth_bcast, 6);
	memcpy(f + 6, st->cfg.mac, 6);
	be16_put(f + 12, type);
	st->stats.tx_frames++;
	st->env.send_frame(st->env.ctx, f, len);
}
