/* runq.c - the run queue (FIFO of runnable VMs) and the idle heap: the scheduler's policy, testable on the host. */
#include "runq.h"
#include "pvisa.h"

#define VM_OF_TIMER(n) ((struct vm *)((char *)(n) - __builtin_offsetof(struct vm, timer)))

void runq_init(struct runq *q, struct tq_node **storage, uint32_t cap)
{
	q->head = q->tail = NULL;
	tq_init(&q->idle, storage, cap);
}

void runq_push(struct runq *q, struct vm *vm)
{
	vm->state = VM_RUNNABLE;
	vm->rq_next = NULL;
	if (q->tail)
		q->tail->rq_next = vm;
	else
		q->head = vm;
	q->tail = vm;
}

void runq_push_front(struct runq *q, struct vm *vm)
{
	vm->state = VM_RUNNABLE;
	vm->rq_next = q->head;
	q->head = vm;
	if (!q->tail)
		q->tail = vm;
}

struct vm *runq_pop(struct runq *q)
{
	struct vm *vm = q->head;

	if (vm) {
		q->head = vm->rq_next;
		if (!q->head)
			q->tail = NULL;
		vm->rq_next = NULL;
	}
	return vm;
}

int runq_block(struct runq *q, struct vm *vm, uint64_t when)
{
	vm->state = VM_BLOCKED;
	return tq_insert(&q->idle, &vm->timer, when);
}

void runq_forget(struct runq *q, struct vm *vm)
{
	tq_remove(&q->idle, &vm->timer);
}

uint32_t runq_wake(struct runq *q, uint64_t now)
{
	struct tq_node *n;
	uint32_t woke = 0;

	while ((n = tq_pop_expired(&q->idle, now))) {
		struct vm *vm = VM_OF_TIMER(n);
		vm->pending |= PV_PEND_TIMER;
		vm->regs.rax = vm->pending;       /* idle() returns the pending set ... */
		vm->pending = 0;                  /* ... and clears it */
		runq_push(q, vm);
		woke++;
	}
	return woke;
}

uint64_t runq_next_deadline(const struct runq *q)
{
	const struct tq_node *n = tq_peek(&q->idle);

	return n ? n->deadline : TQ_NEVER;
}

struct vm *runq_any_idle(const struct runq *q)
{
	struct tq_node *n = tq_peek(&q->idle);

	return n ? VM_OF_TIMER(n) : NULL;
}
