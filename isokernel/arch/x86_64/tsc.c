/* tsc.c - TSC calibration against PIT channel 2 (gated through port 0x61) and TSC <-> ns conversions. */
#include <stdint.h>
#include "tsc.h"
#include "cpu.h"
#include "kprintf.h"

#define PIT_HZ       1193182ull
#define PIT_LATCH    5966u           /* ~5.0 ms; three runs, the median is kept */
#define NS_PER_S     1000000000ull
#define MAX_DELTA_S  (1ull << 14)    /* tsc_mult/shift are overflow-free up to this delta (~4.5 h) */

uint64_t tsc_hz, tsc_boot;
uint32_t tsc_mult, tsc_shift;
static uint64_t ns_per_tick_32;      /* ns per tick, 32.32 fixed point */
static uint64_t ticks_per_ns_32;     /* ticks per ns, 32.32 fixed point */

/* TSC ticks during `latch` PIT ticks (mode 0 on channel 2: bit 5 of port 0x61 rises at terminal count).
 * The edge is placed midway between the last poll that missed it and the one that saw it. */
static uint64_t tsc_measure_pit(uint16_t latch)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);     /* gate on, speaker off */
	outb(0x43, 0xb0);                          /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	uint64_t t0 = rdtsc(), prev = t0, t;
	for (uint64_t spins = 0;; spins++) {
		t = rdtsc();
		if (inb(0x61) & 0x20)
			break;
		prev = t;
		if (spins > 100000000)
			panic("tsc: the PIT never reached its terminal count");
	}
	return (prev + t) / 2 - t0;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b) { uint64_t x = a; a = b; b = x; }
	if (b > c) b = c;
	return a > b ? a : b;
}

/* Largest shift <= 32 with a 32-bit mult whose product with a MAX_DELTA_S delta fits 64 bits. */
static void tsc_set_scale(void)
{
	uint64_t max_delta = tsc_hz * MAX_DELTA_S, mult = 0;
	uint32_t shift;

	for (shift = 32; shift > 0; shift--) {
		mult = ((NS_PER_S << shift) + tsc_hz / 2) / tsc_hz;
		if (mult <= UINT32_MAX && mult <= UINT64_MAX / max_delta)
			break;
	}
	tsc_mult = (uint32_t)mult;
	tsc_shift = shift;
}

void tsc_init(void)
{
	tsc_measure_pit(PIT_LATCH / 5);              /* warm-up: under TCG the first pass pays for translation */
	uint64_t a = tsc_measure_pit(PIT_LATCH), b = tsc_measure_pit(PIT_LATCH), c = tsc_measure_pit(PIT_LATCH);
	uint64_t ticks = median3(a, b, c);

	tsc_hz = ticks * PIT_HZ / PIT_LATCH;
	tsc_boot = rdtsc();
	if (tsc_hz < 1000000)
		panic("tsc: implausible frequency %lu Hz", tsc_hz);
	ns_per_tick_32 = (NS_PER_S << 32) / tsc_hz;
	ticks_per_ns_32 = ((tsc_hz / NS_PER_S) << 32) + (((tsc_hz % NS_PER_S) << 32) / NS_PER_S);
	tsc_set_scale();
}

uint64_t tsc_to_ns(uint64_t delta_tsc)
{
	return (uint64_t)(((unsigned __int128)delta_tsc * ns_per_tick_32) >> 32);
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * ticks_per_ns_32) >> 32);
}

uint64_t now_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}
