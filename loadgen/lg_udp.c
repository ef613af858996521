/* lg_udp.c - loadgen's UDP echo workload: datagrams to a VM's port (or, bare, to the NIC's MAC) and their echoes. */
#include <string.h>

#include "lg.h"

#define UDP_MAGIC 0x4c47454fu   /* "LGEO" */

/* The payload: sequence number, VM id, magic, then a pattern derived from the sequence number. */
static void udp_payload(uint8_t *p, uint64_t seq, uint32_t vm)
{
	uint32_t i, magic = UDP_MAGIC;

	memcpy(p, &seq, 8);
	memcpy(p + 8, &vm, 4);
	memcpy(p + 12, &magic, 4);
	for (i = 16; i < G.size; i++)
		p[i] = (uint8_t)(seq * 31 + i);
}

static uint16_t udp_port(uint64_t seq)
{
	return (uint16_t)(32768 + seq % 28000);
}

/* From the gateway to the VM's address and port; bare: the Ethernet destination is the NIC itself. */
int udp_issue(struct lg_slot *sl)
{
	uint8_t f[ETHER_FRAME_MAX], *u = f + 34;
	size_t ulen = 8 + G.size;
	uint32_t dst = lg_vm_ip(sl->vm);
	uint16_t c, sp = udp_port(sl->seq);

	if (sl->bare)
		memcpy(f, G.nic_mac, 6);
	else
		netplan_tenant_mac(G.tenant, sl->vm, f);
	memcpy(f + 6, G.mac, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	lg_put_ipv4(f + 14, G.gw, dst, 17, ulen);
	be16_put(u, sp);
	be16_put(u + 2, G.port);
	be16_put(u + 4, (uint16_t)ulen);
	be16_put(u + 6, 0);
	udp_payload(u + 8, sl->seq, sl->vm);
	c = inet_csum_fold(inet_csum_add(inet_csum_pseudo(G.gw, dst, 17, (uint16_t)ulen), u, ulen));
	be16_put(u + 6, c ? c : 0xffff);
	return lg_send_frame(f, 34 + ulen);
}

/* An echo from a VM, or our own frame bounced by the driver (source address: the gateway, i.e. us; only the
 * MACs swapped): find its request and compare what came back with what was sent. */
void udp_frame(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *u;
	uint32_t vm, pvm, src = be32_get(ip + 12), dst = be32_get(ip + 16);
	int bounced = src == G.gw;
	uint64_t seq;
	uint8_t want[ETHER_MTU - IPV4_HLEN - UDP_HLEN];
	size_t hl = (size_t)(ip[0] & 15) * 4, plen;
	struct lg_slot *sl;

	if (len < 14 + hl + 8 || ip[9] != 17 || !lg_ip_vm(bounced ? dst : src, &vm)) {
		G.rx_ignored++;
		return;
	}
	u = ip + hl;
	plen = be16_get(u + 4);
	if (plen < 8 + 16 || 14 + hl + plen > len || be16_get(bounced ? u + 2 : u) != G.port) {
		G.rx_ignored++;
		return;
	}
	plen -= 8;
	memcpy(&seq, u + 8, 8);
	memcpy(&pvm, u + 16, 4);
	sl = &G.ring[seq & G.mask];
	if (sl->seq != seq || sl->state != SL_PENDING || seq >= G.next_seq) {
		G.late++;
		return;
	}
	udp_payload(want, seq, sl->vm);
	lg_complete(sl, pvm == vm && sl->vm == vm && plen == G.size && !memcmp(u + 8, want, plen) &&
			    sl->bare == bounced && be16_get(bounced ? u : u + 2) == udp_port(seq) &&
			    (!bounced || !memcmp(f + 6, G.nic_mac, 6)) ? LG_OK : LG_WRONG);
}
