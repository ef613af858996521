/* int80.c - hostile: int $0x80 (a vector ring 3 may not call) must end the VM with a general protection fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("int $0x80" : : "a"(1) : "memory");
	h_survived("int80");
}
