/* test_vswitch.c - CUnit suite for the virtual switch (net/vswitch.c) between a played NIC and VMs. */
/* The switch is reached through its interfaces: the NIC (its uplink) and the scheduler's wake-up are played by this
 * file and given to vsw_init as its ops; VMs are made live through the real VM table (vmtab.c), which tells the
 * switch, and get their addresses from the real binding table (net/bind.c). The frame pool is the real slab cache on
 * the real frame allocator over a host arena; what the switch holds is read through vsw_census. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "frame.h"
#include "memlayout.h"
#include "vm.h"
#include "vmtab.h"
#include "vswitch.h"
#include "bind.h"
#include "pvisa.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

#define ETH_IP  0x0800
#define ETH_ARP 0x0806

#define ARENA_PAGES 5200      /* room for the whole pool: 2 frames per page */
#define NVM 250
#define CAP 256
#define NET NETPLAN_DEFAULT_BASE   /* 10.0.0.0/8: VM i is 10.0.0.(2 + i), the gateway 10.0.0.1 */
#define GW netplan_gateway(NET)
#define BIG_QUOTA 4096        /* pages: a quota that never decides (test_quota sets real ones) */

static struct vm vms[NVM];
static uint64_t vm_slots[CAP], addr_slots[CAP];
static uint32_t addr_fifo[CAP];
static const uint8_t out_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };     /* a host outside (the gateway) */
static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The NIC: what the switch sent, frames in its TX ring (the test completes them), a full ring on demand, frames
 * waiting to come in. */
static struct {
	bool up, full;
	unsigned sent, inflight, kicks, unkicked;   /* kicks: the device told of new frames; unkicked: not yet */
	uint8_t last[ETHER_FRAME_MAX];
	size_t last_len;
	const uint8_t *in;
	size_t in_len;
	int lend;                     /* >= 0: the next frame in comes on loan with this ref */
	unsigned lent, released;      /* loans kept by the switch, given back */
	int last_released;
} nic;

/* The scheduler: wake-ups asked for. */
static struct {
	unsigned calls;
	struct vm *vm;
	uint64_t bits;
	bool immediate;
} ntf;

static bool fake_vnet_present(void)
{
	return nic.up;
}

static int fake_vnet_send(const void *f, size_t len)
{
	if (nic.full || nic.inflight == VSW_NIC_RING || len > sizeof(nic.last))
		return -1;
	memcpy(nic.last, f, len);
	nic.last_len = len;
	nic.sent++;
	nic.inflight++;
	nic.kicks++;
	return 0;
}

/* vnet_send posts and notifies the device; vnet_queue only posts; vnet_flush notifies if anything waits. */
static int fake_vnet_queue(const void *f, size_t len)
{
	if (fake_vnet_send(f, len) != 0)
		return -1;
	nic.kicks--;
	nic.unkicked++;
	return 0;
}

static void fake_vnet_flush(void)
{
	if (nic.unkicked)
		nic.kicks++;
	nic.unkicked = 0;
}

static unsigned fake_vnet_tx_inflight(void)
{
	return nic.inflight;
}

static unsigned fake_vnet_recv_batch(vsw_rx_fn fn, void *ctx)
{
	if (!nic.in)
		return 0;
	if (fn(ctx, nic.in, nic.in_len, nic.lend)) {
		CU_ASSERT(nic.lend >= 0);
		nic.lent++;
	}
	nic.in = NULL;
	nic.lend = -1;
	return 1;
}

static void fake_vnet_rx_release(int ref)
{
	nic.released++;
	nic.last_released = ref;
}

static void fake_sched_notify(struct vm *vm, uint64_t bits, bool immediate)
{
	vm->pending |= (uint32_t)bits;
	ntf.calls++;
	ntf.vm = vm;
	ntf.bits = bits;
	ntf.immediate = immediate;
}

static const struct vsw_ops fake_ops = {
	.nic_present = fake_vnet_present, .nic_send = fake_vnet_send, .nic_queue = fake_vnet_queue,
	.nic_flush = fake_vnet_flush, .nic_tx_inflight = fake_vnet_tx_inflight, .nic_recv_batch = fake_vnet_recv_batch,
	.nic_rx_release = fake_vnet_rx_release, .notify = fake_sched_notify,
};

/* What the switch holds now. */
static struct vsw_census census(void)
{
	struct vsw_census c;

	vsw_census(&c);
	return c;
}
#define pool_used (census().queued)
#define nspare (census().spare)

/* VM i goes live (the VM table tells the switch, which gives it the next free address) / ends. */
static void live_vm(uint32_t i)
{
	struct pv_start_info si;

	vms[i].net = NULL;
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[i], &si), 0);
}

static void end_vm(uint32_t i)
{
	if (vms[i].id != VMTAB_NONE)
		vmtab_retire(&vms[i]);
}


/* A frame arrives from outside and the scheduler loop polls the switch. */
static void from_outside(const uint8_t *f, size_t len)
{
	nic.in = f;
	nic.in_len = len;
	vsw_poll();
}

static void mac_of(uint32_t id, uint8_t mac[6])
{
	netplan_mac(id, mac);
}

static uint32_t ip_of(uint32_t id)
{
	return netplan_ipv4(NET, id);
}

/* An IPv4/UDP frame of payload bytes (pattern seed), header checksum right, padded to 60 bytes. */
static size_t udp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t sip, uint32_t dip, size_t payload,
			uint8_t seed)
{
	size_t total = 28 + payload, len = 14 + total < 60 ? 60 : 14 + total;
	uint8_t *ip = f + 14;

	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	ip[0] = 0x45;
	be16_put(ip + 2, (uint16_t)total);
	ip[8] = 64;
	ip[9] = 17;
	be32_put(ip + 12, sip);
	be32_put(ip + 16, dip);
	be16_put(ip + 10, inet_csum_fold(inet_csum_hdr20(0, ip)));
	be16_put(ip + 20, 4000);
	be16_put(ip + 22, 7);
	be16_put(ip + 24, (uint16_t)(8 + payload));
	for (size_t i = 0; i < payload; i++)
		ip[28 + i] = (uint8_t)(seed + i);
	return len;
}

/* A UDP frame from VM id to VM to (both by the plan). */
static size_t vm_udp(uint8_t *f, uint32_t id, uint32_t to, uint8_t seed)
{
	uint8_t s[6], d[6];

	mac_of(id, s);
	mac_of(to, d);
	return udp_frame(f, d, s, ip_of(id), ip_of(to), 32, seed);
}

/* A UDP frame from outside (the gateway's address) to VM to. */
static size_t out_udp(uint8_t *f, uint32_t to, uint8_t seed)
{
	uint8_t d[6];

	mac_of(to, d);
	return udp_frame(f, d, out_mac, GW, ip_of(to), 32, seed);
}

/* An ARP frame (42 bytes). */
static size_t arp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *sha, uint32_t spa, uint16_t op, uint32_t tpa)
{
	memset(f, 0, 42);
	memcpy(f, dst, 6);
	memcpy(f + 6, sha, 6);
	be16_put(f + 12, ETHER_TYPE_ARP);
	be16_put(f + 14, 1);
	be16_put(f + 16, ETHER_TYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	be16_put(f + 20, op);
	memcpy(f + 22, sha, 6);
	be32_put(f + 28, spa);
	be32_put(f + 38, tpa);
	return 42;
}

static void start(bool imm)
{
	host_arena_new((size_t)ARENA_PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + (uint64_t)ARENA_PAGES * PAGE_SIZE);
	memset(vms, 0, sizeof(vms));
	memset(&nic, 0, sizeof(nic));
	memset(&ntf, 0, sizeof(ntf));
	nic.up = true;
	nic.lend = -1;
	vmtab_init(vm_slots, CAP);
	bind_init(NET, 8, addr_slots, addr_fifo, CAP);
	vsw_init(imm, &fake_ops);
	for (uint32_t i = 0; i < NVM; i++) {
		vms[i].state = VM_BLOCKED;
		vms[i].mem.quota_pages = BIG_QUOTA;
		live_vm(i);
		CU_ASSERT_EQUAL(vms[i].id, i);              /* a fresh table numbers VMs and addresses 0, 1, 2, ... */
		CU_ASSERT_EQUAL(vms[i].net->addr, i);
	}
}

static void setup(void)
{
	start(false);
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

/* Frames queued in all the VMs. */
static unsigned queued_total(void)
{
	unsigned n = 0;

	for (int i = 0; i < NVM; i++)
		n += vms[i].net ? vms[i].net->rxq_len : 0;
	return n;
}

static void test_address_plan(void)
{
	uint8_t mac[6], want[6] = { 0x02, 0x00, 0x00, 0x01, 0x02, 0x03 };
	struct bind_addr a;
	uint32_t ip, n;

	setup();
	bind_plan(0x010203, &a);
	CU_ASSERT(memcmp(a.mac, want, 6) == 0);
	CU_ASSERT_EQUAL(a.ip, NET + 2 + 0x010203);
	CU_ASSERT_EQUAL(bind_netmask(), 0xff000000u);
	CU_ASSERT_EQUAL(bind_gateway(), GW);
	vsw_vm_addr(&vms[7], mac, &ip);
	mac_of(7, want);
	CU_ASSERT(memcmp(mac, want, 6) == 0);
	CU_ASSERT_EQUAL(ip, ip_of(7));
	CU_ASSERT(bind_mac_number(want, &n) && n == 7);
	CU_ASSERT(bind_ip_number(ip_of(7), &n) && n == 7);
	CU_ASSERT(!bind_ip_number(GW, &n));
	CU_ASSERT(!bind_ip_number(ip_of(CAP), &n));
	CU_ASSERT(!bind_mac_number(out_mac, &n));
	bind_init(0xac100005u, 12, addr_slots, addr_fifo, CAP);   /* 172.16.0.5/12: the host bits are dropped */
	bind_plan(999, &a);
	CU_ASSERT_EQUAL(a.ip, 0xac100000u + 2 + 999);
	CU_ASSERT_EQUAL(bind_netmask(), 0xfff00000u);
	CU_ASSERT_EQUAL(bind_gateway(), 0xac100001u);
}

/* Address numbers: new VMs take those never used first, then those released longest ago; a number claimed (a
 * restored VM keeps its address) is passed over; a VM's id says nothing about its address. */
static void test_address_binding(void)
{
	uint8_t f[1514];
	size_t len;
	uint32_t id3;

	setup();
	end_vm(3);
	end_vm(5);
	CU_ASSERT_PTR_NULL(bind_vm(3));
	CU_ASSERT_PTR_NULL(bind_by_ip(ip_of(5)));
	live_vm(3);                                   /* the next never-used number, not its old one */
	CU_ASSERT_EQUAL(vms[3].net->addr, NVM);
	CU_ASSERT_PTR_EQUAL(bind_vm(NVM), &vms[3]);
	CU_ASSERT(vms[3].id != 3);                    /* a slot never used before (the freed ones wait) */
	id3 = vms[3].id;
	len = vm_udp(f, 1, NVM, 0);                   /* reachable at its new address, */
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vsw_peek(&vms[3])->src, 1);
	len = vm_udp(f, 1, 3, 0);                     /* not at the old one */
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	for (uint32_t i = NVM + 1; i < CAP; i++)      /* use up the never-used numbers */
		CU_ASSERT_EQUAL(bind_claim(&vms[NVM - 1], i), 0);
	CU_ASSERT_EQUAL(bind_claim(&vms[0], 4), -1);  /* bound */
	CU_ASSERT_EQUAL(bind_claim(&vms[0], CAP), -1);
	CU_ASSERT_EQUAL(bind_claim(&vms[4], 3), 0);   /* released first, claimed: passed over */
	end_vm(2);
	live_vm(2);
	CU_ASSERT_EQUAL(vms[2].net->addr, 5);
	end_vm(6);
	live_vm(6);
	CU_ASSERT_EQUAL(vms[6].net->addr, 2);
	CU_ASSERT_PTR_NULL(vmtab_get(3));             /* its old id names no VM */
	CU_ASSERT_PTR_EQUAL(vmtab_get(id3), &vms[3]);
}

static bool miss_take;
static unsigned miss_calls;
static struct bind_addr miss_to;
static size_t miss_len;

static bool on_miss(void *ctx, const struct bind_addr *to, const uint8_t *frame, size_t len)
{
	CU_ASSERT_PTR_EQUAL(ctx, &miss_calls);
	CU_ASSERT_PTR_NOT_NULL(frame);
	miss_calls++;
	miss_to = *to;
	miss_len = len;
	return miss_take;
}

/* A frame for an address of the plan with no VM goes to the miss hook (from outside, from a VM, an ARP request);
 * taken: not counted as a drop; refused or no hook: dropped as before. Other frames never reach it. */
static void test_miss_hook(void)
{
	uint8_t f[1514], mac[6];
	size_t len;

	setup();
	end_vm(9);
	len = out_udp(f, 9, 0);
	from_outside(f, len);                         /* no hook: dropped */
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	CU_ASSERT_EQUAL(bind_stats.misses, 1);
	bind_set_miss(on_miss, &miss_calls);
	miss_take = true;
	from_outside(f, len);
	CU_ASSERT_EQUAL(miss_calls, 1);
	CU_ASSERT_EQUAL(miss_len, len);
	CU_ASSERT_EQUAL(miss_to.ip, ip_of(9));
	mac_of(9, mac);
	CU_ASSERT(memcmp(miss_to.mac, mac, 6) == 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	len = vm_udp(f, 1, 9, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	CU_ASSERT_EQUAL(miss_calls, 2);
	arp_frame(f, bc, out_mac, GW, 1, ip_of(9));   /* who has VM 9's address? */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(miss_calls, 3);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(bind_stats.misses_taken, 3);
	miss_take = false;
	len = out_udp(f, 9, 0);
	from_outside(f, len);
	CU_ASSERT_EQUAL(miss_calls, 4);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 2);
	len = out_udp(f, 8, 0);                       /* a live VM, a broadcast, past the plan: never asked */
	from_outside(f, len);
	len = udp_frame(f, bc, out_mac, GW, 0xffffffffu, 40, 0);
	from_outside(f, len);
	mac_of(CAP + 5, mac);
	len = udp_frame(f, mac, out_mac, GW, ip_of(3), 40, 0);
	from_outside(f, len);
	CU_ASSERT_EQUAL(miss_calls, 4);
	CU_ASSERT_EQUAL(queued_total(), 1);
	bind_set_miss(NULL, NULL);
}

static void test_demux_by_mac(void)
{
	uint8_t f[ETHER_FRAME_MAX], g[ETHER_FRAME_MAX], mac[6];
	size_t len = out_udp(f, 3, 1), len2 = out_udp(g, 3, 2);

	setup();
	from_outside(f, len);
	from_outside(g, len2);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 2);
	CU_ASSERT_EQUAL(queued_total(), 2);
	CU_ASSERT_EQUAL(vms[3].net->rx_frames, 2);
	CU_ASSERT_EQUAL(vms[3].pending, PV_PEND_NET_RX);
	CU_ASSERT_PTR_EQUAL(ntf.vm, &vms[3]);
	CU_ASSERT_EQUAL(vsw_stats.from_nic, 2);
	CU_ASSERT_EQUAL(vsw_stats.to_vm, 2);
	/* In order, intact. */
	struct vsw_buf *b = vsw_peek(&vms[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->len, len);
	CU_ASSERT(memcmp(b->frame, f, len) == 0);
	vsw_pop(&vms[3]);
	b = vsw_peek(&vms[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(memcmp(b->frame, g, len2) == 0);
	vsw_pop(&vms[3]);
	CU_ASSERT_PTR_NULL(vsw_peek(&vms[3]));
	CU_ASSERT_EQUAL(pool_used, 0);
	/* Not a VM address (another prefix, or an id past the table): dropped, nobody woken. */
	memcpy(f, out_mac, 6);
	from_outside(f, len);
	mac_of(CAP + 5, mac);
	memcpy(f, mac, 6);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 2);
	CU_ASSERT_EQUAL(ntf.calls, 2);
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(nic.sent, 0);
}

/* The reply in nic.last (or a VM's queue) answers request req for VM owner. */
static void check_arp_reply(const uint8_t *r, const uint8_t *req, uint32_t owner)
{
	uint8_t mac[6];

	mac_of(owner, mac);
	CU_ASSERT(memcmp(r, req + 6, 6) == 0);             /* to the requester */
	CU_ASSERT(memcmp(r + 6, mac, 6) == 0);
	CU_ASSERT_EQUAL(be16_get(r + 12), ETHER_TYPE_ARP);
	CU_ASSERT_EQUAL(be16_get(r + 20), 2);
	CU_ASSERT(memcmp(r + 22, mac, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(r + 28), ip_of(owner));
	CU_ASSERT(memcmp(r + 32, req + 22, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(r + 38), be32_get(req + 28));
}

static void test_arp_from_nic(void)
{
	uint8_t f[64], mac[6];

	setup();
	arp_frame(f, bc, out_mac, GW, 1, ip_of(2));
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT_EQUAL(nic.last_len, 42);
	check_arp_reply(nic.last, f, 2);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 1);
	CU_ASSERT_EQUAL(ntf.calls, 0);                     /* no VM woke */
	CU_ASSERT_EQUAL(queued_total(), 0);
	/* Unicast to the VM's MAC (a neighbour's reachability probe): answered the same way. */
	mac_of(140, mac);
	arp_frame(f, mac, out_mac, GW, 1, ip_of(140));
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 2);
	check_arp_reply(nic.last, f, 140);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	/* For a VM that is not live, the gateway, or outside the subnet: nobody answers, nothing queued. */
	end_vm(7);
	arp_frame(f, bc, out_mac, GW, 1, ip_of(7));
	from_outside(f, 42);
	arp_frame(f, bc, out_mac, GW, 1, GW);
	from_outside(f, 42);
	arp_frame(f, bc, out_mac, GW, 1, 0xc0a80001u);
	from_outside(f, 42);
	arp_frame(f, bc, out_mac, GW, 2, ip_of(3));        /* a broadcast reply is not a question */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 2);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 2);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 4);
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	/* A reply addressed to a VM (the gateway answering it) is delivered. */
	mac_of(4, mac);
	arp_frame(f, mac, out_mac, GW, 2, ip_of(4));
	from_outside(f, 42);
	CU_ASSERT_EQUAL(vms[4].net->rxq_len, 1);
}

static void test_arp_from_vm(void)
{
	uint8_t f[64], mac1[6];

	setup();
	mac_of(1, mac1);
	arp_frame(f, bc, mac1, ip_of(1), 1, ip_of(4));
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 42), 0);
	CU_ASSERT_EQUAL(vms[1].net->rxq_len, 1);                /* the answer is in the asker's queue */
	CU_ASSERT_EQUAL(vms[4].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vms[4].pending, 0);                /* the VM asked about never woke */
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 1);
	struct vsw_buf *b = vsw_peek(&vms[1]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->len, 42);
	check_arp_reply(b->frame, f, 4);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 1);
	CU_ASSERT_EQUAL(vms[1].net->rx_frames, 1);
	/* For the gateway: out through the NIC, to no VM. */
	arp_frame(f, bc, mac1, ip_of(1), 1, GW);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 42), 0);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT(memcmp(nic.last, f, 42) == 0);
	CU_ASSERT_EQUAL(queued_total(), 1);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 2);
}

static void test_broadcast_wakes_nobody(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6];
	size_t len;

	setup();
	len = udp_frame(f, bc, out_mac, GW, 0xffffffffu, 40, 0);
	from_outside(f, len);
	len = udp_frame(f, (const uint8_t[6]){ 0x01, 0x00, 0x5e, 0, 0, 1 }, out_mac, GW, 0xe0000001u, 40, 0);
	from_outside(f, len);
	arp_frame(f, bc, out_mac, GW, 1, GW);              /* gratuitous ARP */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 3);
	/* A VM's broadcast goes out, not to its neighbours. */
	mac_of(5, mac);
	len = udp_frame(f, bc, mac, ip_of(5), 0xffffffffu, 40, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[5], f, len), 0);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	CU_ASSERT_EQUAL(queued_total(), 0);
}

static void test_vm_to_vm(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6];
	size_t len = vm_udp(f, 1, 2, 9);

	setup();
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	CU_ASSERT_EQUAL(vms[2].net->rxq_len, 1);
	CU_ASSERT_EQUAL(queued_total(), 1);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(vsw_stats.vm_to_vm, 1);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 1);
	CU_ASSERT_EQUAL(vms[2].net->rx_frames, 1);
	CU_ASSERT_EQUAL(vsw_peek(&vms[2])->src, 1);
	CU_ASSERT(memcmp(vsw_peek(&vms[2])->frame, f, len) == 0);
	/* To itself. */
	len = vm_udp(f, 6, 6, 0);
	vsw_from_vm(&vms[6], f, len);
	CU_ASSERT_EQUAL(vms[6].net->rxq_len, 1);
	/* Outside: to the NIC. */
	mac_of(1, mac);
	len = udp_frame(f, out_mac, mac, ip_of(1), 0x08080808u, 100, 3);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT_EQUAL(nic.last_len, len);
	CU_ASSERT(memcmp(nic.last, f, len) == 0);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 2);
	/* The TX ring full: not taken, the VM keeps it (PV_EAGAIN) and its turn at sending is over. */
	nic.full = true;
	vms[1].tx_budget = 100;
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), PV_EAGAIN);
	CU_ASSERT_EQUAL(vms[1].tx_budget, 0);
	CU_ASSERT_EQUAL(vsw_stats.to_nic, 1);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 1);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_full, 0);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 2);
	/* The switch's own ARP answer finding the ring full is dropped and counted. */
	arp_frame(f, bc, out_mac, GW, 1, ip_of(2));
	from_outside(f, 42);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_full, 1);
}

/* A fork that keeps its parent's address (fork.h same_address: vsw_port_alias): the child's port has the address
 * but no binding: frames for it reach the parent only, the child sends from it (not spoofing), and its end releases
 * nothing. */
static void test_port_alias(void)
{
	struct pv_start_info si;
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;

	setup();
	end_vm(7);                                           /* vms[7] is the child: a structure with no port */
	vms[7].net = NULL;
	CU_ASSERT_EQUAL_FATAL(vsw_port_alias(&vms[7], &vms[2]), 0);
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[7], &si), 0);
	CU_ASSERT_EQUAL(vms[7].net->addr, 2);
	CU_ASSERT_PTR_EQUAL(bind_vm(2), &vms[2]);
	CU_ASSERT_PTR_NULL(bind_vm(7));                      /* its old address stays free */
	len = out_udp(f, 2, 5);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[2].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[7].net->rxq_len, 0);
	len = vm_udp(f, 2, 1, 4);                            /* from the shared address, by the child */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[7], f, len), 0);
	CU_ASSERT_EQUAL(vms[1].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[7].net->tx_spoofed, 0);
	CU_ASSERT_EQUAL(vms[7].net->tx_frames, 1);
	len = vm_udp(f, 3, 1, 4);                            /* another's address: spoofed */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[7], f, len), 0);
	CU_ASSERT_EQUAL(vms[7].net->tx_spoofed, 1);
	end_vm(7);
	CU_ASSERT_PTR_EQUAL(bind_vm(2), &vms[2]);            /* the parent keeps its binding */
	CU_ASSERT_PTR_NULL(vms[7].net);
}

/* Sends of one quantum as hcall.c makes them: one budget unit each, PV_EAGAIN once it is spent. */
static unsigned quantum_of_sends(struct vm *vm, const uint8_t *f, size_t len, unsigned tries)
{
	unsigned taken = 0;

	vm->tx_budget = VSW_TX_BUDGET;
	for (unsigned i = 0; i < tries && vm->tx_budget; i++) {
		vm->tx_budget--;
		if (vsw_from_vm(vm, f, len) == 0)
			taken++;
	}
	return taken;
}

/* The link is shared by turns: a VM puts at most VSW_NIC_BUDGET frames a quantum into the TX ring, while
 * frames between VMs (and ARP the switch answers) still get the whole budget. */
static void test_nic_budget(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6];
	size_t len;

	setup();
	mac_of(1, mac);
	len = udp_frame(f, out_mac, mac, ip_of(1), GW, 20, 0);
	CU_ASSERT_EQUAL(quantum_of_sends(&vms[1], f, len, 1000), VSW_NIC_BUDGET);
	CU_ASSERT_EQUAL(nic.sent, VSW_NIC_BUDGET);
	CU_ASSERT_EQUAL(vms[1].tx_budget, 0);
	nic.inflight = 0;                                  /* the device sent them */
	CU_ASSERT_EQUAL(quantum_of_sends(&vms[1], f, len, 1000), VSW_NIC_BUDGET);   /* the next quantum */
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 2 * VSW_NIC_BUDGET);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 0);
	len = vm_udp(f, 1, 2, 0);
	CU_ASSERT_EQUAL(quantum_of_sends(&vms[1], f, len, 1000), VSW_TX_BUDGET);
	CU_ASSERT_EQUAL(vms[2].net->rxq_len, VSW_RXQ_MAX / 2);
	/* Half and half: frames to a VM first, then to the NIC with what is left. */
	nic.inflight = 0;
	vms[1].tx_budget = VSW_TX_BUDGET;
	for (int i = 0; i < VSW_TX_BUDGET / 2; i++) {
		vms[1].tx_budget--;
		vsw_from_vm(&vms[1], f, len);
	}
	len = udp_frame(f, out_mac, mac, ip_of(1), GW, 20, 0);
	unsigned out = 0;
	while (vms[1].tx_budget) {
		vms[1].tx_budget--;
		out += vsw_from_vm(&vms[1], f, len) == 0;
	}
	CU_ASSERT_EQUAL(out, VSW_NIC_BUDGET / 2);
}

/* While others have frames in the TX ring, no VM has more than VSW_NIC_INFLIGHT there: what others send waits
 * behind at most that many of its frames. A VM alone may fill the ring. */
static void test_nic_inflight(void)
{
	uint8_t f[ETHER_FRAME_MAX], g[ETHER_FRAME_MAX], mac1[6], mac2[6];
	size_t len, len2;

	setup();
	mac_of(1, mac1);
	mac_of(2, mac2);
	len = udp_frame(f, out_mac, mac1, ip_of(1), GW, 20, 0);
	len2 = udp_frame(g, out_mac, mac2, ip_of(2), GW, 20, 0);
	for (int q = 0; q < 3; q++)                       /* alone: three quanta's worth, nothing sent yet */
		CU_ASSERT_EQUAL(quantum_of_sends(&vms[1], f, len, 1000), VSW_NIC_BUDGET);
	CU_ASSERT_EQUAL(vms[1].net->nic_inflight, 3 * VSW_NIC_BUDGET);
	CU_ASSERT(3 * VSW_NIC_BUDGET > VSW_NIC_INFLIGHT);
	/* Another VM sends: now VM 1 waits while it has VSW_NIC_INFLIGHT or more in the ring. */
	CU_ASSERT_EQUAL(quantum_of_sends(&vms[2], g, len2, 5), 5);
	CU_ASSERT_EQUAL(vms[2].net->nic_inflight, 5);
	vms[1].tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), PV_EAGAIN);
	CU_ASSERT_EQUAL(vms[1].tx_budget, 0);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 1);
	/* The device sends the oldest 40 (all VM 1's): it is back to 56 and may add up to VSW_NIC_INFLIGHT. */
	nic.inflight -= 40;
	CU_ASSERT_EQUAL(quantum_of_sends(&vms[1], f, len, 1000), VSW_NIC_INFLIGHT - (3 * VSW_NIC_BUDGET - 40));
	CU_ASSERT_EQUAL(vms[1].net->nic_inflight, VSW_NIC_INFLIGHT);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 2);
	/* Then the next 61 in order: VM 1's older ones and VM 2's five. */
	nic.inflight -= 61;
	vsw_tx_done();
	CU_ASSERT_EQUAL(vms[2].net->nic_inflight, 0);
	CU_ASSERT_EQUAL(vms[1].net->nic_inflight, VSW_NIC_INFLIGHT - 56);
	CU_ASSERT_EQUAL(census().nic_tracked, nic.inflight);
	/* A sender that ends: its frames are forgotten as they go. */
	end_vm(1);
	nic.inflight = 0;
	vsw_tx_done();
	CU_ASSERT_EQUAL(census().nic_tracked, 0);
	/* The ring full, whoever filled it: pushed back too. */
	nic.full = true;
	vms[2].tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[2], g, len2), PV_EAGAIN);
	CU_ASSERT_EQUAL(vms[2].net->nic_inflight, 0);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 3);
}

static void test_spoofing(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac1[6], mac2[6];
	size_t len;

	setup();
	mac_of(1, mac1);
	mac_of(2, mac2);
	len = udp_frame(f, out_mac, mac2, ip_of(1), GW, 20, 0);   /* another VM's MAC */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	len = udp_frame(f, out_mac, mac1, ip_of(2), GW, 20, 0);   /* its MAC, another's IPv4 */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	len = vm_udp(f, 1, 3, 0);                                   /* to a VM, with a source outside the plan */
	f[11] = 0x77;
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	arp_frame(f, bc, mac1, ip_of(1), 1, ip_of(3));             /* ARP: another sender hardware address */
	memcpy(f + 22, mac2, 6);
	vsw_from_vm(&vms[1], f, 42);
	arp_frame(f, bc, mac1, ip_of(2), 1, ip_of(3));             /* ARP: another sender IPv4 */
	vsw_from_vm(&vms[1], f, 42);
	arp_frame(f, bc, mac1, ip_of(1), 2, GW);                   /* ARP reply claiming the gateway's address */
	memcpy(f + 22, mac1, 6);
	be32_put(f + 28, GW);
	vsw_from_vm(&vms[1], f, 42);
	CU_ASSERT_EQUAL(vsw_stats.drop_spoofed, 6);
	CU_ASSERT_EQUAL(vms[1].net->tx_spoofed, 6);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 0);
	CU_ASSERT_EQUAL(vms[2].net->tx_spoofed, 0);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 0);
	/* The same VM's honest frames pass. */
	len = vm_udp(f, 1, 3, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 1);
	CU_ASSERT_EQUAL(vms[1].net->tx_spoofed, 6);
	/* Too short to name an IPv4 sender: not spoofing, malformed. */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 30), 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_malformed, 1);
	CU_ASSERT_EQUAL(vsw_stats.drop_spoofed, 6);
}

static void test_rxq_bounded(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len = out_udp(f, 0, 0);

	setup();
	for (int i = 0; i < 100; i++)
		from_outside(f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vms[0].net->rx_frames, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vms[0].net->rx_drops, 100 - VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vsw_stats.drop_rxq_full, 100 - VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(ntf.calls, VSW_RXQ_MAX);            /* drops wake nobody */
	CU_ASSERT_EQUAL(pool_used, VSW_RXQ_MAX);
	vsw_pop(&vms[0]);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vms[0].net->rx_drops, 100 - VSW_RXQ_MAX);
}

/* A sending VM holds at most half of another VM's queue: the NIC and other VMs keep the rest. */
static void test_rxq_share(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;

	setup();
	len = vm_udp(f, 1, 0, 0);
	for (int i = 0; i < 100; i++)
		vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vsw_stats.drop_share, 100 - VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vms[0].net->rx_drops, 100 - VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 100);
	len = vm_udp(f, 2, 0, 0);
	for (int i = 0; i < 10; i++)
		vsw_from_vm(&vms[2], f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX / 2 + 10);
	len = out_udp(f, 0, 0);
	for (int i = 0; i < 30; i++)
		from_outside(f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vsw_stats.drop_rxq_full, 30 - (VSW_RXQ_MAX / 2 - 10));
	/* Once the receiver reads, the flooder may send again, up to its half. */
	for (int i = 0; i < VSW_RXQ_MAX; i++)
		vsw_pop(&vms[0]);
	len = vm_udp(f, 1, 0, 0);
	for (int i = 0; i < 40; i++)
		vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX / 2);
	/* The NIC is one port for the whole world outside: it may fill a queue. */
	for (int i = 0; i < VSW_RXQ_MAX; i++)
		vsw_pop(&vms[0]);
	len = out_udp(f, 0, 0);
	for (int i = 0; i < VSW_RXQ_MAX; i++)
		from_outside(f, len);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX);
}

/* Unread queues filled from outside one after another: once the pool runs short, each new queue gets half of
 * what is free (dynamic threshold), the pool never overflows, every drop is counted against its VM. */
static void test_pool_shared(void)
{
	const unsigned full = VSW_POOL_MAX / VSW_RXQ_MAX - 1;     /* queues that fill before the pool runs short */
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;
	unsigned drops = 0;

	setup();
	for (uint32_t v = 0; v < full + 10; v++) {
		len = out_udp(f, v, (uint8_t)v);
		for (int i = 0; i < VSW_RXQ_MAX + 5; i++)
			from_outside(f, len);
		CU_ASSERT(pool_used <= VSW_POOL_MAX);
		drops += vms[v].net->rx_drops;
	}
	CU_ASSERT_EQUAL(pool_used, queued_total());
	CU_ASSERT_EQUAL(vms[full - 1].net->rxq_len, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vms[full].net->rxq_len, VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vms[full + 1].net->rxq_len, VSW_RXQ_MAX / 4);
	CU_ASSERT_EQUAL(vms[full + 2].net->rxq_len, VSW_RXQ_MAX / 8);
	CU_ASSERT_EQUAL(vsw_stats.drop_rxq_full, full * 5);
	CU_ASSERT_EQUAL(drops, vsw_stats.drop_pool_empty + vsw_stats.drop_rxq_full);
	CU_ASSERT_EQUAL(pool_used, VSW_POOL_MAX);
	CU_ASSERT_EQUAL(census().buf_objs, VSW_POOL_MAX);
	/* Reading gives the room back: a queue can fill again. */
	len = out_udp(f, 150, 0);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[150].net->rxq_len, 0);
	for (uint32_t v = 0; v < 10; v++)
		end_vm(v);
	CU_ASSERT_EQUAL(pool_used, VSW_POOL_MAX - 10 * VSW_RXQ_MAX);
	for (int i = 0; i < VSW_RXQ_MAX; i++)
		from_outside(f, len);
	CU_ASSERT_EQUAL(vms[150].net->rxq_len, VSW_RXQ_MAX);
}

/* One VM sending to many VMs that do not read holds at most VSW_HELD_MAX frames of the pool. */
static void test_sender_held_cap(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;
	uint32_t v;

	setup();
	for (v = 10; v < 10 + VSW_HELD_MAX / (VSW_RXQ_MAX / 2) + 5; v++) {
		len = vm_udp(f, 1, v, 0);
		for (int i = 0; i < VSW_RXQ_MAX / 2; i++)
			vsw_from_vm(&vms[1], f, len);
	}
	CU_ASSERT_EQUAL(vms[1].net->tx_held, VSW_HELD_MAX);
	CU_ASSERT_EQUAL(pool_used, VSW_HELD_MAX);
	CU_ASSERT_EQUAL(vsw_stats.drop_share, 5 * VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vms[v - 1].net->rx_drops, VSW_RXQ_MAX / 2);
	CU_ASSERT_EQUAL(vms[v - 1].net->rxq_len, 0);
	/* Others still send to the same VMs, and the NIC too. */
	len = vm_udp(f, 2, v - 1, 0);
	vsw_from_vm(&vms[2], f, len);
	len = out_udp(f, 10, 0);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[v - 1].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[10].net->rxq_len, VSW_RXQ_MAX / 2 + 1);
	/* A receiver reads one: the sender may send one more. */
	vsw_pop(&vms[10]);
	CU_ASSERT_EQUAL(vms[1].net->tx_held, VSW_HELD_MAX - 1);
	len = vm_udp(f, 1, v - 1, 0);
	vsw_from_vm(&vms[1], f, len);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[v - 1].net->rxq_len, 2);
	CU_ASSERT_EQUAL(vms[1].net->tx_held, VSW_HELD_MAX);
	/* A receiver ends: what it held comes back to the sender. */
	end_vm(11);
	CU_ASSERT_EQUAL(vms[1].net->tx_held, VSW_HELD_MAX - VSW_RXQ_MAX / 2);
	/* The sender ends: its frames stay where they are; reading them later is fine. */
	end_vm(1);
	vsw_pop(&vms[12]);
	CU_ASSERT_EQUAL(vms[12].net->rxq_len, VSW_RXQ_MAX / 2 - 1);
	end_vm(2);
	CU_ASSERT_EQUAL(vsw_held_in(v - 1, 2), 1);          /* its frame still waits at v - 1 */
	CU_ASSERT_EQUAL(census().holders, 0);               /* held by no live VM */
	end_vm(v - 1);                                      /* and goes with it; the ended sender is not looked up */
	CU_ASSERT_EQUAL(vsw_held_in(v - 1, 2), 0);
}

/* One reader's turn and then each sender's, rounds times: every flooder sends a quantum's worth (VSW_TX_BUDGET
 * frames) to VM 0, the honest VM one frame; VM 0 reads all it has at its turn. The honest VM's frames that got
 * into VM 0's queue. */
static unsigned rounds_beside_flooders(uint32_t flooders, unsigned rounds, uint32_t honest)
{
	uint8_t f[ETHER_FRAME_MAX], g[ETHER_FRAME_MAX];
	size_t len2 = vm_udp(g, honest, 0, 7);
	unsigned got = 0;

	for (unsigned r = 0; r < rounds; r++) {
		while (vsw_peek(&vms[0])) {
			got += vsw_peek(&vms[0])->src == honest;
			vsw_pop(&vms[0]);
		}
		for (uint32_t k = 1; k <= flooders; k++) {
			size_t len = vm_udp(f, k, 0, (uint8_t)k);
			quantum_of_sends(&vms[k], f, len, VSW_TX_BUDGET);
		}
		vsw_from_vm(&vms[honest], g, len2);
	}
	while (vsw_peek(&vms[0])) {
		got += vsw_peek(&vms[0])->src == honest;
		vsw_pop(&vms[0]);
	}
	return got;
}

/* Any number of senders flooding one reading VM leave a place in its queue to another sender: each may hold fewer
 * frames there than the room left, and past that its frame pushes out the oldest one if that one's sender holds
 * more. (Before, each held half: two flooders filled the queue and a third got none of 20 through.) */
static void test_rxq_share_many_senders(void)
{
	static const uint32_t counts[] = { 1, 2, 10, 40, 60, 100, 200 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		setup();
		CU_ASSERT_EQUAL(rounds_beside_flooders(counts[i], 20, NVM - 1), 20);
		CU_ASSERT_EQUAL(vms[NVM - 1].net->tx_held, 0);
		CU_ASSERT_EQUAL(vms[NVM - 1].mem.pinned_bufs, 0);
		CU_ASSERT_EQUAL(pool_used, 0);
		CU_ASSERT_EQUAL(census().holders, 0);
		if (counts[i] > 1)
			CU_ASSERT(vsw_stats.drop_share > 0);
	}
	/* 100 senders (more than the queue holds), two frames each, none read: the queue stays full, a newcomer holding
	 * none always gets one in (the last sender too), and no sender ends up holding more than two. */
	setup();
	uint8_t f[ETHER_FRAME_MAX];
	for (uint32_t k = 1; k <= 100; k++) {
		size_t len = vm_udp(f, k, 0, 0);
		vsw_from_vm(&vms[k], f, len);
		vsw_from_vm(&vms[k], f, len);
		CU_ASSERT(vsw_held_in(0, k) != 0);
	}
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, VSW_RXQ_MAX);
	unsigned total = 0;
	for (uint32_t k = 1; k <= 100; k++) {
		uint32_t n = vsw_held_in(0, k);
		CU_ASSERT(n <= 2);
		CU_ASSERT_EQUAL(vms[k].net->tx_held, n);
		total += n;
	}
	CU_ASSERT_EQUAL(total, VSW_RXQ_MAX);
	CU_ASSERT_EQUAL(vsw_held_in(0, 100), 1);
	/* The records go with the frames. */
	end_vm(0);
	CU_ASSERT_EQUAL(vsw_held_in(0, 1), 0);
	CU_ASSERT_EQUAL(census().pairs, 0);
	CU_ASSERT_EQUAL(pool_used, 0);
}

/* Many VMs flooding many VMs that never read cannot take the whole pool: a sending VM may have fewer frames
 * waiting than the pool has free, so k of them leave about VSW_POOL_MAX / (k + 1); another VM's frame and a frame
 * from outside still get in. (Before, each could hold VSW_HELD_MAX: eight took all of it.) */
static void test_pool_share_many_senders(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;
	const uint32_t flooders = 10, first = 20, last = NVM - 1;

	setup();
	for (uint32_t v = first; v <= last; v++)
		for (uint32_t k = 1; k <= flooders; k++) {
			len = vm_udp(f, k, v, 0);
			for (int i = 0; i < VSW_RXQ_MAX; i++)
				vsw_from_vm(&vms[k], f, len);
		}
	uint64_t held = 0;
	for (uint32_t k = 1; k <= flooders; k++) {
		held += vms[k].net->tx_held;
		CU_ASSERT_EQUAL(vms[k].mem.pinned_bufs, vms[k].net->tx_held);
	}
	CU_ASSERT_EQUAL(census().holders, flooders);
	CU_ASSERT_EQUAL(held, pool_used);
	CU_ASSERT(VSW_POOL_MAX - pool_used >= VSW_POOL_MAX / 16);
	CU_ASSERT(vsw_stats.drop_share > 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_pool_empty, 0);
	/* Another VM sends to a flooded VM and to one that was not; the world outside too. */
	len = vm_udp(f, 11, last, 0);
	vsw_from_vm(&vms[11], f, len);
	len = vm_udp(f, 11, first - 1, 0);
	vsw_from_vm(&vms[11], f, len);
	CU_ASSERT_EQUAL(vms[11].net->tx_held, 2);
	CU_ASSERT_EQUAL(vms[first - 1].net->rxq_len, 1);
	len = out_udp(f, first - 1, 0);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[first - 1].net->rxq_len, 2);
	CU_ASSERT_EQUAL(vsw_stats.drop_pool_empty, 0);
}

/* A VM's frames waiting in queues and in the TX ring count against its memory quota (mem.pinned_bufs, half a page
 * each): past it, a frame to a VM is dropped (drop_quota) and one to the link refused (PV_EAGAIN, nic_busy). */
static void test_quota(void)
{
	uint8_t f[ETHER_FRAME_MAX], g[ETHER_FRAME_MAX], mac[6];
	size_t len, len2;
	struct vm *s = &vms[1];

	setup();
	s->mem.quota_pages = 100;
	s->mem.priv_pages = 90;                            /* room for 20 frames: 90 + 20 / 2 = 100 */
	for (uint32_t v = 10; v < 13; v++) {
		len = vm_udp(f, 1, v, 0);
		for (int i = 0; i < 10; i++)
			vsw_from_vm(s, f, len);
	}
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 20);
	CU_ASSERT_EQUAL(s->net->tx_held, 20);
	CU_ASSERT_EQUAL(vsw_stats.drop_quota, 10);
	CU_ASSERT_EQUAL(vms[12].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vms[12].net->rx_drops, 10);
	CU_ASSERT_EQUAL(vsw_stats.drop_share, 0);
	/* Others are not held to its quota. */
	len2 = vm_udp(g, 2, 12, 0);
	vsw_from_vm(&vms[2], g, len2);
	CU_ASSERT_EQUAL(vms[12].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[2].mem.pinned_bufs, 1);
	/* To the link: refused, the VM keeps the frame. */
	mac_of(1, mac);
	len2 = udp_frame(g, out_mac, mac, ip_of(1), GW, 20, 0);
	s->tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(s, g, len2), PV_EAGAIN);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 1);
	CU_ASSERT_EQUAL(nic.sent, 0);
	/* A receiver reads one: one frame may go, here to the link; it is pinned until the device sends it. */
	vsw_pop(&vms[10]);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 19);
	s->tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(s, g, len2), 0);
	CU_ASSERT_EQUAL(s->net->nic_inflight, 1);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 20);
	s->tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(s, g, len2), PV_EAGAIN);
	nic.inflight = 0;                                  /* sent: the next one finds it gone */
	s->tx_budget = VSW_TX_BUDGET;
	CU_ASSERT_EQUAL(vsw_from_vm(s, g, len2), 0);
	CU_ASSERT_EQUAL(s->net->nic_inflight, 1);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 20);
	/* Frames to itself count too; a receiver that ends gives its pins back. */
	len = vm_udp(f, 1, 1, 0);
	vsw_from_vm(s, f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_quota, 11);
	end_vm(11);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 10);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, s->net->tx_held + s->net->nic_inflight);
	/* Memory the VM takes leaves less for frames: 94 + 12 / 2 = 100, two more frames, not three. */
	s->mem.priv_pages = 94;
	len = vm_udp(f, 1, 13, 0);
	for (int i = 0; i < 3; i++)
		vsw_from_vm(s, f, len);
	CU_ASSERT_EQUAL(vms[13].net->rxq_len, 2);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 12);
	CU_ASSERT_EQUAL(vsw_stats.drop_quota, 12);
	/* An odd count takes a whole page: at 95 pages, 11 frames are as many as 12. */
	vsw_pop(&vms[13]);
	s->mem.priv_pages = 95;
	vsw_from_vm(s, f, len);
	CU_ASSERT_EQUAL(s->mem.pinned_bufs, 11);
	CU_ASSERT_EQUAL(vsw_stats.drop_quota, 13);
}

/* Frames from outside claiming a VM's address as their source (MAC; IPv4; ARP sender) are dropped and counted
 * (drop_nic_spoofed), whether that VM is live or not; the gateway and addresses outside the VMs' pass. */
static void test_nic_spoofing(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac2[6], mac3[6];
	size_t len;

	setup();
	mac_of(2, mac2);
	mac_of(3, mac3);
	len = udp_frame(f, mac3, mac2, GW, ip_of(3), 20, 0);        /* VM 2's MAC */
	from_outside(f, len);
	len = udp_frame(f, mac3, out_mac, ip_of(2), ip_of(3), 20, 0);   /* VM 2's IPv4 */
	from_outside(f, len);
	len = udp_frame(f, mac3, out_mac, ip_of(CAP - 1), ip_of(3), 20, 0);   /* a VM's that is not live */
	from_outside(f, len);
	arp_frame(f, mac3, mac2, GW, 2, ip_of(3));                  /* ARP from VM 2's MAC */
	from_outside(f, 42);
	arp_frame(f, mac3, out_mac, GW, 2, ip_of(3));                /* ARP naming VM 2's hardware address */
	memcpy(f + 22, mac2, 6);
	from_outside(f, 42);
	arp_frame(f, mac3, out_mac, ip_of(2), 2, ip_of(3));          /* ARP reply: "VM 2's IPv4 is at out_mac" */
	from_outside(f, 42);
	arp_frame(f, bc, out_mac, ip_of(2), 1, ip_of(3));            /* a request in VM 2's name: not answered */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 7);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vms[3].net->rx_frames, 0);
	CU_ASSERT_EQUAL(vms[3].net->rx_drops, 0);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_spoofed, 0);
	/* The gateway, a host outside the subnet, the subnet's own address, one past the VMs': delivered. */
	len = udp_frame(f, mac3, out_mac, GW, ip_of(3), 20, 0);
	from_outside(f, len);
	len = udp_frame(f, mac3, out_mac, 0x08080808u, ip_of(3), 20, 0);
	from_outside(f, len);
	len = udp_frame(f, mac3, out_mac, NET, ip_of(3), 20, 0);
	from_outside(f, len);
	len = udp_frame(f, mac3, out_mac, ip_of(CAP), ip_of(3), 20, 0);
	from_outside(f, len);
	arp_frame(f, bc, out_mac, GW, 1, ip_of(3));                  /* the gateway asks: answered */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 4);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 1);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 7);
	/* Frames from VMs are not looked at this way: VM 2 to VM 3 passes. */
	len = vm_udp(f, 2, 3, 0);
	vsw_from_vm(&vms[2], f, len);
	CU_ASSERT_EQUAL(vms[3].net->rxq_len, 5);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 7);
}

/* The frame allocator itself runs dry: dropped as pool_empty, nothing breaks, everything comes back. */
static void test_pool_no_memory(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len = out_udp(f, 0, 0);

	setup();
	uint64_t free_before = frame_free_count();
	uint64_t hold[ARENA_PAGES];
	size_t n = 0;
	while (frame_free_count() > 3)
		hold[n++] = frame_alloc();
	for (int i = 0; i < 20; i++)
		from_outside(f, len);
	CU_ASSERT(vms[0].net->rxq_len > 0);
	CU_ASSERT(vms[0].net->rxq_len <= 6);
	CU_ASSERT_EQUAL(vsw_stats.drop_pool_empty, 20 - vms[0].net->rxq_len);
	CU_ASSERT_EQUAL(vms[0].net->rx_drops, 20 - vms[0].net->rxq_len);
	end_vm(0);
	while (n)
		frame_free(hold[--n]);
	CU_ASSERT_EQUAL(pool_used, 0);
	/* Freed buffers stay on the spare list (at most VSW_SPARE_MAX); everything else went back. */
	CU_ASSERT_EQUAL(census().buf_objs, nspare);
	CU_ASSERT(nspare <= VSW_SPARE_MAX);
	CU_ASSERT(frame_free_count() + census().buf_pages >= free_before - 1);  /* and the cache's one partial page */
}

static void test_bad_lengths(void)
{
	uint8_t f[2048], mac[6];
	size_t len;

	setup();
	memset(f, 0, sizeof(f));
	len = vm_udp(f, 1, 2, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 13), PV_EINVAL);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 0), PV_EINVAL);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, 1515), PV_EINVAL);
	CU_ASSERT_EQUAL(vsw_stats.drop_bad_len, 3);
	len = out_udp(f, 2, 0);
	from_outside(f, 0);
	from_outside(f, 13);
	from_outside(f, 1515);
	from_outside(f, 2048);
	CU_ASSERT_EQUAL(vsw_stats.drop_bad_len, 7);
	/* IPv4 headers that do not hold together (60-byte frames: 4 bytes of UDP payload, 14 of padding). */
	struct { size_t off; uint8_t x; } bad[] = {
		{ 14, 0x45 ^ 0x44 },     /* IHL 4 */
		{ 14, 0x45 ^ 0x65 },     /* version 6 under ethertype IPv4 */
		{ 14, 0x45 ^ 0x4f },     /* IHL 15: 60 bytes, past the frame */
		{ 16, 0x08 },            /* total length 2048+ > frame */
		{ 17, 32 ^ 1 },          /* total length 1 < header */
		{ 24, 0x5a },            /* header checksum */
	};
	mac_of(1, mac);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = udp_frame(f, mac, out_mac, GW, ip_of(1), 4, 0);
		CU_ASSERT_EQUAL(len, 60);
		f[bad[i].off] ^= bad[i].x;
		from_outside(f, len);
		memcpy(f, out_mac, 6);
		memcpy(f + 6, mac, 6);
		be32_put(f + 26, ip_of(1));                   /* the same header from VM 1: not spoofed, malformed */
		vsw_from_vm(&vms[1], f, len);
	}
	len = out_udp(f, 2, 0);
	from_outside(f, 30);                      /* truncated inside the IPv4 header */
	from_outside(f, 14);                      /* an Ethernet header alone */
	CU_ASSERT_EQUAL(vsw_stats.drop_malformed, 14);
	/* ARP of other sizes or kinds. */
	mac_of(2, mac);
	struct { size_t off; uint8_t val; } arp_bad[] = { { 18, 8 }, { 19, 16 }, { 15, 6 }, { 17, 0xdd }, { 21, 3 } };
	for (size_t i = 0; i < sizeof(arp_bad) / sizeof(arp_bad[0]); i++) {
		arp_frame(f, bc, out_mac, GW, 1, ip_of(2));
		f[arp_bad[i].off] = arp_bad[i].val;
		from_outside(f, 42);
	}
	arp_frame(f, mac, out_mac, GW, 1, ip_of(2));
	from_outside(f, 41);
	CU_ASSERT_EQUAL(vsw_stats.drop_malformed, 20);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 0);
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(ntf.calls, 0);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(vms[1].net->tx_frames, 0);
	/* Well formed with Ethernet padding after the datagram, and at the largest size: accepted. */
	len = out_udp(f, 2, 0);
	from_outside(f, len + 10);
	len = udp_frame(f, mac, out_mac, GW, ip_of(2), 1472, 0);
	CU_ASSERT_EQUAL(len, ETHER_FRAME_MAX);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[2].net->rxq_len, 2);
	CU_ASSERT_EQUAL(vsw_peek(&vms[2])->len, 84);
}

static void test_unknown_ethertypes(void)
{
	static const uint16_t types[] = { 0x86dd, 0x8100, 0x88cc, 0x0000, 0x05dc, 0xffff, 0x0801, 0x8035 };
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;

	setup();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		len = out_udp(f, 2, 0);
		be16_put(f + 12, types[i]);
		from_outside(f, len);
		len = vm_udp(f, 1, 2, 0);
		be16_put(f + 12, types[i]);
		CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	}
	CU_ASSERT_EQUAL(vsw_stats.drop_ethertype, 2 * sizeof(types) / sizeof(types[0]));
	CU_ASSERT_EQUAL(queued_total(), 0);
	CU_ASSERT_EQUAL(nic.sent, 0);
	CU_ASSERT_EQUAL(ntf.calls, 0);
}

static void test_not_live(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len;

	setup();
	end_vm(9);
	CU_ASSERT_PTR_NULL(vms[9].net);
	len = out_udp(f, 9, 0);
	from_outside(f, len);
	len = vm_udp(f, 1, 9, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 2);
	CU_ASSERT_EQUAL(nic.sent, 0);                      /* a VM address never leaks to the NIC */
	CU_ASSERT_EQUAL(queued_total(), 0);
	/* An address past the plan. */
	len = vm_udp(f, 1, CAP + 1, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 3);
	/* Live again (a new VM in its structure): reachable at the address it was given. */
	live_vm(9);
	len = vm_udp(f, 1, vms[9].net->addr, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[9].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vms[9].net->rx_frames, 1);
}

/* A frame the NIC offers on loan is queued in the NIC's buffer itself (no copy) and given back when the VM has
 * taken it or goes; one that finds no room is not kept. */
static void test_nic_loans(void)
{
	uint8_t f[ETHER_FRAME_MAX], g[ETHER_FRAME_MAX];
	size_t len = out_udp(f, 3, 1), len2 = out_udp(g, 3, 2);

	setup();
	nic.lend = 17;
	from_outside(f, len);
	CU_ASSERT_EQUAL(nic.lent, 1);
	from_outside(g, len2);                          /* not offered: copied */
	struct vsw_buf *b = vsw_peek(&vms[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_EQUAL(b->frame, f);
	CU_ASSERT_EQUAL(b->len, len);
	CU_ASSERT(b->next->frame != g && memcmp(b->next->frame, g, len2) == 0);
	vsw_pop(&vms[3]);
	CU_ASSERT_EQUAL(nic.released, 1);
	CU_ASSERT_EQUAL(nic.last_released, 17);
	vsw_pop(&vms[3]);
	CU_ASSERT_EQUAL(nic.released, 1);              /* a copy has no loan to give back */
	/* The VM goes with a lent frame queued: the loan comes back. */
	nic.lend = 5;
	from_outside(f, len);
	end_vm(3);
	CU_ASSERT_EQUAL(nic.released, 2);
	CU_ASSERT_EQUAL(nic.last_released, 5);
	/* No room: the VM is gone, or its queue is full. */
	nic.lend = 6;
	from_outside(f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	len = out_udp(f, 4, 1);
	for (int i = 0; i < VSW_RXQ_MAX; i++)
		from_outside(f, len);
	nic.lend = 7;
	from_outside(f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_rxq_full, 1);
	CU_ASSERT_EQUAL(nic.lent, 2);
	CU_ASSERT_EQUAL(nic.released, 2);
}

static void test_detach_frees(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len = out_udp(f, 5, 0);
	uint32_t old6;

	setup();
	for (int i = 0; i < 40; i++)
		from_outside(f, len);
	len = vm_udp(f, 1, 5, 0);
	for (int i = 0; i < 10; i++)
		vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[5].net->rxq_len, 50);
	CU_ASSERT_EQUAL(census().buf_objs, 50 + nspare);
	end_vm(5);
	CU_ASSERT_PTR_NULL(vms[5].net);
	CU_ASSERT_EQUAL(pool_used, 0);
	CU_ASSERT_EQUAL(census().buf_objs, nspare);       /* freed buffers wait on the spare list, */
	CU_ASSERT(nspare <= VSW_SPARE_MAX);             /* a bounded one */
	/* and the next deliveries take them from there before the slab */
	uint64_t objs = census().buf_objs;
	live_vm(5);
	len = vm_udp(f, 1, vms[5].net->addr, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[5].net->rxq_len, 1);
	CU_ASSERT_EQUAL(census().buf_objs, objs);
	CU_ASSERT_EQUAL(nspare, objs - 1);
	end_vm(5);
	CU_ASSERT_PTR_NULL(bind_vm(NVM));
	end_vm(5);                                         /* twice: harmless */
	CU_ASSERT_EQUAL(pool_used, 0);
	/* An ended VM's id finds nothing, even once its slot holds a new VM. */
	old6 = vms[6].id;
	end_vm(6);
	CU_ASSERT_PTR_NULL(vmtab_get(old6));
	live_vm(6);
	CU_ASSERT_PTR_NULL(vmtab_get(old6));
	CU_ASSERT_PTR_EQUAL(vmtab_get(vms[6].id), &vms[6]);
	/* A queue freed while others keep theirs. */
	len = out_udp(f, vms[6].net->addr, 0);
	from_outside(f, len);
	len = out_udp(f, 7, 0);
	from_outside(f, len);
	end_vm(6);
	CU_ASSERT_EQUAL(vms[7].net->rxq_len, 1);
	CU_ASSERT_EQUAL(pool_used, 1);
	CU_ASSERT(memcmp(vsw_peek(&vms[7])->frame, f, len) == 0);
}

static void test_notify_batched_or_immediate(void)
{
	uint8_t f[ETHER_FRAME_MAX];
	size_t len = out_udp(f, 2, 0);

	for (int imm = 0; imm < 2; imm++) {
		start(imm);
		from_outside(f, len);
		CU_ASSERT_EQUAL(ntf.calls, 1);
		CU_ASSERT_PTR_EQUAL(ntf.vm, &vms[2]);
		CU_ASSERT_EQUAL(ntf.bits, PV_PEND_NET_RX);
		CU_ASSERT_EQUAL(ntf.immediate, imm);
		len = vm_udp(f, 3, 4, 0);
		vsw_from_vm(&vms[3], f, len);
		CU_ASSERT_EQUAL(ntf.calls, 2);
		CU_ASSERT_PTR_EQUAL(ntf.vm, &vms[4]);
		CU_ASSERT_EQUAL(ntf.immediate, imm);
		len = out_udp(f, 2, 0);
	}
}

/* Frames for the link: batched delivery tells the device once for a VM's batch (when the scheduler polls after
 * the VM's turn, or at the end of vsw_poll for the switch's own ARP answers); immediate delivery once a frame. */
static void test_tx_notify_batched_or_immediate(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6], arp[42];
	size_t len;

	for (int imm = 0; imm < 2; imm++) {
		start(imm);
		mac_of(1, mac);
		len = udp_frame(f, out_mac, mac, ip_of(1), GW, 20, 0);
		for (int i = 0; i < 5; i++)
			CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
		CU_ASSERT_EQUAL(nic.sent, 5);
		CU_ASSERT_EQUAL(nic.kicks, imm ? 5u : 0u);
		CU_ASSERT_EQUAL(nic.unkicked, imm ? 0u : 5u);
		fake_vnet_flush();                             /* what the scheduler's vnet_poll does */
		CU_ASSERT_EQUAL(nic.kicks, imm ? 5u : 1u);
		/* An ARP request from outside: the answer is out, and the device told, when vsw_poll returns. */
		arp_frame(arp, bc, out_mac, GW, 1, ip_of(2));
		nic.in = arp;
		nic.in_len = sizeof(arp);
		vsw_poll();
		CU_ASSERT_EQUAL(nic.sent, 6);
		CU_ASSERT_EQUAL(nic.unkicked, 0);
		CU_ASSERT_EQUAL(nic.kicks, imm ? 6u : 2u);
	}
}

/* No NIC: nothing is polled, frames for outside have nowhere to go (dropped, counted), VMs still talk. */
static void test_no_nic(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6];
	size_t len = out_udp(f, 2, 0);

	setup();
	nic.up = false;
	nic.full = true;
	nic.in = f;
	nic.in_len = len;
	vsw_poll();
	CU_ASSERT_EQUAL(vsw_stats.from_nic, 0);
	mac_of(1, mac);
	len = udp_frame(f, out_mac, mac, ip_of(1), GW, 10, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[1], f, len), 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	CU_ASSERT_EQUAL(vsw_stats.nic_busy, 0);
	len = vm_udp(f, 1, 2, 0);
	vsw_from_vm(&vms[1], f, len);
	CU_ASSERT_EQUAL(vms[2].net->rxq_len, 1);
}

/* ---- Tenants (lib/netplan.h blocks): VMs 240..243 become tenant 1's (A, B) and tenant 2's (C, D). ---- */
#define TA 240
#define TB 241
#define TC 242
#define TD 243

static void tenant_vm(uint32_t i, uint16_t t, struct pv_start_info *si)
{
	end_vm(i);
	vms[i].net = NULL;
	vms[i].tenant = t;
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[i], si), 0);
}

static void tenant_setup(void)
{
	struct pv_start_info si;

	setup();
	tenant_vm(TA, 1, &si);
	tenant_vm(TB, 1, &si);
	tenant_vm(TC, 2, &si);
	tenant_vm(TD, 2, &si);
}

/* A UDP frame from VM src (its own addresses) to mac / ip. */
static size_t tvm_udp(uint8_t *f, const struct vm *src, const uint8_t *mac, uint32_t ip, uint8_t seed)
{
	uint8_t smac[6];
	uint32_t sip;

	vsw_vm_addr(src, smac, &sip);
	return udp_frame(f, mac, smac, sip, ip, 32, seed);
}

/* A UDP frame from src to VM dst, by dst's own addresses. */
static size_t tvm_to(uint8_t *f, const struct vm *src, const struct vm *dst)
{
	uint8_t mac[6];
	uint32_t ip;

	vsw_vm_addr(dst, mac, &ip);
	return tvm_udp(f, src, mac, ip, 1);
}

static void test_tenant_addresses(void)
{
	struct pv_start_info si;
	uint8_t mac[6], want[6];
	uint32_t ip, a;
	unsigned t;

	setup();
	CU_ASSERT_FALSE(bind_tenants_bound());
	tenant_vm(TA, 1, &si);
	CU_ASSERT(bind_tenants_bound());
	netplan_tenant_mac(1, 0, want);
	CU_ASSERT(memcmp(si.mac, want, 6) == 0);                         /* 06:01:00:00:00:00 */
	CU_ASSERT_EQUAL(si.ipv4, 0x0a010002u);                           /* 10.1.0.2 */
	CU_ASSERT_EQUAL(si.netmask, 0xffff0000u);
	CU_ASSERT_EQUAL(si.gateway, 0x0a010001u);
	tenant_vm(TB, 1, &si);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a010003u);                           /* its tenant's next number: 1 */
	tenant_vm(TC, 2, &si);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a020002u);                           /* tenant 2 starts at its own 0 */
	vsw_vm_addr(&vms[TC], mac, &ip);
	netplan_tenant_mac(2, 0, want);
	CU_ASSERT(memcmp(mac, want, 6) == 0 && ip == 0x0a020002u);
	CU_ASSERT_EQUAL(bind_tenant_vms(1), 2);
	CU_ASSERT_EQUAL(bind_tenant_vms(2), 1);
	CU_ASSERT_PTR_EQUAL(bind_tvm(1, 1), &vms[TB]);
	CU_ASSERT_PTR_NULL(bind_tvm(2, 1));
	CU_ASSERT_PTR_NULL(bind_tvm(255, 0));
	CU_ASSERT(bind_mac_owner(want, &t, &a) && t == 2 && a == 0);
	CU_ASSERT(bind_ip_owner(0x0a010003u, &t, &a) && t == 1 && a == 1);
	CU_ASSERT(bind_ip_owner(ip_of(7), &t, &a) && t == 0 && a == 7);   /* tenant 0's, as before */
	CU_ASSERT(bind_tip_number(1, 0x0a010003u, &a) && a == 1);
	CU_ASSERT_FALSE(bind_tip_number(2, 0x0a010003u, &a));            /* not in tenant 2's plan */
	/* Fresh numbers first, then the oldest released: per tenant. */
	end_vm(TA);
	tenant_vm(TD, 1, &si);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a010004u);
	end_vm(TB);
	tenant_vm(TA, 1, &si);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a010005u);
	/* Tenant 0 VMs keep their numbers: VM 7 is still 10.0.0.9. */
	vsw_vm_addr(&vms[7], mac, &ip);
	CU_ASSERT_EQUAL(ip, ip_of(7));
	/* A tenant past 254 gets no address, so no VM. */
	end_vm(TB);
	vms[TB].net = NULL;
	vms[TB].tenant = 255;
	CU_ASSERT_NOT_EQUAL(vmtab_publish(&vms[TB], &si), 0);
	CU_ASSERT_PTR_NULL(vms[TB].net);
	vms[TB].tenant = 0;
	end_vm(TA);
	end_vm(TC);
	end_vm(TD);
	CU_ASSERT_FALSE(bind_tenants_bound());
	for (uint32_t i = TA; i <= TD; i++)
		vms[i].tenant = 0;
}

static void test_tenant_switching(void)
{
	uint8_t f[ETHER_FRAME_MAX], mac[6];
	size_t len;

	tenant_setup();
	len = tvm_to(f, &vms[TA], &vms[TB]);                             /* inside tenant 1: switched */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vms[TB].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vsw_stats.vm_to_vm, 1);
	CU_ASSERT_EQUAL(nic.sent, 0);
	len = tvm_to(f, &vms[TA], &vms[TC]);                             /* to tenant 2: the uplink */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vms[TC].net->rxq_len, 0);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT(memcmp(nic.last, f, len) == 0);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 1);
	len = tvm_to(f, &vms[TA], &vms[5]);                              /* to tenant 0: the uplink */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vms[5].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 2);
	len = tvm_to(f, &vms[5], &vms[TC]);                              /* from tenant 0 to tenant 2: the uplink */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[5], f, len), 0);
	CU_ASSERT_EQUAL(vms[TC].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 3);
	CU_ASSERT_EQUAL(nic.sent, 3);
	len = tvm_to(f, &vms[TD], &vms[TC]);                             /* inside tenant 2 */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TD], f, len), 0);
	CU_ASSERT_EQUAL(vms[TC].net->rxq_len, 1);
	len = vm_udp(f, 5, 6, 0);                                        /* tenant 0 as before */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[5], f, len), 0);
	CU_ASSERT_EQUAL(vms[6].net->rxq_len, 1);
	CU_ASSERT_EQUAL(vsw_stats.vm_to_vm, 3);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 3);
	netplan_tenant_mac(1, 77, mac);                                  /* own tenant, no VM there */
	len = tvm_udp(f, &vms[TA], mac, 0x0a01004fu, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	netplan_tenant_mac(1, NETPLAN_TENANT_SLOTS, mac);                /* past the plan */
	len = tvm_udp(f, &vms[TA], mac, 0x0a01004fu, 0);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 2);
	CU_ASSERT_EQUAL(nic.sent, 3);
	/* A tenant VM in another's name: its MAC and tenant 1's B's IPv4, or B's MAC: spoofed. */
	len = tvm_to(f, &vms[TA], &vms[TB]);
	be32_put(f + 26, 0x0a010003u);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	vsw_vm_addr(&vms[TB], f + 6, &(uint32_t){ 0 });
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, len), 0);
	CU_ASSERT_EQUAL(vms[TA].net->tx_spoofed, 2);
	CU_ASSERT_EQUAL(vms[TB].net->rxq_len, 1);
}

static void test_tenant_arp(void)
{
	uint8_t f[64], mac[6], bmac[6];
	uint32_t ip, bip, cip;

	tenant_setup();
	vsw_vm_addr(&vms[TA], mac, &ip);
	vsw_vm_addr(&vms[TB], bmac, &bip);
	vsw_vm_addr(&vms[TC], (uint8_t[6]){ 0 }, &cip);
	arp_frame(f, bc, mac, ip, 1, bip);                               /* A asks for B: answered */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, 42), 0);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 1);
	const struct vsw_buf *b = vsw_peek(&vms[TA]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(memcmp(b->frame + 22, bmac, 6) == 0 && be32_get(b->frame + 28) == bip);
	vsw_pop(&vms[TA]);
	arp_frame(f, bc, mac, ip, 1, cip);                               /* A asks for C (tenant 2): out, unanswered */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, 42), 0);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 0);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 1);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 1);
	arp_frame(f, bc, mac, ip, 1, ip_of(5));                          /* A asks for tenant 0's VM 5 */
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[TA], f, 42), 0);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 2);
	mac_of(5, mac);                                                  /* VM 5 (tenant 0) asks for A */
	arp_frame(f, bc, mac, ip_of(5), 1, ip);
	CU_ASSERT_EQUAL(vsw_from_vm(&vms[5], f, 42), 0);
	CU_ASSERT_EQUAL(vms[5].net->rxq_len, 0);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 3);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 1);
	CU_ASSERT_EQUAL(nic.sent, 3);
	arp_frame(f, bc, out_mac, 0x0a010001u, 1, ip);                   /* the uplink asks for A: answered */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 4);
	netplan_tenant_mac(1, 0, mac);
	CU_ASSERT(memcmp(nic.last + 22, mac, 6) == 0 && be32_get(nic.last + 28) == ip);
	CU_ASSERT_EQUAL(vsw_stats.arp_answered, 2);
	arp_frame(f, bc, out_mac, bip, 1, ip);                           /* ... in B's name (tenant 1): refused */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 4);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 1);
}

static void test_tenant_from_outside(void)
{
	uint8_t f[ETHER_FRAME_MAX], amac[6], cmac[6];
	uint32_t aip, bip, cip;
	size_t len;

	tenant_setup();
	vsw_vm_addr(&vms[TA], amac, &aip);
	vsw_vm_addr(&vms[TB], (uint8_t[6]){ 0 }, &bip);
	vsw_vm_addr(&vms[TC], cmac, &cip);
	len = udp_frame(f, amac, out_mac, 0x0a010001u, aip, 32, 0);     /* from its gateway: delivered */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 1);
	len = udp_frame(f, amac, out_mac, cip, aip, 32, 0);             /* from tenant 2's C, routed: delivered */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 2);
	len = udp_frame(f, amac, out_mac, ip_of(5), aip, 32, 0);        /* from tenant 0's VM 5, routed: delivered */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 3);
	len = udp_frame(f, amac, out_mac, bip, aip, 32, 0);             /* in B's name, to its own tenant: dropped */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[TA].net->rxq_len, 3);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 1);
	len = udp_frame(f, amac, cmac, 0x0a010001u, aip, 32, 0);        /* with a plan's MAC as its source: dropped */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_nic_spoofed, 2);
	len = udp_frame(f, cmac, out_mac, ip_of(5), cip, 32, 0);        /* tenant 0's IPv4 to tenant 2: delivered */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[TC].net->rxq_len, 1);
	len = out_udp(f, 5, 0);                                         /* tenant 0 from its gateway, as before */
	from_outside(f, len);
	CU_ASSERT_EQUAL(vms[5].net->rxq_len, 1);
	len = udp_frame(f, amac, out_mac, 0x0a010001u, aip, 32, 0);     /* to an address of tenant 1 with no VM */
	netplan_tenant_mac(1, 9, f);
	from_outside(f, len);
	CU_ASSERT_EQUAL(vsw_stats.drop_no_dest, 1);
	CU_ASSERT_EQUAL(vsw_stats.cross_tenant, 0);                    /* frames from outside are not VMs' */
}

/* A tenant's binding table is made from frames as it grows: with none free, its first VM gets no address (refused,
 * nothing held), and a release whose FIFO page cannot be made loses that number only. */
static void test_tenant_no_memory(void)
{
	struct pv_start_info si;
	uint64_t hold[ARENA_PAGES];
	size_t n = 0;

	setup();
	while ((hold[n] = frame_alloc()) != 0)
		n++;
	end_vm(TA);
	vms[TA].net = NULL;
	vms[TA].tenant = 9;
	CU_ASSERT_NOT_EQUAL(vmtab_publish(&vms[TA], &si), 0);            /* no page for tenant 9's table */
	CU_ASSERT_PTR_NULL(vms[TA].net);
	CU_ASSERT_EQUAL(bind_tenant_vms(9), 0);
	CU_ASSERT_FALSE(bind_tenants_bound());
	frame_free(hold[--n]);                                             /* room for the directory page only */
	CU_ASSERT_NOT_EQUAL(vmtab_publish(&vms[TA], &si), 0);
	frame_free(hold[--n]);                                             /* and the first page of slots */
	CU_ASSERT_EQUAL(vmtab_publish(&vms[TA], &si), 0);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a090002u);
	end_vm(TA);                                                        /* no FIFO page: number 0 is lost */
	CU_ASSERT_EQUAL(bind_tenant_vms(9), 0);
	vms[TA].net = NULL;
	CU_ASSERT_EQUAL(vmtab_publish(&vms[TA], &si), 0);
	CU_ASSERT_EQUAL(si.ipv4, 0x0a090003u);                             /* the next fresh number */
	end_vm(TA);
	vms[TA].tenant = 0;
	while (n)
		frame_free(hold[--n]);
}

int unit_suite_vswitch(void)
{
	CU_pSuite s = CU_add_suite("vswitch", NULL, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "address plan: MAC 02:00:<n>, IPv4 base + 2 + n, gateway base + 1", test_address_plan);
	CU_add_test(s, "addresses: fresh first, released oldest first, claimed ones passed over", test_address_binding);
	CU_add_test(s, "frames for an address with no VM go to the miss hook", test_miss_hook);
	CU_add_test(s, "frames from the NIC go by destination MAC, in order, intact", test_demux_by_mac);
	CU_add_test(s, "ARP for VM addresses from the NIC answered by the kernel, no VM woken", test_arp_from_nic);
	CU_add_test(s, "ARP for VM addresses from a VM answered into its queue; for the gateway, out", test_arp_from_vm);
	CU_add_test(s, "broadcast and multicast wake no VM", test_broadcast_wakes_nobody);
	CU_add_test(s, "VM to VM inside, VM to the NIC, a full TX ring pushes back (PV_EAGAIN)", test_vm_to_vm);
	CU_add_test(s, "a fork's child with its parent's address: unbound, sends from it", test_port_alias);
	CU_add_test(s, "a VM puts at most VSW_NIC_BUDGET frames a quantum on the link", test_nic_budget);
	CU_add_test(s, "beside others, a VM has at most VSW_NIC_INFLIGHT frames in the TX ring", test_nic_inflight);
	CU_add_test(s, "spoofed source MAC, IPv4, ARP sender dropped and counted per VM", test_spoofing);
	CU_add_test(s, "receive queue bounded, drops counted", test_rxq_bounded);
	CU_add_test(s, "a sending VM holds at most half of another's queue", test_rxq_share);
	CU_add_test(s, "queues that fill first leave half of what is free to the next", test_pool_shared);
	CU_add_test(s, "one sending VM holds at most VSW_HELD_MAX frames of the pool", test_sender_held_cap);
	CU_add_test(s, "any number of senders leave room in a reading VM's queue for another", test_rxq_share_many_senders);
	CU_add_test(s, "any number of senders leave room in the pool for others", test_pool_share_many_senders);
	CU_add_test(s, "frames a VM pins in queues and the TX ring count against its quota", test_quota);
	CU_add_test(s, "frames from outside in a VM's name dropped and counted", test_nic_spoofing);
	CU_add_test(s, "frame allocator exhausted: drops counted, memory back", test_pool_no_memory);
	CU_add_test(s, "bad lengths and malformed IPv4/ARP headers dropped and counted", test_bad_lengths);
	CU_add_test(s, "unknown ethertypes dropped both ways", test_unknown_ethertypes);
	CU_add_test(s, "frames to VM addresses that are not live dropped", test_not_live);
	CU_add_test(s, "frames from the NIC queued in its lent buffers, given back when taken or the VM goes", test_nic_loans);
	CU_add_test(s, "detach frees every queued frame", test_detach_frees);
	CU_add_test(s, "arrivals notify batched or immediate as configured", test_notify_batched_or_immediate);
	CU_add_test(s, "frames to the link notify the device per batch or per frame as configured",
		    test_tx_notify_batched_or_immediate);
	CU_add_test(s, "without a NIC", test_no_nic);
	CU_add_test(s, "tenants: each VM its tenant's block and numbers; none past tenant 254", test_tenant_addresses);
	CU_add_test(s, "tenants: switched inside a tenant only, to another tenant through the uplink, counted",
		    test_tenant_switching);
	CU_add_test(s, "tenants: ARP answered inside a tenant only; from outside, not in a tenant's own name",
		    test_tenant_arp);
	CU_add_test(s, "tenants: from outside, a tenant's own address refused to it, routed addresses delivered",
		    test_tenant_from_outside);
	CU_add_test(s, "tenants: no frame for a tenant's table: no address, nothing held", test_tenant_no_memory);
	return 0;
}
