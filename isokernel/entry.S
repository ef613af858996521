/* entry.S - the syscall (hypercall) entry from ring 3 and the way back to ring 3.
 *
 * void syscall_entry(void)  [LSTAR; rcx = user rip, r11 = user rflags, rsp = user rsp, IF/TF/DF/AC off]
 *     builds a struct trapframe on the kernel stack exactly as an interrupt from ring 3 would
 *     (ss, rsp, rflags, cs, rip, error = 0, vector = T_SYSCALL, rax..r15) and calls
 *     void hcall_entry(struct trapframe *tf), which never returns.
 * void user_return(const struct trapframe *tf) __attribute__((noreturn))
 *     restores every register from *tf and iretqs to tf->rip/cs/rflags/rsp/ss. Interrupts are off in
 *     the kernel and NMI runs on an IST stack, so rsp may point into *tf wherever it lives.
 */
#include "gprs.h"
#define SEL_UDATA 0x1b      /* trapframe.h */
#define SEL_UCODE 0x23
#define T_SYSCALL 256

	.text
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

	.bss
	.p2align 3
syscall_user_rsp:
	.skip 8

	.section .note.GNU-stack, "", @progbits
