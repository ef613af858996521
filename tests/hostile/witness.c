/* witness.c - runs beside pingpong.c: its first quantum must come within argv[1] ms (default 1000) of the kernel's
 * start, although two VMs keep waking each other with immediate delivery. Prints when it first ran; exits 1 if late. */
#include "hostile.h"

int main(int argc, char **argv)
{
	uint64_t first_ms = (uint64_t)pv_clock_mono() / 1000000u, limit = h_num(argc, argv, 1, 1000);

	h_say("witness: first quantum at ");
	h_dec(first_ms);
	h_say(" ms\n");
	if (first_ms > limit) {
		h_say("witness: FAILED: starved past the limit\n");
		h_exit(1);
	}
	h_say("witness: ran in time\n");
	h_exit(0);
}
