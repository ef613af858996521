/* switch.c - cycles per pv_yield(). With one instance the yield comes straight back (no VM switch); with two,
 * every yield switches to the other VM (address space and x87/SSE state). argv[1]: timed yields (default
 * 100000), in batches of BATCH; the result is the median of per-batch averages.
 * Honesty with two instances: the round-robin queue alternates them strictly, so each does WARMUP yields
 * before timing and COOLDOWN yields after it (the partner is still inside its timed loop then), and prints
 * its timed interval on the shared monotonic clock (t0_ns, t1_ns) so the runner can check the overlap:
 *   bench switch vm=ID n=N yield_cycles=X t0_ns=A t1_ns=B tsc_hz=H */
#include <stdio.h>
#include "guest.h"
#include "pvisa_guest.h"
#include "common.h"

#define BATCH       500
#define MAX_BATCHES 2048
#define WARMUP      200
#define COOLDOWN    200

static uint64_t t_batch[MAX_BATCHES];

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1, 100000);
	long m = n < BATCH ? n : BATCH;
	int nb = (int)(n / m);
	uint64_t t0_ns, t1_ns, med;

	if (nb > MAX_BATCHES)
		nb = MAX_BATCHES;
	for (int i = 0; i < WARMUP; i++)
		pv_yield();
	t0_ns = guest_clock_ns();
	for (int b = 0; b < nb; b++) {
		uint64_t t0 = bench_tsc();
		for (long i = 0; i < m; i++)
			pv_yield();
		t_batch[b] = ((bench_tsc() - t0) * 100 + (uint64_t)m / 2) / (uint64_t)m;
	}
	t1_ns = guest_clock_ns();
	for (int i = 0; i < COOLDOWN; i++)
		pv_yield();
	med = bench_median(t_batch, nb);
	printf("bench switch vm=%u n=%ld yield_cycles=%llu.%02llu t0_ns=%llu t1_ns=%llu tsc_hz=%llu\n",
	       (unsigned)guest_vm_id(), m * nb, (unsigned long long)(med / 100), (unsigned long long)(med % 100),
	       (unsigned long long)t0_ns, (unsigned long long)t1_ns,
	       (unsigned long long)pv_start_info()->tsc_hz);
	return 0;
}
