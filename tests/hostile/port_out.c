/* port_out.c - hostile: outb to the QEMU debug-exit port must fault (a broken kernel would let it end QEMU). */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("outb %%al, %%dx" : : "a"(0), "d"(0xf4));
	h_survived("port_out");
}
