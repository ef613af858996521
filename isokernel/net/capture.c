/* capture.c - packet capture: the switch's frames, timestamped and filtered by VM id, copied to the host's capture port without ever waiting. */
#include "capture.h"
#include "virtio_console.h"
#include "tsc.h"
#include "rtc.h"
#include "lib.h"
#include "kprintf.h"
#include "pvisa.h"
#include "vswitch.h"

_Static_assert(VSW_SRC_HOST == CAPTURE_OUTSIDE, "the switch names the outside as the capture does");

bool capture_on;
static bool cap_all;                    /* capture=all: no filter */
static uint32_t cap_ids[RL_CAP_MAX_IDS];
static uint32_t cap_nids;
static uint64_t cap_frames, cap_drops;

/* One decimal VM id of at most 10 digits, below 2^32 - 1 (RL_CAP_OUTSIDE is nobody's). */
static int add_id(const char *s, size_t n)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || cap_nids == RL_CAP_MAX_IDS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= RL_CAP_OUTSIDE)
		return -1;
	cap_ids[cap_nids++] = (uint32_t)v;
	return 0;
}

int capture_word(const char *v)
{
	if (strcmp(v, "all") == 0) {
		cap_all = capture_on = true;
		return 0;
	}
	for (;;) {
		size_t n = 0;
		while (v[n] && v[n] != '.' && v[n] != ',')
			n++;
		if (add_id(v, n) != 0)
			return -1;
		if (!v[n])
			break;
		v += n + 1;
	}
	capture_on = true;
	return 0;
}

static bool wanted(uint32_t id)
{
	for (uint32_t i = 0; i < cap_nids; i++)
		if (cap_ids[i] == id)
			return true;
	return false;
}

void capture_frame_slow(uint32_t src, uint32_t dst, const uint8_t *f, size_t len)
{
	struct rl_cap_hdr h;

	if (!cap_all && !wanted(src) && !wanted(dst))
		return;
	if (len < PV_FRAME_MIN || len > PV_FRAME_MAX)
		return;                         /* not a frame (a runt or an oversized record from outside): not kept */
	h = (struct rl_cap_hdr){ .magic = RL_CAP_MAGIC, .kind = RL_CAP_FRAME, .len = (uint16_t)len, .src = src,
				 .dst = dst, .wall_ns = rtc_wall_ns_at_boot + now_ns() };
	if (vcon_cap_write(&h, sizeof(h), f, len))
		cap_frames++;
	else
		cap_drops++;                    /* no room (or no host): lost, counted, never waited for */
}

void capture_finish(void)
{
	struct rl_cap_end e = { cap_frames, cap_drops };
	struct rl_cap_hdr h = { .magic = RL_CAP_MAGIC, .kind = RL_CAP_END, .len = sizeof(e),
				.src = RL_CAP_OUTSIDE, .dst = RL_CAP_OUTSIDE, .wall_ns = rtc_wall_ns_at_boot + now_ns() };

	if (!capture_on)
		return;
	vcon_cap_sync();                        /* room for the end record: the host takes what is there */
	if (!vcon_cap_write(&h, sizeof(h), &e, sizeof(e)))
		kprintf("isokernel: capture: no host on the capture port (%lu frames sent, %lu lost)\n", cap_frames,
			cap_drops);
	vcon_cap_sync();
}
