/* hcall.c - the core's virtual instructions and the dispatch table: decode and check every guest argument, then act. */
#include "hot.h"
#include "hcall.h"
#include "vm.h"
#include "image.h"
#include "sched.h"
#include "report.h"
#include "rand.h"
#include "tsc.h"
#include "rtc.h"
#include "lib.h"
#include "kprintf.h"

static long hc_exit(struct vm *vm, const struct trapframe *tf)
{
	vm_end(vm, VM_EXITED, (int)(arch_hc_arg0(tf) & 0xff), NULL);
	return HC_SWITCH;
}

static long hc_abort(struct vm *vm, const struct trapframe *tf)
{
	uint64_t uva = arch_hc_arg0(tf), n = arch_hc_arg1(tf);
	uint64_t len = n < PV_ABORT_MAX ? n : PV_ABORT_MAX;
	char msg[PV_ABORT_MAX + 1];

	if (vms_copyin(&vm->mem, msg, uva, len) != 0)
		len = 0;
	msg[len] = 0;
	vm_end(vm, VM_FAILED, -1, len ? msg : "aborted (unreadable message)");
	return HC_SWITCH;
}

void hcall_park(struct vm *vm, const struct trapframe *tf)
{
	arch_vm_park(&vm->arch, tf);
}

static hc_idle_hook_fn idle_hook;

void hcall_set_idle_hook(hc_idle_hook_fn fn)
{
	idle_hook = fn;
}

static long hc_idle(struct vm *vm, const struct trapframe *tf)
{
	if (__builtin_expect(vm->idle_hook, 0) && idle_hook)
		idle_hook(vm);             /* it may queue events: they are delivered below */
	if (vm->pending) {                 /* events already waiting: deliver them at once */
		long p = (long)vm->pending;
		vm->pending = 0;
		return p;
	}
	hcall_park(vm, tf);
	sched_block(vm, arch_hc_arg0(tf));
	return HC_SWITCH;
}

/* The UART takes 10-20 us a byte under TCG: a console write goes out in pieces of CON_PIECE bytes (one record each),
 * and when the VM's quantum is over between two pieces it is preempted inside the call, which it makes again when it
 * next runs (rip back on the syscall, registers as they were): vm->con_done says how much is out. So the output
 * is charged to the VM's own time and never holds the CPU past its quantum by more than one piece. */
#define CON_PIECE 128u

static long hc_console_write(struct vm *vm, const struct trapframe *tf)
{
	uint64_t uva = arch_hc_arg0(tf), len = arch_hc_arg1(tf);
	const void *p[2];
	uint64_t n[2], done = vm->con_done;
	int err;

	vm->con_done = 0;
	if (len > PV_CONSOLE_MAX)
		return PV_EINVAL;
	if (done >= len)
		done = 0;                /* not the call that was cut short: start afresh */
	if (len == 0)
		return 0;
	if ((err = vms_map_read(&vm->mem, uva, len, p, n)) != 0)
		return err;
	for (uint64_t off = done; off < len; off += CON_PIECE) {
		if (off > done && sched_quantum_over()) {
			vm->con_done = (uint16_t)off;
			hcall_park(vm, tf);
			arch_hc_restart(&vm->arch);     /* the call again, from where it stopped */
			sched_preempt(vm);
			return HC_SWITCH;
		}
		report_console_piece(vm->id, p, n, off, off + CON_PIECE < len ? CON_PIECE : len - off);
	}
	return (long)len;
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
	uint64_t uva = arch_hc_arg0(tf), len = arch_hc_arg1(tf);
	uint8_t buf[PV_RANDOM_MAX];
	int err;

	if (len > PV_RANDOM_MAX)
		return PV_EINVAL;
	rand_bytes(buf, len);
	err = vms_copyout(&vm->mem, uva, buf, len);
	memset(buf, 0, sizeof(buf));
	return err ? err : (long)len;
}

static long hc_meminfo(struct vm *vm, const struct trapframe *tf)
{
	struct pv_meminfo mi = {
		.quota_bytes = (uint64_t)vm->mem.quota_pages * PV_PAGE_SIZE,
		.private_bytes = (uint64_t)vm->mem.priv_pages * PV_PAGE_SIZE,
		.shared_bytes = (uint64_t)vm->mem.img->shared_pages * PV_PAGE_SIZE,
		.heap_start = vms_heap_start(&vm->mem),
		.heap_end = vm->mem.heap_end,
	};
	return vms_copyout(&vm->mem, arch_hc_arg0(tf), &mi, sizeof(mi));
}

static long hc_yield(struct vm *vm, const struct trapframe *tf)
{
	hcall_park(vm, tf);
	arch_set_retval(&vm->arch, 0);
	sched_enqueue(vm);
	return HC_SWITCH;
}

static long hc_nosys(struct vm *vm, const struct trapframe *tf)
{
	(void)vm, (void)tf;
	return PV_ENOSYS;
}

/* The core's calls; subsystems register theirs (hcall_register); a number nobody handles is hc_nosys. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static hc_fn hc_table[PV_SYS_COUNT] = {
	[0 ... PV_SYS_COUNT - 1] = hc_nosys,
	[PV_SYS_exit] = hc_exit,
	[PV_SYS_abort] = hc_abort,
	[PV_SYS_idle] = hc_idle,
	[PV_SYS_console_write] = hc_console_write,
	[PV_SYS_clock_mono] = hc_clock_mono,
	[PV_SYS_clock_wall] = hc_clock_wall,
	[PV_SYS_random] = hc_random,
	[PV_SYS_meminfo] = hc_meminfo,
	[PV_SYS_yield] = hc_yield,
};
#pragma GCC diagnostic pop

void hcall_register(enum pv_call_nr nr, hc_fn fn)
{
	if ((unsigned)nr >= PV_SYS_COUNT || hc_table[nr] != hc_nosys || !fn)
		panic("hcall_register: call %u is out of range or already handled", (unsigned)nr);
	hc_table[nr] = fn;
}

HOT void hcall_entry(struct trapframe *tf)
{
	struct vm *vm = sched_current;
	uint64_t nr = arch_hc_nr(tf);
	long r;

	if (!vm)
		panic("syscall with no current VM");
	sched_charge(vm);
	vm->hypercalls++;
	r = nr < PV_SYS_COUNT ? hc_table[nr](vm, tf) : PV_ENOSYS;
	if (r == HC_SWITCH)
		sched_run();
	vm_hcall_return(vm, tf, r);
}
