/* report.h - what the kernel tells the runner in its report stream (protocol and channels: pvisa/runlog.h) and its counters. */
#ifndef ISO_REPORT_H
#define ISO_REPORT_H

#include <stdint.h>
#include <stdbool.h>
#include "tstat.h"

struct vm;

struct kstats {
	uint64_t started, exited_ok, failed, faulted, running_at_end;
	uint64_t reclaimed;              /* of the faulted: ended because host memory ran out beyond their guarantee */
	uint64_t live, peak_live;
	uint64_t kernel_bytes_peak;      /* VM structures + page tables + timer slots at the peak of live VMs */
	uint64_t guest_priv_bytes;       /* sum over VMs of their private bytes when they ended */
	uint64_t guest_shared_bytes;     /* image frames, shared by all instances */
	uint64_t create_tsc;             /* TSC ticks spent creating VMs */
	uint64_t switches, hypercalls;
	uint64_t run_start_tsc;
	uint64_t first_create_tsc;       /* when the first VM creation began (0: none yet) */
	uint64_t first_runs;             /* VMs that have had their first quantum */
	uint64_t all_live_tsc;           /* when the last VM created had its first quantum (0: not yet) */
	uint64_t free_frames_min;        /* fewest free frames seen, sampled before each VM frees its memory */
	/* summon, reclaim, fork, pools (pvisa/ctl.h struct ctl_stats says what each counts) */
	uint64_t summons, held_frames, held_drops, summon_limited, ready_timeouts, reclaim_ended, reclaim_saved, woken;
	uint64_t forks, fork_refused, pool_grown, pool_shrunk;
	struct tstat fork_cycles;        /* TSC ticks of each fork that made a child (fork.c: checks to queued child) */
	struct tstat sched_pass;         /* quantum expiry (timer from ring 3) to the resume of the same VM, no sleep */
	struct tstat sched_pick;         /* the same pass up to the timer arming: the next VM chosen and installed */
	struct tstat sched_switch;       /* quantum expiry to the resume of another VM (a switch), no sleep */
	struct tstat timer_delivery;     /* idle kernel woken, timer heap released a VM, to its resume */
	struct tstat net_delivery;       /* idle kernel woken, a frame woke a VM, to its resume */
	bool timed_out, stopped, quiet, rejected;
};
extern struct kstats kst;
/* vm_brief=N on the kernel command line: nonzero writes each VM's end as a short @v record instead of @vm. */
extern uint64_t report_brief;

/* "@vm id=.. image=".." state=.. status=.. reason=".."", or the short "@v id state status" (report_brief). */
void report_vm(const struct vm *vm, const char *state, int status, const char *reason);
/* fn prints a VM's counters kept above the core (" key=value" pairs) at the end of its @vm / @v record. */
void report_set_vm_counters(void (*fn)(const struct vm *vm));
/* fn prints a VM's owner (" tenant=N svc="name"", tenant mode) after those counters. */
void report_set_vm_owner(void (*fn)(const struct vm *vm));
/* A console record for VM id: len bytes from offset off of the bytes p[0] (n[0] of them) then p[1] (n[1]). */
void report_console_piece(uint32_t id, const void *const p[2], const uint64_t n[2], uint64_t off, uint64_t len);
/* key=value with a quoted, escaped string value (no newline). */
void report_qstr(const char *key, const char *s);
/* Print @summary and @done, then power off with code. */
void report_finish(int code) __attribute__((noreturn));

#endif
