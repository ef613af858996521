/* sched_rr.c - the round-robin policy: a FIFO of runnable VMs and a deadline heap of idle ones, testable on the host. */
#include "sched_rr.h"
#include "pvisa.h"

#define VM_OF_TIMER(n) ((struct vm *)((char *)(n) - __builtin_offsetof(struct vm, timer)))

void runq_init(struct runq *q, struct tq_node **storage, uint32_t cap, uint64_t quantum)
{
	q->head = q->tail = NULL;
	q->quantum = quantum;
	q->front_used = q->front_since = 0;
	q->nfront = 0;
	q->front_running = false;
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

void runq_push_woken(struct runq *q, struct vm *vm)
{
	if (q->front_used >= q->quantum) {
		runq_push(q, vm);
		return;
	}
	vm->state = VM_RUNNABLE;
	vm->rq_next = q->head;
	q->head = vm;
	if (!q->tail)
		q->tail = vm;
	q->nfront++;
}

struct vm *runq_pop(struct runq *q)
{
	struct vm *vm = q->head;

	if (vm) {
		q->head = vm->rq_next;
		if (!q->head)
			q->tail = NULL;
		vm->rq_next = NULL;
		if (q->nfront)
			q->nfront--;
	}
	return vm;
}

struct vm *runq_pick(struct runq *q, uint64_t now)
{
	bool front = q->nfront != 0;
	struct vm *vm;

	if (q->front_running)
		q->front_used += now - q->front_since;
	q->front_running = false;
	if (!(vm = runq_pop(q)))
		return NULL;
	if (front) {
		q->front_running = true;
		q->front_since = now;
	} else {
		q->front_used = 0;
	}
	return vm;
}

void runq_remove(struct runq *q, struct vm *vm)
{
	struct vm *prev = NULL, *v = q->head;
	uint32_t pos = 0;

	while (v && v != vm) {
		prev = v;
		v = v->rq_next;
		pos++;
	}
	if (!v)
		return;
	if (prev)
		prev->rq_next = vm->rq_next;
	else
		q->head = vm->rq_next;
	if (q->tail == vm)
		q->tail = prev;
	if (pos < q->nfront)
		q->nfront--;
	vm->rq_next = NULL;
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

uint32_t runq_wake(struct runq *q, uint64_t now, void (*woken)(struct vm *vm))
{
	struct tq_node *n;
	uint32_t woke = 0;

	while ((n = tq_pop_expired(&q->idle, now))) {
		struct vm *vm = VM_OF_TIMER(n);
		woken(vm);
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

/* The policy interface (sched_policy.h) over one struct runq per CPU: the functions (sched.c calls them by name,
 * SCHED_CALL) and the same set as a struct sched_policy. */
static struct runq rr_queues[MAX_CPUS];

void *sched_rr_init(unsigned cpu, struct tq_node **storage, uint32_t cap, uint64_t quantum)
{
	runq_init(&rr_queues[cpu], storage, cap, quantum);
	return &rr_queues[cpu];
}

void sched_rr_enqueue(void *q, struct vm *vm)
{
	runq_push(q, vm);
}

struct vm *sched_rr_pick(void *q, uint64_t now)
{
	return runq_pick(q, now);
}

int sched_rr_block(void *q, struct vm *vm, uint64_t until)
{
	return runq_block(q, vm, until);
}

/* Batched delivery: at the tail, it sees every event queued until it runs; immediate: at the head (sched_rr.h bounds it). */
void sched_rr_wake(void *q, struct vm *vm, bool immediate)
{
	runq_forget(q, vm);
	if (immediate)
		runq_push_woken(q, vm);
	else
		runq_push(q, vm);
}

uint32_t sched_rr_tick(void *q, uint64_t now, void (*woken)(struct vm *vm))
{
	return runq_wake(q, now, woken);
}

void sched_rr_remove(void *q, struct vm *vm)
{
	if (vm->state == VM_RUNNABLE)
		runq_remove(q, vm);          /* O(queue length): ended while waiting to run (reclaimed, end of run) */
	runq_forget(q, vm);
}

uint64_t sched_rr_next_deadline(const void *q)
{
	return runq_next_deadline(q);
}

struct vm *sched_rr_any(const void *q)
{
	const struct runq *r = q;

	return r->head ? r->head : runq_any_idle(r);
}

const struct sched_policy sched_rr = {
	.name = "round-robin",
	.init = sched_rr_init,
	.enqueue = sched_rr_enqueue,
	.pick = sched_rr_pick,
	.block = sched_rr_block,
	.wake = sched_rr_wake,
	.tick = sched_rr_tick,
	.remove = sched_rr_remove,
	.next_deadline = sched_rr_next_deadline,
	.any = sched_rr_any,
};
