/* loop.c - the kernel's main loop: poll every registered event source, run a VM, idle until something is due. */
#include "hot.h"
#include "loop.h"
#include "sched.h"
#include "sched_policy.h"
#include "percpu.h"
#include "run.h"
#include "report.h"
#include "arch.h"
#include "tsc.h"
#include "kprintf.h"

static const struct loop_source *sources[LOOP_MAX_SOURCES];
static unsigned nsources;
/* The hot part of a pass, flat: the poll hooks of untimed sources; the earliest deadline of the timed ones. */
static void (*polls[LOOP_MAX_SOURCES])(uint64_t now);
static unsigned npolls;
static uint64_t next_timed = LOOP_NEVER;
uint64_t sched_idle_spin;

static void timed_update(uint64_t now)
{
	next_timed = LOOP_NEVER;
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->timed && sources[i]->deadline && sources[i]->deadline(now) < next_timed)
			next_timed = sources[i]->deadline(now);
}

void loop_register(const struct loop_source *s)
{
	if (nsources == LOOP_MAX_SOURCES)
		panic("loop: more than %d event sources (%s)", LOOP_MAX_SOURCES, s->name);
	if (s->timed && !s->deadline)
		panic("loop: timed source %s has no deadline", s->name);
	sources[nsources++] = s;
	if (s->poll && !s->timed)
		polls[npolls++] = s->poll;
	timed_update(0);
}

/* The timed sources whose deadline is due. */
static void poll_timed(uint64_t now)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->timed && sources[i]->poll && now >= sources[i]->deadline(now))
			sources[i]->poll(now);
	timed_update(now);
}

bool loop_busy(void)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->busy && sources[i]->busy())
			return true;
	return false;
}

void loop_report(void)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->report)
			sources[i]->report();
}

static bool loop_pending(void)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->pending && sources[i]->pending())
			return true;
	return false;
}

/* The earliest deadline of the sources that are (passive = false) or are not (true) passive, and the VMs', from
 * until. */
static uint64_t earliest(uint64_t now, uint64_t until, bool passive)
{
	for (unsigned i = 0; i < nsources; i++) {
		const struct loop_source *s = sources[i];
		if (s->deadline && s->passive == passive) {
			uint64_t d = s->deadline(now);
			if (d < until)
				until = d;
		}
	}
	return until;
}

/* Every source's idle hook, before the CPU idles. */
static void loop_idle(uint64_t now)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->idle)
			sources[i]->idle(now);
}

static bool any_wakes(void)
{
	for (unsigned i = 0; i < nsources; i++)
		if (sources[i]->wakes && sources[i]->wakes())
			return true;
	return false;
}

/* Nothing runnable: sleep until the next deadline (an idle VM's or a source's) or an interrupt; with idle_spin=1 spin
 * until then or until a source has work waiting. False: nothing can ever wake the CPU. */
static bool idle_wait(struct cpu *c, uint64_t now)
{
	uint64_t until = earliest(now, sched_next_deadline(), false);

	if (until == LOOP_NEVER && !any_wakes())
		return false;
	until = earliest(now, until, true);   /* e.g. the host may say stop: look while asleep too */
	loop_idle(now);                      /* e.g. the report stream's partial page goes out before the CPU sleeps */
	if (until <= now)
		return true;                     /* poll again at once */
	if (sched_idle_spin) {
		while (rdtsc() < until && !loop_pending())
			arch_relax();
		c->wake_tsc = rdtsc();
		return true;
	}
	if (until != LOOP_NEVER)
		arch_timer_arm_ns(tsc_to_ns(until - now));
	c->quantum_end = 0;                 /* a stale timer interrupt of the last VM is taken while halted */
	arch_halt();
	c->wake_tsc = rdtsc();
	return true;
}

HOT void loop_run(void)
{
	struct cpu *c = this_cpu();

	c->current = NULL;
	for (;;) {
		uint64_t now = rdtsc();
		for (unsigned i = 0; i < npolls; i++)
			polls[i](now);
		if (now >= next_timed)
			poll_timed(now);
		sched_dispatch(now);             /* runs a VM if one is runnable: no return then */
		if (!kst.live && !loop_busy())
			run_finish();
		if (!idle_wait(c, now))
			run_stop("blocked forever");
	}
}
