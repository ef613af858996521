/* test_timerq.c - CUnit suite for the timer heap (timerq.c), checked against a plain array and sorting. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "timerq.h"

#define NN 1000

static struct tq_node nodes[NN];
static struct tq_node *storage[NN];
static struct timerq q;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void reset(uint32_t cap)
{
	memset(nodes, 0, sizeof(nodes));
	tq_init(&q, storage, cap);
}

/* Heap order holds, every slot's node knows its slot, and exactly the queued nodes are in the heap. */
static int heap_ok(void)
{
	uint32_t queued = 0;

	for (uint32_t i = 0; i < q.n; i++) {
		if (q.heap[i]->idx != i + 1)
			return 0;
		if (i && q.heap[(i - 1) / 2]->deadline > q.heap[i]->deadline)
			return 0;
	}
	for (uint32_t i = 0; i < NN; i++)
		queued += tq_queued(&nodes[i]);
	return queued == q.n;
}

/* Smallest deadline among queued nodes (the reference), or UINT64_MAX. */
static uint64_t ref_min(void)
{
	uint64_t m = UINT64_MAX;
	for (uint32_t i = 0; i < NN; i++)
		if (tq_queued(&nodes[i]) && nodes[i].deadline < m)
			m = nodes[i].deadline;
	return m;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_sorted_drain(void)
{
	static uint64_t want[NN];

	reset(NN);
	CU_ASSERT_PTR_NULL(tq_peek(&q));
	for (uint32_t i = 0; i < NN; i++) {
		want[i] = rnd() % 5000;                   /* plenty of equal deadlines */
		CU_ASSERT_EQUAL(tq_insert(&q, &nodes[i], want[i]), 0);
	}
	CU_ASSERT(heap_ok());
	qsort(want, NN, sizeof(want[0]), cmp_u64);
	uint32_t bad = 0;
	for (uint32_t i = 0; i < NN; i++) {
		struct tq_node *n = tq_pop_expired(&q, UINT64_MAX);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		bad += n->deadline != want[i] || tq_queued(n);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT_PTR_NULL(tq_pop_expired(&q, UINT64_MAX));
}

static void test_random_ops(void)
{
	uint32_t bad = 0;

	reset(NN);
	for (int step = 0; step < 50000; step++) {
		struct tq_node *n = &nodes[rnd() % NN];
		if (rnd() % 2) {
			int want = tq_queued(n) ? -1 : 0;
			bad += tq_insert(&q, n, rnd() % 100000) != want;
		} else
			tq_remove(&q, n);
		bad += (tq_peek(&q) ? tq_peek(&q)->deadline : UINT64_MAX) != ref_min();
		if (step % 997 == 0)
			bad += !heap_ok();
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(heap_ok());
}

static void test_pop_expired(void)
{
	reset(NN);
	for (uint32_t i = 0; i < 100; i++)
		tq_insert(&q, &nodes[i], 1000 + 10 * (uint64_t)((i * 37) % 100));
	CU_ASSERT_PTR_NULL(tq_pop_expired(&q, 999));
	CU_ASSERT_EQUAL(q.n, 100);
	uint32_t got = 0;
	uint64_t last = 0;
	struct tq_node *n;
	while ((n = tq_pop_expired(&q, 1495)) != NULL) {
		CU_ASSERT(n->deadline <= 1495 && n->deadline >= last);
		last = n->deadline;
		got++;
	}
	CU_ASSERT_EQUAL(got, 50);                     /* deadlines 1000..1490 */
	CU_ASSERT_EQUAL(tq_peek(&q)->deadline, 1500);
	n = tq_pop_expired(&q, 1500);
	CU_ASSERT(n && n->deadline == 1500);
	CU_ASSERT_EQUAL(q.n, 49);
	CU_ASSERT(heap_ok());
}

static void test_remove_arbitrary(void)
{
	reset(NN);
	for (uint32_t i = 0; i < 200; i++)
		tq_insert(&q, &nodes[i], (uint64_t)(rnd() % 1000));
	for (uint32_t i = 0; i < 200; i += 3) {
		tq_remove(&q, &nodes[i]);
		CU_ASSERT_FALSE(tq_queued(&nodes[i]));
	}
	tq_remove(&q, &nodes[0]);                     /* not queued: no-op */
	tq_remove(&q, &nodes[500]);
	CU_ASSERT_EQUAL(q.n, 200 - 67);
	CU_ASSERT(heap_ok());
	CU_ASSERT_EQUAL(tq_peek(&q)->deadline, ref_min());
	struct tq_node *first = tq_peek(&q);
	tq_remove(&q, first);                         /* removing the root */
	CU_ASSERT(heap_ok());
	CU_ASSERT_EQUAL(tq_peek(&q)->deadline, ref_min());
	CU_ASSERT_EQUAL(tq_insert(&q, first, 0), 0);  /* re-queue at an earlier deadline */
	CU_ASSERT_PTR_EQUAL(tq_peek(&q), first);
}

static void test_full_and_double_insert(void)
{
	reset(8);
	for (uint32_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(tq_insert(&q, &nodes[i], 100 - i), 0);
	CU_ASSERT_EQUAL(tq_insert(&q, &nodes[8], 1), -1);
	CU_ASSERT_FALSE(tq_queued(&nodes[8]));
	CU_ASSERT_EQUAL(tq_insert(&q, &nodes[3], 1), -1);   /* already queued: deadline unchanged */
	CU_ASSERT_EQUAL(nodes[3].deadline, 97);
	CU_ASSERT_PTR_EQUAL(tq_peek(&q), &nodes[7]);
	tq_remove(&q, &nodes[5]);
	CU_ASSERT_EQUAL(tq_insert(&q, &nodes[8], 1), 0);
	CU_ASSERT_PTR_EQUAL(tq_peek(&q), &nodes[8]);
	CU_ASSERT_EQUAL(q.n, 8);
	CU_ASSERT(heap_ok());
	reset(0);
	CU_ASSERT_EQUAL(tq_insert(&q, &nodes[0], 1), -1);
	CU_ASSERT_PTR_NULL(tq_peek(&q));
}

int unit_suite_timerq(void)
{
	CU_pSuite s = CU_add_suite("timerq", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "drains in sorted order", test_sorted_drain);
	CU_add_test(s, "random inserts/removes against a reference", test_random_ops);
	CU_add_test(s, "pop_expired stops at now", test_pop_expired);
	CU_add_test(s, "remove arbitrary nodes", test_remove_arbitrary);
	CU_add_test(s, "full queue, double insert", test_full_and_double_insert);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
