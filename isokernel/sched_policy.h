/* sched_policy.h - the scheduler's policy interface: which runnable VM runs next and when idle VMs wake (no hardware). */
#ifndef ISO_SCHED_POLICY_H
#define ISO_SCHED_POLICY_H

#include <stdint.h>
#include <stdbool.h>

struct vm;
struct tq_node;

/*
 * A policy keeps per-CPU state (q) over the VMs it is given: runnable ones (enqueue, wake, tick) until pick takes
 * one out to run, blocked ones (block) until wake or their deadline (tick). The mechanism - switching, the quantum
 * timer, CPU time, what an idle VM's hypercall returns - is sched.c's. Times are TSC ticks; SCHED_NEVER: no deadline.
 */
#define SCHED_NEVER UINT64_MAX

struct sched_policy {
	const char *name;
	/* CPU cpu's state: heap storage for cap idle VMs; quantum in TSC ticks. */
	void *(*init)(unsigned cpu, struct tq_node **storage, uint32_t cap, uint64_t quantum);
	/* vm is runnable (new, preempted, yielded). */
	void (*enqueue)(void *q, struct vm *vm);
	/* The VM to run at now, taken out of the queue; NULL when none is runnable. */
	struct vm *(*pick)(void *q, uint64_t now);
	/* vm waits until TSC until (SCHED_NEVER: only wake) or wake; -1 when the policy has no room for it. */
	int (*block)(void *q, struct vm *vm, uint64_t until);
	/* An event for a blocked vm: runnable again; immediate asks for low latency (within the policy's fairness). */
	void (*wake)(void *q, struct vm *vm, bool immediate);
	/* Time is now: every blocked VM whose deadline passed is handed to woken, then made runnable. How many. */
	uint32_t (*tick)(void *q, uint64_t now, void (*woken)(struct vm *vm));
	/* vm is ending: out of wherever the policy holds it. */
	void (*remove)(void *q, struct vm *vm);
	/* The earliest deadline of a blocked VM, or SCHED_NEVER. */
	uint64_t (*next_deadline)(const void *q);
	/* Any VM the policy holds, runnable ones first (ending the run), or NULL. */
	struct vm *(*any)(const void *q);
};

/* Round-robin with a deadline heap, and immediate delivery bounded to one shared quantum (sched_rr.c). */
extern const struct sched_policy sched_rr;
/* CPU shares: round robin until a share is set (sched_set_share), then deficit round robin over tenants by share and
 * round robin inside each (sched_share.c). The kernel's policy: round robin's cost plus one test per operation. */
extern const struct sched_policy sched_share;

/* The policy the kernel is built with. sched.c calls its operations by name, SCHED_CALL(pick) = sched_rr_pick, so
 * link-time optimisation inlines them into the VM switch (a call through the struct costs a call and a return
 * each, four times a pass); the struct is the same set, for tests and for choosing at run time later. */
#define SCHED_POLICY_NAME share
#define SCHED_CALL(op) SCHED_CALL_(SCHED_POLICY_NAME, op)
#define SCHED_CALL_(p, op) SCHED_CALL__(p, op)
#define SCHED_CALL__(p, op) sched_##p##_##op

#endif
