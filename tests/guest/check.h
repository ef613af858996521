/* check.h - the guest tests' checks: CHECK prints one "FAIL: file:line: condition: details" line per failed check. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
			printf(__VA_ARGS__);                                          \
			putchar('\n');                                                \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

/* main's result: 0 and an "ok: NAME" line when every check passed, 1 otherwise. */
static inline int check_done(const char *name)
{
	if (check_failures == 0)
		printf("ok: %s\n", name);
	else
		printf("FAIL: %s: %d checks failed\n", name, check_failures);
	return check_failures != 0;
}

#endif
