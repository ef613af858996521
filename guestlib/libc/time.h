/* time.h - newlib's time.h plus the POSIX clocks and sleeps guestlib implements (time.c) that newlib 3.3 leaves undeclared for x86_64-elf. */
#include_next <time.h>

#ifndef GUESTLIB_TIME_H
#define GUESTLIB_TIME_H

/* newlib declares these only where the target defines _POSIX_TIMERS and _POSIX_MONOTONIC_CLOCK (RTEMS, Cygwin). */
#if __POSIX_VISIBLE >= 199309
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)              /* newlib's value */
#endif
#ifndef CLOCK_PROCESS_CPUTIME_ID
#define CLOCK_PROCESS_CPUTIME_ID ((clockid_t)2)     /* guest_cpu_ns() in guest.h: an estimate */
#endif

__BEGIN_DECLS
int clock_gettime(clockid_t clock_id, struct timespec *tp);
int clock_getres(clockid_t clock_id, struct timespec *res);
int nanosleep(const struct timespec *rqtp, struct timespec *rmtp);
__END_DECLS
#endif

#endif
