/* test_sched_share.c - CUnit suite for the CPU-share policy (sched_share.c) through its interface (struct
 * sched_policy sched_share, sched_set_share): round robin until a share is set, then CPU by share between tenants
 * and round robin inside each, idle VMs, wake-ups, removal. The CPU a VM uses is played by raising its cpu_tsc. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "sched.h"
#include "sched_share.h"

#define NVM 16
#define QUANTUM 1000    /* TSC ticks */
static struct vm vms[NVM];
static struct tq_node *slots[NVM];
static const struct sched_policy *P = &sched_share;
static void *q;
static uint64_t now;

static void woken(struct vm *vm)
{
	(void)vm;
}

/* VMs 0..n-1, of tenants t[i], runnable. */
static void setup(int n, const uint16_t *t)
{
	memset(vms, 0, sizeof(vms));
	q = P->init(0, slots, NVM, QUANTUM);
	now = 0;
	for (int i = 0; i < n; i++) {
		vms[i].id = (uint32_t)i;
		vms[i].tenant = t ? t[i] : 0;
		P->enqueue(q, &vms[i]);
	}
}

/* One quantum: the next VM runs `used` ticks (its cpu_tsc) and is preempted. Which one ran. */
static struct vm *run_one(uint64_t used)
{
	struct vm *vm = P->pick(q, now);

	if (!vm)
		return NULL;
	CU_ASSERT_EQUAL(vm->state, VM_RUNNABLE);
	vm->state = VM_RUNNING;
	vm->cpu_tsc += used;
	now += used;
	P->enqueue(q, vm);
	return vm;
}

/* Off (no share set yet: the first test of the suite): round robin's order, whatever the tenants. */
static void test_off_is_round_robin(void)
{
	static const uint16_t t[4] = { 1, 2, 2, 2 };

	CU_ASSERT_FALSE(sched_share_on);
	setup(4, t);
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 4; i++)
			CU_ASSERT_PTR_EQUAL(run_one(QUANTUM), &vms[i]);
}

/* Shares 1 and 3, two VMs each: over 400 quanta tenant 2 gets 3 times tenant 1's CPU, each VM half its tenant's. */
static void test_shares_split_cpu(void)
{
	static const uint16_t t[4] = { 1, 1, 2, 2 };
	uint64_t per_vm[4] = { 0 }, per_t[3] = { 0 };

	sched_set_share(1, 1);
	sched_set_share(2, 3);
	CU_ASSERT(sched_share_on);
	CU_ASSERT_EQUAL(sched_share_of(2), 3);
	setup(4, t);
	for (int k = 0; k < 400; k++) {
		struct vm *vm = run_one(QUANTUM);
		CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
		per_vm[vm->id]++;
		per_t[vm->tenant]++;
	}
	CU_ASSERT(per_t[2] >= 297 && per_t[2] <= 303);
	CU_ASSERT(per_t[1] >= 97 && per_t[1] <= 103);
	CU_ASSERT(per_vm[0] >= per_vm[1] - 1 && per_vm[0] <= per_vm[1] + 1);
	CU_ASSERT(per_vm[2] >= per_vm[3] - 1 && per_vm[2] <= per_vm[3] + 1);
}

/* Charged by CPU used, not by picks: VMs of tenant 1 that yield early (a tenth of a quantum) get as many picks as it
 * takes for tenant 1 to use its share of the time. */
static void test_charged_by_time(void)
{
	static const uint16_t t[2] = { 1, 2 };
	uint64_t cpu[3] = { 0 };

	sched_set_share(1, 1);
	sched_set_share(2, 1);
	setup(2, t);
	for (int k = 0; k < 2000; k++) {
		struct vm *vm = P->pick(q, now);
		uint64_t used = vm->tenant == 1 ? QUANTUM / 10 : QUANTUM;
		vm->cpu_tsc += used;
		cpu[vm->tenant] += used;
		P->enqueue(q, vm);
	}
	CU_ASSERT(cpu[1] * 10 >= cpu[2] * 9 && cpu[1] * 10 <= cpu[2] * 11);
}

/* An idle VM is not picked; its deadline or a wake-up returns it to its tenant's turn. A tenant with no share set runs
 * at 1; share 0 (gone) too, until its VMs end. Removal takes a VM from wherever it waits. */
static void test_idle_wake_remove(void)
{
	static const uint16_t t[3] = { 5, 6, 7 };

	sched_set_share(5, 2);
	sched_set_share(6, 0);
	setup(3, t);                                     /* tenant 7: no share set */
	CU_ASSERT_EQUAL(sched_share_of(7), 0);
	struct vm *vm = P->pick(q, now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT_EQUAL(P->block(q, vm, 5000), 0);       /* idle until 5000 */
	CU_ASSERT_EQUAL(P->next_deadline(q), 5000);
	for (int k = 0; k < 20; k++)
		CU_ASSERT_PTR_NOT_EQUAL(run_one(QUANTUM / 2), vm);
	CU_ASSERT_EQUAL(P->tick(q, now, woken), 1);      /* now = 10000: its deadline passed */
	CU_ASSERT_EQUAL(vm->state, VM_RUNNABLE);
	int seen = 0;
	for (int k = 0; k < 12; k++)
		seen += run_one(QUANTUM / 2) == vm;
	CU_ASSERT(seen > 0);
	struct vm *w = P->pick(q, now);
	CU_ASSERT_EQUAL(P->block(q, w, SCHED_NEVER), 0);
	P->wake(q, w, true);
	CU_ASSERT_EQUAL(w->state, VM_RUNNABLE);
	P->remove(q, w);                                 /* runnable, waiting: taken out */
	for (int k = 0; k < 12; k++)
		CU_ASSERT_PTR_NOT_EQUAL(run_one(QUANTUM), w);
	for (int i = 0; i < 3; i++)
		if (&vms[i] != w)
			P->remove(q, &vms[i]);
	CU_ASSERT_PTR_NULL(P->pick(q, now));
	CU_ASSERT_PTR_NULL(P->any(q));
}

/* A VM of a tenant id past 254 runs as tenant 0's; shares past 1000 are 1000; tenants past 254 are ignored. */
static void test_borders(void)
{
	static const uint16_t t[2] = { 0, 300 };

	sched_set_share(0, 5000);
	CU_ASSERT_EQUAL(sched_share_of(0), SCHED_SHARE_MAX);
	sched_set_share(255, 7);
	CU_ASSERT_EQUAL(sched_share_of(255), 0);
	setup(2, t);
	for (int k = 0; k < 10; k++)
		CU_ASSERT_PTR_NOT_NULL(run_one(QUANTUM));
	CU_ASSERT(sched_share_deficit(q, 0) <= (int64_t)SCHED_SHARE_MAX * QUANTUM);
	CU_ASSERT_PTR_NOT_NULL(P->any(q));
}

int unit_suite_sched_share(void)
{
	CU_pSuite s = CU_add_suite("sched_share", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "no share set: round robin's order", test_off_is_round_robin);
	CU_add_test(s, "shares 1 and 3: CPU 1:3 between tenants, even inside each", test_shares_split_cpu);
	CU_add_test(s, "charged by CPU time used, not by picks", test_charged_by_time);
	CU_add_test(s, "idle, deadline, wake-up, removal; unset and gone shares run at 1", test_idle_wake_remove);
	CU_add_test(s, "borders: tenants past 254, shares past 1000", test_borders);
	return 0;
}
