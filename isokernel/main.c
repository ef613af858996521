/* main.c - TEMPORARY bring-up test of the architecture layer (the lead replaces this file). */
#include <stdint.h>
#include "arch.h"
#include "cpu.h"
#include "kprintf.h"
#include "lapic.h"
#include "lib.h"
#include "memlayout.h"
#include "multiboot.h"
#include "tsc.h"

static uint64_t u_pdpt[512] __attribute__((aligned(4096)));
static uint64_t u_pd[512] __attribute__((aligned(4096)));
static uint64_t u_pt[512] __attribute__((aligned(4096)));
static uint8_t u_code[4096] __attribute__((aligned(4096)));
static uint8_t u_stack[4096] __attribute__((aligned(4096)));

static void print_mmap(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MMAP)) {
		kprintf("isokernel: no memory map\n");
		return;
	}
	uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length, avail = 0;
	kprintf("isokernel: mmap at %#lx, %lu bytes\n", p, end - p);
	while (p < end) {
		const struct mb_mmap_entry *e = P2V(p);
		kprintf("isokernel: mmap %016lx..%016lx type %u (entry size %u)\n", e->addr, e->addr + e->len,
			e->type, e->size);
		if (e->type == MB_MMAP_AVAILABLE)
			avail += e->len;
		p += e->size + 4;
	}
	kprintf("isokernel: available %lu MiB\n", avail >> 20);
}

static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0 && (s[n] == '\0' || s[n] == ' '))
			return 1;
	return 0;
}

static void timer_test(void)
{
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = now_ns();
		lapic_timer_arm_ns(1000000);
		sti_hlt();
		cli();
		kprintf("isokernel: timer %d: woke after %lu us, irqs=%lu\n", i, (now_ns() - t0) / 1000,
			arch_timer_irqs);
	}
}

/* Maps one user code page at 0x400000 and a stack page above it, then enters ring 3. */
static void ring3_test(const uint8_t *code, size_t len)
{
	memcpy(u_code, code, len);
	kernel_pml4[0] = KV2P(u_pdpt) | PTE_P | PTE_W | PTE_U;
	u_pdpt[0] = KV2P(u_pd) | PTE_P | PTE_W | PTE_U;
	u_pd[2] = KV2P(u_pt) | PTE_P | PTE_W | PTE_U;
	u_pt[0] = KV2P(u_code) | PTE_P | PTE_U;
	u_pt[1] = KV2P(u_stack) | PTE_P | PTE_W | PTE_U | PTE_NX;
	write_cr3(read_cr3());
	struct trapframe tf = {
		.rip = 0x400000, .cs = SEL_UCODE, .rflags = 0x202, .rsp = 0x402000, .ss = SEL_UDATA,
		.rbx = 0xb0b0, .rdi = 0xd1d1, .r15 = 0xf15f15,
	};
	kprintf("isokernel: entering ring 3\n");
	user_return(&tf);
}

/* Overflows the 16 KiB kernel stack into its guard, then traps: trap() must see the canary gone. */
static void __attribute__((noinline)) stack_overflow_test(void)
{
	volatile uint8_t big[18 * 1024];

	memset((void *)big, 0xab, sizeof(big));
	__asm__ volatile("int3");
}

static void run_test(const char *cmd)
{
	static const uint8_t sys[] = { 0x0f, 0x31, 0x0f, 0x57, 0xc0, 0xb8, 0x34, 0x12, 0, 0, 0x0f, 0x05 };
	static const uint8_t fault[] = { 0x48, 0xa1, 0, 0, 0x10, 0x80, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t intr[] = { 0xcd, 0x80 };
	static const uint8_t io[] = { 0xe6, 0xf4 };
	static const uint8_t spin[] = { 0xeb, 0xfe };

	if (has_word(cmd, "pftest"))
		kprintf("%lx\n", *(volatile uint64_t *)0x100000000000ull);
	if (has_word(cmd, "kstackovf"))
		stack_overflow_test();
	if (has_word(cmd, "ring3"))
		ring3_test(sys, sizeof(sys));
	if (has_word(cmd, "ring3fault"))
		ring3_test(fault, sizeof(fault));
	if (has_word(cmd, "ring3int"))
		ring3_test(intr, sizeof(intr));
	if (has_word(cmd, "ring3io"))
		ring3_test(io, sizeof(io));
	if (has_word(cmd, "ring3timer")) {
		lapic_timer_arm_ns(2000000);
		ring3_test(spin, sizeof(spin));
	}
}

void kmain(uint32_t magic, uint32_t mbi_phys);

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	arch_init(magic, mbi_phys);
	const struct mb_info *mbi = P2V(mbi_phys);
	const char *cmd = (mbi->flags & MB_INFO_CMDLINE) ? P2V(mbi->cmdline) : "";
	kprintf("isokernel: arch up: accel=%s tsc_hz=%lu lapic_hz=%lu tsc_mult=%u tsc_shift=%u smap=%d\n",
		arch_accel(), tsc_hz, lapic_hz, tsc_mult, tsc_shift, arch_smap);
	kprintf("isokernel: wall clock at boot %lu s since 1970, now %lu ns, cmdline \"%s\"\n",
		rtc_wall_ns_at_boot / 1000000000u, now_ns(), cmd);
	print_mmap(mbi);
	timer_test();
	run_test(cmd);
	kprintf("@done code=0\n");
	power_off(0);
}
