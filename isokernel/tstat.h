/* tstat.h - cheap timing statistics of kernel events (scheduler passes, interrupt deliveries): count, total, min,
 * and the last TSTAT_RING samples for a median. Zero-initialised is empty. Recording is a few stores; the median is
 * computed at report time. */
#ifndef ISO_TSTAT_H
#define ISO_TSTAT_H

#include <stdint.h>

#define TSTAT_RING 1024          /* recent samples kept for the median (4 KiB per statistic) */

struct tstat {
	uint64_t count, total;       /* events timed, TSC ticks in all */
	uint32_t min;                /* fewest ticks one event took (0 when none) */
	uint32_t ring[TSTAT_RING];   /* ticks of the last TSTAT_RING events (capped at UINT32_MAX) */
};

/* One event that took ticks TSC ticks. */
void tstat_add(struct tstat *s, uint64_t ticks);
/* The rounded mean ticks per event (0 when none). */
uint64_t tstat_mean(const struct tstat *s);
/* The median of the kept samples (the lower middle for an even count; 0 when none). Reorders the ring. */
uint64_t tstat_median(struct tstat *s);

#endif
