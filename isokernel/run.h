/* run.h - the run's life: its deadline, the host's stop request and the control channel as loop sources, and its end. */
#ifndef ISO_RUN_H
#define ISO_RUN_H

#include <stdint.h>

/* Register the run's sources: deadline_ns after boot (0 = none) ends it, and so does the host's stop byte or a STOP
 * through the control channel; serve=1 keeps it alive with no VM. */
void run_init(uint64_t deadline_ns);
/* End every VM still alive (reported as running, with why) and finish. */
void run_stop(const char *why) __attribute__((noreturn));
/* The sources' records, @summary and @done, then power off with the run's exit code. */
void run_finish(void) __attribute__((noreturn));

#endif
