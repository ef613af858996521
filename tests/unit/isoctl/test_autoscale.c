/* test_autoscale.c - the example autoscaler's policy (examples/autoscale/policy.c): the band and frame counting. */
#include <string.h>
#include <CUnit/CUnit.h>

#include "../../../examples/autoscale/policy.h"

static const struct as_band band = { .lo = 50, .hi = 200, .min = 1, .max = 16 };
static char why[160];

static void test_band(void)
{
	/* 4 VMs, 10 s: 4,000 frames = 100/VM/s, inside: keep. */
	CU_ASSERT_EQUAL(as_decide(&band, 4, 4000, 10, why, sizeof(why)), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "keep 4"));
	/* 4 VMs at 400/VM/s: aim at 125/VM/s -> 16,000/125 = 128 VMs, capped at max. */
	CU_ASSERT_EQUAL(as_decide(&band, 4, 16000, 10, why, sizeof(why)), 13);
	CU_ASSERT_EQUAL(as_decide(&band, 4, 160000, 10, why, sizeof(why)), 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "> hi"));
	/* Just over hi: at least one more. */
	CU_ASSERT_EQUAL(as_decide(&band, 4, 8040, 10, why, sizeof(why)), 7);
	CU_ASSERT_EQUAL(as_decide(&band, 1, 2010, 10, why, sizeof(why)), 2);
	/* Idle: down to min, never below. */
	CU_ASSERT_EQUAL(as_decide(&band, 8, 0, 10, why, sizeof(why)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "< lo"));
	CU_ASSERT_EQUAL(as_decide(&band, 1, 0, 10, why, sizeof(why)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "at least 1 VMs: keep 1"));
	/* Just under lo with 8 VMs: 392 frames/s at 125 per VM needs 4. */
	CU_ASSERT_EQUAL(as_decide(&band, 8, 3920, 10, why, sizeof(why)), 4);
	/* At max already and over: stays at max. */
	CU_ASSERT_EQUAL(as_decide(&band, 16, 1000000, 10, why, sizeof(why)), 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "at most 16 VMs: keep 16"));
	/* Nothing live: start min (or what the load needs). */
	CU_ASSERT_EQUAL(as_decide(&band, 0, 0, 10, why, sizeof(why)), 1);
	CU_ASSERT_EQUAL(as_decide(&band, 0, 5000, 10, why, sizeof(why)), 4);
	CU_ASSERT_EQUAL(as_decide(&band, 3, 100, 0, why, sizeof(why)), 1);
}

static void test_frames_since(void)
{
	const struct as_seen prev[] = { { 1, 10 }, { 2, 20 }, { 5, 100 } };
	const struct as_seen cur[] = { { 1, 15 }, { 3, 7 }, { 5, 40 } };

	/* 1: +5; 3 is new: 7; 5 went down (an id used again): 40; 2 ended: nothing. */
	CU_ASSERT_EQUAL(as_frames_since(prev, 3, cur, 3), 5 + 7 + 40);
	CU_ASSERT_EQUAL(as_frames_since(prev, 3, prev, 3), 0);
	CU_ASSERT_EQUAL(as_frames_since(NULL, 0, cur, 3), 15 + 7 + 40);
	CU_ASSERT_EQUAL(as_frames_since(prev, 3, NULL, 0), 0);
}

int unit_suite_autoscale(void)
{
	CU_pSuite s = CU_add_suite("autoscale_policy", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "the band: keep, up, down, min and max", test_band);
	CU_add_test(s, "frames since the last look", test_frames_since);
	return 0;
}
