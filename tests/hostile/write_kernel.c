/* write_kernel.c - hostile: writing kernel text (0xffffffff80100000) must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	*(volatile uint8_t *)0xffffffff80100000ull = 0xcc;
	h_survived("write_kernel");
}
