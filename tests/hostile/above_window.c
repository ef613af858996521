/* above_window.c - hostile: reading just above the window (PV_WIN_END) must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t v = *(volatile uint8_t *)PV_WIN_END;

	(void)v;
	h_survived("above_window");
}
