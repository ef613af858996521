/* common.h - shared helpers of the bench guests: serialised TSC reads, decimal parsing, median. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdlib.h>

/* lfence; rdtsc: no rdtscp under KVM or TCG here (shared/FACTS.md). */
static inline uint64_t bench_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* argv[i] as a positive decimal count, or def when absent/malformed. */
static inline long bench_arg(int argc, char **argv, int i, long def)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	v = strtol(argv[i], &end, 10);
	return (end == argv[i] || *end != '\0' || v <= 0) ? def : v;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v in place); the lower middle for even n. */
static inline uint64_t bench_median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_u64);
	return v[(n - 1) / 2];
}

#endif
