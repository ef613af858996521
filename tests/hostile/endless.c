/* endless.c - hostile: an endless loop: the VM must still be running when the run times out. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (;;)
		__asm__ volatile("" : : : "memory");
	h_survived("endless");
}
