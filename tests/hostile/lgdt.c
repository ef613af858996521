/* lgdt.c - hostile: lgdt in ring 3 must end the VM with a general protection fault. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { 0, 0 };

	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	h_survived("lgdt");
}
