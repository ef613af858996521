/* guest.h - the guest API of guestlib: VM identity, clocks, idling, random bytes, memory figures (C99). */
#ifndef GUEST_H
#define GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "pvisa.h"

/* Most arguments a --tiny program's _start passes to main (argv[0] included); further words are dropped. newlib
 * programs get every word (at most PV_ARGS_MAX bytes of ARGS): argv and environ are on the stack up to this many
 * entries, in the heap beyond. */
#define GUEST_ARGV_MAX 64

/* The id the kernel gave this VM. */
uint32_t guest_vm_id(void);

/* Monotonic nanoseconds since the kernel booted, from rdtsc and the virtual registers (no hypercall). */
uint64_t guest_clock_ns(void);

/* Wall-clock nanoseconds since 1970-01-01 UTC. */
uint64_t guest_wall_ns(void);

/* Block until the monotonic clock reaches deadline_ns (0: no deadline) or an event is pending;
 * returns the pending set (PV_PEND_*). */
uint64_t guest_idle_until(uint64_t deadline_ns);

/* Block for at least ns nanoseconds (events that arrive meanwhile stay visible in the vregs). */
void guest_sleep_ns(uint64_t ns);

/* The VM's CPU time as the guest can estimate it (no virtual instruction reports it): monotonic nanoseconds since
 * guest_cpu_start() minus the time spent inside guest_idle_until (guest_sleep_ns, sleep, nanosleep and the
 * network's wait included). It counts the guest's own running and its hypercalls, and also the time other VMs ran
 * while this one was runnable (preemption), which the guest cannot see. newlib programs start counting before
 * constructors and main; --tiny programs that never call guest_cpu_start count from kernel boot. clock(), times()
 * and CLOCK_PROCESS_CPUTIME_ID report it. */
uint64_t guest_cpu_ns(void);
void guest_cpu_start(void);

/* Fill buf with len random bytes; returns 0 or a PV_E* code. */
long guest_random(void *buf, size_t len);

/* Redo what guestlib caches about this VM's identity after a fork (pvisa/PVISA.md "fork"): fork() calls it in the
 * child; the network's loop and arc4random notice a fork made from outside (FORK) on their own, by the start info's
 * vm_id. */
void guest_forked(void);

/* Fill in the VM's memory figures; returns 0 or a PV_E* code. */
long guest_meminfo(struct pv_meminfo *mi);

/* The VM's ARGS (the IMAGE:COUNT:ARGS string, isorun; kctl create --args): the argument block's copy, all of them,
 * when the kernel gave one (pvisa.h PV_SI_ARGBLK), else the start info's command line; *len bytes, a NUL after them.
 * The bytes are the VM's own: guest_split_args splits them in place. */
char *guest_args(size_t *len);

/* The words of ARGS: blanks (space, tab, CR, LF) separate words. A word that opens with ' or " runs to the first
 * same quote followed by a blank or the end of ARGS, and the two quotes are dropped: 'print("a b")' is one word,
 * print("a b"). Every other quote is an ordinary character: {"a":1} arrives as it is. There is no escape character.
 * guest_count_args: how many argv entries ARGS make (argv[0] included). guest_split_args: argv[0] = image, then the
 * words of args[0..len), split in place (NULs written into args, which must have a NUL at args[len]); at most max
 * entries plus a NULL. Returns argc. Freestanding: used by both the newlib and the --tiny start code. */
int guest_count_args(const char *args, size_t len);
int guest_split_args(char *image, char *args, size_t len, char **argv, int max);

/* A decimal argument (strtoll's syntax) in [0, max]; -1 when malformed or out of range. Not for --tiny programs
 * (it needs newlib). */
long long guest_arg_num(const char *s, long long max);

#endif
