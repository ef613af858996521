/* run.c - the batch run's life: its deadline and the host's stop request (loop sources), its end and exit code. */
#include "run.h"
#include "loop.h"
#include "sched.h"
#include "report.h"
#include "runlog.h"
#include "arch.h"
#include "serial.h"
#include "tsc.h"
#include "kprintf.h"

static uint64_t deadline_tsc;                  /* 0: none */
static uint64_t stop_poll_tsc, next_stop_poll;   /* when COM1 is next checked for the host's stop byte */

static void deadline_poll(uint64_t now)
{
	(void)now;                     /* timed: polled once due */
	kst.timed_out = true;
	run_stop("still running when the run timed out");
}

static uint64_t deadline_due(uint64_t now)
{
	(void)now;
	return deadline_tsc;
}

/* Has the host asked the run to end (RL_STOP_BYTE on COM1)? One port read per RL_STOP_POLL_MS at most. */
static void stop_poll(uint64_t now)
{
	int c;

	next_stop_poll = now + stop_poll_tsc;     /* timed: polled once due */
	/* QEMU's TCG sizes its software TLB only when it is flushed: after thousands of VM switches that each
	 * used a few entries it is at its smallest, and a VM that then runs alone for long (no switch, no flush)
	 * keeps missing in it. A reload every RL_STOP_POLL_MS lets it grow again; anywhere else it costs a refill. */
	arch_tlb_flush();
	while ((c = serial_getc()) >= 0)
		if (c == RL_STOP_BYTE) {
			kst.stopped = true;
			run_stop("stopped by the host");
		}
}

static uint64_t stop_due(uint64_t now)
{
	(void)now;
	return next_stop_poll;
}

static const struct loop_source deadline_source = {
	.name = "run deadline", .poll = deadline_poll, .deadline = deadline_due, .timed = true,
};
/* Passive: looking at COM1 is no reason to wake an idle CPU that nothing else can wake (blocked forever). */
static const struct loop_source stop_source = {
	.name = "host stop", .poll = stop_poll, .deadline = stop_due, .passive = true, .timed = true,
};

void run_init(uint64_t deadline_ns)
{
	if (deadline_ns) {
		deadline_tsc = tsc_boot + ns_to_tsc(deadline_ns);
		loop_register(&deadline_source);
	}
	stop_poll_tsc = ns_to_tsc(RL_STOP_POLL_MS * 1000000ull);
	loop_register(&stop_source);
}

void run_finish(void)
{
	int code = RL_CODE_OK;

	arch_timer_stop();
	loop_report();
	if (kst.live)
		panic("%lu VMs unaccounted for at the end of the run", kst.live);
	if (kst.failed || kst.faulted || (kst.running_at_end && !kst.stopped))   /* a stop is the host's choice */
		code = RL_CODE_VMFAIL;
	if (kst.rejected || !kst.started)
		code = RL_CODE_BADINPUT;       /* an image was refused, or there was nothing to run */
	report_finish(code);
}

void run_stop(const char *why)
{
	sched_end_all(why);
	run_finish();
}
