/* cpuhog.c - a CPU-bound VM for test_cpushare: spins (no hypercall but the clock's) until argv[1] ms after the kernel
 * booted, the same instant for every instance, so the CPU they got is the split while all competed; prints
 * "cpuhog: until_ms=N" and exits 0 (2 on a bad argument). */
#include <stdio.h>
#include <stdlib.h>
#include "guest.h"

int main(int argc, char **argv)
{
	char *end;
	long ms = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	volatile unsigned long spins = 0;

	if (argc != 2 || *end || ms <= 0 || ms > 600000) {
		fprintf(stderr, "usage: cpuhog UNTIL_MS (1..600000)\n");
		return 2;
	}
	while (guest_clock_ns() < (unsigned long long)ms * 1000000ull)
		for (int i = 0; i < 1000; i++)
			spins++;
	printf("cpuhog: until_ms=%ld\n", ms);
	return 0;
}
