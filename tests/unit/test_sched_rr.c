/* test_sched_rr.c - CUnit suite for the round-robin policy (sched_rr.c): order, idle deadlines, wake-ups, interface. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "sched_rr.h"

#define NVM 64
#define QUANTUM 1000    /* TSC ticks */
static struct vm vms[NVM];
static struct tq_node *slots[NVM];
static struct runq q;

static struct vm *woken_log[NVM];
static int nwoken;

/* Stands in for the scheduler's delivery of idle()'s result. */
static void woken(struct vm *vm)
{
	if (nwoken < NVM)
		woken_log[nwoken] = vm;
	nwoken++;
}

static int setup(void)
{
	memset(vms, 0, sizeof(vms));
	nwoken = 0;
	for (int i = 0; i < NVM; i++)
		vms[i].id = (uint32_t)i;
	runq_init(&q, slots, NVM, QUANTUM);
	return 0;
}

static void test_round_robin(void)
{
	setup();
	CU_ASSERT_PTR_NULL(runq_pop(&q));
	for (int i = 0; i < 4; i++)
		runq_push(&q, &vms[i]);
	/* Three quanta of rotation: each VM preempted goes to the tail. */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 4; i++) {
			struct vm *v = runq_pop(&q);
			CU_ASSERT_PTR_EQUAL_FATAL(v, &vms[i]);
			CU_ASSERT_EQUAL(v->state, VM_RUNNABLE);
			runq_push(&q, v);
		}
	for (int i = 0; i < 4; i++)
		CU_ASSERT_PTR_EQUAL(runq_pop(&q), &vms[i]);
	CU_ASSERT_PTR_NULL(runq_pop(&q));
	CU_ASSERT_PTR_NULL(q.tail);
}

static void test_idle_is_not_runnable(void)
{
	setup();
	CU_ASSERT_EQUAL(runq_block(&q, &vms[0], 100), 0);
	CU_ASSERT_EQUAL(runq_block(&q, &vms[1], TQ_NEVER), 0);
	CU_ASSERT_EQUAL(vms[0].state, VM_BLOCKED);
	CU_ASSERT_PTR_NULL(runq_pop(&q));
	CU_ASSERT_EQUAL(runq_next_deadline(&q), 100);
	CU_ASSERT_EQUAL(runq_wake(&q, 99, woken), 0);
	CU_ASSERT_PTR_NULL(runq_pop(&q));
	CU_ASSERT_EQUAL(runq_wake(&q, 100, woken), 1);
	CU_ASSERT_PTR_EQUAL(runq_pop(&q), &vms[0]);
	CU_ASSERT_EQUAL(nwoken, 1);
	CU_ASSERT_PTR_EQUAL(woken_log[0], &vms[0]);
	/* No deadline: never woken by time, still found for the end of the run. */
	CU_ASSERT_EQUAL(runq_wake(&q, UINT64_MAX - 1, woken), 0);
	CU_ASSERT_EQUAL(runq_next_deadline(&q), TQ_NEVER);
	CU_ASSERT_PTR_EQUAL(runq_any_idle(&q), &vms[1]);
	runq_forget(&q, &vms[1]);
	CU_ASSERT_PTR_NULL(runq_any_idle(&q));
	CU_ASSERT_EQUAL(runq_next_deadline(&q), TQ_NEVER);
}

/* Many idle VMs with random deadlines wake in deadline order, each exactly once, with no runnable
 * VM left behind; an ended (forgotten) VM never wakes. */
static void test_wake_order(void)
{
	uint64_t dl[NVM];

	setup();
	srand(7);
	for (int i = 0; i < NVM; i++) {
		dl[i] = 1000 + (uint64_t)(rand() % 5000);
		CU_ASSERT_EQUAL_FATAL(runq_block(&q, &vms[i], dl[i]), 0);
	}
	runq_forget(&q, &vms[5]);
	int woke = 0;
	uint64_t last = 0;
	for (uint64_t now = 0; now <= 7000; now += 250) {
		runq_wake(&q, now, woken);
		struct vm *v;
		while ((v = runq_pop(&q))) {
			CU_ASSERT(dl[v->id] <= now);
			CU_ASSERT(dl[v->id] > now - 250 || now == 0);
			CU_ASSERT_NOT_EQUAL(v->id, 5);
			CU_ASSERT(dl[v->id] >= last);
			last = dl[v->id];
			woke++;
		}
	}
	CU_ASSERT_EQUAL(woke, NVM - 1);
	CU_ASSERT_EQUAL(runq_next_deadline(&q), TQ_NEVER);
}

static void test_heap_full(void)
{
	setup();
	for (int i = 0; i < NVM; i++)
		CU_ASSERT_EQUAL(runq_block(&q, &vms[i], (uint64_t)i), 0);
	static struct vm extra;
	CU_ASSERT_EQUAL(runq_block(&q, &extra, 1), -1);
}

/* Immediate delivery: A and B wake each other, each running 100 ticks, while W0..W2 wait in the queue. Each W must
 * get a pick after at most about one quantum of A and B (without the bound they would never run). */
static void test_woken_vms_share_one_quantum(void)
{
	struct vm *a = &vms[0], *b = &vms[1];
	uint64_t now = 0, first[3] = { 0, 0, 0 };
	struct vm *v;

	setup();
	for (int i = 2; i < 5; i++)
		runq_push(&q, &vms[i]);
	runq_push_woken(&q, a);
	CU_ASSERT_PTR_EQUAL(q.head, a);            /* the front while its quantum lasts */
	while (now < 20 * QUANTUM && (v = runq_pick(&q, now)) != NULL) {
		now += 100;
		if (v == a || v == b) {
			runq_push_woken(&q, v == a ? b : a);    /* wakes the other, then blocks */
			continue;
		}
		if (!first[v->id - 2])
			first[v->id - 2] = now;
		runq_push(&q, v);                       /* a witness used its quantum */
	}
	for (int i = 0; i < 3; i++) {
		CU_ASSERT(first[i] != 0);
		CU_ASSERT(first[i] <= 2 * QUANTUM + 4 * 100);
	}
}

/* A runnable VM can be taken out of the queue anywhere (a VM ended while it waited); the front count follows. */
static void test_remove(void)
{
	setup();
	for (int i = 0; i < 4; i++)
		runq_push(&q, &vms[i]);
	runq_push_woken(&q, &vms[4]);
	runq_remove(&q, &vms[3]);                  /* the tail */
	CU_ASSERT_PTR_EQUAL(q.tail, &vms[2]);
	runq_remove(&q, &vms[4]);                  /* the woken head */
	CU_ASSERT_EQUAL(q.nfront, 0);
	runq_remove(&q, &vms[1]);
	runq_remove(&q, &vms[9]);                  /* not queued: nothing */
	CU_ASSERT_PTR_EQUAL(runq_pop(&q), &vms[0]);
	CU_ASSERT_PTR_EQUAL(runq_pop(&q), &vms[2]);
	CU_ASSERT_PTR_NULL(runq_pop(&q));
	CU_ASSERT_PTR_NULL(q.tail);
}

/* The same policy through its interface (sched_policy.h), as the scheduler drives it. */
static void test_policy_interface(void)
{
	const struct sched_policy *p = &sched_rr;
	void *pq;
	int i;

	memset(vms, 0, sizeof(vms));
	nwoken = 0;
	pq = p->init(0, slots, NVM, QUANTUM);
	CU_ASSERT_PTR_NULL(p->pick(pq, 0));
	CU_ASSERT_PTR_NULL(p->any(pq));
	CU_ASSERT_EQUAL(p->next_deadline(pq), SCHED_NEVER);
	for (i = 0; i < 3; i++)
		p->enqueue(pq, &vms[i]);
	CU_ASSERT_EQUAL(p->block(pq, &vms[3], 500), 0);
	CU_ASSERT_EQUAL(p->block(pq, &vms[4], SCHED_NEVER), 0);
	CU_ASSERT_EQUAL(vms[3].state, VM_BLOCKED);
	CU_ASSERT_EQUAL(p->next_deadline(pq), 500);
	p->wake(pq, &vms[4], true);                 /* immediate: ahead of the three */
	CU_ASSERT_EQUAL(vms[4].state, VM_RUNNABLE);
	CU_ASSERT_PTR_EQUAL(p->pick(pq, 10), &vms[4]);
	CU_ASSERT_EQUAL(p->tick(pq, 499, woken), 0);
	CU_ASSERT_EQUAL(p->tick(pq, 500, woken), 1);
	CU_ASSERT_PTR_EQUAL(woken_log[0], &vms[3]);
	p->remove(pq, &vms[1]);                     /* ending while runnable */
	CU_ASSERT_PTR_EQUAL(p->any(pq), &vms[0]);
	CU_ASSERT_PTR_EQUAL(p->pick(pq, 20), &vms[0]);
	CU_ASSERT_PTR_EQUAL(p->pick(pq, 30), &vms[2]);
	CU_ASSERT_PTR_EQUAL(p->pick(pq, 40), &vms[3]);   /* woken by its deadline, after those queued before */
	CU_ASSERT_PTR_NULL(p->pick(pq, 50));
	CU_ASSERT_EQUAL(p->block(pq, &vms[5], 900), 0);
	CU_ASSERT_PTR_EQUAL(p->any(pq), &vms[5]);   /* idle ones too, for the end of the run */
	p->remove(pq, &vms[5]);
	CU_ASSERT_PTR_NULL(p->any(pq));
	CU_ASSERT_EQUAL(p->next_deadline(pq), SCHED_NEVER);
}

int unit_suite_sched_rr(void)
{
	CU_pSuite s = CU_add_suite("sched_rr", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "round-robin order", test_round_robin);
	CU_add_test(s, "idle VMs are not runnable until their deadline", test_idle_is_not_runnable);
	CU_add_test(s, "wake-ups in deadline order, forgotten VMs never", test_wake_order);
	CU_add_test(s, "full idle heap is refused", test_heap_full);
	CU_add_test(s, "woken VMs share one quantum ahead of the others", test_woken_vms_share_one_quantum);
	CU_add_test(s, "a runnable VM is removed from anywhere", test_remove);
	CU_add_test(s, "the policy interface", test_policy_interface);
	return 0;
}
