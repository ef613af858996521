/* savecount.c - a VM whose work spans a save and restore (the selftest_save hook, later the control channel): it
 * counts in steps with sleeps between, keeps a heap pattern, x87/SSE control state and a floating-point sum, and
 * checks them all at every step. Args: [steps [sleep_ms]] (40, 25; sleep 0: it computes without idling). Prints
 * "step N sum=..." lines (every 100th past 100 steps), "sum=..." and "ok: savecount". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"

#define HEAP_WORDS (96 * 1024 / 4)        /* 96 KiB: 24 private heap pages */
#define MXCSR_RZ 0x7f80u                   /* exceptions masked, rounding toward zero */
#define FCW_53 0x027fu                     /* x87: exceptions masked, 53-bit precision */

static uint32_t pattern(uint32_t i, uint32_t gen)
{
	uint32_t x = i * 2654435761u + gen * 40503u;

	return x ^ (x >> 15);
}

static uint32_t mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static uint16_t fcw(void)
{
	uint16_t v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

/* Every word holds its pattern: words below upto are of generation gen, the rest never rewritten (0). */
static int heap_ok(const uint32_t *h, uint32_t gen, uint32_t upto)
{
	for (uint32_t i = 0; i < HEAP_WORDS; i++)
		if (h[i] != pattern(i, i < upto ? gen : 0))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 40, ms = argc > 2 ? atoi(argv[2]) : 25;
	uint32_t *h = malloc(HEAP_WORDS * 4), mx = MXCSR_RZ;
	uint16_t cw = FCW_53;
	volatile double sum = 0;

	CHECK(h != NULL, "no heap");
	if (!h)
		return 1;
	for (uint32_t i = 0; i < HEAP_WORDS; i++)
		h[i] = pattern(i, 0);
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	__asm__ volatile("fldcw %0" : : "m"(cw));
	for (int s = 1; s <= steps; s++) {
		uint32_t upto = (uint32_t)s * (HEAP_WORDS / (uint32_t)steps);
		for (uint32_t i = 0; i < HEAP_WORDS; i++)     /* a new generation, written up to a point */
			if (i < upto)
				h[i] = pattern(i, (uint32_t)s);
		usleep((useconds_t)ms * 1000);
		CHECK(heap_ok(h, (uint32_t)s, upto), "step %d: the heap changed", s);
		CHECK((mxcsr() & ~0x3fu) == MXCSR_RZ, "step %d: MXCSR 0x%x", s, mxcsr());   /* flags aside */
		CHECK(fcw() == FCW_53, "step %d: x87 control word 0x%x", s, fcw());
		sum += 1.0 / (double)(s * 3 + 1);             /* rounded toward zero: differs from the default */
		if (steps <= 100 || s % 100 == 0)
			printf("step %d sum=%.17g\n", s, sum);
	}
	printf("sum=%.17g\n", sum);
	return check_done("savecount");
}
