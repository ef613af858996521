/* divide.c - hostile: a division by zero must end the VM with a divide error. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint32_t q;

	__asm__ volatile("divl %2" : "=a"(q) : "a"(1), "r"(0), "d"(0));
	(void)q;
	h_survived("divide");
}
