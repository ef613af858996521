/* sched_share.c - the CPU-share policy (sched_share.h): deficit round robin over tenants, round robin inside one;
 * plain round robin until a share is set. Testable on the host. */
#include "hot.h"
#include "sched_share.h"
#include "sched.h"
#include "pvisa.h"

#define NONE 0xffffu                     /* no tenant: the end of the ring */

struct tenant_q {
	struct vm *head, *tail;              /* its runnable VMs, round-robin order */
	int64_t deficit;                     /* TSC ticks it may still run in this turn */
	uint16_t next;                       /* the next tenant in the ring, or NONE */
	bool in_ring;
};

/* rr first: while the policy is off, q is round robin's struct runq. */
struct share_q {
	struct runq rr;                      /* the deadline heap of idle VMs and the quantum (its FIFO: while off) */
	struct tenant_q t[SCHED_SHARE_TENANTS];
	uint16_t ring_head, ring_tail;       /* tenants with runnable VMs */
	struct vm *last;                     /* the VM picked last, not yet charged */
	uint64_t last_cpu;                   /* its cpu_tsc when picked */
};

bool sched_share_on;
static uint16_t shares[SCHED_SHARE_TENANTS];
static struct share_q queues[MAX_CPUS];

static unsigned tenant_of(const struct vm *vm)
{
	return vm->tenant < SCHED_SHARE_TENANTS ? vm->tenant : 0;
}

uint32_t sched_share_of(unsigned tenant)
{
	return tenant < SCHED_SHARE_TENANTS ? shares[tenant] : 0;
}

/* A turn's credit: share (at least 1) quanta. */
static int64_t turn(const struct share_q *q, unsigned t)
{
	return (int64_t)(shares[t] ? shares[t] : 1) * (int64_t)(q->rr.quantum ? q->rr.quantum : 1);
}

int64_t sched_share_deficit(const void *q, unsigned tenant)
{
	return tenant < SCHED_SHARE_TENANTS ? ((const struct share_q *)q)->t[tenant].deficit : 0;
}

static void ring_add(struct share_q *q, unsigned t)
{
	struct tenant_q *tq = &q->t[t];

	if (tq->deficit > turn(q, t))
		tq->deficit = turn(q, t);    /* no banking of an idle spell's credit */
	tq->in_ring = true;
	tq->next = NONE;
	if (q->ring_head == NONE)
		q->ring_head = (uint16_t)t;
	else
		q->t[q->ring_tail].next = (uint16_t)t;
	q->ring_tail = (uint16_t)t;
}

/* The ring's head leaves it (its FIFO is empty) or goes to the back (its turn is over). */
static void ring_pop(struct share_q *q)
{
	unsigned t = q->ring_head;

	q->ring_head = q->t[t].next;
	if (q->ring_head == NONE)
		q->ring_tail = NONE;
	q->t[t].in_ring = false;
}

static void ring_remove(struct share_q *q, unsigned t)
{
	uint16_t *p = &q->ring_head, prev = NONE;

	while (*p != t) {
		prev = *p;
		p = &q->t[*p].next;
	}
	*p = q->t[t].next;
	if (q->ring_tail == t)
		q->ring_tail = prev;
	q->t[t].in_ring = false;
}

static void push(struct share_q *q, struct vm *vm)
{
	unsigned t = tenant_of(vm);
	struct tenant_q *tq = &q->t[t];

	vm->state = VM_RUNNABLE;
	vm->rq_next = NULL;
	if (tq->tail)
		tq->tail->rq_next = vm;
	else
		tq->head = vm;
	tq->tail = vm;
	if (!tq->in_ring)
		ring_add(q, t);
}

/* Charge the VM picked last with the CPU it used since. */
static void charge(struct share_q *q)
{
	if (!q->last)
		return;
	q->t[tenant_of(q->last)].deficit -= (int64_t)(q->last->cpu_tsc - q->last_cpu);
	q->last = NULL;
}

__attribute__((noinline)) static struct vm *share_pick(struct share_q *q)
{
	struct tenant_q *tq;
	struct vm *vm;
	unsigned t;

	charge(q);
	while ((vm = runq_pop(&q->rr)))      /* what round robin's operations queued since: to the tenants' FIFOs */
		push(q, vm);
	while ((t = q->ring_head) != NONE) {
		tq = &q->t[t];
		if (!tq->head) {
			ring_pop(q);             /* its last VM ran and did not come back (blocked, ended) */
			continue;
		}
		if (tq->deficit > 0)
			break;
		tq->deficit += turn(q, t);   /* its turn is over: to the back with the next turn's credit */
		ring_pop(q);
		ring_add(q, t);
	}
	if (t == NONE)
		return NULL;
	vm = tq->head;
	tq->head = vm->rq_next;
	if (!tq->head)
		tq->tail = NULL;             /* it keeps its place while the VM runs: preempted, it goes on */
	vm->rq_next = NULL;
	q->last = vm;
	q->last_cpu = vm->cpu_tsc;
	return vm;
}

/* Out of its tenant's FIFO wherever it is (O(FIFO length): ending a VM that waits to run). */
static void share_remove_runnable(struct share_q *q, struct vm *vm)
{
	unsigned t = tenant_of(vm);
	struct tenant_q *tq = &q->t[t];
	struct vm *prev = NULL, *v = tq->head;

	while (v && v != vm) {
		prev = v;
		v = v->rq_next;
	}
	if (!v)
		return;
	if (prev)
		prev->rq_next = vm->rq_next;
	else
		tq->head = vm->rq_next;
	if (tq->tail == vm)
		tq->tail = prev;
	vm->rq_next = NULL;
	if (!tq->head && tq->in_ring)
		ring_remove(q, t);
}

void sched_set_share(unsigned tenant, unsigned share)
{
	if (tenant >= SCHED_SHARE_TENANTS)
		return;
	shares[tenant] = (uint16_t)(share > SCHED_SHARE_MAX ? SCHED_SHARE_MAX : share);
	sched_share_on = true;               /* the next pick moves round robin's FIFO into the tenants' */
}

static void share_reset(struct share_q *q)
{
	for (unsigned t = 0; t < SCHED_SHARE_TENANTS; t++)
		q->t[t] = (struct tenant_q){ .next = NONE };
	q->ring_head = q->ring_tail = NONE;
	q->last = NULL;
}

void *sched_share_init(unsigned cpu, struct tq_node **storage, uint32_t cap, uint64_t quantum)
{
	struct share_q *q = &queues[cpu];

	runq_init(&q->rr, storage, cap, quantum);
	share_reset(q);
	return q;
}

HOT struct vm *sched_share_pick(void *q, uint64_t now)
{
	if (__builtin_expect(sched_share_on, 0))
		return share_pick(q);
	return runq_pick(q, now);
}

void sched_share_remove(void *q, struct vm *vm)
{
	struct share_q *s = q;

	if (!sched_share_on) {
		sched_rr_remove(q, vm);
		return;
	}
	if (s->last == vm)
		charge(s);
	if (vm->state == VM_RUNNABLE) {
		runq_remove(&s->rr, vm);         /* in round robin's FIFO (not yet picked up) or its tenant's */
		share_remove_runnable(s, vm);
	}
	runq_forget(&s->rr, vm);
}

struct vm *sched_share_any(const void *q)
{
	const struct share_q *s = q;

	if (!sched_share_on || s->rr.head)
		return sched_rr_any(q);
	for (unsigned t = s->ring_head; t != NONE; t = s->t[t].next)
		if (s->t[t].head)
			return s->t[t].head;
	return runq_any_idle(&s->rr);
}

const struct sched_policy sched_share = {
	.name = "tenant-shares",
	.init = sched_share_init,
	.enqueue = sched_share_enqueue,
	.pick = sched_share_pick,
	.block = sched_share_block,
	.wake = sched_share_wake,
	.tick = sched_share_tick,
	.remove = sched_share_remove,
	.next_deadline = sched_share_next_deadline,
	.any = sched_share_any,
};
