/* vswfuzz.c - the switch's fuzzer: hostile frames from VMs of several tenants and from outside through the real switch
 * and binding tables (isokernel/net/, built for the host as the unit tests build it), checked against the tenant rule. */
/*
 * An input is a list of records: op, a, b, a 2-byte length, then that many bytes of frame (shorter input: what is
 * there). op % 4: 0 the frame from VM a, 1 from outside, 2 VM a takes its oldest frame, 3 VM a ends and comes back
 * as tenant b (past 254: refused, it stays away). Bits of b shape a frame before it goes: its own source addresses,
 * a plan MAC and IPv4 of VM a >> 4 (or any tenant's slot), a valid IPv4 header, an ARP request; the rest is raw.
 * After each record: no VM got a frame from a VM of another tenant (its own frames to itself are its tenant's), nor a frame from outside with a plan MAC as its
 * source; an ARP answer a VM got names an address of its own tenant; the frames queued are the frames the queues
 * hold. Built with libFuzzer when clang is there (VSWFUZZ_LIBFUZZER), else main() below feeds random inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "frame.h"
#include "memlayout.h"
#include "vm.h"
#include "vmtab.h"
#include "vswitch.h"
#include "capture.h"
#include "bind.h"
#include "pvisa.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

#define NV 8
#define CAP 64
#define ARENA_PAGES 700
static const uint16_t tenant0[NV] = { 0, 0, 1, 1, 2, 2, 254, 7 };
static struct vm vms[NV];
static bool live[NV];
static uint64_t vm_slots[CAP], addr_slots[CAP];
static uint32_t addr_fifo[CAP];
static const uint8_t *nic_in;
static size_t nic_in_len;
static unsigned nic_inflight;

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "vswfuzz: FAIL: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

static bool nic_present(void) { return true; }
static int nic_send(const void *f, size_t len) { (void)f; (void)len; nic_inflight++; return nic_inflight > 200 ? -1 : 0; }
static void nic_flush(void) { }
static unsigned nic_tx_inflight(void) { return nic_inflight; }
static void nic_rx_release(int ref) { (void)ref; }
static void notify(struct vm *vm, uint64_t bits, bool immediate) { (void)immediate; vm->pending |= (uint32_t)bits; }

static unsigned nic_recv_batch(vsw_rx_fn fn, void *ctx)
{
	if (!nic_in)
		return 0;
	fn(ctx, nic_in, nic_in_len, -1);
	nic_in = NULL;
	return 1;
}

static const struct vsw_ops ops = {
	.nic_present = nic_present, .nic_send = nic_send, .nic_queue = nic_send, .nic_flush = nic_flush,
	.nic_tx_inflight = nic_tx_inflight, .nic_recv_batch = nic_recv_batch, .nic_rx_release = nic_rx_release,
	.notify = notify,
};

static bool come_back(int i, uint16_t t)
{
	struct pv_start_info si;

	vms[i].net = NULL;
	vms[i].tenant = t;
	vms[i].state = VM_BLOCKED;
	vms[i].mem.quota_pages = 4096;
	live[i] = vmtab_publish(&vms[i], &si) == 0;
	CHECK(live[i] == (t <= NETPLAN_TENANT_MAX), "VM of tenant %u: publish %s", t, live[i] ? "took it" : "refused it");
	return live[i];
}

static void reset(void)
{
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + (uint64_t)ARENA_PAGES * PAGE_SIZE);
	vmtab_init(vm_slots, CAP);
	bind_init(NETPLAN_DEFAULT_BASE, 8, addr_slots, addr_fifo, CAP);
	vsw_init(false, &ops);
	memset(vms, 0, sizeof(vms));
	nic_inflight = 0;
	for (int i = 0; i < NV; i++)
		come_back(i, tenant0[i]);
}

/* Shape frame f (len bytes) by the bits of b: source = vm's own (src != NULL), destination = VM dst's addresses or a
 * slot of any tenant, IPv4 or ARP made well formed. */
static void shape(uint8_t *f, size_t len, const struct vm *src, const struct vm *dst, uint8_t b)
{
	uint8_t smac[6] = NETPLAN_GATEWAY_MAC, dmac[6];
	uint32_t sip = be32_get(f + 26), dip = be32_get(f + 30);

	if (src && (b & 1))
		vsw_vm_addr(src, smac, &sip);
	if (b & 1)
		memcpy(f + 6, smac, 6);
	if ((b & 2) && dst && dst->net) {
		vsw_vm_addr(dst, dmac, &dip);
		memcpy(f, dmac, 6);
	} else if (b & 4) {
		netplan_tenant_mac(f[2], be32_get(f + 2) % 70000, f);         /* any tenant, any slot, 0/255 too */
		dip = netplan_ipv4(netplan_tenant_base(f[1]), be32_get(f + 2));
	}
	if ((b & 8) && len >= 34) {
		be16_put(f + 12, ETHER_TYPE_IPV4);
		f[14] = 0x45;
		be16_put(f + 16, (uint16_t)(len - 14));
		be32_put(f + 26, sip);
		be32_put(f + 30, dip);
		be16_put(f + 24, 0);
		be16_put(f + 24, inet_csum_fold(inet_csum_hdr20(0, f + 14)));
	} else if ((b & 16) && len >= 42) {
		be16_put(f + 12, ETHER_TYPE_ARP);
		be16_put(f + 14, 1);
		be16_put(f + 16, ETHER_TYPE_IPV4);
		f[18] = 6, f[19] = 4;
		be16_put(f + 20, (b & 32) ? 2 : 1);
		memcpy(f + 22, f + 6, 6);
		be32_put(f + 28, sip);
		be32_put(f + 38, dip);
	}
}

/* The newest frame in vm's queue. */
static const struct vsw_buf *newest(const struct vm *vm)
{
	return vm->net->rxq_tail;
}

/* After VM s sent a frame: every VM that got one is of s's tenant; an ARP answer s got names its own tenant's. */
static void check_from_vm(int s, const uint32_t *rx0)
{
	for (int i = 0; i < NV; i++) {
		if (!live[i] || vms[i].net->rx_frames == rx0[i])
			continue;
		if (i != s) {
			CHECK(vms[i].tenant == vms[s].tenant, "tenant %u's VM got a frame of tenant %u's", vms[i].tenant,
			      vms[s].tenant);
			continue;
		}
		const struct vsw_buf *b = newest(&vms[s]);
		uint32_t a;
		CHECK(b, "a VM's receive count grew with its queue empty");
		if (b->src == vms[s].id)
			continue;                          /* to itself */
		CHECK(b->len == 42 && be16_get(b->frame + 12) == ETHER_TYPE_ARP, "a VM got the switch's frame, not ARP");
		CHECK(bind_tip_number(vms[s].tenant, be32_get(b->frame + 28), &a), "ARP answered across tenants");
	}
}

/* After a frame from outside: whoever got it, its source MAC is no plan's. */
static void check_from_nic(const uint8_t *f, const uint32_t *rx0)
{
	unsigned t;
	uint32_t a;

	for (int i = 0; i < NV; i++)
		if (live[i] && vms[i].net->rx_frames != rx0[i])
			CHECK(!bind_mac_owner(f + 6, &t, &a), "a frame from outside in a VM's MAC was delivered");
}

static void check_census(void)
{
	struct vsw_census c;
	uint64_t held = 0;

	vsw_census(&c);
	for (int i = 0; i < NV; i++)
		held += live[i] ? vms[i].net->rxq_len : 0;
	CHECK(c.queued >= held, "the pool counts %lu frames queued, the live queues hold %lu", (unsigned long)c.queued,
	      (unsigned long)held);
}

/* Packet capture is on (capture=all): the port (tests/unit/host/host_capture.c) got one well-formed record per frame
 * the switch moved since moved0 (to_vm + to_nic then), plus the frame from outside (nic_in: 1, when its length is
 * a frame's: others are counted as lost) if it reached no VM (to_vm0: to_vm before it), and nothing else. */
static void check_capture(uint64_t moved0, int nic_in, uint64_t to_vm0)
{
	struct rl_cap_hdr h;
	uint64_t n = 0;

	for (size_t off = 0; off + sizeof(h) <= host_cap_len; off += sizeof(h) + h.len, n++) {
		memcpy(&h, host_cap_buf + off, sizeof(h));
		CHECK(h.magic == RL_CAP_MAGIC && h.kind == RL_CAP_FRAME && h.len >= PV_FRAME_MIN && h.len <= PV_FRAME_MAX &&
		      off + sizeof(h) + h.len <= host_cap_len, "capture record %lu malformed", (unsigned long)n);
	}
	uint64_t want = vsw_stats.to_vm + vsw_stats.to_nic - moved0 + (nic_in && vsw_stats.to_vm == to_vm0);
	CHECK(n == want, "captured %lu frames, want %lu", (unsigned long)n, (unsigned long)want);
	host_cap_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool arena;
	static uint8_t f[ETHER_FRAME_MAX];
	uint32_t rx0[NV];
	uint64_t cross = 0;

	if (!arena)
		arena = host_arena_new((size_t)ARENA_PAGES * PAGE_SIZE) != NULL;
	if (!capture_on)
		CHECK(capture_word("all") == 0, "capture=all refused");
	reset();
	host_cap_len = 0;
	for (size_t k = 0; k + 5 <= size;) {
		uint8_t op = data[k], a = data[k + 1], b = data[k + 2];
		size_t len = be16_get(data + k + 3) % (ETHER_FRAME_MAX + 1), have = size - k - 5 < len ? size - k - 5 : len;
		int v = a % NV;
		memset(f, 0, sizeof(f));
		memcpy(f, data + k + 5, have);
		k += 5 + have;
		for (int i = 0; i < NV; i++)
			rx0[i] = live[i] ? vms[i].net->rx_frames : 0;
		uint64_t moved0 = vsw_stats.to_vm + vsw_stats.to_nic, to_vm0 = vsw_stats.to_vm;
		nic_inflight = 0;                  /* the device sent everything */
		vsw_tx_done();
		if (op % 4 == 0 && live[v]) {
			shape(f, len, &vms[v], &vms[(a >> 4) % NV], b);
			vms[v].tx_budget = VSW_TX_BUDGET;
			vsw_from_vm(&vms[v], f, len);
			check_from_vm(v, rx0);
		} else if (op % 4 == 1) {
			shape(f, len, (b & 64) && live[v] ? &vms[v] : NULL, &vms[(a >> 4) % NV], b);
			nic_in = f;
			nic_in_len = len;
			vsw_poll();
			check_from_nic(f, rx0);
		} else if (op % 4 == 2 && live[v]) {
			vsw_pop(&vms[v]);
		} else if (op % 4 == 3) {
			if (live[v])
				vmtab_retire(&vms[v]);
			live[v] = false;
			come_back(v, b);
		}
		CHECK(vsw_stats.cross_tenant >= cross, "cross_tenant went down");
		cross = vsw_stats.cross_tenant;
		check_census();
		check_capture(moved0, op % 4 == 1 && len >= PV_FRAME_MIN && len <= PV_FRAME_MAX, to_vm0);
	}
	for (int i = 0; i < NV; i++)
		if (live[i])
			vmtab_retire(&vms[i]);
	return 0;
}

#ifndef VSWFUZZ_LIBFUZZER
/* Without libFuzzer: VSWFUZZ_RUNS random inputs (default 20000) from VSWFUZZ_SEED, most bytes small. */
int main(void)
{
	static uint8_t in[1 << 14];
	const char *r = getenv("VSWFUZZ_RUNS"), *s = getenv("VSWFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 20000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("vswfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		size_t n = (size_t)rand() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(rand() % 4 ? rand() % 64 : rand());
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("vswfuzz: ok\n");
	return 0;
}
#endif
