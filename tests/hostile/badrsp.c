/* badrsp.c - hostile: hypercalls and timer preemption with rsp pointing into the kernel, or at low addresses
 * must neither crash the kernel nor use that stack; the VM goes on and exits 0 if every call returned right. */
#include "hostile.h"

/* long badrsp_call(long nr, uint64_t rsp, uint64_t spin_ticks): spins, then syscall nr, with rsp as given. */
__asm__(
	".text\n"
	"badrsp_call:\n"
	"	push %r12; push %r13; push %r14\n"
	"	mov %rsp, %r12\n"                          /* r12 must survive the hypercall (only rax rcx r11 may not) */
	"	mov %rdi, %r13\n"
	"	mov %rdx, %r14\n"
	"	rdtsc; shl $32, %rdx; or %rax, %rdx; add %rdx, %r14\n"
	"	mov %rsi, %rsp\n"
	"1:	rdtsc; shl $32, %rdx; or %rax, %rdx\n"
	"	cmp %r14, %rdx; jb 1b\n"                   /* preempted by the timer with this rsp */
	"	mov %r13, %rax\n"
	"	syscall\n"
	"	mov %r12, %rsp\n"
	"	pop %r14; pop %r13; pop %r12\n"
	"	ret\n");
long badrsp_call(long nr, uint64_t rsp, uint64_t spin_ticks);

int main(int argc, char **argv)
{
	static const uint64_t rsps[] = { 0xffffffff80100000ull, 0xffff800000001000ull, 0, 0x1000 };
	uint64_t ticks = (pv_start_info()->tsc_hz ? pv_start_info()->tsc_hz : 1000000000u) / 50;
	int bad = 0;

	(void)argc, (void)argv;
	for (unsigned i = 0; i < sizeof(rsps) / sizeof(rsps[0]); i++) {
		bad += h_expect("unknown call with a bad rsp", badrsp_call(0x4321, rsps[i], ticks), PV_ENOSYS);
		bad += h_expect("yield with a bad rsp", badrsp_call(PV_SYS_yield, rsps[i], 0), 0);
	}
	h_say(bad ? "badrsp: FAILED\n" : "badrsp: the kernel never used the guest's stack\n");
	return bad != 0;
}
