/* runq.h - scheduling state without hardware: the FIFO of runnable VMs and the deadline heap of idle ones. */
#ifndef ISO_RUNQ_H
#define ISO_RUNQ_H

#include <stdint.h>
#include "vm.h"

#define TQ_NEVER UINT64_MAX    /* blocked with no deadline: only an event wakes it */

struct runq {
	struct vm *head, *tail;    /* runnable VMs only, round-robin order */
	struct timerq idle;        /* idle VMs keyed by TSC deadline (TQ_NEVER: no deadline) */
};

void runq_init(struct runq *q, struct tq_node **storage, uint32_t cap);
/* Append a runnable VM. */
void runq_push(struct runq *q, struct vm *vm);
/* Put a VM at the head: it runs next (immediate event delivery). */
void runq_push_front(struct runq *q, struct vm *vm);
/* The next VM to run, or NULL. */
struct vm *runq_pop(struct runq *q);
/* Park vm until the TSC reaches when (TQ_NEVER: until an event). -1 if the heap is full. */
int runq_block(struct runq *q, struct vm *vm, uint64_t when);
/* Take vm out of the idle heap (it is ending). */
void runq_forget(struct runq *q, struct vm *vm);
/* Move every idle VM whose deadline is <= now to the run queue with PV_PEND_TIMER as idle()'s
 * result. Returns how many woke. */
uint32_t runq_wake(struct runq *q, uint64_t now);
/* The earliest idle deadline, or TQ_NEVER. */
uint64_t runq_next_deadline(const struct runq *q);
/* Any idle VM (for ending the run), or NULL. */
struct vm *runq_any_idle(const struct runq *q);

#endif
