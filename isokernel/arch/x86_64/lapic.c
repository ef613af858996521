/* lapic.c - xAPIC at the base from MSR 0x1b, through the (uncached) direct map: EOI, the one-shot timer, its id. */
#include <stdint.h>
#include "lapic.h"
#include "arch.h"
#include "cpu.h"
#include "kprintf.h"
#include "memlayout.h"
#include "pte.h"
#include "tsc.h"

#define LAPIC_ID         0x020
#define LAPIC_TPR        0x080
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_ESR        0x280
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_LVT_THERM  0x330
#define LAPIC_LVT_PERF   0x340
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LAPIC_LVT_ERROR  0x370
#define LAPIC_TICR       0x380    /* timer initial count */
#define LAPIC_TCCR       0x390    /* timer current count */
#define LAPIC_TDCR       0x3e0    /* timer divide configuration */

#define APICBASE_ENABLE  (1ull << 11)
#define APICBASE_X2APIC  (1ull << 10)
#define SVR_ENABLE       0x100
#define LVT_MASKED       0x10000
#define LVT_NMI          0x400
#define TDCR_DIV16       0x3
#define CALIBRATE_MS     5

uint64_t lapic_hz;
static volatile uint32_t *lapic_regs;
static uint64_t ticks_per_ns_32;   /* timer ticks per ns, 32.32 fixed point */

static uint32_t lapic_read(uint32_t reg)
{
	return lapic_regs[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic_regs[reg / 4] = v;
}

/* Counts timer ticks during CALIBRATE_MS of TSC time. */
static void lapic_calibrate(void)
{
	uint64_t wait = tsc_hz / 1000 * CALIBRATE_MS;

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | T_TIMER);
	lapic_write(LAPIC_TICR, 0xffffffffu);
	uint32_t c0 = lapic_read(LAPIC_TCCR), c1;
	uint64_t t0 = rdtsc(), t1;
	do {                                       /* both reads in one loop body: no gap at the end */
		c1 = lapic_read(LAPIC_TCCR);
		t1 = rdtsc();
	} while (t1 - t0 < wait);
	uint32_t elapsed = c0 - c1;
	lapic_write(LAPIC_TICR, 0);
	lapic_hz = (uint64_t)elapsed * tsc_hz / (t1 - t0);
	if (lapic_hz < 1000)
		panic("lapic: timer does not count (%lu Hz)", lapic_hz);
	ticks_per_ns_32 = ((lapic_hz / 1000000000ull) << 32) + (((lapic_hz % 1000000000ull) << 32) / 1000000000ull);
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APICBASE);

	if (base & APICBASE_X2APIC)
		panic("lapic: firmware left the APIC in x2APIC mode");
	if (!(base & APICBASE_ENABLE))
		wrmsr(MSR_APICBASE, base | APICBASE_ENABLE);
	base &= PTE_ADDR;
	arch_dmap_uncached(base, 4096);
	lapic_regs = P2V(base);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | T_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);     /* the 8259s are masked too */
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	lapic_write(LAPIC_LVT_THERM, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TDCR, TDCR_DIV16);
	lapic_calibrate();
	lapic_eoi();
}

static bool timer_oneshot;      /* the LVT timer entry is one-shot and unmasked */
static uint64_t timer_due;      /* TSC when the armed one-shot fires; 0 once it has */

void lapic_timer_fired(void)
{
	timer_due = 0;
}

/* Each timer write is an exit under KVM and a QEMU timer update (a main-loop wake-up) under TCG, and the
 * scheduler arms the timer at every dispatch and before every halt: a timer already due in [ns/2, ns] from now
 * is kept. A quantum is then at least half a quantum; an idle wake-up may come early (the loop re-checks). */
void lapic_timer_arm_ns(uint64_t ns)
{
	uint64_t now = rdtsc(), want = ns_to_tsc(ns);
	uint64_t ticks = (uint64_t)(((unsigned __int128)ns * ticks_per_ns_32) >> 32);

	if (timer_due > now + want / 2 && timer_due <= now + want)
		return;
	if (ticks < 1)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	if (!timer_oneshot)
		lapic_write(LAPIC_LVT_TIMER, T_TIMER);        /* one-shot, unmasked */
	timer_oneshot = true;
	lapic_write(LAPIC_TICR, (uint32_t)ticks);
	timer_due = now + want;
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_TICR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | T_TIMER);
	timer_oneshot = false;
	timer_due = 0;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint8_t lapic_id(void)
{
	return (uint8_t)(lapic_read(LAPIC_ID) >> 24);
}
