/* ldt.c - hostile: an LDT selector (TI=1) must fault as a general protection fault: the kernel loads a null LDT, so
 * no descriptor is ever read from memory a VM could place there (after reset, LDTR has base 0, limit 0xffff). */
#include "hostile.h"

int main(void)
{
	uint16_t sel = 0x0007;          /* LDT entry 0, RPL 3 */

	__asm__ volatile("mov %0, %%fs" : : "r"(sel));
	h_survived("loaded an LDT selector into fs");
}
