/* loop.h - the kernel's main loop over registered event sources (NIC, switch, run deadline, host stop, ...). */
#ifndef ISO_LOOP_H
#define ISO_LOOP_H

#include <stdint.h>
#include <stdbool.h>

#define LOOP_NEVER UINT64_MAX
#define LOOP_MAX_SOURCES 8

/*
 * One event source. Every hook may be NULL. Each pass of the loop polls every source (a timed one only when its
 * deadline is due), runs a VM if one is runnable, and otherwise idles until the earliest deadline of the VMs and the
 * sources, or an interrupt.
 */
struct loop_source {
	const char *name;
	void (*poll)(uint64_t now);          /* do what is pending; cheap when nothing is */
	uint64_t (*deadline)(uint64_t now);  /* when poll is next due: now while busy, LOOP_NEVER if not for time's sake */
	bool (*wakes)(void);                 /* its interrupt may end an idle wait (so the CPU is not blocked forever) */
	bool (*busy)(void);                  /* keeps the kernel up when no VM is left */
	bool (*pending)(void);               /* work waits (one cheap read, for the spinning idle loop) */
	void (*report)(void);                /* its record at the end of the run */
	void (*idle)(uint64_t now);          /* the CPU is about to idle (or poll again at once): what must not wait */
	bool passive;                        /* its deadline counts only while something else can wake the CPU */
	bool timed;                          /* all its work is at its deadline: polled only once that is due (its
					      * deadline changes only in its own poll) */
};

/* Add a source (polled in registration order). Panics past LOOP_MAX_SOURCES. */
void loop_register(const struct loop_source *s);
/* Run the loop on this CPU (the current VM, if any, has left it). */
void loop_run(void) __attribute__((noreturn));
/* Does a source keep the kernel up with no VM? */
bool loop_busy(void);
/* Every source's end-of-run record, in registration order. */
void loop_report(void);

#endif
