/* bl-tiny-nolibc.c - the smallest baseline process: no libc, raw system calls; says hello, ready, idles until killed. */

/* Built -static -nostdlib -fno-pie: one text page, no data of its own; the floor of what a forked process costs. */
#define SYS_WRITE 1
#define SYS_PAUSE 34
#define SYS_CLOSE 3
#define SYS_EXIT  60
#define READY_FD  3          /* bl_serve.h's BL_READY_FD */

static const char tiny_msg[] = "tiny: hello\n";

static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

void _start(void) __attribute__((noreturn));

void _start(void)
{
	if (sys3(SYS_WRITE, 1, (long)tiny_msg, sizeof tiny_msg - 1) < 0)
		sys3(SYS_EXIT, 1, 0, 0);
	sys3(SYS_WRITE, READY_FD, (long)"r", 1);
	sys3(SYS_CLOSE, READY_FD, 0, 0);
	for (;;)
		sys3(SYS_PAUSE, 0, 0, 0);
}
