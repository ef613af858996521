/* summon_lim.h - the pure parts of summoning (summon.c): which frame summons a dormant instance, and token buckets. */
#ifndef ISO_SUMMON_LIM_H
#define ISO_SUMMON_LIM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Does frame f (len bytes, its IPv4 header already checked by the switch when it is IPv4) ask a dormant instance
 * for service: IPv4, not a fragment, carrying a TCP SYN without ACK, a UDP datagram or an ICMP echo request whose
 * header lies within the frame? */
bool summon_first_frame(const uint8_t *f, size_t len);

/* A token bucket: rate tokens a second, a burst of one second's worth (full when first used or after a second
 * unused). Tokens in thousandths. */
struct summon_bucket {
	uint64_t milli;
	bool used;
};
#define SUMMON_RATE_MAX 1000000u     /* a higher rate counts as this one (no overflow: dt_ns < 1e9 times it) */
/* Take a token after dt_ns since the bucket's last call: true, or false when it has none (nothing taken). */
bool summon_bucket_take(struct summon_bucket *b, uint64_t rate, uint64_t dt_ns);

#endif
