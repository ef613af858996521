/* idle.c - prints "ready", idles until argv[1] milliseconds after its start, prints "woke", exits 0 (2 on a bad argument). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "guest.h"

/* The wake-up delay in ms from argv[1]: a decimal number; returns -1 when it is missing or malformed. */
static long idle_parse_ms(int argc, char **argv)
{
	char *end;
	long ms;

	if (argc != 2)
		return -1;
	errno = 0;
	ms = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || ms < 0 || ms > 86400000L)
		return -1;
	return ms;
}

int main(int argc, char **argv)
{
	uint64_t start = guest_clock_ns();
	long ms = idle_parse_ms(argc, argv);
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
