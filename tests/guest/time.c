/* time.c - guest test of POSIX time: clock_gettime, gettimeofday, sleeps that idle the VM, nanosleep's checks, clock(). */
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "guest.h"

#define MS 1000000ull
#define SLEEP_CPU_MAX_MS 250   /* CPU time a VM may use around its sleeps (idle calls, a loaded host's hiccups) */

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t = { 0, 0 };

	CHECK(clock_gettime(id, &t) == 0, "clock %d: errno %d", (int)id, errno);
	return ts_ns(&t);
}

static uint64_t cpu_ms(void)
{
	return (uint64_t)clock() * 1000u / CLOCKS_PER_SEC;
}

static void test_clocks(void)
{
	struct timeval tv;
	struct timespec res;
	uint64_t m0 = clock_ns(CLOCK_MONOTONIC), g = guest_clock_ns(), m1 = clock_ns(CLOCK_MONOTONIC);
	uint64_t wall = clock_ns(CLOCK_REALTIME);

	CHECK(m0 <= g && g <= m1, "monotonic %llu, guest_clock_ns %llu, monotonic %llu", (unsigned long long)m0,
	      (unsigned long long)g, (unsigned long long)m1);
	CHECK(wall / 1000000000u > 1600000000u, "wall clock %llu s is before 2020", (unsigned long long)(wall / 1000000000u));
	CHECK(gettimeofday(&tv, NULL) == 0, "errno %d", errno);
	CHECK((uint64_t)tv.tv_sec - wall / 1000000000u <= 1, "gettimeofday %lld s, CLOCK_REALTIME %llu s",
	      (long long)tv.tv_sec, (unsigned long long)(wall / 1000000000u));
	CHECK((uint64_t)time(NULL) - wall / 1000000000u <= 1, "time() %lld s", (long long)time(NULL));
	errno = 0;
	CHECK(clock_gettime((clockid_t)99, &res) == -1 && errno == EINVAL, "clock 99: errno %d", errno);
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0, "res %ld ns", res.tv_nsec);
}

/* A bad request fails with EINVAL and leaves rem alone. */
static void expect_einval(time_t sec, long nsec)
{
	struct timespec req = { sec, nsec }, rem = { 7, 7 };

	errno = 0;
	CHECK(nanosleep(&req, &rem) == -1 && errno == EINVAL, "nanosleep {%lld, %ld}: errno %d", (long long)sec, nsec,
	      errno);
	CHECK(rem.tv_sec == 7 && rem.tv_nsec == 7, "rem changed on EINVAL");
}

static void test_nanosleep(void)
{
	struct timespec req = { 0, (long)(30 * MS) }, rem = { 7, 7 };
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

	CHECK(nanosleep(&req, &rem) == 0, "errno %d", errno);
	CHECK(clock_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS, "nanosleep 30 ms returned early");
	CHECK(rem.tv_sec == 0 && rem.tv_nsec == 0, "rem {%lld, %ld}, expected zero", (long long)rem.tv_sec, rem.tv_nsec);
	req.tv_nsec = 1000;
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep with rem NULL: errno %d", errno);
	expect_einval(0, 1000000000);
	expect_einval(0, -1);
	expect_einval(-1, 0);
}

/* sleep, usleep and nanosleep idle the VM: the CPU time they use is small against the time they wait. */
static void test_sleeps_idle(void)
{
	uint64_t c0 = cpu_ms(), t0 = clock_ns(CLOCK_MONOTONIC), waited;

	CHECK(usleep(20000) == 0, "usleep: errno %d", errno);
	CHECK(clock_ns(CLOCK_MONOTONIC) - t0 >= 20 * MS, "usleep 20 ms returned early");
	CHECK(sleep(1) == 0, "sleep returned non-zero");
	waited = clock_ns(CLOCK_MONOTONIC) - t0;
	CHECK(waited >= 1020 * MS, "usleep 20 ms + sleep 1 s took %llu ms", (unsigned long long)(waited / MS));
	CHECK(cpu_ms() - c0 <= SLEEP_CPU_MAX_MS, "%llu ms of CPU over %llu ms of sleeping: the sleeps spin",
	      (unsigned long long)(cpu_ms() - c0), (unsigned long long)(waited / MS));
}

/* clock() and CLOCK_PROCESS_CPUTIME_ID count a busy loop's time. */
static void test_cpu_clock(void)
{
	uint64_t c0 = cpu_ms(), p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_ns(CLOCK_MONOTONIC);

	while (clock_ns(CLOCK_MONOTONIC) - t0 < 100 * MS)
		;
	CHECK(cpu_ms() - c0 >= 95, "clock() counted %llu ms of a 100 ms busy loop", (unsigned long long)(cpu_ms() - c0));
	CHECK(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0 >= 95 * MS, "CLOCK_PROCESS_CPUTIME_ID counted %llu ms",
	      (unsigned long long)((clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0) / MS));
}

int main(void)
{
	test_clocks();
	test_nanosleep();
	test_sleeps_idle();
	test_cpu_clock();
	printf("cpu_ms=%llu\n", (unsigned long long)cpu_ms());
	return check_done("time");
}
