/* test_vmstate.c - CUnit suite for saving and restoring a VM (vmstate.c, vmspace_state.c, net/vswitch.c): a round
 * trip per part (save, restore into a fresh VM, save again, compare bytes) and hostile streams. */
/* VMs are made as vm.c makes them (vms_create, the VM table, which gives each a port and an address on the real
 * switch) over the real frame allocator in a host arena; the scheduler's queues are the real run queue (runq.c) on a
 * host clock (host/host_vm.c). */
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
#include "vmstate.h"
#include "vswitch.h"
#include "bind.h"
#include "runq.h"
#include "sched.h"
#include "pvisa.h"

#define ARENA_PAGES 700
#define CAP 64
#define NET 0x0a000000u
#define TEXT_VA  (PV_WIN_BASE)
#define DATA_VA  (PV_WIN_BASE + 0x1000)
#define BSS_VA   (PV_WIN_BASE + 0x2000)
#define IMG_END  (PV_WIN_BASE + 0x3000)

static struct image img, img2;
static uint64_t vm_slots[CAP], addr_slots[CAP];
static uint32_t addr_fifo[CAP];
static unsigned notified;

static bool no_nic(void) { return false; }
static int nic_refuse(const void *f, size_t len) { (void)f, (void)len; return -1; }
static void nic_nothing(void) {}
static unsigned nic_zero(void) { return 0; }
static unsigned nic_no_batch(vsw_rx_fn fn, void *ctx) { (void)fn, (void)ctx; return 0; }
static void nic_no_release(int ref) { (void)ref; }
static void notify(struct vm *vm, uint64_t bits, bool imm)
{
	(void)imm;
	vm->pending |= (uint32_t)bits;
	notified++;
}
static const struct vsw_ops ops = { no_nic, nic_refuse, nic_refuse, nic_nothing, nic_zero, nic_no_batch,
				    nic_no_release, notify };

/* A byte buffer as a stream: put appends, get reads from pos (fails past len). */
struct buf {
	uint8_t *p;
	size_t len, cap, pos;
};

static int buf_put(void *ctx, const void *p, size_t n)
{
	struct buf *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int buf_get(void *ctx, void *p, size_t n)
{
	struct buf *b = ctx;

	if (n > b->len - b->pos)
		return -1;
	memcpy(p, b->p + b->pos, n);
	b->pos += n;
	return 0;
}

static struct buf save(struct vm *vm)
{
	struct buf b = { 0 };
	struct vmstate_io io = { .ctx = &b, .put = buf_put };

	CU_ASSERT_EQUAL(vmstate_save(vm, &io), 0);
	return b;
}

static struct vm *restore(const struct buf *src, size_t len, const char **why)
{
	struct buf b = { .p = src->p, .len = len };
	struct vmstate_io io = { .ctx = &b, .get = buf_get };

	*why = NULL;
	return vmstate_restore(&io, why);
}

/* A three-page image as test_vmspace.c makes it: text (shared), data (copy-on-write, "data!"), bss. */
static void make_image(struct image *im, const char *name, uint8_t fill)
{
	uint64_t t = frame_alloc_zero(), d = frame_alloc_zero();

	image_unregister(im);
	memset(im, 0, sizeof(*im));
	im->pte = P2V(frame_alloc_zero());      /* the template: a frame of the image's own, as image_load makes it */
	strcpy(im->name, name);
	memset(P2V(t), fill, PAGE_SIZE);
	strcpy(P2V(d), "data!");
	im->pte[0] = t | PTE_P | PTE_U;
	im->pte[1] = d | PTE_P | PTE_U | PTE_NX | PTE_COW;
	im->dz[0] |= 1ull << 2;
	im->end = IMG_END;
	im->entry = TEXT_VA;
	im->text_pages = im->data_pages = im->bss_pages = 1;
	im->shared_pages = 2;
	im->sum = image_sum(im);
	image_register(im);
}

static bool table_ours;          /* the VM table holds this suite's VMs (other suites use it too) */

/* The VMs a test left live are freed (their frames go with the arena). */
static void free_live(void)
{
	uint32_t cursor = 0;
	struct vm *vm;

	while (table_ours && (vm = vmtab_next(&cursor)) != NULL) {
		vmtab_retire(vm);
		vm_discard(vm);
	}
	table_ours = false;
}

static int setup(void)
{
	free_live();
	host_arena_new((size_t)ARENA_PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + (uint64_t)ARENA_PAGES * PAGE_SIZE);
	vmtab_init(vm_slots, CAP);
	table_ours = true;
	bind_init(NET, 8, addr_slots, addr_fifo, CAP);
	vsw_init(false, &ops);
	host_sched_reset();
	make_image(&img, "tst", 0xc3);
	make_image(&img2, "tst", 0x90);                  /* the same name, other contents */
	notified = 0;
	return 0;
}

static int teardown(void)
{
	free_live();
	frame_init();
	host_arena_free();
	return 0;
}

/* A VM as vm_create makes it, runnable. */
static struct vm *new_vm(const struct image *im)
{
	struct vm *vm = vm_blank();
	struct pv_start_info *si;

	CU_ASSERT_FATAL(vm != NULL);
	CU_ASSERT_EQUAL_FATAL(vms_create(&vm->mem, im, 64, 4), 0);
	si = (struct pv_start_info *)((uint8_t *)vms_start_page(&vm->mem) + (PV_START_INFO - PV_START_PAGE));
	CU_ASSERT_EQUAL_FATAL(vmtab_publish(vm, si), 0);
	si->magic = PV_START_MAGIC;
	si->vm_id = vm->id;
	vm->regs.rip = im->entry;
	vm->regs.rsp = PV_START_INFO;
	vm->regs.rflags = 0x202;
	runq_push(&host_rq, vm);
	return vm;
}

/* What vm_end does, minus the report. */
static void end_vm(struct vm *vm)
{
	if (vm->state == VM_RUNNABLE)
		runq_remove(&host_rq, vm);
	runq_forget(&host_rq, vm);
	vmtab_retire(vm);
	vms_destroy(&vm->mem);
	vm_discard(vm);
}

/* Save a, end it, restore it (it must come back), and save the copy: the same bytes but the saved id. */
static struct vm *round_trip(struct vm *a, struct buf *first)
{
	const char *why;
	struct buf again;
	struct vm *b;

	*first = save(a);
	end_vm(a);
	b = restore(first, first->len, &why);
	if (!b) {
		fprintf(stderr, "restore refused: %s\n", why);
		CU_FAIL_FATAL("restore refused");
	}
	again = save(b);
	CU_ASSERT_EQUAL(again.len, first->len);
	if (again.len == first->len) {
		size_t id_at = sizeof(struct vmst_header) + sizeof(struct vmst_section);   /* META comes first */
		memcpy(again.p + id_at, first->p + id_at, 4);
		CU_ASSERT(memcmp(again.p, first->p, first->len) == 0);
	}
	free(again.p);
	return b;
}

/* The offset of section type's header in a stream, or 0. */
static size_t section_at(const struct buf *b, uint32_t type)
{
	size_t o = sizeof(struct vmst_header);

	for (int k = 0; k < (int)VMST_SECTIONS && o + sizeof(struct vmst_section) <= b->len; k++) {
		struct vmst_section s;
		memcpy(&s, b->p + o, sizeof(s));
		if (s.type == type)
			return o;
		o += sizeof(s) + s.len;
	}
	return 0;
}

static void test_cpu(void)
{
	struct vm *a, *b;
	struct buf s;
	uint64_t *r;

	setup();
	a = new_vm(&img);
	r = (uint64_t *)(void *)&a->regs;
	for (int i = 0; i < 15; i++)
		r[i] = 0x1111111111111111ull * (uint64_t)(i + 1);        /* r15 .. rax */
	a->regs.rip = TEXT_VA + 0x123;
	a->regs.rsp = 0xdeadbeefcafe;                                 /* any value a guest may hold */
	a->regs.rflags = 0x8d5 | 0x202;
	a->regs.sel[0] = SEL_UDATA;
	a->regs.sel[2] = 3;
	for (int i = 32; i < 512; i++)
		a->fx[i] = (uint8_t)(i * 7);
	a->hypercalls = 777;
	a->cpu_tsc = 123456789;
	a->con_done = 384;
	b = round_trip(a, &s);
	CU_ASSERT_EQUAL(b->regs.rax, 0x1111111111111111ull * 15);
	CU_ASSERT_EQUAL(b->regs.r15, 0x1111111111111111ull);
	CU_ASSERT_EQUAL(b->regs.rip, TEXT_VA + 0x123);
	CU_ASSERT_EQUAL(b->regs.rsp, 0xdeadbeefcafe);
	CU_ASSERT_EQUAL(b->regs.rflags, 0x8d5 | 0x202);
	CU_ASSERT_EQUAL(b->regs.cs, SEL_UCODE);
	CU_ASSERT_EQUAL(b->regs.ss, SEL_UDATA);
	CU_ASSERT_EQUAL(b->regs.sel[0], SEL_UDATA);
	CU_ASSERT_EQUAL(b->regs.sel[2], 3);
	CU_ASSERT_EQUAL(b->fx[100], (uint8_t)700);
	CU_ASSERT_EQUAL(b->hypercalls, 777);
	CU_ASSERT_EQUAL(b->cpu_tsc, 123456789);
	CU_ASSERT_EQUAL(b->con_done, 384);
	/* rflags and MXCSR are masked as a resume masks them. */
	size_t c = section_at(&s, VMST_CPU) + sizeof(struct vmst_section);
	uint64_t fl = 0x3fffffull;
	uint32_t mx = 0xffffffffu;
	memcpy(s.p + c + offsetof(struct vmst_cpu, rflags), &fl, 8);
	memcpy(s.p + c + offsetof(struct vmst_cpu, fx) + 24, &mx, 4);
	end_vm(b);
	const char *why;
	b = restore(&s, s.len, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->regs.rflags, vm_guest_rflags(fl));
	CU_ASSERT_EQUAL(b->regs.rflags & (1u << 9 | 1u << 8 | 3u << 12 | 1u << 14 | 1u << 17 | 1u << 18 | 1u << 21),
			1u << 9);                                    /* IF on; TF, IOPL, NT, VM, AC, ID off */
	memcpy(&mx, b->fx + 24, 4);
	CU_ASSERT_EQUAL(mx, vmstate_mxcsr_mask);
	free(s.p);
}

static void test_memory(void)
{
	struct vm *a, *b;
	struct buf s;
	uint8_t got[64];
	int pages_before;

	setup();
	a = new_vm(&img);
	uint64_t free0 = frame_free_count();
	CU_ASSERT_EQUAL(vms_copyout(&a->mem, DATA_VA + 8, "written", 8), 0);          /* COW -> private */
	CU_ASSERT_EQUAL(vms_copyout(&a->mem, BSS_VA + 100, "bss", 4), 0);             /* demand-zero */
	CU_ASSERT_EQUAL(vms_copyout(&a->mem, IMG_END + 5 * PAGE_SIZE, "heap", 5), 0);
	CU_ASSERT_EQUAL(vms_copyout(&a->mem, PV_START_PAGE - 3 * PAGE_SIZE, "stack", 6), 0);
	pages_before = a->mem.priv_pages;
	CU_ASSERT_EQUAL(pages_before, 5);
	b = round_trip(a, &s);
	CU_ASSERT_EQUAL(b->mem.priv_pages, pages_before);
	CU_ASSERT_PTR_EQUAL(b->mem.img, &img);
	CU_ASSERT_EQUAL(b->mem.quota_pages, 64);
	CU_ASSERT_EQUAL(b->mem.guar_pages, 4);
	CU_ASSERT_EQUAL(vms_copyin(&b->mem, got, DATA_VA, 16), 0);
	CU_ASSERT(memcmp(got, "data!\0\0\0written", 16) == 0);
	CU_ASSERT_EQUAL(vms_copyin(&b->mem, got, BSS_VA + 100, 4), 0);
	CU_ASSERT_STRING_EQUAL((char *)got, "bss");
	CU_ASSERT_EQUAL(vms_copyin(&b->mem, got, IMG_END + 5 * PAGE_SIZE, 5), 0);
	CU_ASSERT_STRING_EQUAL((char *)got, "heap");
	CU_ASSERT_EQUAL(vms_copyin(&b->mem, got, PV_START_INFO, 4), 0);
	CU_ASSERT(memcmp(got, "SIVP", 4) == 0);                                      /* start info kept */
	struct vms_page pg;
	uint64_t va = TEXT_VA;
	CU_ASSERT(vms_page_next(&b->mem, &va, &pg));
	CU_ASSERT_EQUAL(pg.kind, VMS_SHARED);                                        /* text still shared */
	CU_ASSERT_PTR_EQUAL(pg.data, P2V(img.pte[0] & PTE_ADDR));
	end_vm(b);
	CU_ASSERT_EQUAL(frame_free_count(), free0 + 2);   /* everything back: free0 was taken after the page table and
							   * the start page were */
	free(s.p);
}

static void udp_to(uint8_t *f, size_t *len, const struct vm *from, const struct vm *to, uint8_t seed)
{
	uint8_t *ip = f + 14;
	uint32_t sip, dip, sum = 0;

	memset(f, 0, 60);
	vsw_vm_addr(to, f, &dip);
	vsw_vm_addr(from, f + 6, &sip);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 28 + 4;
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(sip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dip >> (24 - 8 * i));
	}
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~(sum + (sum >> 16)) & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	ip[28] = seed;
	*len = 60;
}

static void test_network(void)
{
	struct vm *a, *b, *peer;
	struct buf s;
	uint8_t f[64];
	size_t len;
	uint32_t addr;

	setup();
	peer = new_vm(&img);
	a = new_vm(&img);
	for (uint8_t k = 0; k < 5; k++) {
		udp_to(f, &len, peer, a, k);
		peer->tx_budget = 10;
		CU_ASSERT_EQUAL(vsw_from_vm(peer, f, len), 0);
	}
	a->net->tx_spoofed = 3;
	a->net->rx_drops = 2;
	addr = a->net->addr;
	CU_ASSERT_EQUAL(a->net->rxq_len, 5);
	b = round_trip(a, &s);
	CU_ASSERT_EQUAL(b->net->addr, addr);                   /* its address, under a new id */
	CU_ASSERT_PTR_EQUAL(bind_vm(addr), b);
	CU_ASSERT_EQUAL(b->net->rxq_len, 5);
	CU_ASSERT_EQUAL(b->net->rx_frames, 5);
	CU_ASSERT_EQUAL(b->net->tx_spoofed, 3);
	CU_ASSERT_EQUAL(b->net->rx_drops, 2);
	for (uint8_t k = 0; k < 5; k++) {
		struct vsw_buf *q = vsw_peek(b);
		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		CU_ASSERT_EQUAL(q->len, 60);
		CU_ASSERT_EQUAL(q->frame[14 + 28], k);             /* in order */
		vsw_pop(b);
	}
	CU_ASSERT_EQUAL(peer->net->tx_held, 0);                /* the copies are nobody's now */
	/* Frames reach it at its address. */
	udp_to(f, &len, peer, b, 9);
	CU_ASSERT_EQUAL(vsw_from_vm(peer, f, len), 0);
	CU_ASSERT_EQUAL(b->net->rxq_len, 1);
	/* Its address held by another VM: refused, nothing left behind. */
	struct vsw_census c0, c1;
	vsw_census(&c0);
	uint64_t free0 = frame_free_count();
	const char *why;
	CU_ASSERT_PTR_NULL(restore(&s, s.len, &why));
	CU_ASSERT_PTR_NOT_NULL(why);
	vsw_census(&c1);
	CU_ASSERT_EQUAL(c1.queued, c0.queued);
	CU_ASSERT_EQUAL(frame_free_count(), free0);
	CU_ASSERT_EQUAL(vmtab_count(), 2);
	free(s.p);
}

static void test_timer(void)
{
	struct vm *a, *b;
	struct buf s;

	setup();
	a = new_vm(&img);
	runq_remove(&host_rq, a);
	CU_ASSERT_EQUAL(runq_block(&host_rq, a, host_now + 5000000), 0);   /* idle, 5 ms to go */
	b = round_trip(a, &s);
	CU_ASSERT_EQUAL(b->state, VM_BLOCKED);
	CU_ASSERT_EQUAL(runq_next_deadline(&host_rq), host_now + 5000000);
	free(s.p);
	/* Idle with no deadline; a pending event. */
	runq_forget(&host_rq, b);
	b->pending = PV_PEND_NET_RX;
	runq_block(&host_rq, b, TQ_NEVER);
	a = round_trip(b, &s);
	CU_ASSERT_EQUAL(a->state, VM_BLOCKED);
	CU_ASSERT_EQUAL(a->timer.deadline, TQ_NEVER);
	CU_ASSERT_EQUAL(a->pending, PV_PEND_NET_RX);
	free(s.p);
	/* Runnable: at the tail of the run queue. */
	runq_forget(&host_rq, a);
	runq_push(&host_rq, a);
	b = round_trip(a, &s);
	CU_ASSERT_EQUAL(b->state, VM_RUNNABLE);
	CU_ASSERT_PTR_EQUAL(runq_pop(&host_rq), b);
	runq_push(&host_rq, b);
	/* A deadline passed while saved: restored due now. */
	size_t t = section_at(&s, VMST_TIMER) + sizeof(struct vmst_section);
	struct vmst_timer tm = { .run = VMST_IDLE, .deadline_in_ns = 0 };
	memcpy(s.p + t, &tm, sizeof(tm));
	end_vm(b);
	const char *why;
	b = restore(&s, s.len, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(runq_wake(&host_rq, host_now), 1);
	CU_ASSERT(b->pending & PV_PEND_TIMER || b->regs.rax & PV_PEND_TIMER);
	free(s.p);
}

/* A refused stream leaves nothing: frames, VM table, addresses and the switch's pool as they were. */
struct snapshot {
	uint64_t frames, queued, objs;
	uint32_t vms;
};

static struct snapshot snap(void)
{
	struct vsw_census c;

	vsw_census(&c);
	return (struct snapshot){ frame_free_count(), c.queued, c.buf_objs - c.spare, vmtab_count() };
}

static void refused(const struct buf *s, size_t len, const char *what)
{
	struct snapshot before = snap(), after;
	const char *why;
	struct vm *vm = restore(s, len, &why);

	if (vm) {
		fprintf(stderr, "accepted: %s\n", what);
		CU_FAIL("a bad stream was accepted");
		return;
	}
	CU_ASSERT_PTR_NOT_NULL(why);
	after = snap();
	CU_ASSERT(before.frames == after.frames && before.queued == after.queued && before.objs == after.objs &&
		  before.vms == after.vms);
}

/* A saved VM with a page of every kind and queued frames, ended: s restores it. */
static struct buf saved_rich(void)
{
	struct vm *a, *peer;
	uint8_t f[64];
	size_t len;
	struct buf s;

	setup();
	peer = new_vm(&img);
	a = new_vm(&img);
	vms_copyout(&a->mem, DATA_VA, "x", 1);
	vms_copyout(&a->mem, IMG_END, "h", 1);
	udp_to(f, &len, peer, a, 1);
	vsw_from_vm(peer, f, len);
	udp_to(f, &len, peer, a, 2);
	vsw_from_vm(peer, f, len);
	s = save(a);
	end_vm(a);
	return s;
}

static void test_truncated_everywhere(void)
{
	struct buf s = saved_rich();

	for (size_t n = 0; n < s.len; n++)
		refused(&s, n, "truncated");
	const char *why;
	struct vm *vm = restore(&s, s.len, &why);
	CU_ASSERT_PTR_NOT_NULL(vm);                        /* and whole, it restores */
	free(s.p);
}

static void patch(struct buf *s, size_t at, const void *v, size_t n, const char *what)
{
	uint8_t old[64];

	memcpy(old, s->p + at, n);
	memcpy(s->p + at, v, n);
	refused(s, s->len, what);
	memcpy(s->p + at, old, n);
}

static void patch32(struct buf *s, size_t at, uint32_t v, const char *what) { patch(s, at, &v, 4, what); }
static void patch64(struct buf *s, size_t at, uint64_t v, const char *what) { patch(s, at, &v, 8, what); }

static void test_bad_framing(void)
{
	struct buf s = saved_rich();
	size_t mem = section_at(&s, VMST_MEM), timer = section_at(&s, VMST_TIMER);
	uint64_t mlen;

	memcpy(&mlen, s.p + mem + 8, 8);
	patch32(&s, 0, 0x12345678, "magic");
	patch(&s, 4, (uint16_t[]){ VMST_VERSION + 1 }, 2, "version");
	patch(&s, 6, (uint16_t[]){ 16 }, 2, "header size");
	patch64(&s, 8, s.len + 1, "total + 1");
	patch64(&s, 8, s.len - 1, "total - 1");
	patch64(&s, 8, UINT64_MAX, "total huge");
	patch32(&s, 16, VMST_SECTIONS - 1, "section count");
	patch32(&s, 20, PV_ABI_VERSION + 1, "abi");
	patch32(&s, timer, VMST_META, "a section twice");
	patch32(&s, timer, 99, "unknown section");
	patch32(&s, timer + 4, 1, "reserved");
	patch64(&s, mem + 8, mlen + 1, "length + 1");
	patch64(&s, mem + 8, mlen - 1, "length - 1");
	patch64(&s, mem + 8, mlen + PAGE_SIZE, "length + a page");
	patch64(&s, mem + 8, 0, "length 0");
	patch64(&s, mem + 8, UINT64_MAX - 8, "length huge");
	for (uint32_t t = VMST_META; t <= VMST_TIMER; t++) {
		size_t at = section_at(&s, t);
		uint64_t l;
		memcpy(&l, s.p + at + 8, 8);
		for (int bit = 0; bit < 64; bit += 5)
			patch64(&s, at + 8, l ^ (1ull << bit), "a flipped length bit");
	}
	free(s.p);
}

static void test_bad_fields(void)
{
	struct buf s = saved_rich();
	size_t cpu = section_at(&s, VMST_CPU) + 16, mem = section_at(&s, VMST_MEM) + 16;
	size_t net = section_at(&s, VMST_NET) + 16, tim = section_at(&s, VMST_TIMER) + 16;
	size_t meta = section_at(&s, VMST_META) + 16, pg0 = mem + sizeof(struct vmst_mem);

	patch64(&s, cpu + offsetof(struct vmst_cpu, rip), PV_WIN_END, "rip past the window");
	patch64(&s, cpu + offsetof(struct vmst_cpu, rip), 0xffff800000000000ull, "rip in the kernel");
	patch(&s, cpu + offsetof(struct vmst_cpu, ds), (uint16_t[]){ 0x08 }, 2, "kernel selector");
	patch(&s, cpu + offsetof(struct vmst_cpu, gs), (uint16_t[]){ 0x28 }, 2, "TSS selector");
	patch(&s, meta + offsetof(struct vmst_meta, con_done), (uint16_t[]){ PV_CONSOLE_MAX + 1 }, 2, "con_done");
	patch(&s, mem, "tsu", 4, "another image name");
	patch64(&s, mem + offsetof(struct vmst_mem, image_sum), img.sum ^ 1, "another image content");
	/* The checksum picks among images of one name: the other one, named by its own, is the one restored onto. */
	uint64_t sum1 = img.sum;
	memcpy(s.p + mem + offsetof(struct vmst_mem, image_sum), &img2.sum, 8);
	const char *why;
	struct vm *vm = restore(&s, s.len, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT_PTR_EQUAL(vm->mem.img, &img2);
	end_vm(vm);
	memcpy(s.p + mem + offsetof(struct vmst_mem, image_sum), &sum1, 8);
	patch(&s, mem, "0123456789abcdef0123456789abcdef", 32, "an unterminated name");
	patch32(&s, mem + offsetof(struct vmst_mem, quota_pages), 513, "quota past the window");
	patch32(&s, mem + offsetof(struct vmst_mem, quota_pages), 3, "quota below the guarantee");
	patch32(&s, mem + offsetof(struct vmst_mem, quota_pages), 4, "quota below the pages it has");
	patch32(&s, mem + offsetof(struct vmst_mem, guar_pages), 0, "no guarantee");
	patch32(&s, mem + offsetof(struct vmst_mem, npages), 513, "too many pages");
	/* The page records: text (shared), data (private now), bss? no; heap (private), start page (private). */
	struct vmst_page p0, p1;
	memcpy(&p0, s.p + pg0, sizeof(p0));
	CU_ASSERT_EQUAL(p0.va, TEXT_VA);
	CU_ASSERT_EQUAL(p0.kind, VMST_PAGE_SHARED);
	size_t pg1 = pg0 + sizeof(p0);
	memcpy(&p1, s.p + pg1, sizeof(p1));
	CU_ASSERT_EQUAL(p1.va, DATA_VA);
	CU_ASSERT_EQUAL(p1.kind, VMST_PAGE_PRIVATE);
	patch64(&s, pg0, TEXT_VA + 8, "unaligned page");
	patch64(&s, pg0, PV_WIN_BASE - PAGE_SIZE, "page below the window");
	patch64(&s, pg0, PV_WIN_END, "page past the window");
	patch64(&s, pg0, DATA_VA, "text listed as data");
	patch32(&s, pg0 + 8, VMST_PAGE_COW, "text as copy-on-write");
	patch32(&s, pg0 + 8, VMST_PAGE_PRIVATE, "text as private");
	patch32(&s, pg0 + 8, 0, "kind 0");
	patch32(&s, pg0 + 8, 7, "kind 7");
	patch32(&s, pg0 + 12, 1, "page reserved");
	patch32(&s, pg1 + 8, VMST_PAGE_SHARED, "data as shared");
	patch64(&s, pg1, TEXT_VA, "a page twice, text as private");
	patch64(&s, pg1, VMS_STACK_LIMIT - PAGE_SIZE, "private page in the guard gap");
	patch32(&s, mem + offsetof(struct vmst_mem, npages), 0, "no pages");
	/* The network part. */
	patch(&s, net, (uint8_t[]){ 0x02, 0x00, 0, 0, 0, 5 }, 6, "MAC and IPv4 of two addresses");
	patch32(&s, net + offsetof(struct vmst_net, ipv4), 0xc0a80001u, "IPv4 outside the network");
	patch32(&s, net + offsetof(struct vmst_net, nframes), VSW_RXQ_MAX + 1, "too many frames");
	patch32(&s, net + sizeof(struct vmst_net), 13, "frame too short");
	patch32(&s, net + sizeof(struct vmst_net), PV_FRAME_MAX + 1, "frame too long");
	/* The timer part. */
	patch32(&s, tim, 3, "run state");
	patch32(&s, tim + 4, 4, "unknown pending bit");
	patch64(&s, tim + 8, 5, "a deadline for a runnable VM");
	free(s.p);
}

/* Saving refuses the VM on the CPU, and a stream that stops. */
static int put_fails(void *ctx, const void *p, size_t n)
{
	(void)p, (void)n;
	return --*(int *)ctx < 0 ? -1 : 0;
}

static void test_save_refusals(void)
{
	struct vm *a;

	setup();
	a = new_vm(&img);
	struct buf b = { 0 };
	struct vmstate_io io = { .ctx = &b, .put = buf_put };
	sched_current = a;
	CU_ASSERT_EQUAL(vmstate_save(a, &io), PV_EINVAL);
	sched_current = NULL;
	CU_ASSERT_EQUAL(b.len, 0);
	for (int k = 0; k < 12; k++) {
		int budget = k;
		struct vmstate_io stop = { .ctx = &budget, .put = put_fails };
		CU_ASSERT_EQUAL(vmstate_save(a, &stop), PV_EFAULT);
	}
}

int unit_suite_vmstate(void)
{
	CU_pSuite s = CU_add_suite("vmstate", NULL, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "CPU and metadata: round trip; rflags and MXCSR masked on restore", test_cpu);
	CU_add_test(s, "memory: round trip of shared, copy-on-write and private pages", test_memory);
	CU_add_test(s, "network: round trip of the address, queue and counters; an address in use refused", test_network);
	CU_add_test(s, "timers: idle with a deadline, with none, runnable, deadline passed", test_timer);
	CU_add_test(s, "truncated at every byte: refused, nothing left behind", test_truncated_everywhere);
	CU_add_test(s, "bad header, lengths, sections: refused", test_bad_framing);
	CU_add_test(s, "bad fields of every part: refused", test_bad_fields);
	CU_add_test(s, "save refuses the running VM and stops with its stream", test_save_refusals);
	return 0;
}
