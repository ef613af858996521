/* vmstate.c - a VM's state as one stream (pvisa/vmstate_format.h): header, framing, the CPU, metadata and timer
 * parts; memory and network parts from their owners (vmspace_state.c, net/vswitch.c). */
#include "vmstate.h"
#include "vm.h"
#include "sched.h"
#include "vswitch.h"
#include "tsc.h"
#include "lib.h"
#include "pvisa.h"

uint32_t vmstate_mxcsr_mask = 0xffbf;

/* The parts. Restore of each reads its whole section into the VM being made; rs holds what is applied only once the
 * VM is whole (its place in the scheduler). */
struct restore_state {
	bool idle;
	uint64_t left_ns;
};

static int meta_save(struct vm *vm, const struct vmstate_io *out)
{
	struct vmst_meta m = { .saved_id = vm->id, .hypercalls = vm->hypercalls, .cpu_ns = tsc_to_ns(vm->cpu_tsc),
			       .con_done = vm->con_done };
	return vmst_put(out, &m, sizeof(m));
}

static int meta_restore(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why)
{
	struct vmst_meta m;

	(void)rs;
	if (vmst_get(in, &m, sizeof(m)) != 0)
		return *why = "meta: truncated", -1;
	if (m.con_done > PV_CONSOLE_MAX || m.reserved[0] || m.reserved[1] || m.reserved[2])
		return *why = "meta: a field out of range", -1;
	vm->hypercalls = m.hypercalls;
	vm->cpu_tsc = ns_to_tsc(m.cpu_ns);
	if (m.cpu_ns && !vm->cpu_tsc)
		vm->cpu_tsc = 1;                                /* nonzero: it has had its first quantum */
	vm->con_done = m.con_done;
	return 0;
}

static int cpu_save(struct vm *vm, const struct vmstate_io *out)
{
	const struct trapframe *r = &vm->regs;
	static struct vmst_cpu c;          /* 672 bytes: off the kernel stack (one CPU, saves do not nest) */

	c = (struct vmst_cpu){ .rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx, .rsi = r->rsi,
			       .rdi = r->rdi, .rbp = r->rbp, .rsp = r->rsp, .r8 = r->r8, .r9 = r->r9, .r10 = r->r10,
			       .r11 = r->r11, .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
			       .rip = r->rip, .rflags = r->rflags, .ds = r->sel[0], .es = r->sel[1], .fs = r->sel[2],
			       .gs = r->sel[3] };
	memcpy(c.fx, vm->fx, sizeof(c.fx));
	return vmst_put(out, &c, sizeof(c));
}

/* A data segment selector a guest could have loaded: null, or its own data or code segment, any RPL. */
static bool sel_ok(uint16_t s)
{
	return (s & ~3) == 0 || (s & ~3) == (SEL_UDATA & ~3) || (s & ~3) == (SEL_UCODE & ~3);
}

static int cpu_restore(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why)
{
	static struct vmst_cpu c;
	struct trapframe *r = &vm->regs;
	uint32_t mxcsr;

	(void)rs;
	if (vmst_get(in, &c, sizeof(c)) != 0)
		return *why = "cpu: truncated", -1;
	if (c.rip < PV_WIN_BASE || c.rip >= PV_WIN_END)
		return *why = "cpu: rip outside the window", -1;
	if (!sel_ok(c.ds) || !sel_ok(c.es) || !sel_ok(c.fs) || !sel_ok(c.gs) || c.reserved)
		return *why = "cpu: a segment selector the guest could not have", -1;
	*r = (struct trapframe){ .rax = c.rax, .rbx = c.rbx, .rcx = c.rcx, .rdx = c.rdx, .rsi = c.rsi, .rdi = c.rdi,
				 .rbp = c.rbp, .rsp = c.rsp, .r8 = c.r8, .r9 = c.r9, .r10 = c.r10, .r11 = c.r11,
				 .r12 = c.r12, .r13 = c.r13, .r14 = c.r14, .r15 = c.r15, .rip = c.rip,
				 .rflags = vm_guest_rflags(c.rflags), .cs = SEL_UCODE, .ss = SEL_UDATA };
	r->sel[0] = c.ds;
	r->sel[1] = c.es;
	r->sel[2] = c.fs;
	r->sel[3] = c.gs;
	memcpy(vm->fx, c.fx, sizeof(vm->fx));
	memcpy(&mxcsr, vm->fx + 24, 4);
	mxcsr &= vmstate_mxcsr_mask;                       /* fxrstor faults on a bit the CPU lacks */
	memcpy(vm->fx + 24, &mxcsr, 4);
	return 0;
}

static int mem_save(struct vm *vm, const struct vmstate_io *out)
{
	return vms_state_save(&vm->mem, out);
}

static int mem_restore(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why)
{
	(void)rs;
	return vms_state_restore(&vm->mem, in, why);
}

static void mem_discard(struct vm *vm)
{
	vms_destroy(&vm->mem);
}

static int net_save(struct vm *vm, const struct vmstate_io *out)
{
	return vsw_state_save(vm, out);
}

static int net_restore(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why)
{
	(void)rs;
	return vsw_state_restore(vm, in, why);
}

static void net_discard(struct vm *vm)
{
	vsw_state_discard(vm);
}

static int timer_save(struct vm *vm, const struct vmstate_io *out)
{
	struct vmst_timer t = { .run = VMST_RUNNABLE, .pending = vm->pending };
	uint64_t left;

	if (sched_idle_left(vm, &left)) {
		t.run = VMST_IDLE;
		t.deadline_in_ns = left == UINT64_MAX ? VMST_NO_DEADLINE : left;
	}
	return vmst_put(out, &t, sizeof(t));
}

static int timer_restore(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why)
{
	struct vmst_timer t;

	if (vmst_get(in, &t, sizeof(t)) != 0)
		return *why = "timer: truncated", -1;
	if ((t.run != VMST_RUNNABLE && t.run != VMST_IDLE) || (t.run == VMST_RUNNABLE && t.deadline_in_ns))
		return *why = "timer: bad run state", -1;
	if (t.pending & ~(uint32_t)(PV_PEND_TIMER | PV_PEND_NET_RX))
		return *why = "timer: unknown pending events", -1;
	vm->pending = t.pending;
	rs->idle = t.run == VMST_IDLE;
	rs->left_ns = t.deadline_in_ns;
	return 0;
}

static const struct part {
	uint32_t type;
	int (*save)(struct vm *vm, const struct vmstate_io *out);
	int (*restore)(struct vm *vm, struct vmst_in *in, struct restore_state *rs, const char **why);
	void (*discard)(struct vm *vm);      /* frees what restore made (NULL: nothing to free) */
} parts[VMST_SECTIONS] = {
	{ VMST_META, meta_save, meta_restore, NULL },
	{ VMST_CPU, cpu_save, cpu_restore, NULL },
	{ VMST_MEM, mem_save, mem_restore, mem_discard },
	{ VMST_NET, net_save, net_restore, net_discard },
	{ VMST_TIMER, timer_save, timer_restore, NULL },
};

/* A put that only counts: the first pass of a save sizes every section. */
static int count_put(void *ctx, const void *p, size_t n)
{
	(void)p;
	*(uint64_t *)ctx += n;
	return 0;
}

static int save_parts(struct vm *vm, const struct vmstate_io *out, const uint64_t len[VMST_SECTIONS])
{
	for (uint32_t i = 0; i < VMST_SECTIONS; i++) {
		struct vmst_section s = { .type = parts[i].type, .len = len[i] };
		if (vmst_put(out, &s, sizeof(s)) != 0 || parts[i].save(vm, out) != 0)
			return -1;
	}
	return 0;
}

int vmstate_save(struct vm *vm, const struct vmstate_io *out)
{
	uint64_t len[VMST_SECTIONS];
	struct vmst_header h = { .magic = VMST_MAGIC, .version = VMST_VERSION, .header_size = sizeof(h),
				 .total_len = sizeof(h), .nsections = VMST_SECTIONS, .abi_version = PV_ABI_VERSION };

	if (vm == sched_current || vm->state == VM_RUNNING)
		return PV_EINVAL;
	sched_fpu_sync(vm);
	for (uint32_t i = 0; i < VMST_SECTIONS; i++) {
		uint64_t n = 0;
		struct vmstate_io counter = { .ctx = &n, .put = count_put };
		parts[i].save(vm, &counter);
		len[i] = n;
		h.total_len += sizeof(struct vmst_section) + n;
	}
	if (vmst_put(out, &h, sizeof(h)) != 0 || save_parts(vm, out, len) != 0)
		return PV_EFAULT;
	return 0;
}

/* Free what the parts restored so far (done: bit i for parts[i]) and the VM. */
static void undo(struct vm *vm, uint32_t done)
{
	for (uint32_t i = VMST_SECTIONS; i--; )
		if ((done & (1u << i)) && parts[i].discard)
			parts[i].discard(vm);
	vm_discard(vm);
}

static int part_index(uint32_t type)
{
	for (int i = 0; i < (int)VMST_SECTIONS; i++)
		if (parts[i].type == type)
			return i;
	return -1;
}

static const char *check_header(const struct vmst_header *h)
{
	if (h->magic != VMST_MAGIC)
		return "not a saved VM (magic)";
	if (h->version != VMST_VERSION)
		return "a format version this kernel does not read";
	if (h->header_size != sizeof(*h) || h->nsections != VMST_SECTIONS)
		return "bad header";
	if (h->abi_version != PV_ABI_VERSION)
		return "the guest was built for another ABI version";
	return NULL;
}

/* Every section, in any order, each once, into vm; the lengths must add up to the header's total. */
static const char *restore_parts(struct vm *vm, const struct vmstate_io *io, uint64_t total, struct restore_state *rs,
				 uint32_t *done)
{
	uint64_t used = sizeof(struct vmst_header);
	const char *why = NULL;

	for (uint32_t k = 0; k < VMST_SECTIONS; k++) {
		struct vmst_section s;
		struct vmst_in in = { .io = io, .left = sizeof(s) };
		int i;
		if (vmst_get(&in, &s, sizeof(s)) != 0)
			return "truncated";
		if ((i = part_index(s.type)) < 0 || s.reserved)
			return "unknown section";
		if (*done & (1u << i))
			return "a section appears twice";
		if (used + sizeof(s) > total || s.len > total - used - sizeof(s))
			return "a section runs past the total length";
		used += sizeof(s) + s.len;
		in.left = s.len;
		if (parts[i].restore(vm, &in, rs, &why) != 0)
			return why;
		*done |= 1u << i;
		if (in.left)
			return "a section longer than its contents";
	}
	return used == total ? NULL : "the sections do not add up to the total length";
}

struct vm *vmstate_restore(const struct vmstate_io *io, const char **why)
{
	return vmstate_restore_as(io, 0, 0, why);
}

struct vm *vmstate_restore_as(const struct vmstate_io *io, uint16_t tenant, uint16_t svc, const char **why)
{
	struct restore_state rs = { 0 };
	struct vmst_header h;
	uint32_t done = 0;
	struct vm *vm;

	if (io->get(io->ctx, &h, sizeof(h)) != 0)
		return *why = "truncated", NULL;
	if ((*why = check_header(&h)) != NULL)
		return NULL;
	if (!(vm = vm_blank()))
		return *why = "out of memory", NULL;
	vm->tenant = tenant;
	vm->svc = svc;
	if ((*why = restore_parts(vm, io, h.total_len, &rs, &done)) != NULL) {
		undo(vm, done);
		return NULL;
	}
	if (vm_publish_restored(vm) != 0) {
		undo(vm, done);
		return *why = "the VM table is full, or another VM has its address", NULL;
	}
	vm->state = rs.idle ? VM_BLOCKED : VM_RUNNABLE;
	sched_restore(vm, rs.idle, rs.left_ns);
	return vm;
}
