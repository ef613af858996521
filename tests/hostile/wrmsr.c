/* wrmsr.c - hostile: wrmsr (EFER := 0) in ring 3 must end the VM with a general protection fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("wrmsr" : : "c"(0xc0000080u), "a"(0), "d"(0));
	h_survived("wrmsr");
}
