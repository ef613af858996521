/* sched.h - the scheduler: VMs on and off the CPU, blocking and wake-ups; the choice of the next VM is a policy's. */
#ifndef ISO_SCHED_H
#define ISO_SCHED_H

#include <stdint.h>
#include "vm.h"
#include "percpu.h"

/* The VM on this CPU (NULL while the kernel chooses or idles). */
#define sched_current (this_cpu()->current)
/* idle_spin=N on the kernel command line: nonzero makes the idle loop spin (watching the sources) instead of halting. */
extern uint64_t sched_idle_spin;
/* Called with each VM about to run a quantum: a weak default does nothing; the network subsystem defines it (its send
 * budget per quantum) and link-time optimisation inlines it. A link-time hook like arch_weak.c's: it is on the VM
 * switch path, where a call through a pointer would cost. */
void sched_dispatch_hook(struct vm *vm);

/* Install the per-CPU user hierarchy at pml4[0]; timer_storage holds cap heap slots. */
void sched_init(uint64_t *pml4, struct tq_node **timer_storage, uint32_t cap, uint64_t quantum_ns);
/* Append a runnable VM to the run queue. */
void sched_enqueue(struct vm *vm);
/* The current VM's quantum ran out (timer from ring 3, just saved): to the tail of the run queue; the scheduler pass
 * that follows is timed (kst.sched_pass). */
void sched_preempt(struct vm *vm);
/* Note the free frames now (kst.free_frames_min); called before a VM gives its memory back. */
void sched_mem_sample(void);
/* The current VM blocks until deadline_ns (0 = none) or an event; it is not in any queue after. */
void sched_block(struct vm *vm, uint64_t deadline_ns);
/* An event for vm: add bits to its pending set; a VM idling is woken (at the tail of the run queue:
 * batched delivery, it sees every event queued until it runs; at the head if immediate). */
void sched_notify(struct vm *vm, uint64_t bits, bool immediate);
/* For a save: true if vm is idle, with the ns left to its deadline in *left_ns (UINT64_MAX: none; 0: passed). */
bool sched_idle_left(const struct vm *vm, uint64_t *left_ns);
/* A restored VM into the policy: runnable (enqueued), or blocked for left_ns (UINT64_MAX: no deadline). */
void sched_restore(struct vm *vm, bool idle, uint64_t left_ns);
/* Forget a VM that is ending (policy, installed window, FPU owner, current). */
void sched_forget(struct vm *vm);
/* Store the state of vm that the CPU may still hold (x87/SSE, data segment selectors: switched lazily) into vm, e.g.
 * before saving the VM. */
void sched_fpu_sync(struct vm *vm);
/* Leave the current VM (it has been saved, queued, blocked or ended) for the main loop: the next VM runs. */
void sched_run(void) __attribute__((noreturn));
/* One pass of the main loop: wake VMs whose deadline passed, run the next runnable VM (no return then); returns
 * when none is runnable. */
void sched_dispatch(uint64_t now);
/* The earliest deadline of an idle VM (TSC), or SCHED_NEVER. */
uint64_t sched_next_deadline(void);
/* End every VM (the current one, runnable, idle) as still running, with why. */
void sched_end_all(const char *why);
/* Has the current VM's quantum run out (for a hypercall that works long: console_write)? */
bool sched_quantum_over(void);
/* Save the current VM's registers from an entry frame and charge its CPU time. */
void sched_save(struct vm *vm, const struct trapframe *tf);
/* Only charge its CPU time (a hypercall: the registers stay in the entry frame unless the VM leaves the CPU). */
void sched_charge(struct vm *vm);
/* Timer interrupt taken while the kernel idles. */
void sched_timer_irq(void);
/* Called once per VM state change to keep the live count (and the peak) right. */
void sched_live_delta(int d);
/* Tenant tenant (0..254; vm->tenant) gets share (1..1000, more is 1000; 0: the tenant is gone) of the CPU against the
 * other tenants with runnable VMs. The first call turns the CPU-share policy on for good (sched_share.c); until then
 * the kernel schedules round robin. May be called before sched_init (kernel options). */
void sched_set_share(unsigned tenant, unsigned share);

#endif
