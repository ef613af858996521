/* test_slab.c - CUnit suite for the object caches (slab.c) on top of the frame allocator and a host arena. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "frame.h"
#include "slab.h"
#include "memlayout.h"

#define ARENA_PAGES 256
#define NOBJ 2000

static void *objs[NOBJ];

static void reset_frames(uint64_t pages)
{
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + pages * PAGE_SIZE);
}

static int setup(void)
{
	host_arena_new(ARENA_PAGES * PAGE_SIZE);
	reset_frames(ARENA_PAGES);
	return 0;
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Allocate n objects of c, check each is aligned, zeroed, inside the arena; fill each with its index. */
static void alloc_many(struct slab_cache *c, size_t size, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		objs[i] = slab_alloc(c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i]);
		CU_ASSERT_EQUAL((uintptr_t)objs[i] % c->align, 0);
		CU_ASSERT(V2P(objs[i]) >= HOST_ARENA_PHYS && V2P(objs[i]) + size <= HOST_ARENA_PHYS + ARENA_PAGES * PAGE_SIZE);
		CU_ASSERT(all_zero(objs[i], size));
		memset(objs[i], (int)(i & 0xff), size);
	}
}

/* No object was overwritten by another: each still holds its index pattern. */
static void check_patterns(size_t size, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < size; k++)
			bad += ((uint8_t *)objs[i])[k] != (uint8_t)i;
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_many_small(void)
{
	struct slab_cache c;
	uint64_t free0 = frame_free_count();

	slab_init(&c, "small", 40, 0);
	CU_ASSERT_EQUAL(c.align, 16);
	CU_ASSERT_EQUAL(c.objsize, 48);
	size_t per = slab_objs_per_page(&c);
	CU_ASSERT(per >= 80 && per <= 4096 / 48);
	alloc_many(&c, 40, NOBJ);
	check_patterns(40, NOBJ);
	uint64_t pages = (NOBJ + per - 1) / per;
	CU_ASSERT_EQUAL(slab_bytes(&c), pages * PAGE_SIZE);
	CU_ASSERT_EQUAL(frame_free_count(), free0 - pages);
	CU_ASSERT_EQUAL(c.objs, NOBJ);
	for (size_t i = 0; i < NOBJ; i++)
		slab_free(&c, objs[i]);
	CU_ASSERT_EQUAL(c.objs, 0);
	CU_ASSERT_EQUAL(slab_bytes(&c), PAGE_SIZE);     /* one empty page is kept */
	CU_ASSERT_EQUAL(frame_free_count(), free0 - 1);
}

static void test_vm_sized_aligned(void)
{
	struct slab_cache c;

	slab_init(&c, "vm", 700, 64);
	CU_ASSERT_EQUAL(c.objsize, 704);
	CU_ASSERT_EQUAL(slab_objs_per_page(&c), (4096 - c.first) / 704);
	CU_ASSERT(slab_objs_per_page(&c) >= 5);
	alloc_many(&c, 700, 300);
	check_patterns(700, 300);
	for (size_t i = 0; i < 300; i++)
		CU_ASSERT_EQUAL((uintptr_t)objs[i] % 64, 0);
	for (size_t i = 0; i < 300; i++)
		slab_free(&c, objs[i]);
	CU_ASSERT_EQUAL(slab_bytes(&c), PAGE_SIZE);
}

static void test_reuse_and_rezero(void)
{
	struct slab_cache c;

	slab_init(&c, "reuse", 100, 32);
	void *a = slab_alloc(&c), *b = slab_alloc(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	CU_ASSERT((uint8_t *)b - (uint8_t *)a >= 128 || (uint8_t *)a - (uint8_t *)b >= 128);
	memset(a, 0xee, 100);
	slab_free(&c, a);
	void *a2 = slab_alloc(&c);
	CU_ASSERT_PTR_EQUAL(a2, a);
	CU_ASSERT(all_zero(a2, 128));
	slab_free(&c, a2);
	slab_free(&c, b);
	slab_free(&c, NULL);
}

static void test_whole_page_objects(void)
{
	struct slab_cache c;
	uint64_t free0 = frame_free_count();

	slab_init(&c, "big", 4096, 16);
	CU_ASSERT_EQUAL(slab_objs_per_page(&c), 1);
	alloc_many(&c, 4096, 10);
	check_patterns(4096, 10);
	CU_ASSERT_EQUAL(slab_bytes(&c), 10 * PAGE_SIZE);
	CU_ASSERT_EQUAL(frame_free_count(), free0 - 10);
	for (size_t i = 0; i < 10; i++)
		slab_free(&c, objs[i]);
	CU_ASSERT_EQUAL(slab_bytes(&c), 0);
	CU_ASSERT_EQUAL(frame_free_count(), free0);
}

static void test_large_shares_page(void)
{
	struct slab_cache c;

	slab_init(&c, "2k", 2000, 16);
	CU_ASSERT_EQUAL(slab_objs_per_page(&c), 2);
	alloc_many(&c, 2000, 9);
	check_patterns(2000, 9);
	CU_ASSERT_EQUAL(slab_bytes(&c), 5 * PAGE_SIZE);
	for (size_t i = 0; i < 9; i++)
		slab_free(&c, objs[i]);
}

static void test_exhaustion(void)
{
	struct slab_cache c;
	size_t n = 0;

	reset_frames(4);                     /* 3 frames */
	slab_init(&c, "tight", 1000, 16);
	size_t per = slab_objs_per_page(&c);
	while (n < NOBJ && (objs[n] = slab_alloc(&c)) != NULL)
		n++;
	CU_ASSERT_EQUAL(n, 3 * per);
	CU_ASSERT_PTR_NULL(slab_alloc(&c));
	CU_ASSERT_EQUAL(frame_free_count(), 0);
	slab_free(&c, objs[0]);
	CU_ASSERT_PTR_EQUAL(slab_alloc(&c), objs[0]);
	reset_frames(ARENA_PAGES);
}

static void test_bad_frees_panic(void)
{
	struct slab_cache c, d;

	slab_init(&c, "c", 64, 16);
	slab_init(&d, "d", 64, 16);
	uint8_t *a = slab_alloc(&c);
	CU_ASSERT(HOST_EXPECT_PANIC(slab_free(&d, a)));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_free(&c, a + 16)));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_free(&c, (void *)((uintptr_t)a & ~(uintptr_t)4095))));
	CU_ASSERT_FALSE(HOST_EXPECT_PANIC(slab_free(&c, a)));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_free(&c, a)));
	CU_ASSERT_PTR_NOT_NULL(strstr(host_panic_msg, "double free"));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_init(&c, "odd", 64, 24)));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_init(&c, "huge", 4097, 16)));
	CU_ASSERT(HOST_EXPECT_PANIC(slab_init(&c, "zero", 0, 16)));
}

int unit_suite_slab(void)
{
	CU_pSuite s = CU_add_suite("slab", setup, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "many small objects, bytes accounting", test_many_small);
	CU_add_test(s, "VM-sized objects, 64-byte alignment", test_vm_sized_aligned);
	CU_add_test(s, "reuse and re-zeroing", test_reuse_and_rezero);
	CU_add_test(s, "whole-page objects", test_whole_page_objects);
	CU_add_test(s, "two objects per page", test_large_shares_page);
	CU_add_test(s, "frames run out", test_exhaustion);
	CU_add_test(s, "bad frees panic", test_bad_frees_panic);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
