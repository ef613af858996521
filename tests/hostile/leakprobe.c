/* leakprobe.c - hostile, run with many instances: at entry every GPR but rsp/rdi, rflags' status bits, x87, MXCSR and
 * XMM state must hold reset values; it then fills them all with its own values and lingers (yields, preemptions)
 * so that siblings start after it. Exits 0 if its entry state was clean, 1 if it saw a foreign value. */
#include "hostile.h"

/* What _start saved at entry: 16 GPRs (slot 4, rsp, unused), the FXSAVE image, rflags. Offsets used in asm. */
struct probe {
	uint64_t gpr[16];           /* 0x000: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	uint8_t fx[512];            /* 0x080: fxsave64 image (16-byte aligned) */
	uint64_t rflags;            /* 0x280 */
	uint64_t status;            /* 0x288 */
};
_Static_assert(__builtin_offsetof(struct probe, fx) == 0x80, "probe layout");
_Static_assert(__builtin_offsetof(struct probe, rflags) == 0x280, "probe layout");
_Static_assert(sizeof(struct probe) == 0x290, "probe layout");

int probe_check(struct probe *p);
void probe_linger(void);

__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	pushfq\n"                                   /* rflags first: sub changes it */
	"	sub $0x298, %rsp\n"                         /* 0x298 + 8 = 0x2a0: rsp stays 16-byte aligned */
	"	mov %rax, 0x00(%rsp); mov %rbx, 0x08(%rsp); mov %rcx, 0x10(%rsp); mov %rdx, 0x18(%rsp)\n"
	"	mov %rsi, 0x20(%rsp); mov %rdi, 0x28(%rsp); mov %rbp, 0x30(%rsp); movq $0, 0x38(%rsp)\n"
	"	mov %r8, 0x40(%rsp); mov %r9, 0x48(%rsp); mov %r10, 0x50(%rsp); mov %r11, 0x58(%rsp)\n"
	"	mov %r12, 0x60(%rsp); mov %r13, 0x68(%rsp); mov %r14, 0x70(%rsp); mov %r15, 0x78(%rsp)\n"
	"	fxsave64 0x80(%rsp)\n"
	"	mov 0x298(%rsp), %rax; mov %rax, 0x280(%rsp)\n"
	"	mov %rsp, %rdi\n"
	"	call probe_check\n"
	"	mov %rax, 0x288(%rsp)\n"
	"	call probe_linger\n"
	"	mov 0x288(%rsp), %rdi\n"
	"	xor %eax, %eax\n"                           /* exit(status) */
	"	syscall\n"
	"	ud2\n"
	/* Fill every register with this VM's values, then yield and spin keeping them. */
	"probe_linger:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	sub $8, %rsp; movl $0x7f80, (%rsp); ldmxcsr (%rsp); movw $0x027f, (%rsp); fldcw (%rsp); add $8, %rsp\n"
	"	fld1; fldpi; fldl2t; fldl2e; fldlg2; fldln2; fld1; fldpi\n"
	"	mov $0x1eaf1eaf00000001, %rax\n"
	"	movq %rax, %xmm0; movq %rax, %xmm1; movq %rax, %xmm2; movq %rax, %xmm3\n"
	"	movq %rax, %xmm4; movq %rax, %xmm5; movq %rax, %xmm6; movq %rax, %xmm7\n"
	"	movq %rax, %xmm8; movq %rax, %xmm9; movq %rax, %xmm10; movq %rax, %xmm11\n"
	"	movq %rax, %xmm12; movq %rax, %xmm13; movq %rax, %xmm14; movq %rax, %xmm15\n"
	"	pshufd $0x11, %xmm15, %xmm15\n"
	"	mov %rax, %rbx; mov %rax, %rbp; mov %rax, %rsi; mov %rax, %rdx\n"
	"	mov %rax, %r8; mov %rax, %r9; mov %rax, %r10; mov %rax, %r12\n"
	"	mov %rax, %r13; mov %rax, %r14; mov %rax, %rdi\n"
	"	mov $20, %r15\n"
	"1:	std\n"                                      /* DF=1 and CF=1 while the kernel switches away */
	"	stc\n"
	"	mov $8, %eax\n"                             /* yield */
	"	syscall\n"
	"	mov $3000000, %ecx\n"
	"2:	dec %ecx; jnz 2b\n"                         /* and a spin long enough for timer preemption */
	"	dec %r15; jnz 1b\n"
	"	cld\n"
	"	fninit\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");

static int probe_bad(const char *what, uint64_t got)
{
	h_say("leakprobe: foreign value in ");
	h_say(what);
	h_say(": ");
	h_hex(got);
	h_say("\n");
	return 1;
}

static int probe_gprs(const struct probe *p)
{
	static const char *const names[16] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	int bad = 0;

	for (int i = 0; i < 16; i++) {
		uint64_t want = i == 5 ? PV_START_INFO : 0;
		if (i != 7 && p->gpr[i] != want)
			bad += probe_bad(names[i], p->gpr[i]);
	}
	if (p->rflags & 0xcd5)                        /* CF PF AF ZF SF DF OF */
		bad += probe_bad("rflags", p->rflags);
	return bad;
}

static uint64_t probe_u64(const uint8_t *b, unsigned off, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint64_t)b[off + i] << (8 * i);
	return v;
}

/* FXSAVE layout: FCW 0, FSW 2, FTW 4, FOP 6, FIP 8, FDP 16, MXCSR 24, ST0-7 at 32 + 16i, XMM0-15 at 160 + 16i. */
static int probe_fpu(const struct probe *p)
{
	const uint8_t *fx = p->fx;
	int bad = 0;

	if (probe_u64(fx, 0, 2) != 0x037f)
		bad += probe_bad("x87 control word", probe_u64(fx, 0, 2));
	if (probe_u64(fx, 2, 4) != 0)
		bad += probe_bad("x87 status/tag word", probe_u64(fx, 2, 4));
	if (probe_u64(fx, 6, 2) | probe_u64(fx, 8, 8) | probe_u64(fx, 16, 8))
		bad += probe_bad("x87 last instruction/operand", probe_u64(fx, 8, 8));
	if (probe_u64(fx, 24, 4) != 0x1f80)
		bad += probe_bad("MXCSR", probe_u64(fx, 24, 4));
	for (unsigned i = 0; i < 8; i++)
		if (probe_u64(fx, 32 + 16 * i, 8) | probe_u64(fx, 40 + 16 * i, 2))
			bad += probe_bad("an x87 data register", probe_u64(fx, 32 + 16 * i, 8));
	for (unsigned i = 0; i < 32; i++)
		if (probe_u64(fx, 160 + 8 * i, 8))
			bad += probe_bad("an XMM register", probe_u64(fx, 160 + 8 * i, 8));
	return bad;
}

int probe_check(struct probe *p)
{
	int bad = probe_gprs(p) + probe_fpu(p);

	h_say(bad ? "leakprobe: FAILED: entry state was not clean\n" : "leakprobe: entry state clean\n");
	return bad != 0;
}
