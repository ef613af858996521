/* read_kernel.c - hostile: reading kernel text (0xffffffff80100000) must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t v = *(volatile uint8_t *)0xffffffff80100000ull;

	(void)v;
	h_survived("read_kernel");
}
