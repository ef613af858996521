/* vm.c - VM life cycle: creation from an image, entry from ring 3 (faults, preemption), resumption, end. */
#include <stdarg.h>
#include "hot.h"
#include "vm.h"
#include "sched.h"
#include "image.h"
#include "report.h"
#include "slab.h"
#include "kprintf.h"
#include "lib.h"
#include "cpu.h"
#include "tsc.h"
#include "rtc.h"
#include "arch.h"
#include "vmtab.h"
#include "vmst_io.h"
#include "argblk.h"

static struct slab_cache vm_cache;
static uint8_t fx_initial[512] __attribute__((aligned(16)));   /* the FPU/SSE state after reset */

/* The live VM furthest beyond its memory guarantee (ties: the lowest id), or NULL if every VM is within its own. */
static struct vm *furthest_beyond_guarantee(void)
{
	struct vm *worst = NULL;
	uint32_t most = 0;

	uint32_t cursor = 0;
	struct vm *vm;

	while ((vm = vmtab_next(&cursor)) != NULL) {
		if (vms_over_guarantee(&vm->mem) > most) {
			most = vms_over_guarantee(&vm->mem);
			worst = vm;
		}
	}
	return worst;
}

/* vms_reclaim: host memory ran out while the owner of needy wanted a page beyond its guarantee. The VM furthest
 * beyond its own pays: ended (true), unless that is needy's owner itself (false: its request fails). Rare, and each
 * call frees at least a page, so the scan of the table is affordable. */
static bool reclaim(const struct vmspace *needy)
{
	struct vm *victim = furthest_beyond_guarantee();
	char why[128];

	if (!victim || &victim->mem == needy || vms_over_guarantee(&victim->mem) <= vms_over_guarantee(needy))
		return false;
	kst.reclaimed++;
	ksnprintf(why, sizeof(why), "reclaimed: host memory ran out and this VM was the furthest beyond its guarantee "
		  "(%u KiB over %u KiB)", vms_over_guarantee(&victim->mem) * 4, victim->mem.guar_pages * 4);
	vm_end(victim, VM_FAULTED, -1, why);
	return true;
}

/* The MXCSR bits this CPU has (FXSAVE's MXCSR_MASK; 0 there means the default 0xffbf): a restored VM's MXCSR is
 * masked with it, as fxrstor faults on any other. */
static void probe_mxcsr_mask(void)
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	uint32_t m;

	fxsave(fx);
	memcpy(&m, fx + 28, 4);
	vmstate_mxcsr_mask = m ? m : 0xffbf;
}

void vm_init(void)
{
	vms_reclaim = reclaim;
	probe_mxcsr_mask();
	slab_init(&vm_cache, "vm", sizeof(struct vm), 16);
	/* A clean x87/SSE state for new VMs: FCW 0x37f, MXCSR 0x1f80, every register zero. */
	memset(fx_initial, 0, sizeof(fx_initial));
	fx_initial[0] = 0x7f;
	fx_initial[1] = 0x03;
	fx_initial[24] = 0x80;
	fx_initial[25] = 0x1f;
	fx_initial[28] = 0xff;   /* MXCSR_MASK: every bit the CPU supports; fxrstor ignores it */
	fx_initial[29] = 0xff;
}

uint64_t vm_struct_bytes(void)
{
	size_t per = slab_objs_per_page(&vm_cache);

	return per ? PV_PAGE_SIZE / per : 0;
}

uint64_t vm_slab_bytes(void)
{
	return slab_bytes(&vm_cache);
}

static struct pv_start_info *start_info(struct vm *vm)
{
	return (struct pv_start_info *)((uint8_t *)vms_start_page(&vm->mem) + (PV_START_INFO - PV_START_PAGE));
}

/* The start info's generic part (the observers filled theirs in when the VM was published: its address). */
static void fill_start_info(struct vm *vm, const struct image *img, const char *args)
{
	struct pv_start_info *si = start_info(vm);

	si->magic = PV_START_MAGIC;
	si->abi_version = PV_ABI_VERSION;
	si->vm_id = vm->id;
	si->tsc_hz = tsc_hz;
	si->heap_start = vms_heap_start(&vm->mem);
	si->heap_end = vm->mem.heap_end;
	si->mem_quota = (uint64_t)vm->mem.quota_pages * PV_PAGE_SIZE;
	si->stack_top = PV_START_INFO;
	si->stack_limit = VMS_STACK_LIMIT;
	si->vregs.tsc_base = tsc_boot;
	si->vregs.ns_base = 0;
	si->vregs.wall_base_ns = rtc_wall_ns_at_boot;
	si->vregs.tsc_mult = tsc_mult;
	si->vregs.tsc_shift = tsc_shift;
	strlcpy(si->image, img->name, sizeof(si->image));
	strlcpy(si->cmdline, args, sizeof(si->cmdline));
}

struct vm *vm_blank(void)
{
	struct vm *vm = slab_alloc(&vm_cache);

	if (vm) {
		memcpy(vm->fx, fx_initial, sizeof(vm->fx));
		vm->id = VMTAB_NONE;
	}
	return vm;
}

void vm_discard(struct vm *vm)
{
	slab_free(&vm_cache, vm);
}

struct vm *vm_create(const struct image *img, const char *args, uint32_t quota_pages, uint32_t guar_pages,
		     uint16_t tenant)
{
	struct vm *vm;
	struct argblk blk;

	if (!kst.first_create_tsc)
		kst.first_create_tsc = rdtsc();        /* all_live_ns counts from here */
	if (!(vm = vm_blank()))
		return NULL;
	vm->tenant = tenant;                           /* before vmtab_publish: its observers bind the address */
	if (vms_create(&vm->mem, img, quota_pages, guar_pages) != 0) {
		vm_discard(vm);
		return NULL;
	}
	if (argblk_copy(&vm->mem, img, args, &blk) != 0) {    /* ARGS, environment, input: in its heap */
		vms_destroy(&vm->mem);
		vm_discard(vm);
		return NULL;
	}
	if (vmtab_publish(vm, start_info(vm)) != 0) {
		vms_destroy(&vm->mem);
		vm_discard(vm);
		return NULL;
	}
	fill_start_info(vm, img, args);
	argblk_info(start_info(vm), &blk);
	vm->regs.rip = img->entry;
	vm->regs.rsp = blk.stack_top;                  /* PV_START_INFO, or under a small argument block */
	vm->regs.rdi = PV_START_INFO;
	vm->regs.rflags = 0x202;
	vm->state = VM_RUNNABLE;
	kst.started++;
	sched_live_delta(+1);
	return vm;
}

int vm_publish_restored(struct vm *vm)
{
	if (vmtab_publish(vm, NULL) != 0)
		return -1;
	sched_live_delta(+1);
	return 0;
}

void vm_end(struct vm *vm, enum vm_state how, int status, const char *reason)
{
	static const char *const names[] = { [VM_EXITED] = "exited", [VM_FAILED] = "failed",
					     [VM_FAULTED] = "faulted", [VM_RUNNING] = "running" };
	if (how == VM_SAVED)
		;                               /* it lives on: its end is reported by the VM restored from it */
	else if (how == VM_EXITED && status == 0)
		kst.exited_ok++;
	else if (how == VM_EXITED || how == VM_FAILED)
		kst.failed++;
	else if (how == VM_FAULTED)
		kst.faulted++;
	else
		kst.running_at_end++;
	if (how != VM_SAVED) {
		report_vm(vm, names[how], status, reason);
		kst.guest_priv_bytes += (uint64_t)vm->mem.priv_pages * PV_PAGE_SIZE;
		kst.hypercalls += vm->hypercalls;
	}
	sched_forget(vm);
	vmtab_retire(vm);
	sched_live_delta(-1);
	sched_mem_sample();                     /* before its frames go back: the low point of free frames */
	vms_destroy(&vm->mem);
	slab_free(&vm_cache, vm);
}

void vm_kill(struct vm *vm, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm_end(vm, VM_FAULTED, -1, why);
}

void vm_resume(struct vm *vm)
{
	/* Selectors are fixed. */
	vm->regs.rflags = vm_guest_rflags(vm->regs.rflags);
	vm->regs.cs = SEL_UCODE;
	vm->regs.ss = SEL_UDATA;
	user_return(&vm->regs);
}

HOT void vm_hcall_return(struct vm *vm, struct trapframe *tf, long r)
{
	tf->rflags = vm_guest_rflags(tf->rflags);
	if (tf->rip >= PV_WIN_BASE && tf->rip < PV_WIN_END)
		hcall_return(tf, (uint64_t)r);
	tf_copy(&vm->regs, tf);             /* never taken: a VM runs only inside its window */
	vm->regs.rax = (uint64_t)r;
	vm_resume(vm);
}

static const char *const exc_names[32] = {
	"divide error", "debug trap", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved 15", "x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error", "virtualization exception", "control protection",
};

/* A page fault from ring 3: resolve it (demand-zero, COW) and resume, or end the VM. */
static void vm_page_fault(struct vm *vm, const struct trapframe *tf)
{
	uint64_t va = read_cr2();
	bool write = tf->error & 2, exec = tf->error & 16, changed;
	enum vms_err e = vms_fault(&vm->mem, va, write, exec, &changed);

	if (e == VMS_OK) {
		if (changed)
			invlpg(va);
		vm_resume(vm);
	}
	vm_kill(vm, "page fault at 0x%lx (%s %s): %s, rip=0x%lx", va, exec ? "exec" : write ? "write" : "read",
		(tf->error & 1) ? "protection" : "not-present", vms_strerror(e), tf->rip);
	sched_run();
}

void vm_trap(struct trapframe *tf)
{
	struct vm *vm = sched_current;

	if (!vm)
		panic("trap %lu from ring 3 with no current VM", tf->vector);
	sched_save(vm, tf);
	if (tf->vector == T_TIMER) {
		sched_preempt(vm);
		sched_run();
	}
	if (tf->vector == T_PF)
		vm_page_fault(vm, tf);
	if (tf->vector >= 32)
		vm_resume(vm);          /* a spurious interrupt is not the VM's doing */
	vm_kill(vm, "%s (vector %lu) at rip=0x%lx err=0x%lx rsp=0x%lx",
		exc_names[tf->vector] ? exc_names[tf->vector] : "exception", tf->vector, tf->rip, tf->error, tf->rsp);
	sched_run();
}
