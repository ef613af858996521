/* hostile.h - helpers for the hostile guests (--tiny, no libc): console lines, hex numbers, verdicts. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "pvisa_guest.h"

static inline size_t h_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static inline void h_say(const char *s)
{
	pv_console_write((long)s, (long)h_len(s));
}

static inline void h_hex(uint64_t v)
{
	char buf[19] = "0x";

	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	buf[18] = '\0';
	h_say(buf);
}

static inline void h_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	h_say(buf + i);
}

/* A decimal argument, or def when it is absent or not a number. */
static inline uint64_t h_num(int argc, char **argv, int i, uint64_t def)
{
	uint64_t v = 0;
	const char *s;

	if (i >= argc || !*(s = argv[i]))
		return def;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return def;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

static inline __attribute__((noreturn)) void h_exit(int status)
{
	for (;;)
		pv_exit(status);
}

/* Reached only when the kernel let a forbidden operation through: say which one and exit 1. */
static inline __attribute__((noreturn)) void h_survived(const char *what)
{
	h_say("hostile: NOT STOPPED: ");
	h_say(what);
	h_say("\n");
	h_exit(1);
}

/* Check one hypercall result; returns 1 on a mismatch (and says so). */
static inline int h_expect(const char *what, long got, long want)
{
	if (got == want)
		return 0;
	h_say("hostile: FAIL ");
	h_say(what);
	h_say(": got ");
	h_hex((uint64_t)got);
	h_say(", want ");
	h_hex((uint64_t)want);
	h_say("\n");
	return 1;
}

/* Busy-wait about ms milliseconds of TSC time (long enough to be preempted by the timer). */
static inline void h_spin_ms(uint64_t ms)
{
	uint64_t hz = pv_start_info()->tsc_hz ? pv_start_info()->tsc_hz : 1000000000u;
	uint64_t end = __builtin_ia32_rdtsc() + hz / 1000 * ms;

	while (__builtin_ia32_rdtsc() < end)
		__asm__ volatile("pause");
}

#endif
