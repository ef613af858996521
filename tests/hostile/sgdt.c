/* sgdt.c - hostile: sgdt in ring 3 must fault where the CPU has UMIP (the kernel turns it on; isorun runs TCG with
 * qemu64,+umip). Without UMIP it cannot be stopped: the guest says so, shows what it learnt and exits 0. */
#include "hostile.h"

int main(void)
{
	uint32_t a = 7, b, c = 0, d;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 2))) {
		__asm__ volatile("sgdt %0" : "=m"(gdtr));
		h_say("sgdt: this CPU has no UMIP: sgdt shows the GDT at ");
		h_hex(gdtr.base);
		h_say("\n");
		h_exit(0);
	}
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	h_survived("sgdt in ring 3 with UMIP");
}
