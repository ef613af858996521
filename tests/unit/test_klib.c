/* test_klib.c - CUnit suite for the kernel's memmove/memcpy/memset/memcmp (lib.c, included under other names) against the C library's. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

/* lib.c defines the C library's names: give its functions names of their own here. */
#define memmove klib_memmove
#define memcpy klib_memcpy
#define memset klib_memset
#define memcmp klib_memcmp
#define strlen klib_strlen
#define strcmp klib_strcmp
#define strncmp klib_strncmp
#define strlcpy klib_strlcpy
#include "../../isokernel/lib.c"
#undef memmove
#undef memcpy
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strlcpy

#define SPAN 400            /* sizes 0..SPAN-1 cover the small cases, the 32-byte loop and its tail */
#define ROOM (3 * SPAN)

static uint8_t a[ROOM], b[ROOM], want[ROOM];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 3));
}

/* Every size and a spread of source/destination offsets, apart: the bytes moved and none around them. */
static void test_copy_apart(void)
{
	for (size_t n = 0; n < SPAN; n++)
		for (size_t so = 0; so < 9; so++)
			for (size_t d0 = 0; d0 < 9; d0 += 4) {
				fill(a, ROOM, (unsigned)n);
				memset(b, 0xee, ROOM);
				memcpy(want, b, ROOM);
				memcpy(want + d0 + 1, a + so, n);
				void *r = klib_memcpy(b + d0 + 1, a + so, n);
				CU_ASSERT_PTR_EQUAL(r, b + d0 + 1);
				if (memcmp(b, want, ROOM) != 0) {
					CU_FAIL("memcpy result differs");
					return;
				}
			}
}

/* Overlapping moves both ways, every distance up to 70 bytes and some larger, against memmove. */
static void test_move_overlap(void)
{
	static const size_t far[] = { 96, 131, 255, 300 };

	for (size_t n = 0; n < SPAN; n += (n < 80 ? 1 : 7))
		for (size_t k = 0; k < 70 + sizeof(far) / sizeof(far[0]); k++) {
			size_t dist = k < 70 ? k : far[k - 70];
			for (int up = 0; up < 2; up++) {
				size_t src = up ? SPAN : SPAN + dist, dst = up ? SPAN + dist : SPAN;
				fill(a, ROOM, (unsigned)(n + dist));
				memcpy(want, a, ROOM);
				memmove(want + dst, want + src, n);
				klib_memmove(a + dst, a + src, n);
				if (memcmp(a, want, ROOM) != 0) {
					CU_FAIL("memmove result differs");
					return;
				}
			}
		}
}

static void test_set(void)
{
	for (size_t n = 0; n < SPAN; n++)
		for (size_t off = 0; off < 9; off++) {
			memset(b, 0x5a, ROOM);
			memset(want, 0x5a, ROOM);
			memset(want + off + 1, 0xc3 + (int)n, n);
			void *r = klib_memset(b + off + 1, 0xc3 + (int)n, n);   /* only the low byte counts */
			CU_ASSERT_PTR_EQUAL(r, b + off + 1);
			if (memcmp(b, want, ROOM) != 0) {
				CU_FAIL("memset result differs");
				return;
			}
		}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Equal buffers, and one differing byte at every position (above and below), in every size. */
static void test_compare(void)
{
	for (size_t n = 0; n < 80; n++) {
		fill(a, n, 3);
		memcpy(b + 1, a, n);
		CU_ASSERT_EQUAL(klib_memcmp(a, b + 1, n), 0);
		for (size_t i = 0; i < n; i++)
			for (int d = -1; d <= 1; d += 2) {
				memcpy(b + 1, a, n);
				b[1 + i] = (uint8_t)(b[1 + i] + d * (1 + (int)(i % 100)));
				int got = klib_memcmp(a, b + 1, n), ref = memcmp(a, b + 1, n);
				if (sign(got) != sign(ref) || got == 0) {
					CU_FAIL("memcmp disagrees");
					return;
				}
			}
	}
}

int unit_suite_klib(void)
{
	CU_pSuite s = CU_add_suite("klib", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "memcpy: every size 0..399 at spread offsets, nothing around touched", test_copy_apart);
	CU_add_test(s, "memmove: overlapping both ways at distances 0..69 and beyond", test_move_overlap);
	CU_add_test(s, "memset: every size 0..399 at spread offsets, low byte of c", test_set);
	CU_add_test(s, "memcmp: equal, and one differing byte anywhere, both signs", test_compare);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
