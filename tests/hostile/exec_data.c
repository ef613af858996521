/* exec_data.c - hostile: calling into its own (written, private) data page must fault: data is never executable. */
#include "hostile.h"

/* A "ret" instruction in .data: without NX the call would simply return. */
static volatile uint8_t exec_data_code[16] = { 0xc3 };

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	exec_data_code[1] = 0xc3;               /* write first: the page is now the VM's private copy */
	((void (*)(void))(uintptr_t)exec_data_code)();
	h_survived("exec_data");
}
