/* tstat.c - timing statistics of kernel events: O(1) recording, the median by selection when reported. */
#include "tstat.h"

void tstat_add(struct tstat *s, uint64_t ticks)
{
	uint32_t t = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;

	if (s->count == 0 || t < s->min)
		s->min = t;
	s->ring[s->count % TSTAT_RING] = t;
	s->count++;
	s->total += ticks;
}

uint64_t tstat_mean(const struct tstat *s)
{
	return s->count ? (s->total + s->count / 2) / s->count : 0;
}

/* Hoare's selection: v[k] becomes the k-th smallest of v[0..n). */
static uint32_t select_kth(uint32_t *v, uint32_t n, uint32_t k)
{
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t pivot = v[lo + (hi - lo) / 2], i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint32_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

uint64_t tstat_median(struct tstat *s)
{
	uint32_t n = s->count < TSTAT_RING ? (uint32_t)s->count : TSTAT_RING;

	return n ? select_kth(s->ring, n, (n - 1) / 2) : 0;
}
