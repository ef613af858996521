/* arp.c - ARP (RFC 826) for IPv4 over Ethernet: a fixed cache of NS_ARP_ENTRIES, one held packet per pending entry. */
#include "ns_int.h"

static struct arp_entry *arp_find(struct ns_stack *st, uint32_t ip)
{
	for (int i = 0; i < NS_ARP_ENTRIES; i++)
		if (st->arp[i].state != ARP_FREE && st->arp[i].ip == ip)
			return &st->arp[i];
	return NULL;
}

static void arp_clear(struct arp_entry *e)
{
	free(e->pend);
	memset(e, 0, sizeof(*e));
}

/* A free entry, else the one that expires first (resolved entries are evicted before pending ones). */
static struct arp_entry *arp_victim(struct ns_stack *st)
{
	struct arp_entry *v = NULL;

	for (int i = 0; i < NS_ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (e->state == ARP_FREE)
			return e;
		if (!v || (e->state == ARP_OK && v->state != ARP_OK) ||
		    (e->state == v->state && e->deadline < v->deadline))
			v = e;
	}
	arp_clear(v);
	return v;
}

static void arp_send(struct ns_stack *st, uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[ETHER_HLEN + ARP_IPV4_LEN];
	uint8_t *p = f + ETHER_HLEN;

	be16_put(p, 1);
	be16_put(p + 2, ETHER_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	be16_put(p + 6, op);
	memcpy(p + 8, st->cfg.mac, 6);
	be32_put(p + 14, st->cfg.ipv4);
	if (tha)
		memcpy(p + 18, tha, 6);
	else
		memset(p + 18, 0, 6);
	be32_put(p + 24, tpa);
	if (op == 1)
		st->stats.arp_requests++;
	else
		st->stats.arp_replies++;
	eth_send(st, f, sizeof(f), op == 1 ? NULL : tha, ETHER_TYPE_ARP);
}

/* Sends the held packet of a newly resolved entry. */
static void arp_flush_pending(struct ns_stack *st, struct arp_entry *e)
{
	uint8_t f[ETHER_FRAME_MAX];
	uint8_t *pend = e->pend;
	uint16_t n = e->pend_len;

	e->pend = NULL;
	e->pend_len = 0;
	if (!pend)
		return;
	memcpy(f + ETHER_HLEN, pend, n);
	free(pend);
	eth_send(st, f, ETHER_HLEN + (size_t)n, e->mac, ETHER_TYPE_IPV4);
}

/* Answers requests for our address; learns the sender when it asks us or is already cached. */
enum ns_drop arp_input(struct ns_stack *st, const uint8_t *p, size_t len)
{
	if (len < ARP_IPV4_LEN || be16_get(p) != 1 || be16_get(p + 2) != ETHER_TYPE_IPV4 || p[4] != 6 || p[5] != 4)
		return NS_DROP_arp_bad;
	uint16_t op = be16_get(p + 6);
	uint32_t spa = be32_get(p + 14), tpa = be32_get(p + 24);
	const uint8_t *sha = p + 8;
	if ((op != 1 && op != 2) || (sha[0] & 1) || spa == 0 || spa == 0xffffffffu)
		return NS_DROP_arp_bad;
	struct arp_entry *e = arp_find(st, spa);
	if (!e && tpa != st->cfg.ipv4)
		return NS_DROP_arp_not_ours;
	if (!e)
		e = arp_victim(st);
	e->ip = spa;
	memcpy(e->mac, sha, 6);
	e->state = ARP_OK;
	e->tries = 0;
	e->deadline = ns_now(st) + ARP_TTL_NS;
	arp_flush_pending(st, e);
	if (op == 1 && tpa == st->cfg.ipv4)
		arp_send(st, 2, sha, spa);
	return NS_DROP_none;
}

/* Sends the IP packet in f (len with the Ethernet header) to nexthop, resolving it first if needed:
 * the packet is then held (a newer one replaces it) until the reply or the last retry. It is copied out
 * before the ARP request is sent: f may be the environment's frame buffer, where the request then goes. */
void arp_output(struct ns_stack *st, uint32_t nexthop, uint8_t *f, size_t len)
{
	struct arp_entry *e = arp_find(st, nexthop);
	uint64_t now = ns_now(st);

	if (e && e->state == ARP_OK && now < e->deadline) {
		eth_send(st, f, len, e->mac, ETHER_TYPE_IPV4);
		return;
	}
	uint8_t *copy = malloc(len - ETHER_HLEN);
	if (copy)
		memcpy(copy, f + ETHER_HLEN, len - ETHER_HLEN);
	if (e && e->state == ARP_OK)
		arp_clear(e);
	if (!e || e->state == ARP_FREE) {
		e = arp_victim(st);
		e->ip = nexthop;
		e->state = ARP_PENDING;
		e->tries = 1;
		e->deadline = now + ARP_RETRY_NS;
		arp_send(st, 1, NULL, nexthop);
	}
	if (!copy) {
		st->stats.tx_no_mem++;
		return;
	}
	if (e->pend)
		st->stats.arp_pending_replaced++;
	free(e->pend);
	e->pend = copy;
	e->pend_len = (uint16_t)(len - ETHER_HLEN);
}

/* Retries pending requests, gives up after ARP_TRIES (dropping the held packet), expires old entries. */
void arp_timers(struct ns_stack *st, uint64_t now)
{
	for (int i = 0; i < NS_ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (e->state == ARP_FREE || now < e->deadline)
			continue;
		if (e->state == ARP_PENDING && e->tries < ARP_TRIES) {
			e->tries++;
			e->deadline = now + ARP_RETRY_NS;
			arp_send(st, 1, NULL, e->ip);
			continue;
		}
		if (e->state == ARP_PENDING)
			st->stats.arp_timeouts++;
		arp_clear(e);
	}
}

/* Only pending entries need waking up for; expired resolved ones are noticed on use or next timer run. */
uint64_t arp_deadline(const struct ns_stack *st)
{
	uint64_t d = UINT64_MAX;

	for (int i = 0; i < NS_ARP_ENTRIES; i++)
		if (st->arp[i].state == ARP_PENDING && st->arp[i].deadline < d)
			d = st->arp[i].deadline;
	return d;
}

void arp_flush(struct ns_stack *st)
{
	for (int i = 0; i < NS_ARP_ENTRIES; i++)
		arp_clear(&st->arp[i]);
}
