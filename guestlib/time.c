/* time.c - POSIX time over the pvisa clocks: clock_gettime, nanosleep, sleep, usleep, gettimeofday, times (clock). */
#define _GNU_SOURCE 1   /* CLOCK_MONOTONIC_RAW & co. */
#include <errno.h>
#include <stddef.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

#define NS_PER_SEC 1000000000u

typedef uint64_t (*guest_clock_fn)(void);

/* Sleeps idle the VM (guest_sleep_ns: the idle virtual instruction with a deadline) and are never cut short:
 * guests get no asynchronous signals. The wall clock is the kernel's; every clock counts in nanoseconds. */
static guest_clock_fn guest_clock_of(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return guest_wall_ns;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return guest_clock_ns;
	case CLOCK_PROCESS_CPUTIME_ID:
		return guest_cpu_ns;
	default:
		return NULL;
	}
}

static void guest_ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS_PER_SEC);
	ts->tv_nsec = (long)(ns % NS_PER_SEC);
}

/* A valid interval in nanoseconds, saturated at UINT64_MAX (guest_sleep_ns caps it at the clock's end). */
static uint64_t guest_timespec_ns(const struct timespec *ts)
{
	uint64_t s = (uint64_t)ts->tv_sec;

	if (s > (UINT64_MAX - (uint64_t)ts->tv_nsec) / NS_PER_SEC)
		return UINT64_MAX;
	return s * NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

static clock_t guest_ns_to_ticks(uint64_t ns)
{
	return (clock_t)(ns / (NS_PER_SEC / CLOCKS_PER_SEC));
}

int clock_gettime(clockid_t clock_id, struct timespec *tp)
{
	guest_clock_fn read = guest_clock_of(clock_id);

	if (read == NULL) {
		errno = EINVAL;
		return -1;
	}
	guest_ns_to_timespec(read(), tp);
	return 0;
}

int clock_getres(clockid_t clock_id, struct timespec *res)
{
	if (guest_clock_of(clock_id) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (res != NULL)
		guest_ns_to_timespec(1, res);
	return 0;
}

/* Never interrupted: rmtp, when given, is set to zero on return. */
int nanosleep(const struct timespec *rqtp, struct timespec *rmtp)
{
	if (rqtp == NULL || rqtp->tv_sec < 0 || rqtp->tv_nsec < 0 || rqtp->tv_nsec >= (long)NS_PER_SEC) {
		errno = EINVAL;
		return -1;
	}
	guest_sleep_ns(guest_timespec_ns(rqtp));
	if (rmtp != NULL)
		guest_ns_to_timespec(0, rmtp);
	return 0;
}

unsigned sleep(unsigned seconds)
{
	guest_sleep_ns((uint64_t)seconds * NS_PER_SEC);
	return 0;
}

int usleep(useconds_t useconds)
{
	guest_sleep_ns((uint64_t)useconds * 1000u);
	return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t ns = guest_wall_ns();

	(void)tz;
	if (tv != NULL) {
		tv->tv_sec = (time_t)(ns / NS_PER_SEC);
		tv->tv_usec = (suseconds_t)(ns % NS_PER_SEC / 1000u);
	}
	return 0;
}

/* clock() sums these: user time is guest_cpu_ns (guest.h says what it counts), the rest is zero. The result is
 * the monotonic clock, in CLOCKS_PER_SEC ticks. */
clock_t times(struct tms *t)
{
	if (t != NULL) {
		t->tms_utime = guest_ns_to_ticks(guest_cpu_ns());
		t->tms_stime = 0;
		t->tms_cutime = 0;
		t->tms_cstime = 0;
	}
	return guest_ns_to_ticks(guest_clock_ns());
}
