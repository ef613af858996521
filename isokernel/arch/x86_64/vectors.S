/* vectors.S - the 256 interrupt/exception stubs and the common path that builds a struct trapframe.
 *
 * Implements: const uint64_t vector_table[256] (stub addresses, for idt.c)
 * and calls:  void trap(struct trapframe *tf); if it returns, the frame is restored and iretq'd.
 * Each stub pushes a dummy error code where the CPU does not, then the vector number; trap_common
 * pushes rax..r15 so that r15 is at offset 0 (isokernel/trapframe.h). The frame is 0xb0 bytes, and the
 * CPU aligned rsp to 16 before pushing, so rsp is 16-aligned at the call.
 */
#include "gprs.h"

	.altmacro
/* One stub; the CPU pushes an error code for #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
	.macro STUB v
	.p2align 4
vector_\v:
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.text
	.set v, 0
	.rept 256
	STUB %v
	.set v, v + 1
	.endr

trap_common:
	PUSH_GPRS
	cld
	pushfq                                  /* clear AC: a ring-3 rflags.AC must not disable SMAP here */
	andq $~(1 << 18), (%rsp)
	popfq
	movq %rsp, %rdi
	call trap
	POP_GPRS_IRET

	.section .rodata
	.p2align 3
	.globl vector_table
vector_table:
	.macro ENTRY v
	.quad vector_\v
	.endm
	.set v, 0
	.rept 256
	ENTRY %v
	.set v, v + 1
	.endr

	.section .note.GNU-stack, "", @progbits
