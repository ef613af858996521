/* vswitch.c - switches frames between the NIC and the VMs' receive queues: by destination MAC (IPv4 for ARP),
 * enforcing each VM's source MAC and IPv4, bounding every queue, answering ARP for VM addresses itself. */
#include "vswitch.h"
#include "vm.h"
#include "sched.h"
#include "slab.h"
#include "virtio_net.h"
#include "kprintf.h"
#include "lib.h"
#include "pvisa.h"

struct vsw_stats vsw_stats;
static struct slab_cache buf_cache;
static uint64_t pool_used;
static uint32_t base_ip, mask, gateway;
static struct vm **table;
static uint32_t table_cap;
static bool immediate;

#define ETH_IP  0x0800
#define ETH_ARP 0x0806
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

void vsw_init(uint32_t net_ip, uint32_t net_bits, bool imm, struct vm **tbl, uint32_t cap)
{
	mask = net_bits ? ~0u << (32 - net_bits) : 0;
	base_ip = net_ip & mask;
	gateway = base_ip + 1;
	immediate = imm;
	table = tbl;
	table_cap = cap;
	slab_init(&buf_cache, "frame", sizeof(struct vsw_buf), 16);
}

void vsw_vm_addr(uint32_t id, uint8_t mac[6], uint32_t *ip, uint32_t *m, uint32_t *gw)
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	put32(mac + 2, id);
	*ip = base_ip + 2 + id;
	*m = mask;
	*gw = gateway;
}

/* The live VM a MAC or an IPv4 address names, or NULL. */
static struct vm *vm_by_mac(const uint8_t *mac)
{
	uint32_t id = get32(mac + 2);

	if (mac[0] != 0x02 || mac[1] != 0x00 || id >= table_cap)
		return NULL;
	return table[id];
}

static struct vm *vm_by_ip(uint32_t ip)
{
	uint32_t off = ip - base_ip - 2;

	if ((ip & mask) != base_ip || ip < base_ip + 2 || off >= table_cap)
		return NULL;
	return table[off];
}

void vsw_attach(struct vm *vm)
{
	if (vm->id < table_cap)
		table[vm->id] = vm;
}

void vsw_detach(struct vm *vm)
{
	if (vm->id < table_cap && table[vm->id] == vm)
		table[vm->id] = NULL;
	while (vm->rxq_head)
		vsw_pop(vm);
}

struct vsw_buf *vsw_peek(const struct vm *vm)
{
	return vm->rxq_head;
}

void vsw_pop(struct vm *vm)
{
	struct vsw_buf *b = vm->rxq_head;

	if (!b)
		return;
	vm->rxq_head = b->next;
	if (!vm->rxq_head)
		vm->rxq_tail = NULL;
	vm->rxq_len--;
	slab_free(&buf_cache, b);
	pool_used--;
}

/* Queue a copy of the frame for vm and mark NET_RX pending (the VM sees the batch when it next runs). */
static void deliver(struct vm *vm, const uint8_t *f, size_t len)
{
	struct vsw_buf *b;

	if (vm->rxq_len >= VSW_RXQ_MAX) {
		vsw_stats.drop_rxq_full++;
		vm->rx_drops++;
		return;
	}
	if (pool_used >= VSW_POOL_MAX || !(b = slab_alloc(&buf_cache))) {
		vsw_stats.drop_pool_empty++;
		vm->rx_drops++;
		return;
	}
	pool_used++;
	memcpy(b->data, f, len);
	b->len = (uint16_t)len;
	b->next = NULL;
	if (vm->rxq_tail)
		vm->rxq_tail->next = b;
	else
		vm->rxq_head = b;
	vm->rxq_tail = b;
	vm->rxq_len++;
	vsw_stats.to_vm++;
	sched_notify(vm, PV_PEND_NET_RX, immediate);
}

/* An ARP reply from "owner" (mac, ip) to the requester of request f, built in out[42]. */
static void arp_reply(uint8_t out[42], const uint8_t *req, const uint8_t *mac, uint32_t ip)
{
	memcpy(out, req + 22, 6);                   /* eth dst = the requester's hardware address */
	memcpy(out + 6, mac, 6);
	memcpy(out + 12, req + 12, 10);             /* ethertype, htype, ptype, hlen, plen */
	out[20] = 0;
	out[21] = 2;                                /* reply */
	memcpy(out + 22, mac, 6);
	put32(out + 28, ip);
	memcpy(out + 32, req + 22, 10);             /* target = the requester's sha and spa */
}

/* Is f an ARP request (IPv4 over Ethernet) and for which address? */
static bool is_arp_request(const uint8_t *f, size_t len, uint32_t *tpa)
{
	if (len < 42 || get16(f + 12) != ETH_ARP || get16(f + 14) != 1 || get16(f + 16) != ETH_IP ||
	    f[18] != 6 || f[19] != 4 || get16(f + 20) != 1)
		return false;
	*tpa = get32(f + 38);
	return true;
}

/* If f asks ARP for a live VM's address, the reply the kernel gives in the VM's name, in reply[42]. */
static bool answer_arp(const uint8_t *f, size_t len, uint8_t reply[42])
{
	uint32_t tpa, ip, m, gw;
	uint8_t mac[6];
	struct vm *dst;

	if (!is_arp_request(f, len, &tpa) || !(dst = vm_by_ip(tpa)))
		return false;
	vsw_vm_addr(dst->id, mac, &ip, &m, &gw);
	arp_reply(reply, f, mac, ip);
	vsw_stats.arp_answered++;
	return true;
}

static void to_nic(const uint8_t *f, size_t len)
{
	if (vnet_send(f, len) != 0) {
		vsw_stats.drop_nic_full++;
		return;
	}
	vsw_stats.to_nic++;
}

/* The VM's frame must carry its own MAC, and its own IPv4 where the protocol names a sender. */
static bool spoofed(const struct vm *vm, const uint8_t *f, size_t len)
{
	uint8_t mac[6];
	uint32_t ip, m, gw;
	uint16_t type = get16(f + 12);

	vsw_vm_addr(vm->id, mac, &ip, &m, &gw);
	if (memcmp(f + 6, mac, 6) != 0)
		return true;
	if (type == ETH_IP)
		return len < 34 || get32(f + 26) != ip;
	if (type == ETH_ARP)
		return len < 42 || memcmp(f + 22, mac, 6) != 0 || get32(f + 28) != ip;
	return false;
}

int vsw_from_vm(struct vm *vm, const uint8_t *f, size_t len)
{
	uint8_t reply[42];
	struct vm *dst;

	vsw_stats.from_vm++;
	if (len < PV_FRAME_MIN || len > PV_FRAME_MAX) {
		vsw_stats.drop_bad_len++;
		return PV_EINVAL;
	}
	uint16_t type = get16(f + 12);
	if (type != ETH_IP && type != ETH_ARP) {
		vsw_stats.drop_ethertype++;
		return 0;
	}
	if (spoofed(vm, f, len)) {
		vsw_stats.drop_spoofed++;
		vm->tx_spoofed++;
		return 0;
	}
	if (answer_arp(f, len, reply)) {
		deliver(vm, reply, sizeof(reply));
		return 0;
	}
	if ((dst = vm_by_mac(f)) != NULL) {
		vsw_stats.vm_to_vm++;
		deliver(dst, f, len);
		return 0;
	}
	if (f[0] == 0x02 && f[1] == 0x00) {           /* a VM address that is not live */
		vsw_stats.drop_no_dest++;
		return 0;
	}
	to_nic(f, len);
	return 0;
}

/* A frame from outside: ARP for a VM address is answered here (no VM wakes); the rest goes by MAC. */
static void from_nic(void *ctx, const uint8_t *f, size_t len)
{
	uint8_t reply[42];
	struct vm *dst;

	(void)ctx;
	vsw_stats.from_nic++;
	if (len < PV_FRAME_MIN || len > PV_FRAME_MAX) {
		vsw_stats.drop_bad_len++;
		return;
	}
	if (memcmp(f, bcast, 6) == 0) {
		if (answer_arp(f, len, reply)) {
			to_nic(reply, sizeof(reply));
			return;
		}
		vsw_stats.drop_no_dest++;
		return;
	}
	if ((dst = vm_by_mac(f)) != NULL) {
		deliver(dst, f, len);
		return;
	}
	vsw_stats.drop_no_dest++;
}

void vsw_poll(void)
{
	if (vnet_present())
		vnet_recv_batch(from_nic, NULL);     /* in bounce mode the driver keeps frames for its own MAC */
}

void vsw_report(void)
{
	if (!vnet_present() && !vsw_stats.from_vm)
		return;
	kprintf("@switch from_nic=%lu from_vm=%lu to_nic=%lu to_vm=%lu vm_to_vm=%lu arp_answered=%lu"
		" drop_spoofed=%lu drop_bad_len=%lu drop_ethertype=%lu drop_rxq_full=%lu drop_pool_empty=%lu"
		" drop_no_dest=%lu drop_nic_full=%lu\n",
		vsw_stats.from_nic, vsw_stats.from_vm, vsw_stats.to_nic, vsw_stats.to_vm, vsw_stats.vm_to_vm,
		vsw_stats.arp_answered, vsw_stats.drop_spoofed, vsw_stats.drop_bad_len, vsw_stats.drop_ethertype,
		vsw_stats.drop_rxq_full, vsw_stats.drop_pool_empty, vsw_stats.drop_no_dest, vsw_stats.drop_nic_full);
}
