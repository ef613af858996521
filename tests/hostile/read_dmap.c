/* read_dmap.c - hostile: reading the kernel direct map (0xffff800000000000) must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t v = *(volatile uint8_t *)0xffff800000000000ull;

	(void)v;
	h_survived("read_dmap");
}
