/* sched.c - the scheduler's mechanism: VMs on and off the CPU (arch switch, quantum timer, CPU time), idling and
 * wake-ups; who runs next is the policy's choice (sched_policy.h; round-robin: sched_rr.c). */
#include "hot.h"
#include "sched.h"
#include "sched_policy.h"
#include "sched_rr.h"
#include "sched_share.h"
#include "percpu.h"
#include "loop.h"
#include "report.h"
#include "arch.h"
#include "tsc.h"
#include "kprintf.h"
#include "frame.h"

struct cpu cpus[MAX_CPUS];
static uint64_t quantum_tsc;

/* No subsystem wants to know: the default (net/nethc.c's replaces it at link time). */
__attribute__((weak)) void sched_dispatch_hook(struct vm *vm)
{
	(void)vm;
}

void sched_init(uint64_t *pml4, struct tq_node **timer_storage, uint32_t cap, uint64_t quantum_ns)
{
	struct cpu *c = this_cpu();

	arch_cpu_init(&c->arch, arch_cpu_id(), pml4);
	quantum_tsc = ns_to_tsc(quantum_ns);
	c->rq = SCHED_CALL(init)(arch_cpu_id(), timer_storage, cap, quantum_tsc);
	kst.free_frames_min = frame_free_count();
}

void sched_live_delta(int d)
{
	kst.live += d;
	if (d > 0 && kst.live > kst.peak_live) {
		kst.peak_live = kst.live;
		/* Kernel memory for VMs at this peak: their structures, page tables (with the table's frame descriptor)
		 * and timer-heap slots. */
		kst.kernel_bytes_peak = vm_slab_bytes() + kst.live * (PV_PAGE_SIZE + FRAME_DESC_BYTES + 2 * sizeof(void *));
	}
}

void sched_enqueue(struct vm *vm)
{
	SCHED_CALL(enqueue)(this_cpu()->rq, vm);
}

/* idle() returns the pending set and clears it. */
static void deliver_pending(struct vm *vm)
{
	arch_set_retval(&vm->arch, vm->pending);
	vm->pending = 0;
}

/* A blocked VM's deadline passed. */
static void timer_woken(struct vm *vm)
{
	vm->pending |= PV_PEND_TIMER;
	deliver_pending(vm);
}

/* Inlined into the timer path (vm_trap) and console_write: it is most of a scheduler pass. */
__attribute__((always_inline)) inline void sched_preempt(struct vm *vm)
{
	struct cpu *c = this_cpu();

	c->pass_entry = c->slice_start;       /* sched_save() just read the TSC on entry */
	c->pass_vm = vm;
	SCHED_CALL(tick)(c->rq, c->pass_entry, timer_woken);   /* VMs whose deadline passed during its quantum go first */
	SCHED_CALL(enqueue)(c->rq, vm);
}

void sched_mem_sample(void)
{
	uint64_t f = frame_free_count();

	if (f < kst.free_frames_min)
		kst.free_frames_min = f;
}

void sched_block(struct vm *vm, uint64_t deadline_ns)
{
	/* Deadlines past ~36 years (or 0) mean "none": no overflow in the TSC conversion. */
	uint64_t when = deadline_ns && deadline_ns < (1ull << 60) ? tsc_boot + ns_to_tsc(deadline_ns) : SCHED_NEVER;

	if (SCHED_CALL(block)(this_cpu()->rq, vm, when) != 0)
		panic("timer heap full");
}

void sched_notify(struct vm *vm, uint64_t bits, bool immediate)
{
	struct cpu *c = this_cpu();

	vm->pending |= bits;
	if (vm->state != VM_BLOCKED)
		return;
	c->woke_by_net |= c->wake_tsc != 0;
	deliver_pending(vm);
	SCHED_CALL(wake)(c->rq, vm, immediate);
}

/* For a save: idle means blocked in idle(), with the policy holding its deadline (vm->timer, TSC). */
bool sched_idle_left(const struct vm *vm, uint64_t *left_ns)
{
	uint64_t now = rdtsc(), d = vm->timer.deadline;

	if (vm->state != VM_BLOCKED)
		return false;
	*left_ns = d == SCHED_NEVER ? UINT64_MAX : d > now ? tsc_to_ns(d - now) : 0;
	return true;
}

void sched_restore(struct vm *vm, bool idle, uint64_t left_ns)
{
	uint64_t when = SCHED_NEVER;

	if (!idle) {
		SCHED_CALL(enqueue)(this_cpu()->rq, vm);
		return;
	}
	if (left_ns < (1ull << 60))
		when = rdtsc() + ns_to_tsc(left_ns);
	if (SCHED_CALL(block)(this_cpu()->rq, vm, when) != 0)
		panic("timer heap full");
}

void sched_forget(struct vm *vm)
{
	struct cpu *c = this_cpu();

	SCHED_CALL(remove)(c->rq, vm);
	arch_vm_forget(&c->arch, &vm->arch);
	if (c->current == vm)
		c->current = NULL;
}

void sched_fpu_sync(struct vm *vm)
{
	arch_vm_sync(&this_cpu()->arch, &vm->arch);
}

HOT void sched_charge(struct vm *vm)
{
	struct cpu *c = this_cpu();
	uint64_t now = rdtsc();

	vm->cpu_tsc += now - c->slice_start;
	c->slice_start = now;
}

bool sched_quantum_over(void)
{
	return rdtsc() >= this_cpu()->quantum_end;
}

void sched_save(struct vm *vm, const struct trapframe *tf)
{
	arch_vm_park(&vm->arch, tf);
	sched_charge(vm);
}

uint64_t sched_next_deadline(void)
{
	return SCHED_CALL(next_deadline)(this_cpu()->rq);
}

void sched_end_all(const char *why)
{
	struct cpu *c = this_cpu();
	struct vm *vm;

	if (c->current)
		vm_end(c->current, VM_RUNNING, -1, why);
	while ((vm = SCHED_CALL(any)(c->rq)))
		vm_end(vm, VM_RUNNING, -1, vm->state == VM_BLOCKED && vm->timer.deadline == SCHED_NEVER ?
		       "idle with no deadline at the end of the run" : why);
}

/* The last VM left the CPU (blocked, yielded, ended, or cut inside a hypercall) with its quantum over and no idling
 * since: its timer interrupt may be pending or about to fire, and would cut the next VM's first quantum short. Stop
 * the timer and take what is pending here, in ring 0 (sched_timer_irq ignores it). Idling takes it the same way. */
static void drain_stale_timer(struct cpu *c, uint64_t now)
{
	if (!c->quantum_end || now < c->quantum_end)
		return;
	arch_timer_stop();
	arch_irq_window();
	c->quantum_end = 0;
}

/* The scheduler's own figures, taken when vm was picked and installed (picked) and at its resume (t, after the
 * timer is armed): the pass after a quantum ran out (the same VM goes on, or another one: a switch), the delivery
 * of a timer or a frame to a VM that woke an idle kernel, and the first quantum of each VM (the last one makes all
 * live). */
static void account_pass(struct cpu *c, struct vm *vm, uint64_t picked, uint64_t t)
{
	if (c->pass_entry && vm == c->pass_vm) {
		tstat_add(&kst.sched_pass, t - c->pass_entry);
		tstat_add(&kst.sched_pick, picked - c->pass_entry);
	} else if (c->pass_entry) {
		tstat_add(&kst.sched_switch, t - c->pass_entry);
	}
	if (c->wake_tsc && c->woke_by_timer != c->woke_by_net)
		tstat_add(c->woke_by_timer ? &kst.timer_delivery : &kst.net_delivery, t - c->wake_tsc);
	c->pass_entry = c->wake_tsc = 0;
	c->woke_by_timer = c->woke_by_net = false;
	if (vm->cpu_tsc)
		return;                  /* it has run before: sched_save charges at least one tick per quantum */
	if (++kst.first_runs == kst.started) {
		kst.all_live_tsc = t;
		kprintf("@live vms=%lu live=%lu all_live_ns=%lu\n", kst.started, kst.live,
			tsc_to_ns(t - kst.first_create_tsc));
	}
}

HOT void sched_dispatch(uint64_t now)
{
	struct cpu *c = this_cpu();

	c->woke_by_timer |= SCHED_CALL(tick)(c->rq, now, timer_woken) && c->wake_tsc;
	struct vm *vm = SCHED_CALL(pick)(c->rq, now);
	if (!vm) {
		c->pass_entry = 0;               /* idling: what follows is no longer the preempted VM's pass */
		return;
	}
	c->current = vm;
	vm->state = VM_RUNNING;
	sched_dispatch_hook(vm);
	if (arch_vm_install(&c->arch, &vm->arch, vm->mem.pt_phys))
		kst.switches++;
	uint64_t picked = rdtsc();
	drain_stale_timer(c, picked);
	arch_timer_arm_ns(tsc_to_ns(quantum_tsc));
	c->slice_start = rdtsc();
	c->quantum_end = c->slice_start + quantum_tsc;
	account_pass(c, vm, picked, c->slice_start);
	vm_resume(vm);
}

void sched_run(void)
{
	loop_run();
}

void sched_timer_irq(void)
{
	/* The idle loop re-examines the deadlines after every wake-up: nothing to do here. */
}
