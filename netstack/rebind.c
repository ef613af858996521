/* rebind.c - ns_rebind: the stack takes a new address after its VM was forked; the connections it had are another's. */
#include "tcp.h"

/* A connection of the VM forked from: over, silently (an RST or FIN from here would end the other VM's connection,
 * which is still live there). A child a listener had not handed out yet is freed with it. */
static void rebind_drop(struct ns_sock *s)
{
	if (s->parent) {
		s->parent->nchild--;
		s->parent = NULL;
	}
	if (s->state != TCP_CLOSED)
		tcp_closed(s, s->state == TCP_TIME_WAIT ? 0 : NS_ERESET);
}

int ns_rebind(struct ns_stack *st, const uint8_t mac[6], uint32_t ipv4, uint32_t netmask, uint32_t gateway)
{
	if (!st || ipv4 == 0 || (mac[0] & 1))
		return NS_EINVAL;
	memcpy(st->cfg.mac, mac, 6);
	st->cfg.ipv4 = ipv4;
	st->cfg.netmask = netmask;
	st->cfg.gateway = gateway;
	st->ip_id = (uint16_t)st->env.random(st->env.ctx);
	for (int i = 0; i < NS_ARP_ENTRIES; i++)
		if (st->arp[i].state == ARP_PENDING) {     /* it holds a packet from the old address */
			free(st->arp[i].pend);
			memset(&st->arp[i], 0, sizeof(st->arp[i]));
		}
	for (unsigned i = 0; i < st->cfg.max_socks; i++)
		if (st->socks[i] && st->socks[i]->kind == SK_TCP)
			rebind_drop(st->socks[i]);
	return 0;
}
