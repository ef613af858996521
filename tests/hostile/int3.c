/* int3.c - hostile: int3 must end the VM with a breakpoint exception (no debugger in the kernel). */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("int3");
	h_survived("int3");
}
