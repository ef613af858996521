/* test_vmtab.c - CUnit suite for the VM table (vmtab.c): ids with generations, FIFO reuse, lookup, observers. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "vm.h"
#include "vmtab.h"

#define CAP 8

static uint64_t slots[CAP];
static struct vm vms[CAP + 2];
static unsigned created, ended, refuse_at;
static struct pv_start_info *last_si;
static char order[256];
static size_t norder;

static int obs_a_created(struct vm *vm, struct pv_start_info *si)
{
	(void)vm;
	last_si = si;
	created++;
	if (norder < sizeof(order) - 1)
		order[norder++] = 'a';
	return 0;
}

static void obs_a_ended(struct vm *vm)
{
	(void)vm;
	ended++;
	if (norder < sizeof(order) - 1)
		order[norder++] = 'A';
}

static int obs_b_created(struct vm *vm, struct pv_start_info *si)
{
	(void)vm, (void)si;
	if (norder < sizeof(order) - 1)
		order[norder++] = 'b';
	return refuse_at && created == refuse_at ? -1 : 0;
}

static void obs_b_ended(struct vm *vm)
{
	(void)vm;
	if (norder < sizeof(order) - 1)
		order[norder++] = 'B';
}

static const struct vmtab_observer obs_a = { obs_a_created, obs_a_ended };
static const struct vmtab_observer obs_b = { obs_b_created, obs_b_ended };

static void setup(void)
{
	memset(vms, 0, sizeof(vms));
	vmtab_init(slots, CAP);
	vmtab_observe(&obs_a);
	vmtab_observe(&obs_b);
	created = ended = refuse_at = 0;
	norder = 0;
	memset(order, 0, sizeof(order));
}

static void test_ids_dense_then_fifo(void)
{
	uint32_t old[CAP];

	setup();
	for (uint32_t i = 0; i < CAP; i++) {
		CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[i], NULL), 0);
		CU_ASSERT_EQUAL(vms[i].id, i);                 /* a fresh table numbers 0, 1, 2, ... */
		old[i] = vms[i].id;
	}
	CU_ASSERT_EQUAL(vmtab_count(), CAP);
	CU_ASSERT_EQUAL(vmtab_publish(&vms[CAP], NULL), -1);   /* full */
	CU_ASSERT_EQUAL(vms[CAP].id, VMTAB_NONE);
	vmtab_retire(&vms[5]);
	vmtab_retire(&vms[2]);
	CU_ASSERT_EQUAL(vms[5].id, VMTAB_NONE);
	CU_ASSERT_PTR_NULL(vmtab_get(old[5]));
	CU_ASSERT_PTR_NULL(vmtab_get(old[2]));
	CU_ASSERT_EQUAL(vmtab_publish(&vms[CAP], NULL), 0);  /* the slot freed first, its next generation */
	CU_ASSERT_EQUAL(vms[CAP].id & (CAP - 1), 5);
	CU_ASSERT(vms[CAP].id != old[5]);
	CU_ASSERT_PTR_NULL(vmtab_get(old[5]));                /* the old id never names the new VM */
	CU_ASSERT_PTR_EQUAL(vmtab_get(vms[CAP].id), &vms[CAP]);
	CU_ASSERT_EQUAL(vmtab_publish(&vms[CAP + 1], NULL), 0);
	CU_ASSERT_EQUAL(vms[CAP + 1].id & (CAP - 1), 2);
	CU_ASSERT_PTR_NULL(vmtab_get(VMTAB_NONE));
	CU_ASSERT_PTR_NULL(vmtab_get(old[2] + CAP * 7));      /* a generation never given */
}

/* One slot freed and taken again and again: its ids differ until the generation wraps (2^29 - 1 reuses here). */
static void test_generations(void)
{
	uint32_t first, seen[64];

	setup();
	for (uint32_t i = 0; i < CAP; i++)
		vmtab_publish(&vms[i], NULL);
	first = vms[3].id;
	for (int k = 0; k < 64; k++) {
		vmtab_retire(&vms[3]);
		CU_ASSERT_EQUAL_FATAL(vmtab_publish(&vms[3], NULL), 0);
		seen[k] = vms[3].id;
		CU_ASSERT_EQUAL(seen[k] & (CAP - 1), 3);
		CU_ASSERT(seen[k] != first);
		for (int j = 0; j < k; j++)
			CU_ASSERT(seen[j] != seen[k]);
	}
}

static void test_iteration(void)
{
	uint32_t cursor = 0, n = 0;
	struct vm *vm;

	setup();
	for (uint32_t i = 0; i < 6; i++)
		vmtab_publish(&vms[i], NULL);
	vmtab_retire(&vms[0]);
	vmtab_retire(&vms[4]);
	while ((vm = vmtab_next(&cursor)) != NULL) {
		CU_ASSERT(vm != &vms[0] && vm != &vms[4]);
		n++;
	}
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(vmtab_count(), 4);
	CU_ASSERT_PTR_NULL(vmtab_next(&cursor));
}

/* Observers hear of each VM in registration order, of its end in reverse; one that refuses undoes the others. */
static void test_observers(void)
{
	struct pv_start_info si;

	setup();
	CU_ASSERT_EQUAL(vmtab_publish(&vms[0], &si), 0);
	CU_ASSERT_PTR_EQUAL(last_si, &si);
	vmtab_retire(&vms[0]);
	CU_ASSERT_STRING_EQUAL(order, "abBA");
	norder = 0;
	memset(order, 0, sizeof(order));
	refuse_at = 2;
	CU_ASSERT_EQUAL(vmtab_publish(&vms[1], NULL), -1);
	CU_ASSERT_STRING_EQUAL(order, "abA");
	CU_ASSERT_EQUAL(vms[1].id, VMTAB_NONE);
	CU_ASSERT_EQUAL(vmtab_count(), 0);
	CU_ASSERT_EQUAL(ended, 2);
	refuse_at = 0;
	CU_ASSERT_EQUAL(vmtab_publish(&vms[1], NULL), 0);
	CU_ASSERT_PTR_EQUAL(vmtab_get(vms[1].id), &vms[1]);
}

int unit_suite_vmtab(void)
{
	CU_pSuite s = CU_add_suite("vmtab", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "ids: never-used slots first, then freed ones oldest first, stale ids find nothing",
		    test_ids_dense_then_fifo);
	CU_add_test(s, "a slot reused gets a new generation each time", test_generations);
	CU_add_test(s, "iteration sees every live VM once", test_iteration);
	CU_add_test(s, "observers: created in order, ended in reverse, a refusal undoes", test_observers);
	return 0;
}
