/* conhog.c - hostile: 4,096-byte console writes (64 lines of 64 bytes each) back to back for argv[1] ms (default
 * 1000). The UART is slow (10-20 us a byte under TCG): one such call must not hold the CPU past the VM's quantum
 * (latency.c, beside it, measures how late its wake-ups come). Every byte must still arrive: the test counts lines. */
#include "hostile.h"

static char con_buf[4096];

int main(int argc, char **argv)
{
	uint64_t end = (uint64_t)pv_clock_mono() + h_num(argc, argv, 1, 1000) * 1000000u, calls = 0;

	for (int i = 0; i < 4096; i++)
		con_buf[i] = (i % 64 == 63) ? '\n' : (char)('a' + (i / 64) % 26);
	while ((uint64_t)pv_clock_mono() < end) {
		long r = pv_console_write((long)con_buf, sizeof(con_buf));
		if (r != (long)sizeof(con_buf)) {
			h_say("conhog: console_write gave ");
			h_hex((uint64_t)r);
			h_say("\n");
			h_exit(1);
		}
		calls++;
	}
	h_say("conhog: calls ");
	h_dec(calls);
	h_say("\n");
	h_exit(0);
}
