/* summon_lim.c - the pure parts of summoning (summon_lim.h): the first-frame test and token buckets. */
#include "summon_lim.h"
#include "byteorder.h"
#include "ether.h"

bool summon_first_frame(const uint8_t *f, size_t len)
{
	size_t ip = 14, hl;

	if (len < 34 || be16_get(f + 12) != ETHER_TYPE_IPV4)
		return false;
	hl = (size_t)(f[ip] & 15) * 4;
	if (hl < 20 || (be16_get(f + ip + 6) & 0x3fff) != 0)
		return false;                                   /* a bad header, or a fragment */
	switch (f[ip + 9]) {
	case 6:
		return len >= ip + hl + 14 && (f[ip + hl + 13] & 0x12) == 0x02;
	case 17:
		return len >= ip + hl + 8;
	case 1:
		return len >= ip + hl + 1 && f[ip + hl] == 8;
	}
	return false;
}

bool summon_bucket_take(struct summon_bucket *b, uint64_t rate, uint64_t dt_ns)
{
	uint64_t burst;

	rate = rate < SUMMON_RATE_MAX ? rate : SUMMON_RATE_MAX;
	burst = rate * 1000;

	if (!b->used || dt_ns >= 1000000000ull)
		b->milli = burst;
	else if ((b->milli += dt_ns * rate / 1000000) > burst)
		b->milli = burst;
	b->used = true;
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}
