/* hog.c - hostile, run with many instances: fill the whole heap (the quota, far beyond the memory guarantee) through
 * random(), argv[2] pages (default 8) between yields; a page refused with PV_ENOMEM is asked for again after a
 * yield until argv[1] ms (default 1000) have passed; then exit 0. A hypercall that cannot get memory fails without
 * ending the VM, so hogs keep host memory exhausted: bystanders within their guarantee must not pay for it (the
 * kernel ends the hogs furthest beyond their guarantee, "reclaimed"). */
#include "hostile.h"

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t end = (uint64_t)pv_clock_mono() + h_num(argc, argv, 1, 1000) * 1000000u;
	uint64_t step = h_num(argc, argv, 2, 8), pages = 0, a = si->heap_start;

	while (a < si->heap_end && (uint64_t)pv_clock_mono() < end) {
		long r = pv_random((long)a, 4096);
		if (r == 4096) {
			a += 4096;
			pages++;
		} else if (r != PV_ENOMEM) {
			h_say("hog: random() into the heap gave ");
			h_hex((uint64_t)r);
			h_say("\n");
			h_exit(1);
		}
		if (r != 4096 || pages % step == 0)
			pv_yield();
	}
	while ((uint64_t)pv_clock_mono() < end)
		pv_idle((long)end);
	h_say("hog: held ");
	h_dec(pages * 4);
	h_say(" KiB of heap\n");
	h_exit(0);
}
