/* ud2.c - hostile: ud2 must end the VM with an invalid opcode exception. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	__asm__ volatile("ud2");
	h_survived("ud2");
}
