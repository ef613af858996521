/* grower.c - an ordinary VM beside hogs: touches one more heap page every argv[2] ms (default 100), argv[1] pages
 * (default 5) in all, staying within its memory guarantee, then says so and exits 0. Hogs that take all the rest of
 * host memory must not make its page faults fail: its guarantee is reserved. */
#include "hostile.h"

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t pages = h_num(argc, argv, 1, 5), gap = h_num(argc, argv, 2, 100) * 1000000u;

	for (uint64_t i = 0; i < pages && si->heap_start + i * 4096 < si->heap_end; i++) {
		uint64_t until = (uint64_t)pv_clock_mono() + gap;
		while ((uint64_t)pv_clock_mono() < until)
			pv_idle((long)until);
		*(volatile uint64_t *)(si->heap_start + i * 4096) = i;
	}
	h_say("grower: touched its pages, all within its guarantee\n");
	h_exit(0);
}
