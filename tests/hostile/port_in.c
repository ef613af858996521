/* port_in.c - hostile: inb from the serial port must fault (no I/O privilege in ring 3). */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t v;

	__asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x3f8));
	(void)v;
	h_survived("port_in");
}
