/* latency.c - a witness: for argv[1] ms (default 1000) idle 5 ms at a time and measure how late each wake-up comes;
 * the worst must stay under argv[2] ms (default 35: a quantum of each other runnable VM, and slack). Prints the worst
 * and exits 1 if it was over. */
#include "hostile.h"

int main(int argc, char **argv)
{
	uint64_t now = (uint64_t)pv_clock_mono(), end = now + h_num(argc, argv, 1, 1000) * 1000000u;
	uint64_t limit = h_num(argc, argv, 2, 35) * 1000000u, worst = 0;

	while (now < end) {
		uint64_t due = now + 5000000u;
		while ((now = (uint64_t)pv_clock_mono()) < due)
			pv_idle((long)due);
		if (now - due > worst)
			worst = now - due;
	}
	h_say("latency: worst wake-up ");
	h_dec(worst / 1000);
	h_say(" us late\n");
	h_say(worst <= limit ? "latency: every wake-up within the limit\n" : "latency: FAILED: a wake-up came too late\n");
	h_exit(worst > limit);
}
