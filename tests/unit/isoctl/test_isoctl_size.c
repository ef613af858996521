/* test_isoctl_size.c - sizes and numbers from the command line ("512MiB") and sizes printed for people. */
#include <string.h>
#include <CUnit/CUnit.h>

#include "libisoctl.h"

static void test_kib(void)
{
	static const struct { const char *s; uint64_t kib; } good[] = {
		{ "512MiB", 512 * 1024 }, { "2GiB", 2 * 1024 * 1024 }, { "1024KiB", 1024 }, { "1048576B", 1024 },
		{ "64K", 64 }, { "1M", 1024 }, { "1G", 1024 * 1024 }, { "1T", 1ull << 30 }, { "65536", 65536 },
		{ "0", 0 }, { "0MiB", 0 }, { "8388608TiB", 1ull << 53 },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		CU_ASSERT_EQUAL(iso_parse_kib(good[i].s, &v), 0);
		CU_ASSERT_EQUAL(v, good[i].kib);
	}
}

static void test_kib_bad(void)
{
	static const char *const bad[] = {
		"", "MiB", "512 MiB", "512mib", "512MB", "-1", "+5", "1.5GiB", "1000B", "1K5", "0x10", "512MiBs",
		"18446744073709551616", "17179869184TiB", "99999999999999999999K",
	};
	uint64_t v = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(iso_parse_kib(bad[i], &v), -1);
		CU_ASSERT_EQUAL(v, 7);
	}
	CU_ASSERT_EQUAL(iso_parse_kib(NULL, &v), -1);
}

static void test_u64(void)
{
	uint64_t v;

	CU_ASSERT_EQUAL(iso_parse_u64("500", 0, 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 500);
	CU_ASSERT_EQUAL(iso_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(iso_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(iso_parse_u64("1001", 0, 1000, &v), -1);
	CU_ASSERT_EQUAL(iso_parse_u64("0", 1, 1000, &v), -1);
	CU_ASSERT_EQUAL(iso_parse_u64("", 0, 1000, &v), -1);
	CU_ASSERT_EQUAL(iso_parse_u64("1 ", 0, 1000, &v), -1);
}

static void test_fmt(void)
{
	char b[32];

	iso_fmt_kib(512 * 1024, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "512 MiB");
	iso_fmt_kib(1536 * 1024, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "1.5 GiB");
	iso_fmt_kib(24, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "24 KiB");
	iso_fmt_kib(0, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "0 KiB");
	iso_fmt_kib(UINT64_MAX, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "EiB"));
}

int unit_suite_isoctl_size(void)
{
	CU_pSuite s = CU_add_suite("isoctl_size", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "sizes with units, in KiB", test_kib);
	CU_add_test(s, "malformed and overflowing sizes", test_kib_bad);
	CU_add_test(s, "numbers in a range", test_u64);
	CU_add_test(s, "sizes for people", test_fmt);
	return 0;
}
