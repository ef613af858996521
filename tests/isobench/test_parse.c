/* test_parse.c - CUnit tests of isobench's parsing (bench/ib_parse.c): VM count lists, numbers, fields of isorun's
 * JSON report, medians, image names, @vm and @v records. Built as build/tests/isobench_unit by bench/bench.mk. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "isobench.h"

static void test_counts_ok(void)
{
	unsigned long c[8];
	char err[128];

	CU_ASSERT_EQUAL(ib_parse_counts("1,10,100", c, 8, 1, 131072, err, sizeof err), 3);
	CU_ASSERT_EQUAL(c[0], 1);
	CU_ASSERT_EQUAL(c[1], 10);
	CU_ASSERT_EQUAL(c[2], 100);
	CU_ASSERT_EQUAL(ib_parse_counts("131072", c, 8, 1, 131072, err, sizeof err), 1);
	CU_ASSERT_EQUAL(c[0], 131072);
	CU_ASSERT_EQUAL(ib_parse_counts("0,5", c, 8, 0, 10, err, sizeof err), 2);
	CU_ASSERT_EQUAL(c[0], 0);
}

static void test_counts_bad(void)
{
	static const char *const bad[] = { "", "0", "131073", "1,,2", "1,", ",1", "a", "1,2x", "-1", "+5", " 1",
					   "1 ,2", "10,10", "1.5", "99999999999999999999999" };
	unsigned long c[8];
	char err[128];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(ib_parse_counts(bad[i], c, 8, 1, 131072, err, sizeof err), -1);
		CU_ASSERT(err[0] != 0);
	}
	CU_ASSERT_EQUAL(ib_parse_counts("1,2,3", c, 2, 1, 10, err, sizeof err), -1);
	CU_ASSERT(strstr(err, "more than 2") != NULL);
	CU_ASSERT_EQUAL(ib_parse_counts("3,3", c, 8, 1, 10, err, sizeof err), -1);
	CU_ASSERT(strstr(err, "twice") != NULL);
	CU_ASSERT_EQUAL(ib_parse_counts(NULL, c, 8, 1, 10, err, sizeof err), -1);
}

static void test_long(void)
{
	long v = 7;

	CU_ASSERT_EQUAL(ib_parse_long("42", 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(ib_parse_long("101", 0, 100, &v), -1);
	CU_ASSERT_EQUAL(ib_parse_long("", 0, 100, &v), -1);
	CU_ASSERT_EQUAL(ib_parse_long("4x", 0, 100, &v), -1);
	CU_ASSERT_EQUAL(ib_parse_long("-4", -10, 100, &v), -1);     /* no signs: counts and durations only */
	CU_ASSERT_EQUAL(v, 42);
}

/* A report in isorun's layout (runner/json.c): one top-level member per line, objects on one line. */
static const char report[] =
	"{\n  \"accel\": \"tcg\",\n  \"kernel_accel\": \"tcg\",\n  \"exit_status\": 0,\n"
	"  \"kernel_exit_code\": null,\n  \"run_seconds\": 0.397936,\n  \"vms_started\": 10,\n"
	"  \"create_ns_per_vm\": 40108,\n  \"delta\": -3,\n  \"name\": \"a \\\"q\\\" b\",\n"
	"  \"boot\": {\"abi\": 1, \"accel\": \"tcg\", \"tsc_hz\": 1965847543, \"mem_bytes\": 67763200},\n"
	"  \"images\": [\n    {\"name\": \"tiny.elf\", \"count\": 10, \"vms_started\": 99}],\n"
	"  \"vms\": [\n    {\"id\": 0, \"image\": \"tiny.elf\", \"state\": \"exited\", \"exit_status\": 0}]\n}\n";

static void test_json_num(void)
{
	double v = -1;

	CU_ASSERT_EQUAL(ib_json_num(report, "vms_started", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, 10, 0);
	CU_ASSERT_EQUAL(ib_json_num(report, "run_seconds", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, 0.397936, 1e-9);
	CU_ASSERT_EQUAL(ib_json_num(report, "delta", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, -3, 0);
	CU_ASSERT_EQUAL(ib_json_num(report, "boot.abi", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, 1, 0);
	CU_ASSERT_EQUAL(ib_json_num(report, "boot.tsc_hz", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, 1965847543.0, 0);
	CU_ASSERT_EQUAL(ib_json_num(report, "boot.mem_bytes", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, 67763200.0, 0);
}

static void test_json_absent(void)
{
	double v = 5;

	CU_ASSERT_EQUAL(ib_json_num(report, "kernel_exit_code", &v), -1);   /* null */
	CU_ASSERT_EQUAL(ib_json_num(report, "accel", &v), -1);              /* a string */
	CU_ASSERT_EQUAL(ib_json_num(report, "boot.accel", &v), -1);
	CU_ASSERT_EQUAL(ib_json_num(report, "nope", &v), -1);
	CU_ASSERT_EQUAL(ib_json_num(report, "boot.nope", &v), -1);
	CU_ASSERT_EQUAL(ib_json_num(report, "nope.abi", &v), -1);
	CU_ASSERT_EQUAL(ib_json_num(report, "exit", &v), -1);               /* a prefix of exit_status */
	CU_ASSERT_EQUAL(ib_json_num(report, "count", &v), -1);              /* only inside the images list */
	CU_ASSERT_EQUAL(ib_json_num(report, "id", &v), -1);                 /* only inside the vms list */
	CU_ASSERT_DOUBLE_EQUAL(v, 5, 0);
}

static void test_json_str(void)
{
	char s[32];

	CU_ASSERT_EQUAL(ib_json_str(report, "accel", s, sizeof s), 0);
	CU_ASSERT_STRING_EQUAL(s, "tcg");
	CU_ASSERT_EQUAL(ib_json_str(report, "name", s, sizeof s), 0);
	CU_ASSERT_STRING_EQUAL(s, "a \"q\" b");
	CU_ASSERT_EQUAL(ib_json_str(report, "vms_started", s, sizeof s), -1);
	CU_ASSERT_EQUAL(ib_json_str(report, "missing", s, sizeof s), -1);
}

static void test_median(void)
{
	double a[] = { 5, 1, 3 }, b[] = { 4, 1, 3, 2 }, c[] = { 7 };

	CU_ASSERT_DOUBLE_EQUAL(ib_median(a, 3), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(ib_median(b, 4), 2.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(ib_median(c, 1), 7, 0);
}

static void test_image_name(void)
{
	char n[64];

	ib_image_name("build/examples/hello.elf", n, sizeof n);
	CU_ASSERT_STRING_EQUAL(n, "hello.elf");
	ib_image_name("a b/c d+e.elf", n, sizeof n);
	CU_ASSERT_STRING_EQUAL(n, "c_d_e.elf");
	ib_image_name("x/\xc3\xa9t\xc3\xa9.elf", n, sizeof n);
	CU_ASSERT_STRING_EQUAL(n, "__t__.elf");
	ib_image_name("plain", n, 4);
	CU_ASSERT_STRING_EQUAL(n, "pla");
}

static void test_vm_record(void)
{
	struct ib_vmrec v = { .image = "" };

	CU_ASSERT_TRUE(ib_vm_record("@vm id=3 image=\"spin.elf\" state=exited status=0 priv_kib=4", &v));
	CU_ASSERT_EQUAL(v.id, 3);
	CU_ASSERT_STRING_EQUAL(v.image, "spin.elf");
	CU_ASSERT_STRING_EQUAL(v.state, "exited");
	CU_ASSERT_EQUAL(v.status, 0);
	CU_ASSERT_TRUE(ib_vm_record("@vm id=9 image=\"a \\\"b\\\"\" state=faulted status=-1 reason=\"x\"", &v));
	CU_ASSERT_STRING_EQUAL(v.image, "a \"b\"");
	CU_ASSERT_STRING_EQUAL(v.state, "faulted");
	CU_ASSERT_EQUAL(v.status, -1);
	/* brief records: the image carries over until a record names another */
	CU_ASSERT_TRUE(ib_vm_record("@v 12 exited 2 image=\"idle.elf\" reason=\"\"", &v));
	CU_ASSERT_EQUAL(v.id, 12);
	CU_ASSERT_STRING_EQUAL(v.image, "idle.elf");
	CU_ASSERT_EQUAL(v.status, 2);
	CU_ASSERT_TRUE(ib_vm_record("@v 13 running -1", &v));
	CU_ASSERT_EQUAL(v.id, 13);
	CU_ASSERT_STRING_EQUAL(v.image, "idle.elf");
	CU_ASSERT_STRING_EQUAL(v.state, "running");
	CU_ASSERT_EQUAL(v.status, -1);
	/* not VM ends */
	CU_ASSERT_FALSE(ib_vm_record("@image name=\"spin.elf\" count=1", &v));
	CU_ASSERT_FALSE(ib_vm_record("@live vms=3 live=3 all_live_ns=5", &v));
	CU_ASSERT_FALSE(ib_vm_record("[vm 3] @vm id=3 image=\"spin.elf\" state=exited status=0", &v));
	CU_ASSERT_FALSE(ib_vm_record("@vm id=x state=exited status=0", &v));
	CU_ASSERT_FALSE(ib_vm_record("@v 3 exited", &v));
	CU_ASSERT_STRING_EQUAL(v.image, "idle.elf");
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("isobench_parse", NULL, NULL);
	CU_add_test(s, "count lists", test_counts_ok);
	CU_add_test(s, "bad count lists", test_counts_bad);
	CU_add_test(s, "numbers", test_long);
	CU_add_test(s, "JSON numbers", test_json_num);
	CU_add_test(s, "JSON absent, null, strings", test_json_absent);
	CU_add_test(s, "JSON strings", test_json_str);
	CU_add_test(s, "medians", test_median);
	CU_add_test(s, "image names", test_image_name);
	CU_add_test(s, "@vm and @v records", test_vm_record);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	int failed = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
