/* idle.c - prints "ready", idles until argv[1] milliseconds after its start, prints "woke", exits 0 (2 on a bad argument). */
#include <stdio.h>
#include "guest.h"

int main(int argc, char **argv)
{
	uint64_t start = guest_clock_ns();
	long long ms = argc == 2 ? guest_arg_num(argv[1], 86400000LL) : -1;
	uint64_t deadline;

	if (ms < 0) {
		fprintf(stderr, "usage: %s MILLISECONDS (0 .. 86400000)\n", argv[0]);
		return 2;
	}
	deadline = start + (uint64_t)ms * 1000000u;
	printf("ready\n");
	while (guest_clock_ns() < deadline)
		guest_idle_until(deadline);
	printf("woke\n");
	return 0;
}
