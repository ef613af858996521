/* below_window.c - hostile: reading below the window (0x1000) must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t v = *(volatile uint8_t *)0x1000ull;

	(void)v;
	h_survived("below_window");
}
