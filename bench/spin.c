/* spin.c - the busy VM of isobench --sched: spins (no hypercalls) for argv[1] ms, so every quantum ends by the timer,
 * then idles argv[2] times for argv[3] us each (timer deliveries), prints one result line and exits 0.
 *   bench spin vm=ID spin_ms=MS spun_ns=N ticks=T tick_us=U late_ns_median=L
 * late_ns_median: how long after each tick's deadline the VM ran again (its own view of timer delivery).
 * Defaults: 1000 ms, 0 ticks, 2000 us; exit 2 on a malformed argument. */
#include <stdio.h>
#include <stdlib.h>
#include "guest.h"
#include "common.h"

#define MAX_TICKS 100000

static uint64_t late_ns[MAX_TICKS];

/* argv[i] as a decimal in [0, max], def when absent; -1 when malformed or out of range. */
static long spin_arg(int argc, char **argv, int i, long def, long max)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	v = strtol(argv[i], &end, 10);
	return (end == argv[i] || *end != '\0' || v < 0 || v > max) ? -1 : v;
}

/* Busy for ms milliseconds by the guest clock (virtual registers only: no hypercall); the ns actually spun. */
static uint64_t spin_for(long ms)
{
	uint64_t t0 = guest_clock_ns(), end = t0 + (uint64_t)ms * 1000000u, t;

	while ((t = guest_clock_ns()) < end)
		;
	return t - t0;
}

/* Idles n times for us microseconds each; late_ns[i] = resume time - deadline. */
static void tick(long n, long us)
{
	for (long i = 0; i < n; i++) {
		uint64_t deadline = guest_clock_ns() + (uint64_t)us * 1000u, t;
		while ((t = guest_clock_ns()) < deadline)
			guest_idle_until(deadline);
		late_ns[i] = t - deadline;
	}
}

int main(int argc, char **argv)
{
	long ms = spin_arg(argc, argv, 1, 1000, 86400000L);
	long ticks = spin_arg(argc, argv, 2, 0, MAX_TICKS);
	long us = spin_arg(argc, argv, 3, 2000, 86400000L);
	uint64_t spun;

	if (ms < 0 || ticks < 0 || us < 1 || argc > 4) {
		fprintf(stderr, "usage: spin [MS [TICKS [TICK_US]]] (MS <= 86400000, TICKS <= %d, TICK_US >= 1)\n",
			MAX_TICKS);
		return 2;
	}
	spun = spin_for(ms);
	tick(ticks, us);
	printf("bench spin vm=%u spin_ms=%ld spun_ns=%llu ticks=%ld tick_us=%ld late_ns_median=%llu\n",
	       (unsigned)guest_vm_id(), ms, (unsigned long long)spun, ticks, us,
	       ticks ? (unsigned long long)bench_median(late_ns, (int)ticks) : 0ull);
	return 0;
}
