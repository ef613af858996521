/* gdt.c - the GDT (kernel/user segments in SYSCALL/SYSRET order) and the TSS (rsp0, IST stacks, no I/O bitmap). */
#include <stdint.h>
#include "arch.h"
#include "lib.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "tss");

#define IST_STACK_SIZE 4096
#define IST_COUNT      3     /* 1: #DF, 2: NMI, 3: #MC (see idt.c) */

static struct tss tss;
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

/* Index = selector >> 3; the TSS descriptor takes two slots. */
static uint64_t gdt[7] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffull,   /* 0x08 SEL_KCODE: 64-bit, DPL 0 */
	0x00cf92000000ffffull,   /* 0x10 SEL_KDATA */
	0x00cff2000000ffffull,   /* 0x18 SEL_UDATA (0x1b): DPL 3 */
	0x00affa000000ffffull,   /* 0x20 SEL_UCODE (0x23): 64-bit, DPL 3 */
	0, 0,                    /* 0x28 SEL_TSS */
};

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void gdt_set_tss(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |  /* present, 64-bit TSS */
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
}

/* Loads gdtr, reloads cs with a far return and the data segments, then ltr, and a null LDT (after reset LDTR has base
 * 0 and limit 0xffff: an LDT selector would read descriptors from linear address 0; now it raises #GP). */
static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movw $0x28, %%ax\n\t"
			 "ltr %%ax\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "lldt %%ax"
			 : : "m"(p) : "rax", "memory");
}

void gdt_init(void)
{
	memset(&tss, 0, sizeof(tss));
	tss.rsp[0] = (uint64_t)kstack_top;
	for (int i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);    /* past the limit: no I/O bitmap, ring 3 has no port access */
	gdt_set_tss();
	gdt_load();
}
