/* policy.h - the autoscaler's decision: how many VMs keep a service's requests per VM inside a band [lo, hi]. */
#ifndef AUTOSCALE_POLICY_H
#define AUTOSCALE_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct as_band {
	double lo, hi;                  /* rx frames per VM per second */
	uint32_t min, max;              /* VMs */
};

/* The VM count to run, given live VMs that received frames in secs seconds; why (n bytes) says why. */
uint32_t as_decide(const struct as_band *b, uint32_t live, uint64_t frames, double secs, char *why, size_t n);

/* Frames each VM received since the last look: prev holds (id, rx) pairs from then (sorted by id), cur now. */
struct as_seen {
	uint32_t id, rx;
};
uint64_t as_frames_since(const struct as_seen *prev, size_t nprev, const struct as_seen *cur, size_t ncur);

#endif
