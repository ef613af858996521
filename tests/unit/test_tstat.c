/* test_tstat.c - CUnit suite for the kernel's timing statistics (tstat.c, included here): mean, min, ring, median. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "../../isokernel/tstat.c"

static struct tstat st;          /* 4 KiB ring: static, like the kernel's */
static uint32_t ref[TSTAT_RING];

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The lower middle of the last min(count, TSTAT_RING) samples in v (all samples, in order), by sorting. */
static uint32_t median_by_sort(const uint32_t *v, uint32_t count)
{
	uint32_t n = count < TSTAT_RING ? count : TSTAT_RING;

	memcpy(ref, v + (count - n), n * sizeof(*ref));
	qsort(ref, n, sizeof(*ref), cmp_u32);
	return ref[(n - 1) / 2];
}

static void test_empty(void)
{
	memset(&st, 0, sizeof(st));
	CU_ASSERT_EQUAL(tstat_mean(&st), 0);
	CU_ASSERT_EQUAL(tstat_median(&st), 0);
	CU_ASSERT_EQUAL(st.min, 0);
}

static void test_mean_min_cap(void)
{
	memset(&st, 0, sizeof(st));
	tstat_add(&st, 10);
	tstat_add(&st, 3);
	tstat_add(&st, 4);
	CU_ASSERT_EQUAL(st.count, 3);
	CU_ASSERT_EQUAL(st.min, 3);
	CU_ASSERT_EQUAL(tstat_mean(&st), 6);             /* 17 / 3 = 5.67, rounded */
	CU_ASSERT_EQUAL(tstat_median(&st), 4);
	tstat_add(&st, 1ull << 40);                      /* the total keeps it; the ring caps it */
	CU_ASSERT_EQUAL(st.total, 17 + (1ull << 40));
	CU_ASSERT_EQUAL(st.ring[3], UINT32_MAX);
	CU_ASSERT_EQUAL(st.min, 3);
	tstat_add(&st, 0);
	CU_ASSERT_EQUAL(st.min, 0);
}

/* The median by selection equals the median by sorting for many sizes (the ring wrapping included), for
 * random, sorted, reversed and constant inputs. */
static void test_median_matches_sort(void)
{
	static uint32_t all[3 * TSTAT_RING];
	static const uint32_t sizes[] = { 1, 2, 3, 4, 5, 16, 17, 1000, 1023, 1024, 1025, 2047, 2048, 3000 };
	uint32_t x = 1;

	for (int kind = 0; kind < 4; kind++)
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			uint32_t n = sizes[z];
			memset(&st, 0, sizeof(st));
			for (uint32_t i = 0; i < n; i++) {
				x = x * 1664525u + 1013904223u;
				all[i] = kind == 0 ? x >> 20 : kind == 1 ? i : kind == 2 ? n - i : 7;
				tstat_add(&st, all[i]);
			}
			uint32_t want = median_by_sort(all, n);
			if (tstat_median(&st) != want) {
				CU_FAIL("median differs from the sorted median");
				return;
			}
		}
	CU_PASS("every size and kind agrees");
}

int unit_suite_tstat(void)
{
	CU_pSuite s = CU_add_suite("tstat", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "empty statistics report 0", test_empty);
	CU_add_test(s, "mean rounds, min follows, the ring caps at 32 bits", test_mean_min_cap);
	CU_add_test(s, "median by selection equals median by sorting (ring wrap, sorted, reversed, constant)",
		    test_median_matches_sort);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
