/* vswitch.c - switches frames between the NIC and the VMs' receive queues: by destination MAC (IPv4 for ARP),
 * enforcing each VM's source MAC and IPv4, bounding every queue, answering ARP for VM addresses itself. */
#include "hot.h"
#include "vswitch.h"
#include "bind.h"
#include "vmtab.h"
#include "report.h"
#include "vmst_io.h"
#include "vm.h"
#include "slab.h"
#include "kprintf.h"
#include "lib.h"
#include "pvisa.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"
#include "capture.h"

struct vsw_stats vsw_stats;
static struct slab_cache buf_cache, port_cache;
static struct vsw_ops ops;
static uint64_t pool_used;
/* Buffers of delivered frames, kept for the next deliveries: a frame in and out costs a list push and pop
 * instead of a slab allocation and free. At most VSW_SPARE_MAX (vswitch.h). */
static struct vsw_buf *spare;
static uint32_t nspare;
static bool immediate;
/* Who sent the frames in the NIC's TX ring, oldest first (the device completes them in order). */
static uint32_t nic_fifo[VSW_NIC_RING];
static uint32_t nic_head, nic_len;
/* Frames one VM has waiting in one receiver's queue, a record per (receiver, sender) pair that has any, found
 * through hash buckets when a frame comes and named by each of its queued frames (vsw_buf.pair) when one goes:
 * the share check costs a bucket look, never a walk through the queue. Each record has a frame queued, so
 * there are never more than VSW_POOL_MAX; [0] is unused (index 0 means none). */
#define PAIR_BITS 12
static struct vsw_pair {
	uint32_t dst, src;
	uint16_t n;                /* frames queued */
	uint16_t next;             /* the next record in its bucket, or on the free list */
} pairs[VSW_POOL_MAX + 1];
static uint16_t pair_bucket[1u << PAIR_BITS];
static uint16_t pair_free;
static uint32_t pair_top;          /* records 1..pair_top have been used */
static uint32_t holders;           /* live VMs with frames waiting in queues (tx_held > 0) */
_Static_assert(VSW_POOL_MAX < 65536, "vsw_buf.pair holds a record's index in 16 bits");

_Static_assert(VSW_RXQ_MAX <= 255, "struct vsw_port keeps rxq_len in 8 bits");

static int port_created(struct vm *vm, struct pv_start_info *si);
static void port_ended(struct vm *vm);
static const struct vmtab_observer observer = { .created = port_created, .ended = port_ended };

/* A VM's switch counters in its @vm record, when not all zero; its tenant and address number (lib/netplan.h) when
 * they are not tenant 0's and its id. */
static void report_counters(const struct vm *vm)
{
	const struct vsw_port *p = vm->net;

	if (vm->tenant || p->addr != vm->id)
		kprintf(" tenant=%u addr=%u", vm->tenant, p->addr);   /* its address is not "id in tenant 0's plan" */
	if (p->rx_frames || p->tx_frames)
		kprintf(" rx_frames=%u tx_frames=%u", p->rx_frames, p->tx_frames);
	if (p->rx_drops || p->tx_spoofed)
		kprintf(" rx_drops=%u tx_spoofed=%u", p->rx_drops, p->tx_spoofed);
}

void vsw_init(bool imm, const struct vsw_ops *o)
{
	immediate = imm;
	ops = *o;
	pool_used = 0;
	spare = NULL;
	nspare = 0;
	nic_head = nic_len = 0;
	memset(pair_bucket, 0, sizeof(pair_bucket));
	pair_free = 0;
	pair_top = 0;
	holders = 0;
	memset(&vsw_stats, 0, sizeof(vsw_stats));
	slab_init(&buf_cache, "frame", sizeof(struct vsw_buf), 16);
	slab_init(&port_cache, "port", sizeof(struct vsw_port), 16);
	vmtab_observe(&observer);
	report_set_vm_counters(report_counters);
}

void vsw_vm_addr(const struct vm *vm, uint8_t mac[6], uint32_t *ip)
{
	struct bind_addr a;

	bind_tplan(vm->tenant, vm->net->addr, &a);
	memcpy(mac, a.mac, 6);
	*ip = a.ip;
}

/* A VM becomes live: a new one gets a port and the next free address of its tenant's plan (into its start info); a
 * restored one has its port already and claims the address it had (refused if another VM holds it). */
static int port_created(struct vm *vm, struct pv_start_info *si)
{
	struct bind_addr a;

	if (vm->net)
		return vm->net->unbound ? 0 : bind_tclaim(vm->tenant, vm, vm->net->addr);
	if (!(vm->net = slab_alloc(&port_cache)))
		return -1;
	if (bind_ttake(vm->tenant, vm, &vm->net->addr) != 0) {
		slab_free(&port_cache, vm->net);
		vm->net = NULL;
		return -1;
	}
	bind_tplan(vm->tenant, vm->net->addr, &a);
	memcpy(si->mac, a.mac, 6);
	si->ipv4 = a.ip;
	si->netmask = bind_tnetmask(vm->tenant);
	si->gateway = bind_tgateway(vm->tenant);
	return 0;
}

static void port_free(struct vm *vm)
{
	while (vm->net->rxq_tail)
		vsw_pop(vm);
	slab_free(&port_cache, vm->net);
	vm->net = NULL;
}

/* The VM ends: its address goes back, its queue is freed. Its frames in other queues stay there, no longer counted
 * against it (live() no longer finds it). */
static void port_ended(struct vm *vm)
{
	if (!vm->net->unbound)
		bind_trelease(vm->tenant, vm, vm->net->addr);
	holders -= vm->net->tx_held != 0;
	port_free(vm);
}

/* A VM's queue is a ring through the buffers' next links: the tail's next is the head. */
HOT struct vsw_buf *vsw_peek(const struct vm *vm)
{
	return vm->net->rxq_tail ? vm->net->rxq_tail->next : NULL;
}

/* The live VM with this id (a sender), or NULL. */
static struct vm *live(uint32_t id)
{
	return vmtab_get(id);
}

/* A frame buffer, not zeroed: every field is set by deliver() and only len bytes of data are ever read
 * (recv_one), so what a buffer held before never reaches a VM. NULL when frames ran out. */
static struct vsw_buf *buf_get(void)
{
	struct vsw_buf *b = spare;

	if (!b)
		return slab_alloc_raw(&buf_cache);
	spare = b->next;
	nspare--;
	return b;
}

static void buf_put(struct vsw_buf *b)
{
	if (nspare == VSW_SPARE_MAX) {
		slab_free(&buf_cache, b);
		return;
	}
	b->next = spare;
	spare = b;
	nspare++;
}

static uint32_t pair_hash(uint32_t dst, uint32_t src)
{
	return (dst * 0x9e3779b1u ^ src * 0x85ebca77u) >> (32 - PAIR_BITS);
}

/* The record of src's frames in dst's queue, or 0 if it has none there. */
static uint16_t pair_find(uint32_t dst, uint32_t src)
{
	uint16_t i = pair_bucket[pair_hash(dst, src)];

	while (i && (pairs[i].dst != dst || pairs[i].src != src))
		i = pairs[i].next;
	return i;
}

/* A new record (no frames yet) for src's frames in dst's queue; 0 if none is left (never while every record
 * has a frame of the bounded pool queued: checked all the same). */
static uint16_t pair_new(uint32_t dst, uint32_t src)
{
	uint32_t h = pair_hash(dst, src);
	uint16_t i = pair_free;

	if (i)
		pair_free = pairs[i].next;
	else if (pair_top < VSW_POOL_MAX)
		i = (uint16_t)++pair_top;
	else
		return 0;
	pairs[i] = (struct vsw_pair){ .dst = dst, .src = src, .n = 0, .next = pair_bucket[h] };
	pair_bucket[h] = i;
	return i;
}

/* A frame of record i left its queue; the record goes with its last frame. */
static void pair_put(uint16_t i)
{
	uint16_t *p;

	if (--pairs[i].n)
		return;
	for (p = &pair_bucket[pair_hash(pairs[i].dst, pairs[i].src)]; *p != i; p = &pairs[*p].next)
		;
	*p = pairs[i].next;
	pairs[i].next = pair_free;
	pair_free = i;
}

/* Would one more pinned frame take the VM past its memory quota (a frame is half a page)? */
static bool over_quota(const struct vm *vm)
{
	return vm->mem.priv_pages + (vm->mem.pinned_bufs + 2) / 2 > vm->mem.quota_pages;
}

HOT void vsw_pop(struct vm *vm)
{
	struct vsw_port *p = vm->net;
	struct vsw_buf *b = vsw_peek(vm);
	struct vm *from;

	if (!b)
		return;
	if (b == p->rxq_tail)
		p->rxq_tail = NULL;
	else
		p->rxq_tail->next = b->next;
	p->rxq_len--;
	if (b->pair)
		pair_put(b->pair);
	if ((from = live(b->src)) != NULL && from->net->tx_held) {
		holders -= from->net->tx_held == 1;
		from->net->tx_held--;
		from->mem.pinned_bufs--;
	}
	if (b->ref >= 0)
		ops.nic_rx_release(b->ref);
	buf_put(b);
	pool_used--;
}

static void enqueue(struct vsw_port *p, struct vsw_buf *b)
{
	struct vsw_buf *t = p->rxq_tail;

	b->next = t ? t->next : b;
	if (t)
		t->next = b;
	p->rxq_tail = b;
	p->rxq_len++;
}

/* No room in vm's queue for a sender that holds `held` frames there: if the oldest frame there is from a VM
 * that holds more than held + 1 of them, it makes room (dropped, counted against vm and as that sender's share):
 * the senders that hold most lose frames first, so any number of them leave a place to one that holds few. A
 * sender's only frame at the front goes to the back instead (its own order is kept) and the next is looked at,
 * VSW_PUSH_LOOKS frames at most. A sender that holds none there always gets in, in place of the oldest VM frame:
 * with more senders than the queue has places, every sender's newest frame has the same chance to be read, and
 * none is shut out by where it comes in the run order. */
#define VSW_PUSH_LOOKS 4
static bool push_out(struct vm *vm, uint32_t held)
{
	for (int i = 0; i < VSW_PUSH_LOOKS; i++) {
		struct vsw_buf *b = vsw_peek(vm);

		if (!b || !b->pair)
			return false;
		if (pairs[b->pair].n > held + 1 || held == 0) {
			vsw_pop(vm);
			vsw_stats.drop_share++;
			vm->net->rx_drops++;
			return true;
		}
		if (pairs[b->pair].n != 1)
			return false;
		vm->net->rxq_tail = b;             /* the ring turns: b is the newest now */
	}
	return false;
}

/* Has vm's queue room for one more frame from src (NULL: not from a VM), of which src has held waiting there?
 * The sending VM's memory quota; its share of the pool: with n VMs holding frames in queues, fewer than
 * 1 / (n + 1) of the frames free, and at most VSW_HELD_MAX; its share of vm's queue: fewer frames than the room
 * left, or else a frame pushed out (push_out); the queue's limit; its share of the pool (it may grow only while
 * shorter than the frames still free). Another VM's frames to itself are held to its quota and the queue's
 * limit only. Otherwise the counter of the reason. */
static uint64_t *no_room(struct vm *vm, const struct vm *src, uint32_t held)
{
	const struct vsw_port *p = vm->net;

	if (src && over_quota(src))
		return &vsw_stats.drop_quota;
	if (src && src != vm) {
		uint32_t sh = src->net->tx_held;
		if (sh >= VSW_HELD_MAX || (uint64_t)sh * (holders + 1) >= VSW_POOL_MAX - pool_used)
			return &vsw_stats.drop_share;
		if (held >= (uint32_t)(VSW_RXQ_MAX - p->rxq_len) && !push_out(vm, held))
			return p->rxq_len >= VSW_RXQ_MAX ? &vsw_stats.drop_rxq_full : &vsw_stats.drop_share;
	}
	if (p->rxq_len >= VSW_RXQ_MAX)
		return &vsw_stats.drop_rxq_full;
	if (p->rxq_len >= VSW_POOL_MAX - pool_used)
		return &vsw_stats.drop_pool_empty;
	return NULL;
}

/* Queue the frame for vm (from VM src, or from outside if NULL) and mark NET_RX pending (the VM sees the batch
 * when it next runs): the NIC's buffer itself if ref >= 0 offers it on loan (then true: kept), else a copy. A frame
 * that finds no room is dropped and counted by reason and against vm. */
HOT static bool deliver(struct vm *vm, struct vm *src, const uint8_t *f, size_t len, int ref)
{
	uint16_t pair = src ? pair_find(vm->id, src->id) : 0;
	uint64_t *why = no_room(vm, src, pair ? pairs[pair].n : 0);
	struct vsw_buf *b = NULL;

	if (!why && !(b = buf_get()))
		why = &vsw_stats.drop_pool_empty;
	if (!why && src && !pair && !(pair = pair_new(vm->id, src->id))) {
		buf_put(b);
		why = &vsw_stats.drop_pool_empty;
	}
	if (why) {
		(*why)++;
		vm->net->rx_drops++;
		return false;
	}
	pool_used++;
	if (ref >= 0) {
		b->frame = f;
	} else {
		memcpy(b->data, f, len);
		b->frame = b->data;
	}
	b->ref = (int16_t)ref;
	b->len = (uint16_t)len;
	b->src = src ? src->id : VSW_SRC_HOST;
	b->pair = pair;
	if (src) {
		pairs[pair].n++;
		holders += !src->net->tx_held;
		src->net->tx_held++;
		src->mem.pinned_bufs++;
	}
	enqueue(vm->net, b);
	vm->net->rx_frames++;
	vsw_stats.to_vm++;
	capture_frame(src ? src->id : CAPTURE_OUTSIDE, vm->id, f, len);
	ops.notify(vm, PV_PEND_NET_RX, immediate);
	return ref >= 0;
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
	be32_put(out + 28, ip);
	memcpy(out + 32, req + 22, 10);             /* target = the requester's sha and spa */
}

/* Is f an ARP request and for which address? (f is well formed.) */
static bool is_arp_request(const uint8_t *f, uint32_t *tpa)
{
	if (be16_get(f + 12) != ETHER_TYPE_ARP || be16_get(f + 20) != 1)
		return false;
	*tpa = be32_get(f + 38);
	return true;
}

/* As far as the switch looks: ARP is a request or reply for IPv4 over Ethernet; an IPv4 header is version 4,
 * fits the frame with the length it claims, and has the right checksum. The rest is the netstacks' work. */
HOT static bool well_formed(const uint8_t *f, size_t len)
{
	if (be16_get(f + 12) == ETHER_TYPE_ARP)
		return len >= 42 && be16_get(f + 14) == 1 && be16_get(f + 16) == ETHER_TYPE_IPV4 && f[18] == 6 &&
		       f[19] == 4 && (be16_get(f + 20) == 1 || be16_get(f + 20) == 2);
	size_t hlen = (size_t)(f[14] & 15) * 4;
	if (len < 34 || f[14] >> 4 != 4 || hlen < 20 || 14 + hlen > len)
		return false;
	size_t total = be16_get(f + 16);
	return total >= hlen && 14 + total <= len && inet_csum_ipv4_ok(f + 14, hlen);
}

/* ARP request f asks for address number n of tenant t's plan. ARP_ANSWERED: a live VM has it, and reply[42] holds
 * the answer the kernel gives in its name; ARP_TAKEN: no VM has it and the miss hook took the request; ARP_NO:
 * neither. */
enum { ARP_NO, ARP_ANSWERED, ARP_TAKEN };
HOT static int arp_for(unsigned t, uint32_t n, const uint8_t *f, size_t len, uint8_t reply[42])
{
	struct bind_addr a;

	if (!bind_tvm(t, n) && !bind_treserved(t, n))      /* a dormant instance's address is answered too */
		return bind_tmiss(t, n, f, len) ? ARP_TAKEN : ARP_NO;
	bind_tplan(t, n, &a);
	arp_reply(reply, f, a.mac, a.ip);
	vsw_stats.arp_answered++;
	return ARP_ANSWERED;
}

/* Does f ask ARP for an address of tenant t's plan (a VM's own tenant: the kernel never answers across tenants;
 * from outside without tenants' VMs: 0)? As arp_for. */
HOT static int answer_arp(unsigned t, const uint8_t *f, size_t len, uint8_t reply[42])
{
	uint32_t tpa, n;

	if (!is_arp_request(f, &tpa) || !bind_tip_number(t, tpa, &n))
		return ARP_NO;
	return arp_for(t, n, f, len, reply);
}

/* Forget the ring's oldest frames that the device has sent since we last looked. */
HOT static void nic_reclaim(void)
{
	unsigned inflight = ops.nic_tx_inflight();
	struct vm *vm;

	while (nic_len > inflight) {
		if ((vm = live(nic_fifo[nic_head])) != NULL && vm->net->nic_inflight) {
			vm->net->nic_inflight--;
			vm->mem.pinned_bufs--;
		}
		nic_head = (nic_head + 1) % VSW_NIC_RING;
		nic_len--;
	}
}

/* Frame f into the TX ring for src (a VM id or VSW_SRC_HOST); false if the ring is full. Batched delivery
 * batches the device's notification too: the driver tells the NIC when the sender leaves the CPU (the
 * scheduler's poll), at the end of vsw_poll, or every few frames; immediate delivery tells it at once. */
HOT static bool nic_post(uint32_t src, const uint8_t *f, size_t len)
{
	struct vm *vm = live(src);

	if ((immediate ? ops.nic_send(f, len) : ops.nic_queue(f, len)) != 0)
		return false;
	if (nic_len == VSW_NIC_RING)                   /* only if the driver posted frames of its own (bounce) */
		nic_reclaim();
	if (nic_len < VSW_NIC_RING) {
		nic_fifo[(nic_head + nic_len) % VSW_NIC_RING] = src;
		nic_len++;
		if (vm) {
			vm->net->nic_inflight++;
			vm->mem.pinned_bufs++;
		}
	}
	vsw_stats.to_nic++;
	capture_frame(src, CAPTURE_OUTSIDE, f, len);     /* VSW_SRC_HOST is CAPTURE_OUTSIDE */
	return true;
}

/* The switch's own frame (an ARP answer) out: dropped if the TX ring is full. */
static void to_nic(const uint8_t *f, size_t len)
{
	if (!nic_post(VSW_SRC_HOST, f, len))
		vsw_stats.drop_nic_full++;
}

/* A VM's frame for the link: 0 sent, or PV_EAGAIN with the frame not taken. It costs VSW_NIC_COST units of
 * the VM's budget for this quantum (the hypercall took one): no VM puts more than VSW_NIC_BUDGET frames into
 * the TX ring per turn, nor, while other VMs have frames there too, more than VSW_NIC_INFLIGHT of its own
 * (what others send waits behind them), nor one that would take it past its memory quota (its frames there
 * are pinned as those in queues are). Past that, or with the ring full, the VM's turn at sending is over:
 * it keeps the frame and tries again at its next turn; the VMs that run before then get the room. */
static int vm_to_nic(struct vm *vm, const uint8_t *f, size_t len)
{
	uint16_t more = VSW_NIC_COST - 1;
	const struct vsw_port *p = vm->net;

	if (!ops.nic_present()) {
		vsw_stats.drop_no_dest++;                /* nothing outside */
		return 0;
	}
	if (p->nic_inflight >= VSW_NIC_INFLIGHT)
		nic_reclaim();                           /* counts only fall: look at the ring when one could decide */
	else if (over_quota(vm) && p->nic_inflight)
		nic_reclaim();                           /* the frames it has there may have gone */
	if ((p->nic_inflight >= VSW_NIC_INFLIGHT && nic_len > p->nic_inflight) || over_quota(vm) ||
	    !nic_post(vm->id, f, len)) {
		vsw_stats.nic_busy++;
		vm->tx_budget = 0;
		return PV_EAGAIN;
	}
	vm->tx_budget = vm->tx_budget > more ? (uint16_t)(vm->tx_budget - more) : 0;
	return 0;
}

/* The VM's frame must carry its own MAC (of its tenant's plan, a), and its own IPv4 where the protocol names a
 * sender (a frame too short to name one is left to the well-formed check). */
static bool spoofed_as(const struct bind_addr *a, const uint8_t *f, size_t len)
{
	uint16_t type = be16_get(f + 12);

	if (memcmp(f + 6, a->mac, 6) != 0)
		return true;
	if (type == ETHER_TYPE_IPV4)
		return len >= 34 && be32_get(f + 26) != a->ip;
	return len >= 42 && (memcmp(f + 22, a->mac, 6) != 0 || be32_get(f + 28) != a->ip);
}

__attribute__((noinline)) static bool tenant_spoofed(const struct vm *vm, const uint8_t *f, size_t len)
{
	struct bind_addr a;

	bind_tplan(vm->tenant, vm->net->addr, &a);
	return spoofed_as(&a, f, len);
}

static bool spoofed(const struct vm *vm, const uint8_t *f, size_t len)
{
	struct bind_addr a;

	if (vm->tenant)
		return tenant_spoofed(vm, f, len);
	bind_plan(vm->net->addr, &a);
	return spoofed_as(&a, f, len);
}

/* Does a frame from outside claim a VM's address as its source: a source MAC or IPv4 (for ARP, the sender's
 * hardware and protocol address) from the VM address plan, whether that VM is live or not (the addresses are
 * the kernel's to give; the gateway, base + 1, is outside them)? f is well formed. */
HOT static bool claims_vm(const uint8_t *f)
{
	uint32_t ip = be16_get(f + 12) == ETHER_TYPE_IPV4 ? be32_get(f + 26) : be32_get(f + 28), a;

	return bind_ip_number(ip, &a) || bind_mac_number(f + 6, &a) ||
	       (be16_get(f + 12) == ETHER_TYPE_ARP && bind_mac_number(f + 22, &a));
}

/* The checks every frame passes, each true when the frame is dropped (and counted). */
static bool bad_len(size_t len)
{
	if (len >= PV_FRAME_MIN && len <= PV_FRAME_MAX)
		return false;
	vsw_stats.drop_bad_len++;
	return true;
}

/* IPv4 and ARP only: all a VM speaks. */
static bool bad_type(const uint8_t *f)
{
	uint16_t type = be16_get(f + 12);

	if (type == ETHER_TYPE_IPV4 || type == ETHER_TYPE_ARP)
		return false;
	vsw_stats.drop_ethertype++;
	return true;
}

static bool malformed(const uint8_t *f, size_t len)
{
	if (well_formed(f, len))
		return false;
	vsw_stats.drop_malformed++;
	return true;
}

/* A frame for an address of tenant t's plan that no VM holds: to the miss hook, else dropped and counted. */
static void no_vm(unsigned t, uint32_t a, const uint8_t *f, size_t len)
{
	if (!bind_tmiss(t, a, f, len))
		vsw_stats.drop_no_dest++;
}

/* A tenant's VM's frame for a MAC of its own tenant's block: switched inside, never sent out. */
static void to_tenant_vm(struct vm *vm, const uint8_t *f, size_t len)
{
	struct vm *dst;
	unsigned t;
	uint32_t a;

	vm->net->tx_frames++;
	if (!netplan_mac_tenant(f, &t, &a)) {
		vsw_stats.drop_no_dest++;              /* past the plan: nobody's */
	} else if ((dst = bind_tvm(t, a)) == NULL) {
		no_vm(t, a, f, len);
	} else {
		vsw_stats.vm_to_vm++;
		deliver(dst, vm, f, len, -1);
	}
}

/* Is f, from vm, for another tenant's address: a plan MAC not of vm's tenant, or an ARP request for the IPv4 of
 * another tenant's live VM? Such frames go to the uplink like any other (the outside network decides). */
static bool cross_tenant(const struct vm *vm, const uint8_t *f)
{
	unsigned t;
	uint32_t a, tpa;

	if (f[0] == NETPLAN_MAC_PREFIX0 || f[0] == NETPLAN_TENANT_MAC0)
		return bind_mac_owner(f, &t, &a) && t != vm->tenant;
	if ((!vm->tenant && !bind_tenants_bound()) || !is_arp_request(f, &tpa))
		return false;
	return bind_ip_owner(tpa, &t, &a) && t != vm->tenant && bind_tvm(t, a);
}

/* A frame of a tenant's VM, or for a tenant's MAC, or a broadcast: is it for an address of the sender's own tenant
 * (1..254: switched inside, true: taken)? If not, is it for another tenant's address (counted: it goes to the uplink
 * like any other frame)? Out of line, as the other tenant paths: tenant 0's path keeps its inlining and its cost. */
__attribute__((noinline)) static bool tenant_frame(struct vm *vm, const uint8_t *f, size_t len)
{
	if (vm->tenant && f[0] == NETPLAN_TENANT_MAC0 && f[1] == vm->tenant) {
		to_tenant_vm(vm, f, len);
		return true;
	}
	if (cross_tenant(vm, f))
		vsw_stats.cross_tenant++;
	return false;
}

HOT int vsw_from_vm(struct vm *vm, const uint8_t *f, size_t len)
{
	uint8_t reply[42];
	struct vm *dst;
	uint32_t a;
	int arp;

	vsw_stats.from_vm++;
	if (bad_len(len))
		return PV_EINVAL;
	if (bad_type(f))
		return 0;
	if (spoofed(vm, f, len)) {
		vsw_stats.drop_spoofed++;
		vm->net->tx_spoofed++;
		return 0;
	}
	if (malformed(f, len))
		return 0;
	if ((arp = answer_arp(vm->tenant, f, len, reply)) != ARP_NO) {
		vm->net->tx_frames++;
		if (arp == ARP_ANSWERED)
			deliver(vm, NULL, reply, sizeof(reply), -1);
		return 0;
	}
	if (f[0] == 0x02 && f[1] == 0x00 && !vm->tenant) {  /* a tenant 0 VM address: switched inside, never sent out */
		vm->net->tx_frames++;
		if (!bind_mac_number(f, &a)) {
			vsw_stats.drop_no_dest++;          /* past the plan: nobody's */
		} else if ((dst = bind_vm(a)) == NULL) {
			no_vm(0, a, f, len);
		} else {
			vsw_stats.vm_to_vm++;
			deliver(dst, vm, f, len, -1);
		}
		return 0;
	}
	if (__builtin_expect(f[0] == NETPLAN_TENANT_MAC0 || f[0] == 0xff || vm->tenant, 0) && tenant_frame(vm, f, len))
		return 0;
	if (vm_to_nic(vm, f, len) != 0)
		return PV_EAGAIN;
	vm->net->tx_frames++;
	return 0;
}

static bool nic_spoofed(void)
{
	vsw_stats.drop_nic_spoofed++;
	return false;
}

/* from_nic while tenants' VMs are bound: addresses name (tenant, number) (bind_ip_owner, bind_mac_owner). From
 * outside no frame may carry a plan's MAC as its source, nor a VM's IPv4 of the tenant it goes to; one tenant's
 * IPv4 towards another tenant is routed traffic (the outside network's decision) and passes. f is well formed. */
__attribute__((noinline)) static bool from_nic_tenants(const uint8_t *f, size_t len, int ref)
{
	bool is_arp = be16_get(f + 12) == ETHER_TYPE_ARP;
	unsigned st, dt;
	uint32_t a, tpa;
	bool claims = bind_ip_owner(be32_get(f + (is_arp ? 28 : 26)), &st, &a);   /* a VM's IPv4 of tenant st */
	uint8_t reply[42];
	struct vm *dst;
	int arp;

	if (bind_mac_owner(f + 6, &dt, &a) || (is_arp && bind_mac_owner(f + 22, &dt, &a)))
		return nic_spoofed();
	if (is_arp_request(f, &tpa) && bind_ip_owner(tpa, &dt, &a)) {
		if (claims && st == dt)
			return nic_spoofed();
		if ((arp = arp_for(dt, a, f, len, reply)) == ARP_ANSWERED)
			to_nic(reply, sizeof(reply));
		if (arp != ARP_NO)
			return false;
	}
	if (!bind_mac_owner(f, &dt, &a)) {              /* never a broadcast or multicast address */
		vsw_stats.drop_no_dest++;
		return false;
	}
	if (claims && st == dt)
		return nic_spoofed();
	if ((dst = bind_tvm(dt, a)) != NULL)
		return deliver(dst, NULL, f, len, ref);
	no_vm(dt, a, f, len);
	return false;
}

/* A frame from outside: ARP requests for a VM address are answered here (no VM wakes), broadcast or not;
 * the rest goes by destination MAC to a live VM (in the NIC's buffer when it is lent: true), or is dropped. */
HOT static bool from_nic(void *ctx, const uint8_t *f, size_t len, int ref)
{
	uint8_t reply[42];
	struct vm *dst;
	uint32_t a;
	int arp;

	(void)ctx;
	vsw_stats.from_nic++;
	if (bad_len(len) || bad_type(f) || malformed(f, len))
		return false;
	if (bind_tenants_bound())
		return from_nic_tenants(f, len, ref);
	if (claims_vm(f)) {
		vsw_stats.drop_nic_spoofed++;
		return false;
	}
	if ((arp = answer_arp(0, f, len, reply)) != ARP_NO) {
		if (arp == ARP_ANSWERED)
			to_nic(reply, sizeof(reply));
		return false;
	}
	if (!bind_mac_number(f, &a)) {                  /* never a broadcast or multicast address */
		vsw_stats.drop_no_dest++;
		return false;
	}
	if ((dst = bind_vm(a)) != NULL)
		return deliver(dst, NULL, f, len, ref);
	no_vm(0, a, f, len);
	return false;
}

bool vsw_inject(struct vm *vm, const uint8_t *f, size_t len)
{
	uint32_t rx = vm->net->rx_frames;

	deliver(vm, NULL, f, len, -1);
	return vm->net->rx_frames != rx;
}

/* from_nic under packet capture: a frame from outside that reached no VM (dropped, or answered by the switch) is
 * captured here, from and to the outside; one that did was captured where it was queued. */
static bool from_nic_captured(void *ctx, const uint8_t *f, size_t len, int ref)
{
	uint64_t to_vm = vsw_stats.to_vm;
	bool kept = from_nic(ctx, f, len, ref);

	if (vsw_stats.to_vm == to_vm)
		capture_frame(CAPTURE_OUTSIDE, CAPTURE_OUTSIDE, f, len);
	return kept;
}

HOT void vsw_poll(void)
{
	if (!ops.nic_present())
		return;
	ops.nic_recv_batch(__builtin_expect(capture_on, 0) ? from_nic_captured : from_nic, NULL);  /* in bounce mode the
	                                      driver keeps frames for its own MAC */
	ops.nic_flush();                     /* the ARP answers it queued: the CPU may halt next */
}

void vsw_tx_done(void)
{
	nic_reclaim();
}

void vsw_census(struct vsw_census *c)
{
	c->queued = pool_used;
	c->spare = nspare;
	c->buf_objs = buf_cache.objs;
	c->buf_pages = buf_cache.pages;
	c->holders = holders;
	c->pairs = 0;
	for (uint32_t i = 0; i < (1u << PAIR_BITS); i++)
		for (uint16_t k = pair_bucket[i]; k; k = pairs[k].next)
			c->pairs++;
	c->nic_tracked = nic_len;
}

uint32_t vsw_held_in(uint32_t dst, uint32_t src)
{
	uint16_t i = pair_find(dst, src);

	return i ? pairs[i].n : 0;
}

void vsw_report(void)
{
	if (!ops.nic_present() && !vsw_stats.from_vm)
		return;
	kprintf("@switch from_nic=%lu from_vm=%lu to_nic=%lu to_vm=%lu vm_to_vm=%lu arp_answered=%lu"
		" drop_spoofed=%lu drop_bad_len=%lu drop_ethertype=%lu drop_rxq_full=%lu drop_pool_empty=%lu"
		" drop_no_dest=%lu drop_nic_full=%lu drop_malformed=%lu drop_share=%lu drop_quota=%lu"
		" drop_nic_spoofed=%lu nic_busy=%lu cross_tenant=%lu\n",
		vsw_stats.from_nic, vsw_stats.from_vm, vsw_stats.to_nic, vsw_stats.to_vm, vsw_stats.vm_to_vm,
		vsw_stats.arp_answered, vsw_stats.drop_spoofed, vsw_stats.drop_bad_len, vsw_stats.drop_ethertype,
		vsw_stats.drop_rxq_full, vsw_stats.drop_pool_empty, vsw_stats.drop_no_dest, vsw_stats.drop_nic_full,
		vsw_stats.drop_malformed, vsw_stats.drop_share, vsw_stats.drop_quota, vsw_stats.drop_nic_spoofed,
		vsw_stats.nic_busy, vsw_stats.cross_tenant);
}

/* Saved state (pvisa/vmstate.h, VMST_NET). */
int vsw_state_save(const struct vm *vm, const struct vmstate_io *out)
{
	const struct vsw_port *p = vm->net;
	struct vmst_net n = { .rx_frames = p->rx_frames, .tx_frames = p->tx_frames, .rx_drops = p->rx_drops,
			      .tx_spoofed = p->tx_spoofed, .nframes = p->rxq_len };
	struct bind_addr a;
	const struct vsw_buf *b = p->rxq_tail;

	bind_tplan(vm->tenant, p->addr, &a);
	memcpy(n.mac, a.mac, 6);
	n.ipv4 = a.ip;
	if (vmst_put(out, &n, sizeof(n)) != 0)
		return -1;
	for (uint32_t i = 0; i < p->rxq_len; i++) {
		struct vmst_frame fr = { .len = (b = b->next)->len };
		if (vmst_put(out, &fr, sizeof(fr)) != 0 || vmst_put(out, b->frame, b->len) != 0)
			return -1;
	}
	return 0;
}

/* One saved frame into the port's queue (from outside, as far as shares go). */
static int restore_frame(struct vsw_port *p, struct vmst_in *in, const char **why)
{
	struct vmst_frame fr;
	struct vsw_buf *b;

	if (vmst_get(in, &fr, sizeof(fr)) != 0)
		return *why = "network: truncated frame", -1;
	if (fr.len < PV_FRAME_MIN || fr.len > PV_FRAME_MAX)
		return *why = "network: a queued frame's length is out of range", -1;
	if (pool_used >= VSW_POOL_MAX || !(b = buf_get()))
		return *why = "network: the switch's frame pool is full", -1;
	if (vmst_get(in, b->data, fr.len) != 0) {
		buf_put(b);
		return *why = "network: truncated frame", -1;
	}
	b->frame = b->data;
	b->src = VSW_SRC_HOST;
	b->ref = -1;
	b->len = (uint16_t)fr.len;
	b->pair = 0;
	pool_used++;
	enqueue(p, b);
	return 0;
}

int vsw_state_restore(struct vm *vm, struct vmst_in *in, const char **why)
{
	struct vmst_net n;
	uint32_t a, a2;
	unsigned t;

	if (vmst_get(in, &n, sizeof(n)) != 0)
		return *why = "network: truncated", -1;
	if (!bind_mac_owner(n.mac, &t, &a) || !bind_tip_number(t, n.ipv4, &a2) || a != a2 || n.reserved)
		return *why = "network: the address is not one of this kernel's VM network", -1;
	if (t != vm->tenant)
		return *why = "network: the address is not in the VM's tenant's block", -1;
	if (n.nframes > VSW_RXQ_MAX)
		return *why = "network: more queued frames than a queue holds", -1;
	if (!(vm->net = slab_alloc(&port_cache)))
		return *why = "network: out of memory", -1;
	*vm->net = (struct vsw_port){ .addr = a, .rx_frames = n.rx_frames, .tx_frames = n.tx_frames,
				      .rx_drops = n.rx_drops, .tx_spoofed = n.tx_spoofed };
	for (uint32_t i = 0; i < n.nframes; i++)
		if (restore_frame(vm->net, in, why) != 0) {
			port_free(vm);
			return -1;
		}
	return 0;
}

void vsw_state_discard(struct vm *vm)
{
	if (vm->net)
		port_free(vm);
}

int vsw_port_alias(struct vm *child, const struct vm *parent)
{
	if (!(child->net = slab_alloc(&port_cache)))
		return -1;
	*child->net = (struct vsw_port){ .addr = parent->net->addr, .unbound = 1 };
	return 0;
}
