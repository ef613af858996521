/* test_frame.c - CUnit suite for the physical frame allocator (frame.c) over a host arena. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "frame.h"
#include "memlayout.h"

#define ARENA_PAGES 80
#define ARENA_END (HOST_ARENA_PHYS + ARENA_PAGES * PAGE_SIZE)

static int setup(void)
{
	host_arena_new(ARENA_PAGES * PAGE_SIZE);
	frame_init();
	return 0;
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Allocate until 0; every frame aligned, inside [lo, hi), distinct. Returns how many. */
static uint64_t drain(uint64_t *out, uint64_t max, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0, pa;

	while ((pa = frame_alloc()) != 0) {
		CU_ASSERT_FATAL(n < max);
		CU_ASSERT_EQUAL(pa % PAGE_SIZE, 0);
		CU_ASSERT(pa >= lo && pa < hi);
		out[n++] = pa;
	}
	qsort(out, n, sizeof(*out), cmp_u64);
	for (uint64_t i = 1; i < n; i++)
		CU_ASSERT_NOT_EQUAL(out[i - 1], out[i]);
	return n;
}

static void test_unaligned_range_counts(void)
{
	frame_init();
	/* Whole pages 1..63 of the arena lie inside; page 1 holds the bitmap. */
	frame_add_range(HOST_ARENA_PHYS + 123, HOST_ARENA_PHYS + 65 * PAGE_SIZE - 1);
	CU_ASSERT_EQUAL(frame_total_count(), 62);
	CU_ASSERT_EQUAL(frame_free_count(), 62);
	uint64_t got[ARENA_PAGES];
	uint64_t n = drain(got, ARENA_PAGES, HOST_ARENA_PHYS + 2 * PAGE_SIZE, HOST_ARENA_PHYS + 65 * PAGE_SIZE);
	CU_ASSERT_EQUAL(n, 62);
	CU_ASSERT_EQUAL(got[0], HOST_ARENA_PHYS + 2 * PAGE_SIZE);
	CU_ASSERT_EQUAL(got[61], HOST_ARENA_PHYS + 63 * PAGE_SIZE);
	CU_ASSERT_EQUAL(frame_free_count(), 0);
	CU_ASSERT_EQUAL(frame_total_count(), 62);
}

static void test_exhaust_free_realloc(void)
{
	uint64_t got[ARENA_PAGES], again[ARENA_PAGES];

	frame_init();
	frame_add_range(HOST_ARENA_PHYS, ARENA_END);
	uint64_t n = drain(got, ARENA_PAGES, HOST_ARENA_PHYS, ARENA_END);
	CU_ASSERT_EQUAL(n, ARENA_PAGES - 1);
	CU_ASSERT_EQUAL(frame_alloc(), 0);
	CU_ASSERT_EQUAL(frame_alloc_zero(), 0);
	for (uint64_t i = 0; i < n; i += 2)
		frame_free(got[i]);
	CU_ASSERT_EQUAL(frame_free_count(), (n + 1) / 2);
	for (uint64_t i = 1; i < n; i += 2)
		frame_free(got[i]);
	CU_ASSERT_EQUAL(frame_free_count(), n);
	CU_ASSERT_EQUAL(drain(again, ARENA_PAGES, HOST_ARENA_PHYS, ARENA_END), n);
	CU_ASSERT_EQUAL(memcmp(got, again, n * sizeof(got[0])), 0);
}

static void test_lifo_and_zeroing(void)
{
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, ARENA_END);
	uint64_t a = frame_alloc();
	CU_ASSERT_NOT_EQUAL_FATAL(a, 0);
	memset(P2V(a), 0xa5, PAGE_SIZE);
	frame_free(a);
	CU_ASSERT_EQUAL(frame_alloc_zero(), a);
	const uint8_t *p = P2V(a);
	size_t nonzero = 0;
	for (size_t i = 0; i < PAGE_SIZE; i++)
		nonzero += p[i] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
}

static void test_two_ranges(void)
{
	uint64_t got[ARENA_PAGES];

	frame_init();
	frame_add_range(HOST_ARENA_PHYS + 40 * PAGE_SIZE, ARENA_END);      /* 40 pages: 39 frames */
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + 10 * PAGE_SIZE); /* 10 pages: 9 frames */
	CU_ASSERT_EQUAL(frame_total_count(), 48);
	uint64_t n = drain(got, ARENA_PAGES, HOST_ARENA_PHYS, ARENA_END);
	CU_ASSERT_EQUAL(n, 48);
	for (uint64_t i = 0; i < n; i++) {
		CU_ASSERT(got[i] != HOST_ARENA_PHYS && got[i] != HOST_ARENA_PHYS + 40 * PAGE_SIZE);
		CU_ASSERT(got[i] < HOST_ARENA_PHYS + 10 * PAGE_SIZE || got[i] >= HOST_ARENA_PHYS + 40 * PAGE_SIZE);
	}
	for (uint64_t i = 0; i < n; i++)
		frame_free(got[i]);
	CU_ASSERT_EQUAL(frame_free_count(), 48);
	CU_ASSERT_EQUAL(drain(got, ARENA_PAGES, HOST_ARENA_PHYS, ARENA_END), 48);
}

static void test_ranges_skipped(void)
{
	frame_init();
	frame_add_range(0, 2 * PAGE_SIZE);                    /* page 0 skipped, 1 page left for a bitmap */
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + 4095);
	frame_add_range(HOST_ARENA_PHYS + 5, HOST_ARENA_PHYS + PAGE_SIZE + 7);
	frame_add_range(ARENA_END, HOST_ARENA_PHYS);          /* inverted */
	frame_add_range(DMAP_SIZE, DMAP_SIZE + (1ull << 20)); /* past the direct map */
	frame_add_range(UINT64_MAX - 100, UINT64_MAX);
	CU_ASSERT_EQUAL(frame_total_count(), 0);
	CU_ASSERT_EQUAL(frame_alloc(), 0);
}

static void test_bad_frees_panic(void)
{
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, ARENA_END);
	uint64_t a = frame_alloc(), b = frame_alloc();
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(a + 8)));
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "misaligned"));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(ARENA_END)));
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "outside"));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(HOST_ARENA_PHYS)));   /* the bitmap page */
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(b + PAGE_SIZE)));     /* never handed out */
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "not allocated"));
	CU_ASSERT_FALSE(HOST_EXPECT_PANIC(frame_free(a)));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(a)));                 /* double free */
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "double free"));
	CU_ASSERT_EQUAL(frame_free_count(), ARENA_PAGES - 1 - 1);
	CU_ASSERT(HOST_EXPECT_PANIC(frame_add_range(HOST_ARENA_PHYS + 8 * PAGE_SIZE, ARENA_END + PAGE_SIZE)));
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "overlaps"));
}

/* Reference counts and kinds: a frame goes back with its last owner, never before; misuse panics. */
static void test_refcounts(void)
{
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, ARENA_END);
	uint64_t total = frame_free_count(), a = frame_alloc(), b = frame_alloc();
	CU_ASSERT_EQUAL(frame_refs(a), 1);
	CU_ASSERT_EQUAL(frame_kind(a), FRAME_KERNEL);
	frame_set_kind(a, FRAME_VM);
	CU_ASSERT_EQUAL(frame_kind(a), FRAME_VM);
	frame_get(a);
	frame_get(a);
	CU_ASSERT_EQUAL(frame_refs(a), 3);
	CU_ASSERT(HOST_EXPECT_PANIC(frame_free(a)));                 /* others still own it */
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "owners"));
	CU_ASSERT_FALSE(frame_put(a));
	CU_ASSERT_FALSE(frame_put(a));
	CU_ASSERT_EQUAL(frame_free_count(), total - 2);
	CU_ASSERT_TRUE(frame_put(a));                                /* the last owner */
	CU_ASSERT_EQUAL(frame_free_count(), total - 1);
	CU_ASSERT(HOST_EXPECT_PANIC(frame_put(a)));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_get(a)));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_refs(a)));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_set_kind(b, FRAME_FREE)));
	CU_ASSERT(HOST_EXPECT_PANIC(frame_get(b + PAGE_SIZE)));      /* never handed out */
	/* A reused frame starts afresh: one owner, kernel kind. */
	CU_ASSERT_EQUAL(frame_alloc(), a);
	CU_ASSERT_EQUAL(frame_refs(a), 1);
	CU_ASSERT_EQUAL(frame_kind(a), FRAME_KERNEL);
	frame_free(a);
	frame_free(b);
	CU_ASSERT_EQUAL(frame_free_count(), total);
}

/* Descriptors are written when a frame is first handed out: memory full of junk before the range is added changes
 * nothing, and a range of more than 1,024 frames takes a second descriptor page. */
static void test_descriptors_need_no_clearing(void)
{
	enum { PAGES = 1030 };
	host_arena_new(PAGES * PAGE_SIZE);
	memset(P2V(HOST_ARENA_PHYS), 0xff, PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + PAGES * PAGE_SIZE);
	CU_ASSERT_EQUAL(frame_total_count(), PAGES - 2);
	uint64_t pa, n = 0, first = 0;
	while ((pa = frame_alloc()) != 0) {
		if (!first)
			first = pa;
		CU_ASSERT_EQUAL_FATAL(frame_refs(pa), 1);
		n++;
	}
	CU_ASSERT_EQUAL(first, HOST_ARENA_PHYS + 2 * PAGE_SIZE);
	CU_ASSERT_EQUAL(n, PAGES - 2);
	frame_init();
	host_arena_new(ARENA_PAGES * PAGE_SIZE);
}

int unit_suite_frame(void)
{
	CU_pSuite s = CU_add_suite("frame", setup, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "unaligned range and counts", test_unaligned_range_counts);
	CU_add_test(s, "exhaust, free, reallocate", test_exhaust_free_realloc);
	CU_add_test(s, "LIFO reuse and zeroing", test_lifo_and_zeroing);
	CU_add_test(s, "two ranges", test_two_ranges);
	CU_add_test(s, "degenerate ranges skipped", test_ranges_skipped);
	CU_add_test(s, "bad frees panic", test_bad_frees_panic);
	CU_add_test(s, "reference counts and kinds", test_refcounts);
	CU_add_test(s, "descriptors need no clearing", test_descriptors_need_no_clearing);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
