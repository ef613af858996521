/* write_text.c - hostile: writing its own (shared) text must end the VM with a page fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	*(volatile uint8_t *)(uintptr_t)main = 0xcc;
	h_survived("write_text");
}
