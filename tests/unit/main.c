/* main.c - the CUnit runner: registers every suite listed in the generated suites.h and runs them verbosely. */
/*
 * To add a test file: create tests/unit/test_NAME.c defining `int unit_suite_NAME(void)` that adds its
 * suite and tests (return 0, or -1 on a registry error). unit.mk finds test_*.c by wildcard and lists
 * UNIT_SUITE(NAME) for each in $(B)/tests/unit/suites.h; nothing here needs editing.
 */
#include <stdio.h>
#include <CUnit/Basic.h>

#define UNIT_SUITE(name) int unit_suite_##name(void);
#include "suites.h"
#undef UNIT_SUITE

typedef int (*suite_fn)(void);

static const struct {
	const char *name;
	suite_fn add;
} suites[] = {
#define UNIT_SUITE(name) { #name, unit_suite_##name },
#include "suites.h"
#undef UNIT_SUITE
};

static int register_all(void)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i].add() != 0 || CU_get_error() != CUE_SUCCESS) {
			fprintf(stderr, "unit: registering suite %s failed: %s\n", suites[i].name, CU_get_error_msg());
			return -1;
		}
	}
	return 0;
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		return 2;
	}
	if (register_all() != 0) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	int failed = CU_get_number_of_failures() != 0;
	CU_cleanup_registry();
	return failed;
}
