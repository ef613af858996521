/* sched.c - round-robin scheduling of VMs on one CPU: run queue, idle-with-timeout heap, switching, run end. */
#include "hot.h"
#include "sched.h"
#include "runq.h"
#include "report.h"
#include "runlog.h"
#include "lapic.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"
#include "memlayout.h"
#include "virtio_net.h"
#include "virtio_console.h"
#include "vswitch.h"
#include "serial.h"
#include "frame.h"
#include "ctlsrv.h"
#include "selftest.h"

struct vm *sched_current;
static struct runq rq;
static struct vm *fpu_owner;        /* whose x87/SSE state is in the CPU now */
/* The per-CPU user hierarchy: PML4[0] -> user_pdpt -> user_pd; user_pd[2] is the running VM's window. */
static uint64_t user_pdpt[512] __attribute__((aligned(4096)));
static uint64_t user_pd[512] __attribute__((aligned(4096)));
static uint64_t quantum_tsc, run_deadline_tsc, slice_start, quantum_end;
static struct vm *last_run;         /* whose window is installed */
static uint64_t stop_poll_tsc, next_stop_poll;   /* when COM1 is next checked for the host's stop byte */
/* Instrumentation (kst.sched_pass, timer_delivery, net_delivery): a few TSC reads per pass, always on. */
static uint64_t pass_entry;         /* kernel entry of a VM whose quantum ran out (0: this pass is not one) */
static const struct vm *pass_vm;    /* that VM */
static uint64_t wake_tsc;           /* the idle loop woke up (0: this pass did not come from idling) */
static bool woke_by_timer, woke_by_net;

void sched_init(uint64_t *pml4, struct tq_node **timer_storage, uint32_t cap, uint64_t quantum_ns,
		uint64_t run_deadline_ns)
{
	user_pdpt[0] = KV2P(user_pd) | PTE_P | PTE_W | PTE_U;
	pml4[0] = KV2P(user_pdpt) | PTE_P | PTE_W | PTE_U;    /* replaces the boot identity map */
	write_cr3(read_cr3());
	quantum_tsc = ns_to_tsc(quantum_ns);
	runq_init(&rq, timer_storage, cap, quantum_tsc);
	run_deadline_tsc = run_deadline_ns ? tsc_boot + ns_to_tsc(run_deadline_ns) : 0;
	stop_poll_tsc = ns_to_tsc(RL_STOP_POLL_MS * 1000000ull);
	kst.free_frames_min = frame_free_count();
}

/* Has the host asked the run to end (RL_STOP_BYTE on COM1)? One port read per RL_STOP_POLL_MS at most. */
static bool host_stop(uint64_t now)
{
	int c;

	if (now < next_stop_poll)
		return false;
	next_stop_poll = now + stop_poll_tsc;
	/* QEMU's TCG sizes its software TLB only when it is flushed: after thousands of VM switches that each
	 * used a few entries it is at its smallest, and a VM that then runs alone for long (no switch, no flush)
	 * keeps missing in it. A reload every RL_STOP_POLL_MS lets it grow again; anywhere else it costs a refill. */
	write_cr3(read_cr3());
	while ((c = serial_getc()) >= 0)
		if (c == RL_STOP_BYTE)
			return true;
	return false;
}

void sched_live_delta(int d)
{
	kst.live += d;
	if (d > 0 && kst.live > kst.peak_live) {
		kst.peak_live = kst.live;
		/* Kernel memory for VMs at this peak: their structures, page tables and timer-heap slots. */
		kst.kernel_bytes_peak = vm_slab_bytes() + kst.live * (PV_PAGE_SIZE + 2 * sizeof(void *));
	}
}

void sched_enqueue(struct vm *vm)
{
	runq_push(&rq, vm);
}

void sched_preempt(struct vm *vm)
{
	pass_entry = slice_start;       /* sched_save() just read the TSC on entry */
	pass_vm = vm;
	runq_wake(&rq, pass_entry);     /* VMs whose deadline passed during its quantum go before it */
	runq_push(&rq, vm);
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
	uint64_t when = deadline_ns && deadline_ns < (1ull << 60) ? tsc_boot + ns_to_tsc(deadline_ns) : TQ_NEVER;

	if (runq_block(&rq, vm, when) != 0)
		panic("timer heap full");
}

void sched_notify(struct vm *vm, uint64_t bits, bool immediate)
{
	vm->pending |= bits;
	if (vm->state != VM_BLOCKED)
		return;
	woke_by_net |= wake_tsc != 0;
	runq_forget(&rq, vm);
	vm->regs.rax = vm->pending;      /* idle() returns the pending set and clears it */
	vm->pending = 0;
	if (immediate)
		runq_push_woken(&rq, vm);     /* next, within the front's quantum (runq.h) */
	else
		runq_push(&rq, vm);
}

void sched_fpu_sync(struct vm *vm)
{
	if (fpu_owner == vm)
		fxsave(vm->fx);
	if (last_run == vm)
		read_data_sels(vm->regs.sel);
}

bool sched_idle_left(const struct vm *vm, uint64_t *left_ns)
{
	uint64_t now = rdtsc(), d = vm->timer.deadline;

	if (vm->state != VM_BLOCKED)
		return false;
	*left_ns = d == TQ_NEVER ? UINT64_MAX : d > now ? tsc_to_ns(d - now) : 0;
	return true;
}

void sched_restore(struct vm *vm, bool idle, uint64_t left_ns)
{
	uint64_t when = TQ_NEVER;

	if (!idle) {
		runq_push(&rq, vm);
		return;
	}
	if (left_ns < (1ull << 60))
		when = rdtsc() + ns_to_tsc(left_ns);
	if (runq_block(&rq, vm, when) != 0)
		panic("timer heap full");
}

void sched_forget(struct vm *vm)
{
	if (vm->state == VM_RUNNABLE)
		runq_remove(&rq, vm);          /* ended while waiting to run (reclaimed for memory) */
	runq_forget(&rq, vm);
	if (fpu_owner == vm)
		fpu_owner = NULL;
	if (last_run == vm) {
		/* Its page-table page is about to be freed: no walk, cached or speculative, may reach it (invlpg drops
		 * the paging-structure caches too). The next switch_to installs another window. */
		user_pd[2] = 0;
		invlpg(PV_WIN_BASE);
		last_run = NULL;
	}
	if (sched_current == vm)
		sched_current = NULL;
}

HOT void sched_charge(struct vm *vm)
{
	uint64_t now = rdtsc();

	vm->cpu_tsc += now - slice_start;
	slice_start = now;
}

bool sched_quantum_over(void)
{
	return rdtsc() >= quantum_end;
}

void sched_save(struct vm *vm, const struct trapframe *tf)
{
	tf_copy(&vm->regs, tf);
	sched_charge(vm);
}

/* Every VM still alive at the end of the run is reported as running and freed. */
static void end_of_run(const char *why)
{
	struct vm *vm;

	if (sched_current)
		vm_end(sched_current, VM_RUNNING, -1, why);
	while ((vm = runq_pop(&rq))) {
		vm->state = VM_RUNNING;        /* out of the queue already */
		vm_end(vm, VM_RUNNING, -1, why);
	}
	while ((vm = runq_any_idle(&rq)))
		vm_end(vm, VM_RUNNING, -1,
		       vm->timer.deadline == TQ_NEVER ? "idle with no deadline at the end of the run" : why);
}

static void finish(void)
{
	int code = RL_CODE_OK;

	lapic_timer_stop();
	vnet_report();
	vsw_report();
	if (kst.live)
		panic("%lu VMs unaccounted for at the end of the run", kst.live);
	if (kst.failed || kst.faulted || (kst.running_at_end && !kst.stopped))   /* a stop is the host's choice */
		code = RL_CODE_VMFAIL;
	if (kst.rejected || (!kst.started && !ctl_serve))
		code = RL_CODE_BADINPUT;       /* an image was refused, or there was nothing to run */
	report_finish(code);
}

uint64_t sched_idle_spin;

/* Nothing runnable: sleep until the next deadline (an idle VM's or the run's) or a NIC interrupt; with idle_spin=1
 * spin until then or until a frame waits. False: nothing can wake. */
static bool idle_wait(uint64_t now)
{
	uint64_t until = runq_next_deadline(&rq);

	if (run_deadline_tsc && run_deadline_tsc < until)
		until = run_deadline_tsc;
	if ((until != TQ_NEVER || vnet_present() || ctl_serve) && next_stop_poll < until)
		until = next_stop_poll;         /* the host may say stop: look at COM1 (and the control port) while asleep */
	if (ctl_busy())
		until = now;                     /* a control request under way, or a reply the port has not taken */
	until = vnet_idle_until(now, until);     /* NIC busy: now; polled: soon; else its interrupt wakes us */
	until = vcon_idle(now, until);           /* the report stream's partial page goes out before we sleep */
	if (until == TQ_NEVER)
		return false;
	if (until <= now)
		return true;                     /* poll again at once */
	if (sched_idle_spin) {
		while (rdtsc() < until && !vnet_rx_waiting())
			pause();
		wake_tsc = rdtsc();
		return true;
	}
	lapic_timer_arm_ns(tsc_to_ns(until - now));
	quantum_end = 0;                 /* a stale timer interrupt of the last VM is taken while halted */
	sti_hlt();
	cli();
	wake_tsc = rdtsc();
	return true;
}

/* The last VM left the CPU (blocked, yielded, ended, or cut inside a hypercall) with its quantum over and no idling
 * since: its timer interrupt may be pending or about to fire, and would cut the next VM's first quantum short. Stop
 * the timer and take what is pending here, in ring 0 (sched_timer_irq ignores it). Idling takes it the same way. */
static void drain_stale_timer(uint64_t now)
{
	if (!quantum_end || now < quantum_end)
		return;
	lapic_timer_stop();
	irq_window();
	quantum_end = 0;
}

/* Install vm's window, data segment selectors and x87/SSE state. The selectors the last VM left in ds, es, fs and
 * gs are kept in its saved registers (regs.sel: the error slot, unused between quanta) until it runs again; a new VM
 * has null ones. */
static void switch_to(struct vm *vm)
{
	if (last_run != vm) {
		if (last_run)
			read_data_sels(last_run->regs.sel);
		load_data_sels(vm->regs.sel);
		user_pd[2] = vm->mem.pt_phys | PTE_P | PTE_W | PTE_U;
		write_cr3(read_cr3());
		last_run = vm;
		kst.switches++;
	}
	if (fpu_owner != vm) {
		if (fpu_owner)
			fxsave(fpu_owner->fx);
		fxrstor(vm->fx);
		fpu_owner = vm;
	}
}

/* The scheduler's own figures, taken when vm was picked and installed (picked) and at its resume (t, after the
 * timer is armed): the pass after a quantum ran out (the same VM goes on, or another one: a switch), the delivery
 * of a timer or a frame to a VM that woke an idle kernel, and the first quantum of each VM (the last one makes all
 * live). */
static void account_pass(struct vm *vm, uint64_t picked, uint64_t t)
{
	if (pass_entry && vm == pass_vm) {
		tstat_add(&kst.sched_pass, t - pass_entry);
		tstat_add(&kst.sched_pick, picked - pass_entry);
	} else if (pass_entry) {
		tstat_add(&kst.sched_switch, t - pass_entry);
	}
	if (wake_tsc && woke_by_timer != woke_by_net)
		tstat_add(woke_by_timer ? &kst.timer_delivery : &kst.net_delivery, t - wake_tsc);
	pass_entry = wake_tsc = 0;
	woke_by_timer = woke_by_net = false;
	if (vm->cpu_tsc)
		return;                  /* it has run before: sched_save charges at least one tick per quantum */
	if (++kst.first_runs == kst.started) {
		kst.all_live_tsc = t;
		kprintf("@live vms=%lu live=%lu all_live_ns=%lu\n", kst.started, kst.live,
			tsc_to_ns(t - kst.first_create_tsc));
	}
}

HOT void sched_run(void)
{
	sched_current = NULL;
	for (;;) {
		vnet_poll();
		vsw_poll();
		vcon_poll();
		ctl_poll();
		selftest_poll();
		uint64_t now = rdtsc();
		if (run_deadline_tsc && now >= run_deadline_tsc) {
			kst.timed_out = true;
			end_of_run("still running when the run timed out");
			finish();
		}
		if (host_stop(now) || ctl_stop_requested()) {
			kst.stopped = true;
			end_of_run("stopped by the host");
			finish();
		}
		woke_by_timer |= runq_wake(&rq, now) && wake_tsc;
		struct vm *vm = runq_pick(&rq, now);
		if (vm) {
			sched_current = vm;
			vm->state = VM_RUNNING;
			vm->tx_budget = VSW_TX_BUDGET;
			switch_to(vm);
			uint64_t picked = rdtsc();
			drain_stale_timer(picked);
			lapic_timer_arm_ns(tsc_to_ns(quantum_tsc));
			slice_start = rdtsc();
			quantum_end = slice_start + quantum_tsc;
			account_pass(vm, picked, slice_start);
			vm_resume(vm);
		}
		if (!kst.live && !vnet_bouncing() && !ctl_serve)
			finish();                    /* serve=1: the host may still send VMs (ctl.c) */
		pass_entry = 0;                  /* idling: what follows is no longer the preempted VM's pass */
		if (!idle_wait(now)) {
			end_of_run("blocked forever");
			finish();
		}
	}
}

void sched_timer_irq(void)
{
	/* The idle loop re-examines the timer heap after every wake-up: nothing to do here. */
}
