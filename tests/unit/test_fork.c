/* test_fork.c - CUnit suite for fork_vm (isokernel/fork.c): the child's copy of its parent, its own id, address and
 * start info, memory apart both ways, its place in the scheduler, the same-address child, and every refusal leaving
 * nothing behind. */
/* The real VM table, switch, binding tables, address spaces and round-robin queue over a host arena (as
 * test_vmstate.c); what fork.c calls above them (the hypercall table, the service, the control reply) is stubbed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "frame.h"
#include "image.h"
#include "memlayout.h"
#include "vm.h"
#include "vmtab.h"
#include "vswitch.h"
#include "bind.h"
#include "sched_rr.h"
#include "percpu.h"
#include "pte.h"
#include "sched.h"
#include "report.h"
#include "tenant.h"
#include "fork.h"
#include "hcall.h"
#include "pvisa.h"

#define ARENA_PAGES 700
#define CAP 64
#define NET 0x0a000000u
#define IMG_END (PV_WIN_BASE + 0x3000)

/* The stubs of what fork.c calls above the core. */
struct kstats kst;
static unsigned svc_calls;
void sched_enqueue(struct vm *vm) { runq_push(&host_rq, vm); }
void sched_live_delta(int d) { (void)d; }
void hcall_register(enum pv_call_nr nr, hc_fn fn) { (void)nr, (void)fn; }
void hcall_park(struct vm *vm, const struct trapframe *tf) { tf_copy(&vm->regs, tf); }
void svc_vm_forked(const struct vm *parent, struct vm *child) { (void)parent, (void)child; svc_calls++; }
uint16_t ctl_why(struct ctl_out *o, uint16_t status, const char *fmt, ...)
{
	(void)o, (void)fmt;
	return status;
}

static struct image img;
static uint64_t vm_slots[CAP], addr_slots[CAP];
static uint32_t addr_fifo[CAP];

static bool no_nic(void) { return false; }
static int nic_refuse(const void *f, size_t len) { (void)f, (void)len; return -1; }
static void nic_nothing(void) {}
static unsigned nic_zero(void) { return 0; }
static unsigned nic_no_batch(vsw_rx_fn fn, void *ctx) { (void)fn, (void)ctx; return 0; }
static void nic_no_release(int ref) { (void)ref; }
static void notify(struct vm *vm, uint64_t bits, bool imm) { (void)imm; vm->pending |= (uint32_t)bits; }
static const struct vsw_ops ops = { no_nic, nic_refuse, nic_refuse, nic_nothing, nic_zero, nic_no_batch,
				    nic_no_release, notify };

static struct pv_start_info *si_of(struct vm *vm)
{
	return (struct pv_start_info *)((uint8_t *)vms_start_page(&vm->mem) + (PV_START_INFO - PV_START_PAGE));
}

/* Every live VM of the table freed (the suite's own table). */
static void free_live(void)
{
	uint32_t cursor = 0;
	struct vm *vm;

	while ((vm = vmtab_next(&cursor)) != NULL) {
		if (vm->state == VM_RUNNABLE)
			runq_remove(&host_rq, vm);
		runq_forget(&host_rq, vm);
		vmtab_retire(vm);
		vms_destroy(&vm->mem);
		vm_discard(vm);
	}
}

static void setup(void)
{
	uint64_t t, d;

	host_arena_new((size_t)ARENA_PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + (uint64_t)ARENA_PAGES * PAGE_SIZE);
	vmtab_init(vm_slots, CAP);
	bind_init(NET, 8, addr_slots, addr_fifo, CAP);
	vsw_init(false, &ops);
	host_sched_reset();
	tenant_reset();
	memset(&kst, 0, sizeof(kst));
	svc_calls = 0;
	image_unregister(&img);
	memset(&img, 0, sizeof(img));
	img.pte = P2V(frame_alloc_zero());
	t = frame_alloc_zero();
	d = frame_alloc_zero();
	strcpy(img.name, "forkimg");
	strcpy(P2V(d), "data!");
	img.pte[0] = arch_pte_make(t, PAGE_SHARED, true);
	img.pte[1] = arch_pte_make(d, PAGE_COW, false);
	img.dz[0] |= 1ull << 2;
	img.end = IMG_END;
	img.entry = PV_WIN_BASE;
	img.text_pages = img.data_pages = img.bss_pages = 1;
	img.shared_pages = 2;
	img.sum = image_sum(&img);
	image_register(&img);
}

static int teardown(void)
{
	free_live();
	image_unregister(&img);
	frame_init();
	host_arena_free();
	return 0;
}

/* A VM of tenant as vm_create makes it (runnable, queued), with "parent" in its heap. */
static struct vm *tenant_vm(uint16_t tenant)
{
	struct vm *vm = vm_blank();

	CU_ASSERT_FATAL(vm != NULL);
	vm->tenant = tenant;
	CU_ASSERT_EQUAL_FATAL(vms_create(&vm->mem, &img, 64, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(vm, si_of(vm)), 0);
	si_of(vm)->magic = PV_START_MAGIC;
	si_of(vm)->vm_id = vm->id;
	vm->regs.rip = PV_WIN_BASE;
	vm->state = VM_RUNNABLE;
	runq_push(&host_rq, vm);
	CU_ASSERT_EQUAL(vms_copyout(&vm->mem, IMG_END, "parent", 7), 0);
	return vm;
}

static struct vm *parent_vm(void)
{
	return tenant_vm(0);
}

static void test_child_copy(void)
{
	struct vm *p, *c;
	struct bind_addr a;
	uint16_t st = 0xffff;
	char buf[8];

	setup();
	p = parent_vm();
	p->regs.rbx = 42;
	p->regs.rax = 7;
	p->regs.sel[2] = SEL_UDATA;
	p->fx[200] = 0x55;
	p->pending = PV_PEND_TIMER | PV_PEND_NET_RX;
	p->hypercalls = 99;
	c = fork_vm(p, false, &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(st, CTL_OK);
	CU_ASSERT_NOT_EQUAL(c->id, p->id);
	CU_ASSERT_PTR_EQUAL(vmtab_get(c->id), c);
	CU_ASSERT(c->regs.rbx == 42 && c->regs.rax == 7 && c->regs.rip == PV_WIN_BASE && c->regs.sel[2] == SEL_UDATA);
	CU_ASSERT_EQUAL(c->fx[200], 0x55);
	CU_ASSERT_EQUAL(c->pending, PV_PEND_TIMER);          /* the frames queued stay the parent's */
	CU_ASSERT_EQUAL(c->hypercalls, 0);
	CU_ASSERT_EQUAL(c->state, VM_RUNNABLE);
	/* Its own address, bound to it, in its own start info; the parent's unchanged. */
	CU_ASSERT_NOT_EQUAL(c->net->addr, p->net->addr);
	CU_ASSERT_PTR_EQUAL(bind_vm(c->net->addr), c);
	bind_tplan(0, c->net->addr, &a);
	CU_ASSERT(si_of(c)->vm_id == c->id && si_of(c)->ipv4 == a.ip && memcmp(si_of(c)->mac, a.mac, 6) == 0);
	CU_ASSERT_EQUAL(si_of(p)->vm_id, p->id);
	CU_ASSERT_EQUAL(si_of(c)->magic, PV_START_MAGIC);    /* the rest of the start page copied */
	CU_ASSERT_NOT_EQUAL(vms_start_page(&c->mem), vms_start_page(&p->mem));
	/* Memory: the parent's bytes, then each writes without the other seeing it. */
	CU_ASSERT_EQUAL(vms_copyin(&c->mem, buf, IMG_END, 7), 0);
	CU_ASSERT_STRING_EQUAL(buf, "parent");
	CU_ASSERT_EQUAL(vms_page_kind(&p->mem, IMG_END), PAGE_COW);
	CU_ASSERT_EQUAL(vms_copyout(&c->mem, IMG_END, "child", 6), 0);
	CU_ASSERT_EQUAL(vms_copyin(&p->mem, buf, IMG_END, 7), 0);
	CU_ASSERT_STRING_EQUAL(buf, "parent");
	CU_ASSERT_EQUAL(vms_copyout(&p->mem, IMG_END, "PARENT", 7), 0);
	CU_ASSERT_EQUAL(vms_copyin(&c->mem, buf, IMG_END, 6), 0);
	CU_ASSERT_STRING_EQUAL(buf, "child");
	CU_ASSERT(kst.forks == 1 && kst.fork_refused == 0 && kst.started == 1 && svc_calls == 1);
	teardown();
}

/* A parent idle with a deadline: the child idles until the same deadline. */
static void test_idle_parent(void)
{
	struct vm *p, *c;
	uint16_t st;

	setup();
	p = parent_vm();
	runq_remove(&host_rq, p);
	p->state = VM_BLOCKED;
	CU_ASSERT_EQUAL_FATAL(runq_block(&host_rq, p, host_now + 5000), 0);
	c = fork_vm(p, false, &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, VM_BLOCKED);
	CU_ASSERT_EQUAL(c->timer.deadline, p->timer.deadline);
	teardown();
}

/* same_address: the child has the parent's address in its port and start info, and no binding. */
static void test_same_address(void)
{
	struct vm *p, *c;
	uint16_t st;
	uint32_t addr;

	setup();
	p = parent_vm();
	addr = p->net->addr;
	c = fork_vm(p, true, &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->net->addr, addr);
	CU_ASSERT_PTR_EQUAL(bind_vm(addr), p);
	CU_ASSERT(si_of(c)->ipv4 == si_of(p)->ipv4 && memcmp(si_of(c)->mac, si_of(p)->mac, 6) == 0);
	CU_ASSERT_EQUAL(si_of(c)->vm_id, c->id);
	runq_remove(&host_rq, c);
	runq_forget(&host_rq, c);
	vmtab_retire(c);                                     /* its end releases nothing */
	vms_destroy(&c->mem);
	vm_discard(c);
	CU_ASSERT_PTR_EQUAL(bind_vm(addr), p);
	teardown();
}

/* Refused by the tenant's quota, the host's memory and the VM table: a status, nothing made, nothing leaked. */
static void test_refusals(void)
{
	static const uint8_t pk[32] = { 1 };
	struct vm *p, *c;
	uint16_t st;
	uint64_t free0, resv0;
	uint32_t live0;

	setup();
	/* The tenant's quota: one VM, the parent. */
	tenant_set_operator(pk);
	CU_ASSERT_EQUAL_FATAL(tenant_add(1, "t", pk, 1, 100000, 1), 0);
	p = tenant_vm(1);
	tenant_charge_vm(1, p->mem.quota_pages * 4u, +1);
	free0 = frame_free_count(), resv0 = frame_reserved_count(), live0 = vmtab_count();
	CU_ASSERT_PTR_NULL(fork_vm(p, false, &st));
	CU_ASSERT_EQUAL(st, CTL_E_QUOTA);
	/* Host memory: every unreserved frame reserved elsewhere, so the guarantee cannot be. */
	tenant_set(1, 10, 100000, 1);
	CU_ASSERT_EQUAL_FATAL(frame_reserve(frame_free_count() - frame_reserved_count()), 0);
	CU_ASSERT_PTR_NULL(fork_vm(p, false, &st));
	CU_ASSERT_EQUAL(st, CTL_E_NOMEM);
	frame_unreserve(free0 - resv0);
	CU_ASSERT_EQUAL(vms_page_kind(&p->mem, IMG_END), PAGE_PRIVATE);   /* nothing changed */
	/* The VM table. */
	while (vmtab_count() < vmtab_cap())
		CU_ASSERT_PTR_NOT_NULL_FATAL(fork_vm(p, false, &st));
	CU_ASSERT_PTR_NULL(c = fork_vm(p, false, &st));
	CU_ASSERT_EQUAL(st, CTL_E_LIMIT);
	CU_ASSERT_EQUAL(kst.fork_refused, 3);
	CU_ASSERT_EQUAL(kst.forks, vmtab_cap() - live0);
	free_live();
	CU_ASSERT_EQUAL(frame_reserved_count(), 0);                      /* every guarantee given back */
	teardown();
}

int unit_suite_fork(void)
{
	CU_pSuite s = CU_add_suite("fork", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "the child: registers, x87/SSE, selectors, memory apart, its own id, address, start info",
		    test_child_copy);
	CU_add_test(s, "a parent idle with a deadline: the child idles until it too", test_idle_parent);
	CU_add_test(s, "same_address: the parent's address, unbound", test_same_address);
	CU_add_test(s, "refused by the quota, host memory, the VM table: nothing left behind", test_refusals);
	return 0;
}
