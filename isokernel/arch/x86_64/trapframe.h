/* trapframe.h - the register frame built by every kernel entry (traps, interrupts, syscall); a VM's
 * saved registers are one of these. Offsets are fixed: vectors.S and entry.S push/pop in this order. */
#ifndef ISO_TRAPFRAME_H
#define ISO_TRAPFRAME_H

#include <stdint.h>
#include <stddef.h>

struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;    /* 0x00 .. 0x38 */
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;       /* 0x40 .. 0x70 */
	uint64_t vector;                                  /* 0x78 */
	union {
		uint64_t error;                           /* 0x80: the exception's error code, on entry */
		uint16_t sel[4];                          /* in a VM's saved registers: its ds, es, fs, gs (sched.c) */
	};
	uint64_t rip, cs, rflags, rsp, ss;                /* 0x88 .. 0xa8: the hardware iret frame */
};
_Static_assert(offsetof(struct trapframe, rax) == 0x70, "trapframe");
_Static_assert(offsetof(struct trapframe, vector) == 0x78, "trapframe");
_Static_assert(offsetof(struct trapframe, rip) == 0x88, "trapframe");
_Static_assert(sizeof(struct trapframe) == 0xb0, "trapframe");

/* *d = *s as 22 plain moves: gcc may emit a struct copy as rep movs, which QEMU's TCG runs one iteration per
 * translation block (this copy happens at every interrupt taken from a VM and every VM that leaves the CPU). */
static inline __attribute__((optimize("no-tree-loop-distribute-patterns"))) void tf_copy(struct trapframe *d,
											    const struct trapframe *s)
{
	const uint64_t *a = (const uint64_t *)(const void *)s;
	uint64_t *b = (uint64_t *)(void *)d;

#pragma GCC unroll 22
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		b[i] = a[i];
}

/* Vectors: 0-31 CPU exceptions, then ours. */
#define T_DE 0
#define T_DB 1
#define T_NMI 2
#define T_BP 3
#define T_OF 4
#define T_BR 5
#define T_UD 6
#define T_NM 7
#define T_DF 8
#define T_TS 10
#define T_NP 11
#define T_SS 12
#define T_GP 13
#define T_PF 14
#define T_MF 16
#define T_AC 17
#define T_MC 18
#define T_XM 19
#define T_TIMER    32
#define T_SPURIOUS 255
#define T_SYSCALL  256    /* not an IDT vector: marks a frame built by the syscall entry */

/* Segment selectors (GDT order is fixed by SYSCALL/SYSRET: kdata = kcode + 8, ucode = udata + 8). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS   0x28

#endif
