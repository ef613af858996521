/* idt.c - the IDT: 256 interrupt gates (DPL 0, so `int N` from ring 3 is #GP; int3 may raise #BP), IST stacks for #DF, NMI, #MC. */
#include <stdint.h>
#include "arch.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;      /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "idt gate");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t vector_table[256];     /* vectors.S */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static uint8_t idt_ist(int v)
{
	return v == T_DF ? 1 : v == T_NMI ? 2 : v == T_MC ? 3 : 0;
}

/* int3 from ring 3 reports a breakpoint (the VM ends with that reason) rather than a #GP. */
static uint8_t idt_type(int v)
{
	return v == T_BP ? 0xee : 0x8e;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t off = vector_table[v];
		idt[v] = (struct idt_gate){
			.off_lo = off & 0xffff, .sel = SEL_KCODE, .ist = idt_ist(v), .type = idt_type(v),
			.off_mid = (off >> 16) & 0xffff, .off_hi = off >> 32,
		};
	}
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}
