/* iopl.c - hostile: IOPL=3 in popf and in r11 across timer preemptions and hypercalls must not give I/O privilege. */
#include "hostile.h"

/* Holds r11 = rflags with IOPL=3 while spinning ~ms (timer preemptions) and yielding, then tries cli. */
__asm__(
	".text\n"
	"iopl_try:\n"                                /* void iopl_try(uint64_t tsc_ticks) */
	"	pushfq\n"
	"	orq $0x3000, (%rsp)\n"
	"	popfq\n"                                 /* ring 3: the CPU ignores the IOPL bits */
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rax, %rdx\n"
	"	leaq (%rdx,%rdi), %rsi\n"                /* rsi = end of the spin */
	"	movq $0x3202, %r11\n"
	"1:	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rax, %rdx\n"
	"	cmpq %rsi, %rdx\n"
	"	jb 1b\n"
	"	movl $8, %eax\n"                         /* yield: a sysret that took r11 from the saved frame */
	"	syscall\n"
	"	movq $0x3202, %r11\n"
	"	movq $-1, %rax\n"                        /* an unknown call: the quick return path */
	"	syscall\n"
	"	cli\n"                                   /* must fault */
	"	sti\n"
	"	ret\n");
void iopl_try(uint64_t tsc_ticks);

int main(int argc, char **argv)
{
	uint64_t hz = pv_start_info()->tsc_hz ? pv_start_info()->tsc_hz : 1000000000u;

	(void)argc, (void)argv;
	iopl_try(hz / 20);
	h_survived("iopl");
}
