/* test_guest_mem.c - CUnit suite for memcpy/memmove/memset/memcmp of the guests and the kernel (guestlib/mem.c, included here renamed). */
#include <stdint.h>
#include <string.h>
#include <CUnit/CUnit.h>

/* mem.c defines the standard names; here they become gm_* so the host's C library stays the reference. */
#define memcpy gm_memcpy
#define memmove gm_memmove
#define memset gm_memset
#define memcmp gm_memcmp
#include "../../guestlib/mem.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp

#define GM_MAXLEN 300         /* lengths 0..GM_MAXLEN: every short case and several 32-byte loop rounds */
#define GM_GUARD  48          /* bytes around the destination that must stay untouched */
#define GM_BUF    (GM_GUARD + 16 + GM_MAXLEN + GM_GUARD)

static uint8_t pat[GM_BUF], buf[GM_BUF], ref[GM_BUF];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* memcpy at every length 0..GM_MAXLEN and every source and destination alignment 0..15: the bytes and the
 * guards around the destination equal a byte-by-byte copy, and the result is dst. */
static void test_memcpy(void)
{
	static uint8_t src[GM_BUF];

	fill(src, sizeof(src), 7);
	fill(pat, sizeof(pat), 99);
	for (size_t so = 0; so < 16; so++)
		for (size_t dof = 0; dof < 16; dof++)
			for (size_t n = 0; n <= GM_MAXLEN; n++) {
				uint8_t *d = buf + GM_GUARD + dof;
				memcpy(buf, pat, sizeof(buf));
				memcpy(ref, pat, sizeof(ref));
				for (size_t i = 0; i < n; i++)
					ref[GM_GUARD + dof + i] = src[so + i];
				if (gm_memcpy(d, src + so, n) != d || memcmp(buf, ref, sizeof(buf)) != 0) {
					CU_FAIL("memcpy differs from a byte copy");
					return;
				}
			}
	CU_PASS("memcpy: all lengths and alignments");
}

/* memmove inside one buffer: every length 0..GM_MAXLEN at every distance -40..40 between source and
 * destination (forward and backward overlap, touching, apart), against a copy through a second buffer. */
static void test_memmove(void)
{
	static uint8_t tmp[GM_MAXLEN];

	fill(pat, sizeof(pat), 3);
	for (int dist = -40; dist <= 40; dist++)
		for (size_t n = 0; n <= GM_MAXLEN; n++) {
			size_t so = GM_GUARD + 8, dof = (size_t)((int)so + dist);
			memcpy(buf, pat, sizeof(buf));
			memcpy(ref, pat, sizeof(ref));
			memcpy(tmp, pat + so, n);
			memcpy(ref + dof, tmp, n);
			if (gm_memmove(buf + dof, buf + so, n) != buf + dof || memcmp(buf, ref, sizeof(buf)) != 0) {
				CU_FAIL("memmove differs from a copy through a second buffer");
				return;
			}
		}
	CU_PASS("memmove: all lengths and overlaps");
}

/* memset at every length and alignment with values whose int has bits above the low byte (only it counts). */
static void test_memset(void)
{
	static const int vals[] = { 0, 0x5a, 0xff, -1, 0x1a5, -128 };

	fill(pat, sizeof(pat), 11);
	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
		for (size_t dof = 0; dof < 16; dof++)
			for (size_t n = 0; n <= GM_MAXLEN; n++) {
				uint8_t *d = buf + GM_GUARD + dof;
				memcpy(buf, pat, sizeof(buf));
				memcpy(ref, pat, sizeof(ref));
				for (size_t i = 0; i < n; i++)
					ref[GM_GUARD + dof + i] = (uint8_t)vals[k];
				if (gm_memset(d, vals[k], n) != d || memcmp(buf, ref, sizeof(buf)) != 0) {
					CU_FAIL("memset differs from a byte loop");
					return;
				}
			}
	CU_PASS("memset: all lengths, alignments and values");
}

/* memcmp: equal ranges give 0; one byte changed at each position (up and down, also across 0x7f/0x80) gives
 * the difference of those bytes, whatever the alignment and length. */
static void test_memcmp(void)
{
	static uint8_t a[GM_MAXLEN + 16], b[GM_MAXLEN + 16];
	static const uint8_t repl[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };

	fill(a, sizeof(a), 5);
	for (size_t ao = 0; ao < 8; ao++)
		for (size_t bo = 0; bo < 8; bo += 3)
			for (size_t n = 0; n <= 80; n++) {
				memcpy(b + bo, a + ao, n);
				if (gm_memcmp(a + ao, b + bo, n) != 0) {
					CU_FAIL("memcmp of equal ranges is not 0");
					return;
				}
				for (size_t i = 0; i < n; i++)
					for (size_t r = 0; r < sizeof(repl); r++) {
						uint8_t keep = b[bo + i];
						b[bo + i] = repl[r];
						int want = (int)a[ao + i] - (int)repl[r];
						int got = gm_memcmp(a + ao, b + bo, n);
						b[bo + i] = keep;
						if (got != want) {
							CU_FAIL("memcmp does not return the first differing bytes' difference");
							return;
						}
					}
			}
	CU_ASSERT_EQUAL(gm_memcmp(a, a, GM_MAXLEN), 0);
	CU_PASS("memcmp: equal, and every first difference");
}

/* Only the first difference counts: later differences in the other direction do not change the sign. */
static void test_memcmp_first(void)
{
	uint8_t x[40], y[40];

	memset(x, 0x10, sizeof(x));
	memset(y, 0x10, sizeof(y));
	x[3] = 0x11;
	y[9] = 0xf0;
	CU_ASSERT(gm_memcmp(x, y, sizeof(x)) > 0);
	CU_ASSERT(gm_memcmp(y, x, sizeof(x)) < 0);
	CU_ASSERT_EQUAL(gm_memcmp(x, y, 3), 0);
	x[33] = 0;
	CU_ASSERT_EQUAL(gm_memcmp(x + 10, y + 10, 30), 0 - 0x10);
}

#define SPAN 400            /* sizes 0..SPAN-1 cover the small cases, the 32-byte loop and its tail */
#define ROOM (3 * SPAN)

static uint8_t ka[ROOM], kb[ROOM], kwant[ROOM];   /* the second set of cases (sizes to 399, far overlaps) */

static void fill_ramp(uint8_t *p, size_t n, unsigned seed)
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
				fill_ramp(ka, ROOM, (unsigned)n);
				memset(kb, 0xee, ROOM);
				memcpy(kwant, kb, ROOM);
				memcpy(kwant + d0 + 1, ka + so, n);
				void *r = gm_memcpy(kb + d0 + 1, ka + so, n);
				CU_ASSERT_PTR_EQUAL(r, kb + d0 + 1);
				if (memcmp(kb, kwant, ROOM) != 0) {
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
				fill_ramp(ka, ROOM, (unsigned)(n + dist));
				memcpy(kwant, ka, ROOM);
				memmove(kwant + dst, kwant + src, n);
				gm_memmove(ka + dst, ka + src, n);
				if (memcmp(ka, kwant, ROOM) != 0) {
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
			memset(kb, 0x5a, ROOM);
			memset(kwant, 0x5a, ROOM);
			memset(kwant + off + 1, 0xc3 + (int)n, n);
			void *r = gm_memset(kb + off + 1, 0xc3 + (int)n, n);   /* only the low byte counts */
			CU_ASSERT_PTR_EQUAL(r, kb + off + 1);
			if (memcmp(kb, kwant, ROOM) != 0) {
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
		fill_ramp(ka, n, 3);
		memcpy(kb + 1, ka, n);
		CU_ASSERT_EQUAL(gm_memcmp(ka, kb + 1, n), 0);
		for (size_t i = 0; i < n; i++)
			for (int d = -1; d <= 1; d += 2) {
				memcpy(kb + 1, ka, n);
				kb[1 + i] = (uint8_t)(kb[1 + i] + d * (1 + (int)(i % 100)));
				int got = gm_memcmp(ka, kb + 1, n), ref = memcmp(ka, kb + 1, n);
				if (sign(got) != sign(ref) || got == 0) {
					CU_FAIL("memcmp disagrees");
					return;
				}
			}
	}
}

int unit_suite_guest_mem(void)
{
	CU_pSuite s = CU_add_suite("guest_mem", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "memcpy equals a byte copy at every length and alignment", test_memcpy);
	CU_add_test(s, "memmove equals a buffered copy at every overlap", test_memmove);
	CU_add_test(s, "memset at every length, alignment and value", test_memset);
	CU_add_test(s, "memcmp returns the first differing bytes' difference", test_memcmp);
	CU_add_test(s, "memcmp: the first difference decides", test_memcmp_first);
	CU_add_test(s, "memcpy: every size 0..399 at spread offsets, nothing around touched", test_copy_apart);
	CU_add_test(s, "memmove: overlapping both ways at distances 0..69 and beyond", test_move_overlap);
	CU_add_test(s, "memset: every size 0..399 at spread offsets, low byte of c", test_set);
	CU_add_test(s, "memcmp: equal, and one differing byte anywhere, both signs", test_compare);
	return 0;
}
