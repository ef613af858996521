/* hcall.c - the virtual instructions: decode and check every guest argument, then act (table from PV_CALLS). */
#include "vm.h"
#include "image.h"
#include "sched.h"
#include "report.h"
#include "rand.h"
#include "tsc.h"
#include "rtc.h"
#include "lib.h"
#include "kprintf.h"
#include "cpu.h"

/* A handler returns the result for rax, or HC_SWITCH when the VM must not be resumed now
 * (it ended, blocked or yielded). */
#define HC_SWITCH (-1000)
typedef long (*hc_fn)(struct vm *vm, const struct trapframe *tf);

static long hc_exit(struct vm *vm, const struct trapframe *tf)
{
	vm_end(vm, VM_EXITED, (int)(tf->rdi & 0xff), NULL);
	return HC_SWITCH;
}

static long hc_abort(struct vm *vm, const struct trapframe *tf)
{
	char msg[PV_ABORT_MAX + 1];
	uint64_t len = tf->rsi < PV_ABORT_MAX ? tf->rsi : PV_ABORT_MAX;

	if (vms_copyin(&vm->mem, msg, tf->rdi, len) != 0)
		len = 0;
	msg[len] = 0;
	vm_end(vm, VM_FAILED, -1, len ? msg : "aborted (unreadable message)");
	return HC_SWITCH;
}

static long hc_idle(struct vm *vm, const struct trapframe *tf)
{
	if (vm->pending) {                 /* events already waiting: deliver them at once */
		long p = (long)vm->pending;
		vm->pending = 0;
		return p;
	}
	sched_block(vm, tf->rdi);
	return HC_SWITCH;
}

static long hc_console_write(struct vm *vm, const struct trapframe *tf)
{
	const void *p[2];
	uint64_t n[2];
	int err;

	if (tf->rsi > PV_CONSOLE_MAX)
		return PV_EINVAL;
	if (tf->rsi == 0)
		return 0;
	if ((err = vms_map_read(&vm->mem, tf->rdi, tf->rsi, p, n)) != 0)
		return err;
	report_console(vm->id, p, n);
	return (long)tf->rsi;
}

static long hc_clock_mono(struct vm *vm, const struct trapframe *tf)
{
	(void)vm, (void)tf;
	return (long)now_ns();
}

static long hc_clock_wall(struct vm *vm, const struct trapframe *tf)
{
	(void)vm, (void)tf;
	return (long)(rtc_wall_ns_at_boot + now_ns());
}

static long hc_random(struct vm *vm, const struct trapframe *tf)
{
	uint8_t buf[PV_RANDOM_MAX];
	int err;

	if (tf->rsi > PV_RANDOM_MAX)
		return PV_EINVAL;
	rand_bytes(buf, tf->rsi);
	err = vms_copyout(&vm->mem, tf->rdi, buf, tf->rsi);
	memset(buf, 0, sizeof(buf));
	return err ? err : (long)tf->rsi;
}

static long hc_meminfo(struct vm *vm, const struct trapframe *tf)
{
	struct pv_meminfo mi = {
		.quota_bytes = (uint64_t)vm->mem.quota_pages * PV_PAGE_SIZE,
		.private_bytes = (uint64_t)vm->mem.priv_pages * PV_PAGE_SIZE,
		.shared_bytes = (uint64_t)vm->mem.img->shared_pages * PV_PAGE_SIZE,
		.heap_start = vm->mem.heap_start,
		.heap_end = vm->mem.heap_end,
	};
	return vms_copyout(&vm->mem, tf->rdi, &mi, sizeof(mi));
}

static long hc_yield(struct vm *vm, const struct trapframe *tf)
{
	(void)tf;
	vm->regs.rax = 0;
	sched_enqueue(vm);
	return HC_SWITCH;
}

static const hc_fn hc_table[PV_SYS_COUNT] = {
#define PV_X_TABLE(nr, name, argc) [nr] = hc_##name,
	PV_CALLS(PV_X_TABLE)
#undef PV_X_TABLE
};

void hcall_entry(struct trapframe *tf)
{
	struct vm *vm = sched_current;
	long r;

	if (!vm)
		panic("syscall with no current VM");
	sched_save(vm, tf);
	vm->hypercalls++;
	r = tf->rax < PV_SYS_COUNT ? hc_table[tf->rax](vm, tf) : PV_ENOSYS;
	if (r == HC_SWITCH)
		sched_run();
	vm->regs.rax = (uint64_t)r;
	vm_resume(vm);
}
