/* gprs.h - assembler macros that push/pop the general registers in struct trapframe order (trapframe.h). */
#ifndef ISO_GPRS_H
#define ISO_GPRS_H

/* After PUSH_GPRS, r15 is at 0(%rsp) and rax at 0x70(%rsp), as in struct trapframe. */
	.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

/* Restores r15..rax: rsp then points at vector (error, then the hardware iret frame, follow). */
	.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	.endm

/* Restores rax..r15, drops vector and error, and returns through the hardware iret frame. */
	.macro POP_GPRS_IRET
	POP_GPRS
	addq $16, %rsp                          /* vector, error */
	iretq
	.endm

#endif
