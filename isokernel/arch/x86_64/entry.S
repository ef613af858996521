/* entry.S - the syscall (hypercall) entry from ring 3 and the way back to ring 3.
 *
 * void syscall_entry(void)  [LSTAR; rcx = user rip, r11 = user rflags, rsp = user rsp, IF/TF/DF/AC off]
 *     builds a struct trapframe on the kernel stack exactly as an interrupt from ring 3 would
 *     (ss, rsp, rflags, cs, rip, error = 0, vector = T_SYSCALL, rax..r15) and calls
 *     void hcall_entry(struct trapframe *tf), which never returns.
 * void user_return(const struct trapframe *tf) __attribute__((noreturn))
 *     restores every register from *tf and iretqs to tf->rip/cs/rflags/rsp/ss. Interrupts are off in
 *     the kernel and NMI runs on an IST stack, so rsp may point into *tf wherever it lives.
 * void hcall_return(struct trapframe *tf, uint64_t rax) __attribute__((noreturn))
 *     the way back from a hypercall that did not switch: every register from *tf (the syscall entry's
 *     frame) but rax = the result, then sysretq to tf->rip with rflags tf->rflags (rcx and r11 take them,
 *     as the hypercall ABI allows). The caller has checked tf->rip is inside the VM's window (sysret to a
 *     non-canonical rip faults in ring 0 on Intel) and sanitised tf->rflags. Cheaper than iretq, and in
 *     QEMU's TCG much cheaper: no descriptor loads.
 */
#include "gprs.h"
#define SEL_UDATA 0x1b      /* trapframe.h */
#define SEL_UCODE 0x23
#define T_SYSCALL 256

	.section .text.hot, "ax"            /* with the C code of the per-frame path (hot.h) */
	.globl syscall_entry
	.p2align 4
syscall_entry:
	movq %rsp, syscall_user_rsp(%rip)       /* one CPU: a scratch global is enough */
	movq $kstack_top, %rsp
	pushq $SEL_UDATA
	pushq syscall_user_rsp(%rip)
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $T_SYSCALL
	PUSH_GPRS
	movq %rsp, %rdi
	xorl %ebp, %ebp                         /* end of the frame-pointer chain */
	call hcall_entry
	ud2

	.globl user_return
	.p2align 4
user_return:
	movq %rdi, %rsp
	POP_GPRS_IRET

	.globl hcall_return
	.p2align 4
hcall_return:
	movq %rsi, 0x70(%rdi)                   /* tf->rax */
	movq %rdi, %rsp
	POP_GPRS
	movq 0x10(%rsp), %rcx                   /* past vector and error: rip, cs, rflags, rsp, ss */
	movq 0x20(%rsp), %r11
	movq 0x28(%rsp), %rsp
	sysretq

	.bss
	.p2align 3
syscall_user_rsp:
	.skip 8

	.section .note.GNU-stack, "", @progbits
