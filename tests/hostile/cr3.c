/* cr3.c - hostile: mov to cr3 in ring 3 must end the VM with a general protection fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("mov %0, %%cr3" : : "r"(0ul) : "memory");
	h_survived("cr3");
}
