/* arch.c - CPU bring-up in order (serial, multiboot check, features, GDT/TSS, IDT, syscall MSRs, PICs, clocks), power off. */
#include <stdint.h>
#include "arch.h"
#include "cpu.h"
#include "kprintf.h"
#include "lapic.h"
#include "lib.h"
#include "memlayout.h"
#include "pte.h"
#include "multiboot.h"
#include "runlog.h"
#include "serial.h"
#include "tsc.h"

#define CR0_MP         (1ull << 1)
#define CR0_EM         (1ull << 2)
#define CR0_TS         (1ull << 3)
#define CR0_NE         (1ull << 5)
#define CR4_TSD        (1ull << 2)
#define CR4_PGE        (1ull << 7)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define EFER_SCE       (1ull << 0)
#define RFLAGS_SYSCALL_MASK ((1u << 8) | (1u << 9) | (1u << 10) | (1u << 14) | (1u << 18)) /* TF IF DF NT AC */
#define MSR_CSTAR      0xc0000083u
#define BIG_PAGE       (2ull << 20)

extern uint64_t boot_pml4[512];                  /* boot.S */
extern uint64_t boot_pd_dmap[DMAP_SIZE >> 21];   /* boot.S: one entry per 2 MiB of the direct map */

uint64_t *kernel_pml4 = boot_pml4;
int arch_smap;

/* Requires FXSR, SSE, SSE2, NX; sets up x87/SSE for the guests; SMEP, SMAP, UMIP when present. */
static void cpu_features_init(void)
{
	uint32_t r1[4], rx[4], r0[4], r7[4] = { 0, 0, 0, 0 };

	cpuid(1, 0, r1);
	cpuid(0x80000001, 0, rx);
	cpuid(0, 0, r0);
	if (r0[0] >= 7)
		cpuid(7, 0, r7);
	if ((r1[3] & (7u << 24)) != (7u << 24) || !(rx[3] & (1u << 20)))
		panic("this CPU lacks one of FXSR, SSE, SSE2, NX");
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
	cr4 &= ~(CR4_TSD | CR4_OSXSAVE | CR4_FSGSBASE);
	if (r7[1] & (1u << 7))
		cr4 |= CR4_SMEP;
	if (r7[1] & (1u << 20))
		cr4 |= CR4_SMAP, arch_smap = 1;
	if (r7[2] & (1u << 2))
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

/* SYSCALL enters at syscall_entry on SEL_KCODE; SYSRET's base 0x10 would give ss 0x1b, cs 0x23. */
static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(SEL_KDATA) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_CSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_SYSCALL_MASK);
}

/* Remaps the 8259s to 0xe0..0xef (away from exceptions and T_TIMER) and masks every line. */
static void pic_disable(void)
{
	outb(0x20, 0x11), outb(0xa0, 0x11);
	outb(0x21, 0xe0), outb(0xa1, 0xe8);
	outb(0x21, 0x04), outb(0xa1, 0x02);
	outb(0x21, 0x01), outb(0xa1, 0x01);
	outb(0x21, 0xff), outb(0xa1, 0xff);
}

static void irq_off(void)
{
	cli();
}

/* What kprintf writes to and how a panic stops. */
static const struct kout_machine com1_machine = {
	.write = serial_write, .sync = serial_flush, .irq_off = irq_off, .stop = power_off,
};

void arch_init(uint32_t magic, uint32_t mbi_phys)
{
	cli();
	serial_init();
	kprintf_init(&com1_machine);
	if (magic != MB_BOOT_MAGIC)
		panic("not booted by a multiboot loader (magic %#x, info at %#x)", magic, mbi_phys);
	cpu_features_init();
	gdt_init();
	idt_init();
	syscall_init();
	pic_disable();
	tsc_init();
	lapic_init();
	rtc_init();
}

void arch_dmap_uncached(uint64_t pa, uint64_t len)
{
	if (len == 0 || pa >= DMAP_SIZE || len > DMAP_SIZE - pa)
		panic("arch_dmap_uncached: %#lx+%#lx is outside the direct map", pa, len);
	for (uint64_t p = pa & ~(BIG_PAGE - 1); p < pa + len; p += BIG_PAGE) {
		boot_pd_dmap[p >> 21] |= PTE_PCD | PTE_PWT;
		invlpg((uint64_t)P2V(p));
	}
}

const char *arch_accel(void)
{
	uint32_t r[4];
	char sig[13];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return "unknown";
	cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4), memcpy(sig + 4, &r[2], 4), memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	if (memcmp(sig, "KVMKVMKVM\0\0\0", 12) == 0)
		return "kvm";
	if (memcmp(sig, "TCGTCGTCGTCG", 12) == 0)
		return "tcg";
	return "unknown";
}

void power_off(int code)
{
	cli();
	serial_flush();
	outb(RL_EXIT_PORT, (uint8_t)code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_flush_page(uint64_t va)
{
	invlpg(va);
}
