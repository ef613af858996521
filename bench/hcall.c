/* hcall.c - hypercall round trip in TSC cycles: pv_clock_mono, an unknown call number (ENOSYS: entry,
 * table check, return) and the same loop without a syscall (loop overhead, subtracted from both).
 * argv[1]: iterations per measurement (default 200000), run in batches of BATCH; the three loops are
 * interleaved batch by batch and each result is the median over batches (timer ticks and host noise land
 * in a few batches only). Prints one line:
 *   bench hcall n=N batches=B clock_mono_cycles=X enosys_cycles=Y loop_cycles=Z tsc_hz=H
 * where X and Y are per call, net of the loop overhead Z (cycles per empty iteration), as x.xx. */
#include <stdio.h>
#include "guest.h"
#include "pvisa_guest.h"
#include "common.h"

#define BATCH       1000
#define MAX_BATCHES 1024
#define UNKNOWN_NR  1000

static uint64_t t_loop[MAX_BATCHES], t_clock[MAX_BATCHES], t_enosys[MAX_BATCHES];

static uint64_t run_loop(long m)
{
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < m; i++)
		__asm__ volatile("" : : : "memory");
	return bench_tsc() - t0;
}

static uint64_t run_clock(long m)
{
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < m; i++)
		(void)pv_clock_mono();
	return bench_tsc() - t0;
}

static uint64_t run_enosys(long m, long *bad)
{
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < m; i++)
		if (pv_call0(UNKNOWN_NR) != PV_ENOSYS)
			(*bad)++;
	return bench_tsc() - t0;
}

/* cycles*100 per iteration of a batch total */
static uint64_t per100(uint64_t total, long m)
{
	return (total * 100 + (uint64_t)m / 2) / (uint64_t)m;
}

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1, 200000);
	long m = n < BATCH ? n : BATCH;
	int nb = (int)(n / m);
	long bad = 0;
	uint64_t loop, clk, eno, netc, nete;

	if (nb > MAX_BATCHES)
		nb = MAX_BATCHES;
	/* warm-up: fault in the pages, fill the caches and the TCG translation cache */
	run_loop(m), run_clock(m), run_enosys(m, &bad);
	for (int b = 0; b < nb; b++) {
		t_loop[b] = per100(run_loop(m), m);
		t_clock[b] = per100(run_clock(m), m);
		t_enosys[b] = per100(run_enosys(m, &bad), m);
	}
	if (bad) {
		fprintf(stderr, "bench hcall: call %d did not return ENOSYS (%ld times)\n", UNKNOWN_NR, bad);
		return 1;
	}
	loop = bench_median(t_loop, nb);
	clk = bench_median(t_clock, nb);
	eno = bench_median(t_enosys, nb);
	netc = clk > loop ? clk - loop : 0;
	nete = eno > loop ? eno - loop : 0;
	printf("bench hcall n=%ld batches=%d clock_mono_cycles=%llu.%02llu enosys_cycles=%llu.%02llu "
	       "loop_cycles=%llu.%02llu tsc_hz=%llu\n",
	       m * nb, nb, (unsigned long long)(netc / 100), (unsigned long long)(netc % 100),
	       (unsigned long long)(nete / 100), (unsigned long long)(nete % 100),
	       (unsigned long long)(loop / 100), (unsigned long long)(loop % 100),
	       (unsigned long long)pv_start_info()->tsc_hz);
	return 0;
}
