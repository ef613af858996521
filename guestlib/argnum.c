/* argnum.c - guest_arg_num (guest.h): a decimal command-line argument in [0, max]; uses newlib's strtoll. */
#include <errno.h>
#include <stdlib.h>
#include "guest.h"

long long guest_arg_num(const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}
