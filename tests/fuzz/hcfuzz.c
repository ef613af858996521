/* hcfuzz.c - the hypercall fuzzer: seeded random calls with hostile arguments, each checked against PVISA.md. */
#include "hostile.h"

/*
 * usage: hcfuzz.elf [SEED [CALLS]]   (SEED decimal or 0x-hex, default from pv_random; CALLS default 100000)
 * Every call goes through fz_syscall, which loads random values into every register but rax/rcx/r11 (rsp and
 * the arithmetic flags and DF included), then checks each came back unchanged. Results are checked against
 * the call's errors and the pointer rules, computed from a model of the window (text, rodata, data, bss,
 * heap, guard gap, stack); calls that write into the guest run with canaries around their buffer: a failed
 * call must have written nothing, a good one nothing outside its buffer. Ends "hcfuzz: seed=S calls=N ok"
 * (exit 0) or with "hcfuzz: FAIL ..." lines, the first few failing calls in full (exit 1).
 */

/* ---- one syscall with every register checked ---- */

enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI, R_R8, R_R9, R_R10, R_R11 };
#define FZ_FLAGS 0xcd5ull          /* CF PF AF ZF SF DF OF: the flags a guest controls */

struct fz_regs {
	uint64_t gpr[16];          /* hardware order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	uint64_t rflags, mxcsr;
	uint64_t xmm[16][2];
};
_Static_assert(__builtin_offsetof(struct fz_regs, rflags) == 128, "fz_regs layout (fz_syscall)");
_Static_assert(__builtin_offsetof(struct fz_regs, xmm) == 144, "fz_regs layout (fz_syscall)");

/* In/out of fz_syscall (globals: it reaches them rip-relative, with every register in use). in.gpr[R_RSP] 0
 * means "the real stack pointer" (fz_syscall writes it there); anything else is loaded into rsp for the call. */
struct fz_regs fz_in, fz_out;
uint64_t fz_sp;
const uint32_t fz_mxcsr0 = 0x1f80;

__asm__(
	".text\n"
	"fz_syscall:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rsp, fz_sp(%rip)\n"
	"	cmpq $0, fz_in+32(%rip); jne 1f; mov %rsp, fz_in+32(%rip)\n"
	"1:	ldmxcsr fz_in+136(%rip)\n"
	"	movdqu fz_in+144(%rip), %xmm0; movdqu fz_in+160(%rip), %xmm1; movdqu fz_in+176(%rip), %xmm2\n"
	"	movdqu fz_in+192(%rip), %xmm3; movdqu fz_in+208(%rip), %xmm4; movdqu fz_in+224(%rip), %xmm5\n"
	"	movdqu fz_in+240(%rip), %xmm6; movdqu fz_in+256(%rip), %xmm7; movdqu fz_in+272(%rip), %xmm8\n"
	"	movdqu fz_in+288(%rip), %xmm9; movdqu fz_in+304(%rip), %xmm10; movdqu fz_in+320(%rip), %xmm11\n"
	"	movdqu fz_in+336(%rip), %xmm12; movdqu fz_in+352(%rip), %xmm13; movdqu fz_in+368(%rip), %xmm14\n"
	"	movdqu fz_in+384(%rip), %xmm15\n"
	"	pushq fz_in+128(%rip); popfq\n"
	"	mov fz_in+8(%rip), %rcx; mov fz_in+16(%rip), %rdx; mov fz_in+24(%rip), %rbx\n"
	"	mov fz_in+40(%rip), %rbp; mov fz_in+48(%rip), %rsi; mov fz_in+56(%rip), %rdi\n"
	"	mov fz_in+64(%rip), %r8; mov fz_in+72(%rip), %r9; mov fz_in+80(%rip), %r10; mov fz_in+88(%rip), %r11\n"
	"	mov fz_in+96(%rip), %r12; mov fz_in+104(%rip), %r13; mov fz_in+112(%rip), %r14\n"
	"	mov fz_in+120(%rip), %r15; mov fz_in+0(%rip), %rax; mov fz_in+32(%rip), %rsp\n"
	"	syscall\n"
	"	mov %rax, fz_out+0(%rip); mov %rcx, fz_out+8(%rip); mov %rdx, fz_out+16(%rip)\n"
	"	mov %rbx, fz_out+24(%rip); mov %rsp, fz_out+32(%rip); mov %rbp, fz_out+40(%rip)\n"
	"	mov %rsi, fz_out+48(%rip); mov %rdi, fz_out+56(%rip); mov %r8, fz_out+64(%rip)\n"
	"	mov %r9, fz_out+72(%rip); mov %r10, fz_out+80(%rip); mov %r11, fz_out+88(%rip)\n"
	"	mov %r12, fz_out+96(%rip); mov %r13, fz_out+104(%rip); mov %r14, fz_out+112(%rip)\n"
	"	mov %r15, fz_out+120(%rip)\n"
	"	mov fz_sp(%rip), %rsp\n"
	"	pushfq; popq fz_out+128(%rip); cld\n"
	"	stmxcsr fz_out+136(%rip)\n"
	"	movdqu %xmm0, fz_out+144(%rip); movdqu %xmm1, fz_out+160(%rip); movdqu %xmm2, fz_out+176(%rip)\n"
	"	movdqu %xmm3, fz_out+192(%rip); movdqu %xmm4, fz_out+208(%rip); movdqu %xmm5, fz_out+224(%rip)\n"
	"	movdqu %xmm6, fz_out+240(%rip); movdqu %xmm7, fz_out+256(%rip); movdqu %xmm8, fz_out+272(%rip)\n"
	"	movdqu %xmm9, fz_out+288(%rip); movdqu %xmm10, fz_out+304(%rip); movdqu %xmm11, fz_out+320(%rip)\n"
	"	movdqu %xmm12, fz_out+336(%rip); movdqu %xmm13, fz_out+352(%rip); movdqu %xmm14, fz_out+368(%rip)\n"
	"	movdqu %xmm15, fz_out+384(%rip)\n"
	"	ldmxcsr fz_mxcsr0(%rip)\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");
void fz_syscall(void);

/* ---- the PRNG (splitmix64): the whole run follows from the seed ---- */

static uint64_t fz_state;

static uint64_t rnd(void)
{
	uint64_t z = (fz_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- failures: counted per kind, the first few printed in full ---- */

enum { FK_RESULT, FK_REGS, FK_WRITE, FK_DATA, FK_COUNT };
static const char *const fk_name[FK_COUNT] = { "result", "registers", "write", "data" };
static uint64_t fk_count[FK_COUNT];
static uint64_t fz_calls, fz_seed;
#define FZ_PRINT_MAX 8

/* Report one failed check of the last call (fz_in holds its number and arguments, fz_out its result). */
static void fz_fail(int kind, const char *why, uint64_t detail)
{
	uint64_t n = 0;

	for (int k = 0; k < FK_COUNT; k++)
		n += fk_count[k];
	fk_count[kind]++;
	if (n >= FZ_PRINT_MAX)
		return;
	h_say("hcfuzz: FAIL ");
	h_say(fk_name[kind]);
	h_say(": ");
	h_say(why);
	h_say(" (");
	h_hex(detail);
	h_say(") seed=");
	h_hex(fz_seed);
	h_say(" call#");
	h_dec(fz_calls);
	h_say(" nr=");
	h_hex(fz_in.gpr[R_RAX]);
	h_say(" rdi=");
	h_hex(fz_in.gpr[R_RDI]);
	h_say(" rsi=");
	h_hex(fz_in.gpr[R_RSI]);
	h_say(" rsp=");
	h_hex(fz_in.gpr[R_RSP]);
	h_say(" result=");
	h_hex(fz_out.gpr[R_RAX]);
	h_say("\n");
}

/* ---- the model of the window ---- */

extern const char __rodata_start[], __data_start[], __image_end[];
enum { PK_NONE, PK_RO, PK_RW, PK_GUARD };

/* What the guest may do with its memory: a copy of the start info's figures, taken before any call. */
static struct {
	uint64_t heap_start, heap_end, stack_limit, quota;
	uint8_t mac[6];
	uint32_t ipv4;
} fz_si;

static int page_kind(uint64_t va)
{
	if (va < PV_WIN_BASE || va >= PV_WIN_END)
		return PK_NONE;
	if (va < (uint64_t)(uintptr_t)__data_start)
		return PK_RO;                                   /* text and rodata */
	if (va < (uint64_t)(uintptr_t)__image_end)
		return PK_RW;                                   /* data (COW) and bss */
	if (va < fz_si.heap_start)
		return PK_NONE;
	if (va < fz_si.heap_end)
		return PK_RW;
	return va < fz_si.stack_limit ? PK_GUARD : PK_RW;
}

/* The pointer rules: [p, p + len) wholly inside the window (no wrap), every page readable (or writable). */
static int range_ok(uint64_t p, uint64_t len, int write)
{
	if (p < PV_WIN_BASE || p > PV_WIN_END || len > PV_WIN_END - p)
		return 0;
	for (uint64_t va = p & ~(uint64_t)(PV_PAGE_SIZE - 1); va < p + len; va += PV_PAGE_SIZE) {
		int k = page_kind(va);
		if (k != PK_RW && (k != PK_RO || write))
			return 0;
	}
	return 1;
}

/* ---- memory the kernel may write: the scratch areas, the heap, the deep stack, the start info ---- */

static uint8_t fz_scr_data[2 * PV_PAGE_SIZE] __attribute__((aligned(4096))) = { 1 };
static uint8_t fz_scr_bss[2 * PV_PAGE_SIZE] __attribute__((aligned(4096)));
#define FZ_DEEP_STACK (16 * 1024)      /* the bottom of the stack: far below any frame of ours */

struct fz_span {
	uint64_t lo, hi;
};
static struct fz_span fz_owned[5];

static void fz_own_setup(void)
{
	fz_owned[0] = (struct fz_span){ (uintptr_t)fz_scr_data, (uintptr_t)fz_scr_data + sizeof(fz_scr_data) };
	fz_owned[1] = (struct fz_span){ (uintptr_t)fz_scr_bss, (uintptr_t)fz_scr_bss + sizeof(fz_scr_bss) };
	fz_owned[2] = (struct fz_span){ fz_si.heap_start, fz_si.heap_end };
	fz_owned[3] = (struct fz_span){ fz_si.stack_limit, fz_si.stack_limit + FZ_DEEP_STACK };
	fz_owned[4] = (struct fz_span){ PV_START_INFO, PV_WIN_END };
}

/* [a, b) clipped to owned span i; 0 if they do not meet. */
static int clip(int i, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
	*lo = a > fz_owned[i].lo ? a : fz_owned[i].lo;
	*hi = b < fz_owned[i].hi ? b : fz_owned[i].hi;
	return *lo < *hi;
}

/* May the kernel write [p, p + len) without touching the fuzzer's own state? Every byte the model calls
 * writable must be owned (a kernel that writes before it checks must not hurt the fuzzer either). */
static int fz_safe(uint64_t p, uint64_t len)
{
	uint64_t end;

	if (p >= PV_WIN_END)
		return 1;
	end = len > PV_WIN_END - p ? PV_WIN_END : p + len;
	for (p = p < PV_WIN_BASE ? PV_WIN_BASE : p; p < end;) {
		uint64_t next = (p | (PV_PAGE_SIZE - 1)) + 1, lo, hi, n = 0;
		if (next > end)
			next = end;
		for (int i = 0; i < 5 && page_kind(p) == PK_RW; i++)
			if (clip(i, p, next, &lo, &hi))
				n += hi - lo;
		if (page_kind(p) == PK_RW && n != next - p)
			return 0;
		p = next;
	}
	return 1;
}

/* ---- canaries: owned bytes around a buffer get a pattern; a failed call must leave it ---- */

static uint64_t fz_salt;

static uint8_t pat(uint64_t a)
{
	return (uint8_t)(((a ^ fz_salt) * 0x9e3779b97f4a7c15ull) >> 56);
}

/* The bytes of [p - 16, p + len + 16) worth a canary (len capped: long ones fail before any write). */
static struct fz_span around(uint64_t p, uint64_t len)
{
	struct fz_span s = { p >= 16 ? p - 16 : 0, 0 };

	len = len > 8192 ? 8192 : len;
	s.hi = p + len + 16 < p ? ~0ull : p + len + 16;
	return s;
}

static void canary_fill(struct fz_span s)
{
	uint64_t lo, hi;

	for (int i = 0; i < 5; i++)
		if (clip(i, s.lo, s.hi, &lo, &hi))
			for (uint64_t a = lo; a < hi; a++)
				*(volatile uint8_t *)(uintptr_t)a = pat(a);
}

/* The first address in s outside [skip.lo, skip.hi) whose canary changed, or 0. */
static uint64_t canary_diff(struct fz_span s, struct fz_span skip)
{
	uint64_t lo, hi;

	for (int i = 0; i < 5; i++)
		if (clip(i, s.lo, s.hi, &lo, &hi))
			for (uint64_t a = lo; a < hi; a++)
				if ((a < skip.lo || a >= skip.hi) && *(volatile uint8_t *)(uintptr_t)a != pat(a))
					return a;
	return 0;
}

/* ---- a call and its verdict ---- */

/* Allowed results: lo <= r <= hi, or r < 0 with bit -r of errs set. */
struct fz_want {
	uint32_t errs;
	long lo, hi;
};
#define E(e) (1u << -(e))
#define NONE_OK 1, 0                   /* lo > hi: no success allowed */

static void fz_load(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	for (int i = 0; i < 16; i++)
		fz_in.gpr[i] = rnd();
	for (int i = 0; i < 16; i++)
		fz_in.xmm[i][0] = rnd(), fz_in.xmm[i][1] = rnd();
	fz_in.gpr[R_RAX] = nr;
	fz_in.gpr[R_RDI] = a0;
	fz_in.gpr[R_RSI] = a1;
	fz_in.gpr[R_RDX] = a2;
	fz_in.gpr[R_RSP] = below(4) ? 0 : fz_in.gpr[R_RSP] & ~7ull;   /* the real stack, or anything at all */
	fz_in.rflags = 0x202 | (rnd() & FZ_FLAGS);
	fz_in.mxcsr = 0x1f80 | (rnd() & 0xe03f);                      /* rounding, FTZ, sticky flags */
	fz_out.mxcsr = 0;
}

static void fz_check_regs(void)
{
	for (int i = 0; i < 16; i++)
		if (i != R_RAX && i != R_RCX && i != R_R11 && fz_out.gpr[i] != fz_in.gpr[i])
			fz_fail(FK_REGS, "general register changed (detail: hardware number)", (uint64_t)i);
	if ((fz_out.rflags ^ fz_in.rflags) & FZ_FLAGS)
		fz_fail(FK_REGS, "arithmetic flags or DF changed (detail: rflags after)", fz_out.rflags);
	if ((uint32_t)fz_out.mxcsr != (uint32_t)fz_in.mxcsr)
		fz_fail(FK_REGS, "mxcsr changed (detail: mxcsr after)", fz_out.mxcsr);
	for (int i = 0; i < 16; i++)
		if (fz_out.xmm[i][0] != fz_in.xmm[i][0] || fz_out.xmm[i][1] != fz_in.xmm[i][1])
			fz_fail(FK_REGS, "xmm register changed (detail: its number)", (uint64_t)i);
}

static int allowed(long r, const struct fz_want *w)
{
	return (r >= w->lo && r <= w->hi) || (r < 0 && r > -32 && (w->errs & E(r)));
}

/* One call: registers loaded, syscall, registers and the result checked. Returns the result. */
static long fz_call3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, const struct fz_want *w)
{
	long r;

	fz_load(nr, a0, a1, a2);
	fz_calls++;
	fz_syscall();
	r = (long)fz_out.gpr[R_RAX];
	fz_check_regs();
	if (!allowed(r, w))
		fz_fail(FK_RESULT, "result not allowed by PVISA.md (detail: lowest success allowed)", (uint64_t)w->lo);
	return r;
}

static long fz_call(uint64_t nr, uint64_t a0, uint64_t a1, const struct fz_want *w)
{
	return fz_call3(nr, a0, a1, rnd(), w);
}

/* A call that may write len bytes at p: canaries around and in the buffer; a call that failed or wrote nothing
 * (wrote(r) == 0) must leave them all, a good one all but [p, p + wrote(r)). */
static long fz_wcall(uint64_t nr, uint64_t p, uint64_t a1, uint64_t len, const struct fz_want *w,
		     uint64_t (*wrote)(long r))
{
	struct fz_span s = around(p, len), skip = { 0, 0 };
	uint64_t bad, n;
	long r;

	fz_salt = rnd();
	canary_fill(s);
	r = fz_call(nr, p, a1, w);
	n = r >= 0 ? wrote(r) : 0;
	if (n)
		skip = (struct fz_span){ p, p + n };
	if ((bad = canary_diff(s, skip)) != 0)
		fz_fail(FK_WRITE, n ? "a call wrote outside its buffer (detail: address)" :
				      "a failed call wrote guest memory (detail: address)", bad);
	return r;
}

static uint64_t wrote_r(long r)
{
	return (uint64_t)r;
}

static uint64_t wrote_meminfo(long r)
{
	return r == 0 ? sizeof(struct pv_meminfo) : 0;
}

/* ---- argument classes ---- */

/* A pointer: outside the window, at its edges, in each kind of memory, straddling their borders. */
static uint64_t gen_ptr(void)
{
	uint64_t k = 1 + below(64), text = (uintptr_t)__rodata_start - PV_WIN_BASE;
	uint64_t heap = fz_si.heap_end - fz_si.heap_start, gap = fz_si.stack_limit - fz_si.heap_end;

	switch (below(26)) {
	case 0:  return 0;
	case 1:  return 0x1000 + below(4096);
	case 2:  return PV_WIN_BASE - k;                               /* below the window, into it */
	case 3:  return PV_WIN_BASE;
	case 4:  return PV_WIN_BASE + below(text);                     /* text */
	case 5:  return (uintptr_t)__rodata_start + below((uintptr_t)__data_start - (uintptr_t)__rodata_start);
	case 6:  return (uintptr_t)fz_scr_data + below(sizeof(fz_scr_data));
	case 7:  return (uintptr_t)fz_scr_bss + below(sizeof(fz_scr_bss));
	case 8:  return fz_si.heap_start + below(heap);
	case 9:  return fz_si.heap_end - k;                            /* heap into the guard gap */
	case 10: return fz_si.heap_end + below(gap);                   /* guard gap */
	case 11: return fz_si.stack_limit - k;                         /* guard gap into the stack */
	case 12: return fz_si.stack_limit + below(FZ_DEEP_STACK);
	case 13: return PV_WIN_END - below(512) - 1;                   /* the start info, out of the window */
	case 14: return PV_WIN_END;
	case 15: return 0xffff800000000000ull + below(1 << 16);        /* the kernel's direct map */
	case 16: return 0xffffffff80100000ull + below(1 << 16);        /* the kernel's text */
	case 17: return 0x0000800000000000ull - k + below(2 * k);      /* non-canonical edge */
	case 18: return 0x8000000000000000ull + below(256);
	case 19: return rnd();
	case 20: return (uint64_t)0 - k;                               /* wraps with most lengths */
	case 21: return fz_si.heap_start + PV_PAGE_SIZE * (1 + below(heap / PV_PAGE_SIZE - 1)) - k;
	case 22: return (uintptr_t)__data_start - k;                   /* rodata into data */
	case 23: return (uintptr_t)fz_scr_bss + sizeof(fz_scr_bss) - k;
	case 24: return (uintptr_t)0x600000 - 512;
	default: return (uintptr_t)__image_end - k;                    /* bss into the heap */
	}
}

/* A length for a buffer of at most max bytes at p: edges, truncation bait, wrapping ones. */
static uint64_t gen_len(uint64_t max, uint64_t p)
{
	switch (below(16)) {
	case 0:  return 0;
	case 1:  return 1;
	case 2: case 3: case 4: case 5: return 1 + below(64);
	case 6:  return max;
	case 7:  return max + 1;
	case 8:  return max - 1 - below(64);
	case 9:  return 1ull << 63;
	case 10: return ~0ull;
	case 11: return (1ull << 32) + below(64);                     /* must not be read as 32 bits */
	case 12: return below(max + 1);
	case 13: return rnd();
	case 14: return (uint64_t)0 - p + below(64);                  /* p + len wraps */
	default: return 16 + below(64);
	}
}

/* ---- the calls ---- */

static const char fz_dots[64] = "................................................................";
static uint64_t fz_console_bytes, fz_mono;

static void fz_unknown(void)
{
	static const struct fz_want w = { E(PV_ENOSYS), NONE_OK };
	uint64_t nr;

	switch (below(8)) {
	case 0:  nr = PV_SYS_COUNT; break;
	case 1:  nr = PV_SYS_COUNT + below(1000); break;
	case 2:  nr = (1ull << 32) + below(PV_SYS_COUNT); break;      /* must not be read as 32 bits */
	case 3:  nr = 0x80000000ull + below(PV_SYS_COUNT); break;
	case 4:  nr = (uint64_t)-1 - below(PV_SYS_COUNT); break;
	case 5:  nr = (1ull << 63) + below(PV_SYS_COUNT); break;
	default: nr = rnd() | (1ull << 40); break;
	}
	fz_call3(nr, gen_ptr(), gen_len(4096, 0), gen_ptr(), &w);
}

static void fz_console(void)
{
	struct fz_want w = { E(PV_EFAULT), NONE_OK };
	uint64_t p = 0, len = 0;

	if (!below(256)) {                                            /* rarely a good one: a few dots */
		len = 1 + below(8);
		w.lo = w.hi = (long)len;
		fz_console_bytes += len;
		fz_call(PV_SYS_console_write, (uintptr_t)fz_dots + below(32), len, &w);
		return;
	}
	for (int tries = 0; tries < 16; tries++) {
		p = gen_ptr(), len = gen_len(PV_CONSOLE_MAX, p);
		if (len != 0 && (len > PV_CONSOLE_MAX || !range_ok(p, len, 0)))
			break;
		len = PV_CONSOLE_MAX + 1;
	}
	if (len > PV_CONSOLE_MAX)
		w.errs = E(PV_EINVAL);
	fz_call(PV_SYS_console_write, p, len, &w);
}

static void fz_clocks(void)
{
	struct fz_want w = { 0, (long)fz_mono, INT64_MAX };

	if (below(2)) {
		fz_mono = (uint64_t)fz_call(PV_SYS_clock_mono, rnd(), rnd(), &w);
		return;
	}
	w.lo = 0;
	fz_call(PV_SYS_clock_wall, rnd(), rnd(), &w);
}

/* A buffer the kernel would write: drawn until its writable bytes are all the fuzzer's to lose. */
static void gen_wbuf(uint64_t max, uint64_t *p, uint64_t *len)
{
	do {
		*p = gen_ptr();
		*len = gen_len(max, *p);
	} while (*len <= max && !fz_safe(*p, *len));
}

static void fz_random(void)
{
	struct fz_want w = { E(PV_EFAULT) | E(PV_ENOMEM), NONE_OK };
	uint64_t p, len, bad;

	gen_wbuf(PV_RANDOM_MAX, &p, &len);
	if (len > PV_RANDOM_MAX)
		w.errs = E(PV_EINVAL);
	else if (len == 0)
		w.lo = w.hi = 0;
	else if (range_ok(p, len, 1))
		w = (struct fz_want){ 0, (long)len, (long)len };
	if (fz_wcall(PV_SYS_random, p, len, len > PV_RANDOM_MAX ? 0 : len, &w, wrote_r) == (long)len &&
	    len >= 16 && len <= PV_RANDOM_MAX) {
		bad = 1;
		for (uint64_t a = p; a < p + len && bad; a++)
			bad = *(volatile uint8_t *)(uintptr_t)a == pat(a);
		if (bad)
			fz_fail(FK_DATA, "random returned len but left the buffer as it was (detail: len)", len);
	}
}

static void fz_meminfo(void)
{
	struct fz_want w = { E(PV_EFAULT) | E(PV_ENOMEM), NONE_OK };
	struct pv_meminfo mi;
	uint64_t p;

	do
		p = gen_ptr();
	while (!fz_safe(p, sizeof(mi)));
	if (range_ok(p, sizeof(mi), 1))
		w = (struct fz_want){ 0, 0, 0 };
	if (fz_wcall(PV_SYS_meminfo, p, rnd(), sizeof(mi), &w, wrote_meminfo) != 0)
		return;
	__builtin_memcpy(&mi, (const void *)(uintptr_t)p, sizeof(mi));
	if (mi.quota_bytes != fz_si.quota || mi.heap_start != fz_si.heap_start || mi.heap_end != fz_si.heap_end ||
	    mi.private_bytes == 0 || mi.private_bytes > mi.quota_bytes || mi.shared_bytes > PV_WIN_SIZE)
		fz_fail(FK_DATA, "meminfo figures disagree with the start info (detail: private bytes)",
			mi.private_bytes);
}

static void fz_yield_idle(void)
{
	static const struct fz_want w0 = { 0, 0, 0 }, wpend = { 0, 1, 3 };
	struct fz_want wmono = { 0, 0, INT64_MAX };
	uint64_t dl;
	long r;

	if (below(2)) {
		fz_call(PV_SYS_yield, gen_ptr(), rnd(), &w0);
		return;
	}
	wmono.lo = (long)fz_mono;
	fz_mono = (uint64_t)fz_call(PV_SYS_clock_mono, rnd(), rnd(), &wmono);
	/* A deadline passed or at most 20 us away: never 0 or far, which could block the VM for good. */
	dl = below(3) == 0 ? 1 : below(2) ? fz_mono - below(fz_mono) : fz_mono + below(20000);
	r = fz_call(PV_SYS_idle, dl ? dl : 1, rnd(), &wpend);
	if (r == (long)PV_PEND_TIMER) {
		wmono.lo = (long)dl;                                  /* the timer bit alone: the deadline passed */
		fz_mono = (uint64_t)fz_call(PV_SYS_clock_mono, rnd(), rnd(), &wmono);
	}
}

/* ---- the network calls ---- */

static uint8_t fz_arp[42], fz_reply[42];

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* An ARP request for the VM's own address (the switch answers it into the VM's own queue) and that answer. */
static void fz_arp_setup(void)
{
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };   /* Ethernet, IPv4, 6, 4, request */

	__builtin_memset(fz_arp, 0xff, 6);
	__builtin_memcpy(fz_arp + 6, fz_si.mac, 6);
	put_be(fz_arp + 12, 0x0806, 2);
	__builtin_memcpy(fz_arp + 14, head, 8);
	__builtin_memcpy(fz_arp + 22, fz_si.mac, 6);
	put_be(fz_arp + 28, fz_si.ipv4, 4);
	__builtin_memset(fz_arp + 32, 0, 6);
	put_be(fz_arp + 38, fz_si.ipv4, 4);
	__builtin_memcpy(fz_reply, fz_si.mac, 6);
	__builtin_memcpy(fz_reply + 6, fz_si.mac, 6);
	__builtin_memcpy(fz_reply + 12, fz_arp + 12, 10);
	fz_reply[21] = 2;
	__builtin_memcpy(fz_reply + 22, fz_arp + 22, 10);
	__builtin_memcpy(fz_reply + 32, fz_arp + 22, 10);
}

/* What send_one may answer for one frame: bad length, bad buffer, or success (EAGAIN always possible). */
static struct fz_want send_want(uint64_t p, uint64_t len)
{
	if (len < PV_FRAME_MIN || len > PV_FRAME_MAX)
		return (struct fz_want){ E(PV_EINVAL), NONE_OK };
	if (!range_ok(p, len, 0))
		return (struct fz_want){ E(PV_EFAULT) | E(PV_EAGAIN), NONE_OK };
	return (struct fz_want){ E(PV_EAGAIN), (long)len, (long)len };
}

static uint64_t gen_frame_len(void)
{
	static const uint64_t l[] = { 0, 13, 14, 42, 60, 1514, 1515, 1ull << 32 | 42, ~0ull };

	return below(3) ? l[below(sizeof(l) / sizeof(l[0]))] : below(2000);
}

static void fz_net_send(void)
{
	uint64_t p = gen_ptr(), len = below(2) ? gen_frame_len() : gen_len(PV_FRAME_MAX, p);
	struct fz_want w = send_want(p, len);

	fz_call(PV_SYS_net_send, p, len, &w);
}

/* What may arrive: only this VM's ARP answers and frames it sent itself (to its own MAC). */
static void check_frame(uint64_t p, long len)
{
	if (len >= 6 && __builtin_memcmp((const void *)(uintptr_t)p, fz_si.mac, 6) != 0)
		fz_fail(FK_DATA, "a received frame is not addressed to this VM (detail: its address)", p);
}

/* net_recv: the queue's state is not tracked here (fz_net_probe checks it), so any length a frame may
 * have, 0, or the error the buffer deserves. */
static void fz_net_recv(void)
{
	struct fz_want w = { 0, 0, 0 };
	uint64_t p, cap, span;
	long r;

	do {
		p = gen_ptr();
		cap = below(2) ? gen_frame_len() : gen_len(PV_FRAME_MAX, p);
		span = cap < PV_FRAME_MAX ? cap : PV_FRAME_MAX;
	} while (!fz_safe(p, span));
	if (cap < PV_FRAME_MAX)
		w.errs |= E(PV_EINVAL);
	if (!range_ok(p, span, 1))
		w.errs |= E(PV_EFAULT) | E(PV_ENOMEM);
	if (range_ok(p, PV_FRAME_MIN, 1) && cap >= PV_FRAME_MIN)
		w.hi = (long)span;
	r = fz_wcall(PV_SYS_net_recv, p, cap, span, &w, wrote_r);
	if (r > 0)
		check_frame(p, r);
}

/* n descriptors at d: made here (in scratch) or whatever memory the pointer drew holds. */
static uint64_t gen_descs(uint64_t *n, int recv)
{
	uint64_t d = gen_ptr();
	static const uint64_t ns[] = { 0, 1, 2, 3, 64, 65, 1ull << 32 | 1, ~0ull };

	*n = below(2) ? ns[below(sizeof(ns) / sizeof(ns[0]))] : below(65);
	if (below(4)) {
		struct pv_frame *f = (struct pv_frame *)(uintptr_t)(fz_owned[1].lo + 16 * below(64));
		uint64_t m = *n <= 64 && (uintptr_t)(f + *n) <= fz_owned[1].hi ? *n : 0;
		for (uint64_t i = 0; i < m; i++) {
			f[i].addr = gen_ptr();
			f[i].len = (uint32_t)(recv ? below(2000) : gen_frame_len());
			f[i].cap = (uint32_t)(recv ? gen_frame_len() : below(2000));
		}
		d = (uintptr_t)f;
	}
	return d;
}

static void fz_net_send_batch(void)
{
	struct fz_want w = { E(PV_EFAULT), NONE_OK }, f;
	struct pv_frame d[PV_BATCH_MAX];
	uint64_t n, p = gen_descs(&n, 0), k = 0;

	if (n > PV_BATCH_MAX) {
		w.errs = E(PV_EINVAL);
	} else if (n == 0) {
		w.lo = w.hi = 0;
	} else if (range_ok(p, n * sizeof(d[0]), 0)) {
		__builtin_memcpy(d, (const void *)(uintptr_t)p, n * sizeof(d[0]));
		while (k < n && send_want(d[k].addr, d[k].len).lo <= send_want(d[k].addr, d[k].len).hi)
			k++;                                          /* frames before the first bad one */
		f = send_want(d[0].addr, d[0].len);
		w = k ? (struct fz_want){ E(PV_EAGAIN), 1, (long)k } : f;
	}
	fz_call(PV_SYS_net_send_batch, p, n, &w);
}

/* Descriptors at p for net_recv_batch, drawn until every byte the kernel could write is the fuzzer's to lose;
 * the readable ones (m of n) copied to d. */
static uint64_t gen_rdescs(struct pv_frame *d, uint64_t *n, uint64_t *m)
{
	uint64_t p;
	int ok;

	do {
		p = gen_descs(n, 1);
		*m = *n <= PV_BATCH_MAX && range_ok(p, *n * sizeof(d[0]), 0) ? *n : 0;
		if (*m)
			__builtin_memcpy(d, (const void *)(uintptr_t)p, *m * sizeof(d[0]));
		ok = *n > PV_BATCH_MAX || fz_safe(p, *n * sizeof(d[0]));
		for (uint64_t i = 0; i < *m && ok; i++)
			ok = fz_safe(d[i].addr, d[i].cap < PV_FRAME_MAX ? d[i].cap : PV_FRAME_MAX);
	} while (!ok);
	return p;
}

static uint64_t span_of(const struct pv_frame *d)
{
	return d->cap < PV_FRAME_MAX ? d->cap : PV_FRAME_MAX;
}

/* net_recv_batch (queue not tracked, see fz_net_recv): 0, 1..n, or the first frame's error; a failed call
 * must leave the descriptors and the first buffers as they were. */
static void fz_net_recv_batch(void)
{
	struct fz_want w = { E(PV_EFAULT) | E(PV_ENOMEM), NONE_OK };
	struct pv_frame d[PV_BATCH_MAX];
	struct fz_span s[4], descs;
	uint64_t n, m, bad, p = gen_rdescs(d, &n, &m);

	if (n > PV_BATCH_MAX) {
		w.errs = E(PV_EINVAL);
	} else if (n == 0) {
		w.lo = w.hi = 0;
	} else if (m) {
		w.errs = range_ok(p, n * sizeof(d[0]), 1) ? 0 : E(PV_EFAULT) | E(PV_ENOMEM);
		w.errs |= d[0].cap < PV_FRAME_MAX ? E(PV_EINVAL) : 0;
		w.errs |= range_ok(d[0].addr, span_of(&d[0]), 1) ? 0 : E(PV_EFAULT) | E(PV_ENOMEM);
		w.lo = 0, w.hi = range_ok(p, n * sizeof(d[0]), 1) ? (long)n : 0;
	}
	/* Canaries around the first buffers, then the descriptors put back (a buffer may overlap them). */
	fz_salt = rnd();
	descs = (struct fz_span){ p, p + m * sizeof(d[0]) };
	for (uint64_t i = 0; i < 4; i++) {
		s[i] = i < m ? around(d[i].addr, span_of(&d[i])) : (struct fz_span){ 0, 0 };
		canary_fill(s[i]);
	}
	if (m && range_ok(p, m * sizeof(d[0]), 1))
		__builtin_memcpy((void *)(uintptr_t)p, d, m * sizeof(d[0]));
	if (fz_call(PV_SYS_net_recv_batch, p, n, &w) > 0)
		return;
	for (int i = 0; i < 4; i++)
		if ((bad = canary_diff(s[i], descs)) != 0)
			fz_fail(FK_WRITE, "a failed net_recv_batch wrote a buffer (detail: address)", bad);
	if (m && __builtin_memcmp((const void *)(uintptr_t)p, d, m * sizeof(d[0])) != 0)
		fz_fail(FK_WRITE, "a failed net_recv_batch wrote its descriptors (detail: their address)", p);
}

/* ---- the network probe: a known frame in the queue, then every way of failing to take it ---- */

/* Receive buffers for the probe, in owned memory; descriptors in rodata, which the kernel must not write. */
#define PROBE_RO_BUF ((uintptr_t)fz_scr_bss + PV_PAGE_SIZE)
static const struct pv_frame fz_ro_desc[1] = { { PROBE_RO_BUF, 0, PV_FRAME_MAX } };

static void probe_drain(uint64_t buf)
{
	static const struct fz_want w = { 0, 0, PV_FRAME_MAX };

	for (int i = 0; i < 2 * 64 && fz_call(PV_SYS_net_recv, buf, PV_FRAME_MAX, &w) > 0; i++)
		check_frame(buf, PV_FRAME_MIN);
}

static void fz_net_probe(void)
{
	static const struct fz_want wfault = { E(PV_EFAULT), NONE_OK }, wsmall = { E(PV_EINVAL), NONE_OK };
	static const struct fz_want wone = { 0, 1, 1 }, wnone = { 0, 0, 0 };
	struct fz_want wsend = { E(PV_EAGAIN), sizeof(fz_arp), sizeof(fz_arp) };
	struct pv_frame *d = (struct pv_frame *)(uintptr_t)fz_owned[1].lo;
	struct fz_span s = around(PROBE_RO_BUF, PV_FRAME_MAX);
	uint64_t buf = fz_si.heap_start, bad;

	probe_drain(buf);
	if (fz_call(PV_SYS_net_send, (uintptr_t)fz_arp, sizeof(fz_arp), &wsend) != sizeof(fz_arp))
		return;                                                 /* send budget spent: next time */
	fz_wcall(PV_SYS_net_recv, fz_si.heap_end - 20, 64, 64, &wfault, wrote_r);
	fz_call(PV_SYS_net_recv, buf, sizeof(fz_reply) - 1, &wsmall);
	fz_salt = rnd();
	canary_fill(s);
	fz_call(PV_SYS_net_recv_batch, (uintptr_t)fz_ro_desc, 1, &wfault);   /* descriptors not writable */
	if ((bad = canary_diff(s, (struct fz_span){ 0, 0 })) != 0)
		fz_fail(FK_WRITE, "net_recv_batch with read-only descriptors failed but wrote (detail: address)", bad);
	d[0] = (struct pv_frame){ buf, 0, PV_FRAME_MAX };
	d[1] = (struct pv_frame){ buf + PV_FRAME_MAX, 7, PV_FRAME_MAX };
	if (fz_call(PV_SYS_net_recv_batch, (uintptr_t)d, 2, &wone) == 1 &&
	    (d[0].len != sizeof(fz_reply) || d[1].len != 7 ||
	     __builtin_memcmp((const void *)(uintptr_t)buf, fz_reply, sizeof(fz_reply)) != 0))
		fz_fail(FK_DATA, "the probe's ARP answer came back wrong (detail: its len)", d[0].len);
	fz_call(PV_SYS_net_recv, buf, PV_FRAME_MAX, &wnone);
}

/* ---- the run ---- */

/* One random action: mostly single calls, weighted towards the ones that take pointers. */
static void fz_one(void)
{
	uint64_t x = below(128);

	if (x < 12)
		fz_unknown();
	else if (x < 24)
		fz_console();
	else if (x < 32)
		fz_clocks();
	else if (x < 58)
		fz_random();
	else if (x < 74)
		fz_meminfo();
	else if (x < 76)
		fz_yield_idle();
	else if (x < 88)
		fz_net_send();
	else if (x < 100)
		fz_net_recv();
	else if (x < 110)
		fz_net_send_batch();
	else if (x < 126)
		fz_net_recv_batch();
	else
		fz_net_probe();
}

/* A decimal or 0x-hex number; 0 if s is not one (v untouched). */
static int fz_num(const char *s, uint64_t *v)
{
	uint64_t x = 0, base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, base = 16;
	if (!*s)
		return 0;
	for (; *s; s++) {
		uint64_t d = *s >= '0' && *s <= '9' ? (uint64_t)(*s - '0') :
			     *s >= 'a' && *s <= 'f' ? (uint64_t)(*s - 'a' + 10) :
			     *s >= 'A' && *s <= 'F' ? (uint64_t)(*s - 'A' + 10) : 99;
		if (d >= base)
			return 0;
		x = x * base + d;
	}
	*v = x;
	return 1;
}

static void fz_setup(void)
{
	const struct pv_start_info *si = pv_start_info();

	fz_si.heap_start = si->heap_start;
	fz_si.heap_end = si->heap_end;
	fz_si.stack_limit = si->stack_limit;
	fz_si.quota = si->mem_quota;
	__builtin_memcpy(fz_si.mac, si->mac, 6);
	fz_si.ipv4 = si->ipv4;
	fz_own_setup();
	fz_arp_setup();
}

static int fz_summary(uint64_t calls)
{
	uint64_t bad = 0;

	for (int k = 0; k < FK_COUNT; k++)
		bad += fk_count[k];
	if (fz_console_bytes)
		h_say("\n");                                       /* after the dots of the good console writes */
	h_say(bad ? "hcfuzz: FAIL seed=" : "hcfuzz: seed=");
	h_hex(fz_seed);
	h_say(" calls=");
	h_dec(calls);
	for (int k = 0; k < FK_COUNT && bad; k++) {
		h_say(" ");
		h_say(fk_name[k]);
		h_say("=");
		h_dec(fk_count[k]);
	}
	h_say(bad ? "\n" : " ok\n");
	return bad != 0;
}

int main(int argc, char **argv)
{
	uint64_t calls = 100000;

	if ((argc > 1 && !fz_num(argv[1], &fz_seed)) || (argc > 2 && !fz_num(argv[2], &calls))) {
		h_say("hcfuzz: FAIL usage: hcfuzz.elf [SEED [CALLS]] (decimal or 0x-hex)\n");
		return 1;
	}
	if (argc < 2 && pv_random((long)&fz_seed, sizeof(fz_seed)) != sizeof(fz_seed))
		fz_seed = __builtin_ia32_rdtsc();
	fz_state = fz_seed;
	fz_setup();
	h_say("hcfuzz: seed=");
	h_hex(fz_seed);
	h_say(" calls=");
	h_dec(calls);
	h_say(" heap_end=");
	h_hex(fz_si.heap_end);
	h_say("\n");
	while (fz_calls < calls)
		fz_one();
	return fz_summary(fz_calls);
}
