/* sched.h - round-robin scheduler: a run queue of runnable VMs only, a timer heap for idle ones. */
#ifndef ISO_SCHED_H
#define ISO_SCHED_H

#include <stdint.h>
#include "vm.h"

extern struct vm *sched_current;
/* idle_spin=N on the kernel command line: nonzero makes the idle loop spin (watching the NIC) instead of halting. */
extern uint64_t sched_idle_spin;

/* Install the per-CPU user hierarchy at pml4[0]; timer_storage holds cap heap slots;
 * run_deadline_ns (0 = none) ends the run even if VMs still run. */
void sched_init(uint64_t *pml4, struct tq_node **timer_storage, uint32_t cap, uint64_t quantum_ns,
		uint64_t run_deadline_ns);
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
/* Store the state of vm that the CPU may still hold (x87/SSE, data segment selectors: switched lazily) into vm. */
void sched_fpu_sync(struct vm *vm);
/* For a save: true if vm is idle, with the ns left to its deadline in *left_ns (UINT64_MAX: none; 0: passed). */
bool sched_idle_left(const struct vm *vm, uint64_t *left_ns);
/* A restored VM into the scheduler's queues: runnable (at the tail), or idle for left_ns (UINT64_MAX: no deadline). */
void sched_restore(struct vm *vm, bool idle, uint64_t left_ns);
/* Forget a VM that is ending (timer heap, FPU owner, current). */
void sched_forget(struct vm *vm);
/* Pick the next VM and run it; idles when none is runnable; ends the run when none is left. */
void sched_run(void) __attribute__((noreturn));
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

#endif
