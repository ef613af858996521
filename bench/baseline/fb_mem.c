/* fb_mem.c - forkbench's memory readings: /proc/meminfo fields and the instances' smaps_rollup sums; the clock. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fb.h"

double fb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t fb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The fields forkbench follows, in bytes; 0 ok, -1 if /proc/meminfo cannot be read or lacks MemAvailable. */
int fb_meminfo(struct fb_meminfo *mi)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MemAvailable:", offsetof(struct fb_meminfo, avail) },
		{ "MemFree:", offsetof(struct fb_meminfo, free) },
		{ "KernelStack:", offsetof(struct fb_meminfo, kstack) },
		{ "PageTables:", offsetof(struct fb_meminfo, ptables) },
		{ "Slab:", offsetof(struct fb_meminfo, slab) },
		{ "AnonPages:", offsetof(struct fb_meminfo, anon) },
	};
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	int have_avail = 0;

	if (f == NULL)
		return -1;
	memset(mi, 0, sizeof *mi);
	while (fgets(line, sizeof line, f)) {
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			size_t kl = strlen(keys[i].key);
			unsigned long long kib;
			if (strncmp(line, keys[i].key, kl) == 0 && sscanf(line + kl, "%llu", &kib) == 1) {
				*(double *)((char *)mi + keys[i].off) = (double)kib * 1024.0;
				have_avail |= i == 0;
			}
		}
	}
	fclose(f);
	return have_avail ? 0 : -1;
}

/* Adds one process's smaps_rollup Rss, Pss and Private_* (bytes); -1 if the file cannot be read. */
static int fb_smaps_one(pid_t pid, double *rss, double *pss, double *priv)
{
	char path[64], line[256];
	unsigned long long kib;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "Rss: %llu", &kib) == 1)
			*rss += (double)kib * 1024.0;
		else if (sscanf(line, "Pss: %llu", &kib) == 1)
			*pss += (double)kib * 1024.0;
		else if (sscanf(line, "Private_Clean: %llu", &kib) == 1 || sscanf(line, "Private_Dirty: %llu", &kib) == 1)
			*priv += (double)kib * 1024.0;
	}
	fclose(f);
	return 0;
}

/* Sums over the N processes (bytes); -1 if any smaps_rollup could not be read (no such kernel support, or gone). */
int fb_smaps(const pid_t *pids, long n, double *rss, double *pss, double *priv)
{
	*rss = *pss = *priv = 0;
	for (long i = 0; i < n; i++)
		if (fb_smaps_one(pids[i], rss, pss, priv) < 0)
			return -1;
	return 0;
}
