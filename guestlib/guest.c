/* guest.c - the guest API (guest.h): identity, clocks from the virtual registers, idle, random, meminfo. */
#include "guest.h"
#include "pvisa_guest.h"

/* CPU-time estimate (guest_cpu_ns): when the program started, and the time spent inside guest_idle_until. */
static uint64_t guest_start_ns;
static uint64_t guest_idled_ns;

uint32_t guest_vm_id(void)
{
	return pv_start_info()->vm_id;
}

static uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* ns = ns_base + ((tsc - tsc_base) * mult) >> shift; retried if the kernel rebased the clock meanwhile. */
uint64_t guest_clock_ns(void)
{
	const volatile struct pv_vregs *v = &pv_start_info()->vregs;
	uint64_t tsc_base, ns_base, tsc;
	uint32_t mult, shift;

	do {
		tsc_base = v->tsc_base;
		ns_base = v->ns_base;
		mult = v->tsc_mult;
		shift = v->tsc_shift;
		tsc = guest_rdtsc();
	} while (((tsc_base ^ v->tsc_base) | (ns_base ^ v->ns_base)) != 0);   /* | and ||: one branch, not two */
	if ((mult == 0) | (shift > 63))
		return (uint64_t)pv_clock_mono();
	return ns_base + (uint64_t)(((unsigned __int128)(tsc - tsc_base) * mult) >> shift);
}

uint64_t guest_wall_ns(void)
{
	return (uint64_t)pv_clock_wall();
}

uint64_t guest_idle_until(uint64_t deadline_ns)
{
	uint64_t t0 = guest_clock_ns();
	uint64_t pend = (uint64_t)pv_idle((long)deadline_ns);

	guest_idled_ns += guest_clock_ns() - t0;
	return pend;
}

/* Deadlines beyond the idle call's signed range wait at its end (about 292 years after boot). */
void guest_sleep_ns(uint64_t ns)
{
	uint64_t now = guest_clock_ns();
	uint64_t deadline = ns < (uint64_t)INT64_MAX - now ? now + ns : (uint64_t)INT64_MAX;

	while (guest_clock_ns() < deadline)
		guest_idle_until(deadline);
}

void guest_cpu_start(void)
{
	guest_start_ns = guest_clock_ns();
	guest_idled_ns = 0;
}

uint64_t guest_cpu_ns(void)
{
	return guest_clock_ns() - guest_start_ns - guest_idled_ns;
}

long guest_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		size_t n = len < PV_RANDOM_MAX ? len : PV_RANDOM_MAX;
		long r = pv_random((long)p, (long)n);

		if (r < 0)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

long guest_meminfo(struct pv_meminfo *mi)
{
	return pv_meminfo((long)mi);
}
