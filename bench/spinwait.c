/* spinwait.c - idle.c's twin that waits the wrong way: prints "ready", busy-waits reading the clock until argv[1] ms after its start, prints "woke". */
/* Denali's point (bench/denali.sh, experiment c): a guest that waits with the idle hypercall (idle.elf) gives its CPU
 * away; this one keeps polling guest_clock_ns() (rdtsc and the virtual registers, no hypercall), so the kernel can only
 * take the CPU back when its quantum ends. Exit 0, or 2 on a bad argument (0 .. 86400000 ms). */
#include <stdio.h>
#include "guest.h"

int main(int argc, char **argv)
{
	uint64_t start = guest_clock_ns();
	long long ms = argc == 2 ? guest_arg_num(argv[1], 86400000LL) : -1;
	uint64_t deadline, polls = 0;

	if (ms < 0) {
		fprintf(stderr, "usage: %s MILLISECONDS (0 .. 86400000)\n", argv[0]);
		return 2;
	}
	deadline = start + (uint64_t)ms * 1000000u;
	printf("ready\n");
	while (guest_clock_ns() < deadline)
		polls++;
	printf("woke polls=%llu\n", (unsigned long long)polls);
	return 0;
}
