/* sched_rr.h - the round-robin policy's queue: the FIFO of runnable VMs and the deadline heap of idle ones. */
#ifndef ISO_SCHED_RR_H
#define ISO_SCHED_RR_H

#include <stdint.h>
#include <stdbool.h>
#include "vm.h"
#include "sched_policy.h"

#define TQ_NEVER SCHED_NEVER    /* blocked with no deadline: only an event wakes it */

/*
 * Immediate delivery (net_immediate=1) puts a woken VM at the head of the queue, ahead of VMs that have waited: a
 * latency optimisation bounded by fairness. VMs picked from the head that way share one quantum of CPU (front_used,
 * counted from pick to pick); once it is spent, woken VMs join the tail until a VM is picked in round-robin order
 * (which renews it). So a VM that waits is passed over for at most about one quantum, whatever wakes whom.
 */
struct runq {
	struct vm *head, *tail;    /* runnable VMs only, round-robin order */
	struct timerq idle;        /* idle VMs keyed by TSC deadline (TQ_NEVER: no deadline) */
	uint64_t quantum;          /* TSC ticks */
	uint64_t front_used;       /* TSC taken by VMs picked from the front since the last round-robin pick */
	uint64_t front_since;      /* when the VM now running was picked, if it came from the front */
	uint32_t nfront;           /* VMs at the head that runq_push_woken put there */
	bool front_running;
};

void runq_init(struct runq *q, struct tq_node **storage, uint32_t cap, uint64_t quantum);
/* Append a runnable VM. */
void runq_push(struct runq *q, struct vm *vm);
/* A VM woken with immediate delivery: at the head (it runs next) while the front's quantum lasts, else the tail. */
void runq_push_woken(struct runq *q, struct vm *vm);
/* The next VM to run, or NULL (no accounting: ending the run, tests). */
struct vm *runq_pop(struct runq *q);
/* The next VM to run at TSC now, or NULL; charges the front's quantum with the time since the previous pick if that
 * one came from the front, and renews it when this one does not. */
struct vm *runq_pick(struct runq *q, uint64_t now);
/* Take a runnable vm out of the queue wherever it is (O(queue length): for ending a VM that waits to run). */
void runq_remove(struct runq *q, struct vm *vm);
/* Park vm until the TSC reaches when (TQ_NEVER: until an event). -1 if the heap is full. */
int runq_block(struct runq *q, struct vm *vm, uint64_t when);
/* Take vm out of the idle heap (it is ending). */
void runq_forget(struct runq *q, struct vm *vm);
/* Move every idle VM whose deadline is <= now to the run queue, each handed to woken first. Returns how many woke. */
uint32_t runq_wake(struct runq *q, uint64_t now, void (*woken)(struct vm *vm));
/* The earliest idle deadline, or TQ_NEVER. */
uint64_t runq_next_deadline(const struct runq *q);
/* Any idle VM (for ending the run), or NULL. */
struct vm *runq_any_idle(const struct runq *q);

/* The policy's operations (sched_policy.h says what each does); q is a struct runq. */
void *sched_rr_init(unsigned cpu, struct tq_node **storage, uint32_t cap, uint64_t quantum);
void sched_rr_enqueue(void *q, struct vm *vm);
struct vm *sched_rr_pick(void *q, uint64_t now);
int sched_rr_block(void *q, struct vm *vm, uint64_t until);
void sched_rr_wake(void *q, struct vm *vm, bool immediate);
uint32_t sched_rr_tick(void *q, uint64_t now, void (*woken)(struct vm *vm));
void sched_rr_remove(void *q, struct vm *vm);
uint64_t sched_rr_next_deadline(const void *q);
struct vm *sched_rr_any(const void *q);

#endif
