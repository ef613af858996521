/* cli.c - hostile: cli in ring 3 must end the VM with a general protection fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("cli");
	h_survived("cli");
}
