/* stack_overflow.c - hostile: unbounded recursion must end the VM at the guard gap ("stack overflow"). */
#include "hostile.h"

/* 1 KiB of stack per level; the bound only keeps the compiler from calling it infinite. */
static int deep(int n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	if (n > 1000000)
		return 0;
	return deep(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
	(void)argv;
	deep(argc);
	h_survived("stack_overflow");
}
