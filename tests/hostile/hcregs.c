/* hcregs.c - hostile: a hypercall may clobber only rax, rcx and r11: every other GPR and XMM register must survive it. */
#include "hostile.h"

/* hcregs_call(nr, out): loads known values, runs syscall nr, stores rbx rbp rdi rsi rdx r8 r9 r10 r12-r15
 * to out[0..12] and xmm0-15 (low quadwords) to out[13..28]. Known value of slot i: 0x5a5a0000 + i. */
__asm__(
	".text\n"
	"hcregs_call:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	push %rsi\n"                                   /* out */
	"	mov %rdi, %rax\n"
	"	mov $0x5a5a0000, %rbx\n"
	"	mov $0x5a5a0001, %rbp\n"
	"	mov $0x5a5a0002, %rdi\n"
	"	mov $0x5a5a0003, %rsi\n"
	"	mov $0x5a5a0004, %rdx\n"
	"	mov $0x5a5a0005, %r8\n"
	"	mov $0x5a5a0006, %r9\n"
	"	mov $0x5a5a0007, %r10\n"
	"	mov $0x5a5a0008, %r12\n"
	"	mov $0x5a5a0009, %r13\n"
	"	mov $0x5a5a000a, %r14\n"
	"	mov $0x5a5a000b, %r15\n"
	"	mov $0x5a5a000c, %rcx; movq %rcx, %xmm0\n"
	"	mov $0x5a5a000d, %rcx; movq %rcx, %xmm1\n"
	"	mov $0x5a5a000e, %rcx; movq %rcx, %xmm2\n"
	"	mov $0x5a5a000f, %rcx; movq %rcx, %xmm3\n"
	"	mov $0x5a5a0010, %rcx; movq %rcx, %xmm4\n"
	"	mov $0x5a5a0011, %rcx; movq %rcx, %xmm5\n"
	"	mov $0x5a5a0012, %rcx; movq %rcx, %xmm6\n"
	"	mov $0x5a5a0013, %rcx; movq %rcx, %xmm7\n"
	"	mov $0x5a5a0014, %rcx; movq %rcx, %xmm8\n"
	"	mov $0x5a5a0015, %rcx; movq %rcx, %xmm9\n"
	"	mov $0x5a5a0016, %rcx; movq %rcx, %xmm10\n"
	"	mov $0x5a5a0017, %rcx; movq %rcx, %xmm11\n"
	"	mov $0x5a5a0018, %rcx; movq %rcx, %xmm12\n"
	"	mov $0x5a5a0019, %rcx; movq %rcx, %xmm13\n"
	"	mov $0x5a5a001a, %rcx; movq %rcx, %xmm14\n"
	"	mov $0x5a5a001b, %rcx; movq %rcx, %xmm15\n"
	"	mov $0x5a5a001c, %rcx\n"
	"	syscall\n"
	"	mov (%rsp), %rcx\n"                             /* out (the stack must have survived too) */
	"	mov %rbx, 0(%rcx); mov %rbp, 8(%rcx); mov %rdi, 16(%rcx); mov %rsi, 24(%rcx)\n"
	"	mov %rdx, 32(%rcx); mov %r8, 40(%rcx); mov %r9, 48(%rcx); mov %r10, 56(%rcx)\n"
	"	mov %r12, 64(%rcx); mov %r13, 72(%rcx); mov %r14, 80(%rcx); mov %r15, 88(%rcx)\n"
	"	movq %xmm0, 96(%rcx); movq %xmm1, 104(%rcx); movq %xmm2, 112(%rcx); movq %xmm3, 120(%rcx)\n"
	"	movq %xmm4, 128(%rcx); movq %xmm5, 136(%rcx); movq %xmm6, 144(%rcx); movq %xmm7, 152(%rcx)\n"
	"	movq %xmm8, 160(%rcx); movq %xmm9, 168(%rcx); movq %xmm10, 176(%rcx); movq %xmm11, 184(%rcx)\n"
	"	movq %xmm12, 192(%rcx); movq %xmm13, 200(%rcx); movq %xmm14, 208(%rcx); movq %xmm15, 216(%rcx)\n"
	"	pop %rsi\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");
long hcregs_call(long nr, uint64_t *out);

#define HCREGS_SLOTS 28
#define HCREGS_ANY   (-1000)    /* want: any result >= 0 */

/* One hypercall; returns the number of registers that did not keep their value (plus 1 for a wrong result). */
static int hcregs_check(const char *what, long nr, long want)
{
	uint64_t out[HCREGS_SLOTS];
	long r = hcregs_call(nr, out);
	int bad = want == HCREGS_ANY ? h_expect(what, r < 0, 0) : h_expect(what, r, want);

	for (int i = 0; i < HCREGS_SLOTS; i++)
		if (out[i] != 0x5a5a0000u + (uint64_t)i) {
			h_say("hcregs: register slot ");
			h_hex((uint64_t)i);
			h_say(" changed by ");
			h_say(what);
			h_say(" to ");
			h_hex(out[i]);
			h_say("\n");
			bad++;
		}
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	(void)argc, (void)argv;
	bad += hcregs_check("unknown call", 0x1234, PV_ENOSYS);
	bad += hcregs_check("yield", PV_SYS_yield, 0);
	bad += hcregs_check("clock_mono", PV_SYS_clock_mono, HCREGS_ANY);
	h_say(bad ? "hcregs: FAILED\n" : "hcregs: registers preserved across hypercalls\n");
	return bad != 0;
}
