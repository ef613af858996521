/* run.c - the run's life: its deadline, the host's stop request and the control channel (loop sources; serve=1 keeps
 * it alive with no VM), its end and exit code. */
#include "run.h"
#include "loop.h"
#include "sched.h"
#include "report.h"
#include "runlog.h"
#include "arch.h"
#include "serial.h"
#include "tsc.h"
#include "kprintf.h"
#include "ctlsrv.h"

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

/* The control channel (ctl.c): a request, or one step of a long one, per pass; a STOP it answered ends the run as the
 * host's stop byte does. */
static void ctl_source_poll(uint64_t now)
{
	(void)now;
	ctl_poll();
	if (ctl_stop_requested()) {
		kst.stopped = true;
		run_stop("stopped by the host");
	}
}

/* A request under way, or a reply the port has not taken: poll again at once. */
static uint64_t ctl_due(uint64_t now)
{
	return ctl_busy() ? now : LOOP_NEVER;
}

/* serve=1: the run does not end when its last VM does (the host may still send VMs), and the control port (its
 * interrupt, or its poll period: the console's source) may wake an idle CPU. */
static bool serving(void)
{
	return ctl_serve != 0;
}

static const struct loop_source ctl_source = {
	.name = "control", .poll = ctl_source_poll, .deadline = ctl_due, .wakes = serving, .busy = serving,
};

void run_init(uint64_t deadline_ns)
{
	if (deadline_ns) {
		deadline_tsc = tsc_boot + ns_to_tsc(deadline_ns);
		loop_register(&deadline_source);
	}
	stop_poll_tsc = ns_to_tsc(RL_STOP_POLL_MS * 1000000ull);
	loop_register(&stop_source);
	loop_register(&ctl_source);
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
	if (kst.rejected || (!kst.started && !ctl_serve))
		code = RL_CODE_BADINPUT;       /* an image was refused, or there was nothing to run (serve=1: nothing asked) */
	report_finish(code);
}

void run_stop(const char *why)
{
	sched_end_all(why);
	run_finish();
}
