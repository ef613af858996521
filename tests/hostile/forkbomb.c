/* forkbomb.c - every VM forks as fast as it can, and so does every child: the kernel must stop it with errors. */
/* fork (pv_fork) may only fail with PV_ENOMEM (the tenant's quota, the host's memory) or PV_EAGAIN (the VM table, the
 * addresses): anything else, or a fault, is a failure. A VM that has been refused argv[1] (default 3) times in a row
 * prints "forkbomb: vm=N made=M refused=R last=E", idles argv[2] ms (default 2000: the bomb holds its VMs while the
 * witnesses run) and exits 0. Run beside witnesses (tests/system/test_fork.sh): they finish as if it were not there. */
#include "hostile.h"

int main(int argc, char **argv)
{
	uint64_t stop_after = h_num(argc, argv, 1, 3), idle_ms = h_num(argc, argv, 2, 2000);
	uint64_t made = 0, refused = 0, in_a_row = 0;
	long r, last = 0;

	while (in_a_row < stop_after) {
		r = pv_fork();
		if (r == 0) {                        /* a child: its counts start afresh */
			made = refused = in_a_row = 0;
			continue;
		}
		if (r > 0) {
			made++;
			in_a_row = 0;
			continue;
		}
		if (r != PV_ENOMEM && r != PV_EAGAIN)
			h_survived("fork failed with an error PVISA.md does not list");
		last = r;
		refused++;
		in_a_row++;
		pv_yield();
	}
	h_say("forkbomb: vm=");
	h_dec(pv_start_info()->vm_id);
	h_say(" made=");
	h_dec(made);
	h_say(" refused=");
	h_dec(refused);
	h_say(" last=");
	h_say(last == PV_ENOMEM ? "ENOMEM" : "EAGAIN");
	h_say("\n");
	pv_idle((long)((uint64_t)pv_clock_mono() + idle_ms * 1000000));
	h_exit(0);
}
