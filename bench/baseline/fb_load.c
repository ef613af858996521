/* fb_load.c - forkbench's closed-loop load engine: C requests in flight spread over all N instances, timeouts, latencies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fb.h"

int fb_engine_init(struct fb_engine *e, long n, const struct fb_opts *o)
{
	memset(e, 0, sizeof *e);
	e->n = n;
	e->conc = o->conc;
	e->timeout_ns = (uint64_t)o->timeout_ms * 1000000u;
	e->retry = calloc((size_t)n, sizeof *e->retry);
	e->answered = calloc((size_t)n, 1);
	e->slots = calloc((size_t)o->conc, sizeof *e->slots);
	e->caplat = 65536;
	e->lat = malloc(e->caplat * sizeof *e->lat);
	if (e->retry == NULL || e->answered == NULL || e->slots == NULL || e->lat == NULL) {
		fb_engine_free(e);
		return -1;
	}
	for (int i = 0; i < o->conc; i++)
		e->slots[i].conn = -1;
	return 0;
}

void fb_engine_free(struct fb_engine *e)
{
	free(e->retry);
	free(e->answered);
	free(e->slots);
	free(e->lat);
	memset(e, 0, sizeof *e);
}

/* The next instance to ask: in the warm-up each one once (and again after a timeout), then all in turn. */
static long fb_engine_target(struct fb_engine *e)
{
	if (e->measuring)
		return e->sweep++ % e->n;
	if (e->nretry > 0)
		return e->retry[--e->nretry];
	return e->warm_next < e->n ? e->warm_next++ : -1;
}

static void fb_engine_latency(struct fb_engine *e, uint64_t ns)
{
	if (e->nlat == e->caplat) {
		uint64_t *p = realloc(e->lat, 2 * e->caplat * sizeof *p);
		if (p == NULL)
			return;                  /* the latency sample stays as it is; the counts are still right */
		e->lat = p;
		e->caplat *= 2;
	}
	e->lat[e->nlat++] = ns;
}

/* The end of a request. A warm-up failure keeps its slot until the timeout (then the target is asked again),
 * so an instance that refuses at once is not hammered. */
void fb_engine_answer(struct fb_engine *e, int slot, enum fb_outcome out, uint64_t now)
{
	struct fb_slot *s = &e->slots[slot];

	if (s->t_send == 0)
		return;
	if (out == FB_OK) {
		if (!e->answered[s->target]) {
			e->answered[s->target] = 1;
			e->nanswered++;
		}
		if (e->measuring && now <= e->t_end) {
			e->responses++;
			fb_engine_latency(e, now - s->t_send);
		}
	} else if (out == FB_ERR && !e->measuring) {
		s->conn = -1;
		return;
	} else if (out == FB_ERR) {
		e->errors++;
	} else if (!e->measuring) {
		e->retry[e->nretry++] = s->target;
	} else {
		e->timeouts++;
	}
	s->t_send = 0;
	s->conn = -1;
}

/* Requests for every free slot. */
static void fb_engine_fill(struct fb_engine *e, const struct fb_transport *t, uint64_t now)
{
	for (int i = 0; i < e->conc; i++) {
		struct fb_slot *s = &e->slots[i];
		long tries = e->n;

		while (s->t_send == 0 && tries-- > 0) {
			long target = fb_engine_target(e);
			int rc;

			if (target < 0)
				return;
			s->seq = ++e->seq;
			s->target = target;
			s->t_send = now;
			rc = t->send(t->ctx, e, i, target);
			if (rc == 1) {                       /* that instance is busy: the next one */
				s->t_send = 0;
				if (!e->measuring)
					e->retry[e->nretry++] = target;
				if (!e->measuring)
					return;
				continue;
			}
			if (e->measuring)
				e->requests++;
			if (rc < 0)
				fb_engine_answer(e, i, FB_ERR, now);
		}
	}
}

static void fb_engine_expire(struct fb_engine *e, const struct fb_transport *t, uint64_t now)
{
	for (int i = 0; i < e->conc; i++)
		if (e->slots[i].t_send != 0 && now - e->slots[i].t_send > e->timeout_ns) {
			t->drop(t->ctx, e, i);
			fb_engine_answer(e, i, FB_TIMEOUT, now);
		}
}

/* Milliseconds until the first timeout or UNTIL, whichever is sooner (at most 100). */
static int fb_engine_wait_ms(const struct fb_engine *e, uint64_t now, uint64_t until)
{
	uint64_t first = until;

	for (int i = 0; i < e->conc; i++)
		if (e->slots[i].t_send != 0 && e->slots[i].t_send + e->timeout_ns < first)
			first = e->slots[i].t_send + e->timeout_ns;
	if (first <= now)
		return 0;
	first = (first - now + 999999) / 1000000;
	return first > 100 ? 100 : (int)first;
}

static int fb_engine_busy(const struct fb_engine *e)
{
	for (int i = 0; i < e->conc; i++)
		if (e->slots[i].t_send != 0)
			return 1;
	return 0;
}

static int fb_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile P (0..1] of the sorted latencies, in microseconds. */
static double fb_pct_us(const struct fb_engine *e, double p)
{
	size_t k;

	if (e->nlat == 0)
		return NAN;
	k = (size_t)ceil(p * (double)e->nlat);
	return (double)e->lat[k > 0 ? k - 1 : 0] / 1000.0;
}

static void fb_engine_report(struct fb_engine *e, struct fb_rep *r)
{
	double secs = (double)(e->t_end - e->t_start) / 1e9;

	qsort(e->lat, e->nlat, sizeof *e->lat, fb_cmp_u64);
	r->m[FB_M_load_seconds] = secs;
	r->m[FB_M_requests] = e->requests;
	r->m[FB_M_responses] = e->responses;
	r->m[FB_M_errors] = e->errors;
	r->m[FB_M_timeouts] = e->timeouts;
	r->m[FB_M_instances_answered] = (double)e->nanswered;
	r->m[FB_M_throughput_per_s] = secs > 0 ? e->responses / secs : NAN;
	r->m[FB_M_latency_p50_us] = fb_pct_us(e, 0.50);
	r->m[FB_M_latency_p99_us] = fb_pct_us(e, 0.99);
	r->m[FB_M_latency_max_us] = fb_pct_us(e, 1.0);
}

/* The warm-up (every instance answers once, or the warm-up time is over), then --duration s measured. */
int fb_engine_run(struct fb_engine *e, const struct fb_transport *t, const struct fb_opts *o, struct fb_rep *r)
{
	uint64_t now = fb_now_ns();
	uint64_t warm_end = now + (uint64_t)((o->warm_wait + (double)e->n / 1000.0) * 1e9);

	while (!fb_stop_requested) {
		now = fb_now_ns();
		fb_engine_expire(e, t, now);
		fb_engine_fill(e, t, now);
		if ((e->warm_next == e->n && e->nretry == 0 && !fb_engine_busy(e)) || now >= warm_end)
			break;
		t->poll(t->ctx, e, fb_engine_wait_ms(e, now, warm_end));
	}
	for (int i = 0; i < e->conc; i++)          /* what the warm-up left in flight is abandoned */
		if (e->slots[i].t_send != 0) {
			t->drop(t->ctx, e, i);
			e->slots[i].t_send = 0;
			e->slots[i].conn = -1;
		}
	e->measuring = 1;
	e->t_start = fb_now_ns();
	e->t_end = e->t_start + (uint64_t)(o->duration * 1e9);
	while (!fb_stop_requested && (now = fb_now_ns()) < e->t_end) {
		fb_engine_expire(e, t, now);
		fb_engine_fill(e, t, now);
		t->poll(t->ctx, e, fb_engine_wait_ms(e, now, e->t_end));
	}
	fb_engine_report(e, r);
	return fb_stop_requested ? -1 : 0;
}
