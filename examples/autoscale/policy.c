/* policy.c - the autoscaler's decision (a band of rx frames per VM per second) and its frame counting. */
#include <math.h>
#include <stdio.h>

#include "policy.h"

static uint32_t clamp(const struct as_band *b, double want)
{
	if (want < b->min)
		return b->min;
	if (want > b->max)
		return b->max;
	return (uint32_t)want;
}

uint32_t as_decide(const struct as_band *b, uint32_t live, uint64_t frames, double secs, char *why, size_t n)
{
	double total = secs > 0 ? (double)frames / secs : 0, per = live ? total / live : 0;
	double target = (b->lo + b->hi) / 2, want = target > 0 ? ceil(total / target) : live;
	uint32_t to;

	if (live == 0) {
		to = clamp(b, want > 1 ? want : 1);
		snprintf(why, n, "no VM live: start %u", to);
	} else if (per > b->hi) {
		to = clamp(b, want > live ? want : live + 1);
		snprintf(why, n, to == live ? "%.1f/VM/s > hi %g, at most %u VMs: keep %u" :
			 "%.1f/VM/s > hi %g: scale %u -> %u", per, b->hi, to == live ? b->max : live, to);
	} else if (per < b->lo) {
		to = clamp(b, want < live ? want : live - 1);
		snprintf(why, n, to == live ? "%.1f/VM/s < lo %g, at least %u VMs: keep %u" :
			 "%.1f/VM/s < lo %g: scale %u -> %u", per, b->lo, to == live ? b->min : live, to);
	} else {
		to = clamp(b, live);
		snprintf(why, n, "%.1f/VM/s in [%g, %g]: keep %u", per, b->lo, b->hi, to);
	}
	return to;
}

uint64_t as_frames_since(const struct as_seen *prev, size_t nprev, const struct as_seen *cur, size_t ncur)
{
	uint64_t sum = 0;
	size_t j = 0;

	for (size_t i = 0; i < ncur; i++) {
		while (j < nprev && prev[j].id < cur[i].id)
			j++;
		if (j < nprev && prev[j].id == cur[i].id && prev[j].rx <= cur[i].rx)
			sum += cur[i].rx - prev[j].rx;
		else
			sum += cur[i].rx;   /* a VM new since the last look: everything it received */
	}
	return sum;
}
