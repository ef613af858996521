/* test_summonbind.c - CUnit suite for what summoned services (isokernel/summon.c) need of the binding table and
 * the switch: reserved address runs, ARP answered for them, frames for them to the miss hook, a number given
 * unbound then claimed, reservations kept across a VM's end and given back, frames injected into a VM. */
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

#define PAGES 400
#define CAP 64
#define T 3                       /* the tenant under test: block 10.3.0.0/16 */
#define GW3 0x0a030001u

static struct vm vms[4];
static uint64_t vm_slots[CAP], addr_slots[CAP];
static uint32_t addr_fifo[CAP];
static const uint8_t out_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct {
	unsigned sent;
	uint8_t last[ETHER_FRAME_MAX];
	const uint8_t *in;
	size_t in_len;
} nic;
static struct {
	unsigned calls;
	uint32_t a;
	unsigned t;
	bool take;
} miss;

static bool up(void)
{
	return true;
}

static int send(const void *f, size_t len)
{
	memcpy(nic.last, f, len);
	nic.sent++;
	return 0;
}

static void flush(void)
{
}

static unsigned inflight(void)
{
	return 0;
}

static unsigned recv_batch(vsw_rx_fn fn, void *ctx)
{
	if (!nic.in)
		return 0;
	fn(ctx, nic.in, nic.in_len, -1);
	nic.in = NULL;
	return 1;
}

static void rx_release(int ref)
{
	(void)ref;
}

static void notify(struct vm *vm, uint64_t bits, bool immediate)
{
	(void)immediate;
	vm->pending |= (uint32_t)bits;
}

static const struct vsw_ops ops = {
	.nic_present = up, .nic_send = send, .nic_queue = send, .nic_flush = flush, .nic_tx_inflight = inflight,
	.nic_recv_batch = recv_batch, .nic_rx_release = rx_release, .notify = notify,
};

static bool on_miss(void *ctx, const struct bind_addr *to, const uint8_t *f, size_t len)
{
	(void)ctx, (void)f, (void)len;
	miss.calls++;
	CU_ASSERT(bind_mac_owner(to->mac, &miss.t, &miss.a));
	return miss.take;
}

static void from_outside(const uint8_t *f, size_t len)
{
	nic.in = f;
	nic.in_len = len;
	vsw_poll();
}

/* A UDP frame from tenant T's gateway to its address number a, header checksum right. */
static size_t udp_to(uint8_t *f, uint32_t a)
{
	uint8_t *ip = f + 14;

	memset(f, 0, 60);
	netplan_tenant_mac(T, a, f);
	memcpy(f + 6, out_mac, 6);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	ip[0] = 0x45;
	be16_put(ip + 2, 28 + 16);
	ip[8] = 64;
	ip[9] = 17;
	be32_put(ip + 12, GW3);
	be32_put(ip + 16, netplan_ipv4(netplan_tenant_base(T), a));
	be16_put(ip + 10, inet_csum_fold(inet_csum_hdr20(0, ip)));
	be16_put(ip + 20, 4000);
	be16_put(ip + 22, 7);
	be16_put(ip + 24, 8 + 16);
	return 60;
}

static size_t arp_for(uint8_t *f, uint32_t a)
{
	memset(f, 0, 42);
	memcpy(f, bc, 6);
	memcpy(f + 6, out_mac, 6);
	be16_put(f + 12, ETHER_TYPE_ARP);
	be16_put(f + 14, 1);
	be16_put(f + 16, ETHER_TYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, out_mac, 6);
	be32_put(f + 28, GW3);
	be32_put(f + 38, netplan_ipv4(netplan_tenant_base(T), a));
	return 42;
}

static void setup(void)
{
	host_arena_new((size_t)PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + (uint64_t)PAGES * PAGE_SIZE);
	memset(vms, 0, sizeof(vms));
	memset(&nic, 0, sizeof(nic));
	memset(&miss, 0, sizeof(miss));
	vmtab_init(vm_slots, CAP);
	bind_init(NETPLAN_DEFAULT_BASE, 8, addr_slots, addr_fifo, CAP);
	vsw_init(false, &ops);
	bind_set_miss(on_miss, NULL);
	for (unsigned i = 0; i < 4; i++) {
		vms[i].state = VM_BLOCKED;
		vms[i].mem.quota_pages = 4096;
		vms[i].tenant = T;
		vms[i].id = VMTAB_NONE;
	}
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

static uint32_t publish(unsigned i)
{
	struct pv_start_info si;

	vms[i].net = NULL;
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[i], &si), 0);
	return vms[i].net->addr;
}

/* A run is reserved above the numbers given; new VMs pass over it; only tenants' plans reserve. */
static void test_reserve_run(void)
{
	uint32_t first;

	setup();
	CU_ASSERT_EQUAL(publish(0), 0);
	CU_ASSERT_EQUAL(bind_treserve(T, 100, &first), 0);
	CU_ASSERT_EQUAL(first, 1);
	CU_ASSERT(bind_treserved(T, 1) && bind_treserved(T, 100) && !bind_treserved(T, 101) && !bind_treserved(T, 0));
	CU_ASSERT_EQUAL(publish(1), 101);                        /* past the reserved run */
	CU_ASSERT_NOT_EQUAL(bind_treserve(0, 10, &first), 0);     /* tenant 0's plan has none */
	CU_ASSERT_NOT_EQUAL(bind_treserve(T, 0, &first), 0);
	CU_ASSERT_NOT_EQUAL(bind_treserve(T, NETPLAN_TENANT_SLOTS, &first), 0);   /* no such run is left */
	CU_ASSERT_NOT_EQUAL(bind_treserve(NETPLAN_TENANT_MAX + 1, 1, &first), 0);
	CU_ASSERT_EQUAL(bind_tenant_vms(T), 2);
	vmtab_retire(&vms[0]);                                     /* number 0 released: not reservable */
	CU_ASSERT_EQUAL(bind_treserve(T, 5, &first), 0);
	CU_ASSERT_EQUAL(first, 102);
	bind_tunreserve(T, 1, 100);
	CU_ASSERT_FALSE(bind_treserved(T, 50));
	CU_ASSERT_EQUAL(publish(2), 107);                          /* fresh numbers first, past 102..106 (reserved) */
	CU_ASSERT_EQUAL(bind_treserve(T, 3, &first), 0);           /* 1..100 went to the released ones: not reused */
	CU_ASSERT_EQUAL(first, 108);
	teardown();
}

/* Outside: ARP for a reserved address is answered by the kernel (no VM); a frame for it goes to the miss hook;
 * with only reservations, the tenant's block is routed as the tenant's. */
static void test_reserved_from_outside(void)
{
	uint8_t f[64], mac[6];
	uint32_t first;

	setup();
	CU_ASSERT_EQUAL(bind_treserve(T, 10, &first), 0);
	CU_ASSERT(bind_tenants_bound());
	arp_for(f, 4);
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 1);
	netplan_tenant_mac(T, 4, mac);
	CU_ASSERT(memcmp(nic.last + 22, mac, 6) == 0);
	CU_ASSERT_EQUAL(be32_get(nic.last + 28), netplan_ipv4(netplan_tenant_base(T), 4));
	CU_ASSERT_EQUAL(miss.calls, 0);
	arp_for(f, 20);                                            /* not reserved, no VM: to the hook, unanswered */
	from_outside(f, 42);
	CU_ASSERT_EQUAL(nic.sent, 1);
	CU_ASSERT_EQUAL(miss.calls, 1);
	miss.take = true;
	from_outside(f, udp_to(f, 7));
	CU_ASSERT_EQUAL(miss.calls, 2);
	CU_ASSERT(miss.t == T && miss.a == 7);
	CU_ASSERT_EQUAL(bind_stats.misses_taken, 1);
	bind_tunreserve(T, first, 10);
	CU_ASSERT_FALSE(bind_tenants_bound());
	teardown();
}

/* A VM given a reserved number unbound gets it as its address; frames still miss until it is claimed; its end
 * before the claim, or after, leaves the number reserved. */
static void test_give_then_claim(void)
{
	uint8_t f[64];
	uint32_t first;

	setup();
	CU_ASSERT_EQUAL(bind_treserve(T, 10, &first), 0);
	bind_tgive_next(T, 5);
	CU_ASSERT_EQUAL(publish(0), 5);
	CU_ASSERT_PTR_NULL(bind_tvm(T, 5));
	CU_ASSERT_EQUAL(bind_tenant_vms(T), 0);
	miss.take = true;
	from_outside(f, udp_to(f, 5));
	CU_ASSERT_EQUAL(miss.calls, 1);
	CU_ASSERT_EQUAL(vms[0].net->rxq_len, 0);
	vmtab_retire(&vms[0]);                                     /* ended before ready */
	CU_ASSERT(bind_treserved(T, 5));
	bind_tgive_next(T, 5);
	CU_ASSERT_EQUAL(publish(1), 5);
	CU_ASSERT_EQUAL(bind_tclaim(T, &vms[1], 5), 0);            /* ready */
	CU_ASSERT_PTR_EQUAL(bind_tvm(T, 5), &vms[1]);
	from_outside(f, udp_to(f, 5));
	CU_ASSERT_EQUAL(vms[1].net->rxq_len, 1);
	CU_ASSERT_EQUAL(miss.calls, 1);
	CU_ASSERT(vsw_inject(&vms[1], f, 60));
	CU_ASSERT_EQUAL(vms[1].net->rxq_len, 2);
	vmtab_retire(&vms[1]);
	CU_ASSERT(bind_treserved(T, 5));
	CU_ASSERT_PTR_NULL(bind_tvm(T, 5));
	bind_tgive_next(T, 50);                                    /* not reserved: refused */
	vms[2].net = NULL;
	CU_ASSERT_NOT_EQUAL(vmtab_publish(&vms[2], &(struct pv_start_info){ 0 }), 0);
	CU_ASSERT_EQUAL(publish(3), 10);                           /* a plain take again after the one-shot */
	teardown();
}

int unit_suite_summonbind(void)
{
	CU_pSuite s = CU_add_suite("summonbind", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "reserved runs: above every number given, passed over by new VMs, given back", test_reserve_run);
	CU_add_test(s, "reserved addresses: ARP answered, frames to the miss hook, routed as the tenant's",
		    test_reserved_from_outside);
	CU_add_test(s, "a reserved number given unbound, claimed when ready, reserved after the VM", test_give_then_claim);
	return 0;
}
