/* capture.h - packet capture: copies of the frames the switch moves, with the VM ids either side, to the host (pvisa/runlog.h "Packet capture"). */
#ifndef ISO_CAPTURE_H
#define ISO_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runlog.h"

#define CAPTURE_OUTSIDE RL_CAP_OUTSIDE  /* the NIC or the switch itself, as a frame's source or destination */

/* Set by the kernel word capture= (capture_word): false, the switch's hooks cost one untaken branch per frame. */
extern bool capture_on;

/* The value of one capture= word: "all", or VM ids separated by '.' or ',' (added to those of earlier words, at
 * most RL_CAP_MAX_IDS). 0, or -1 when malformed. */
int capture_word(const char *v);
/* The frame f (len bytes) the switch moved from src to dst (VM ids or CAPTURE_OUTSIDE): to the host when the
 * filter takes it and the capture port has room, else dropped and counted. Never waits. A record from outside
 * whose length is no frame's (PV_FRAME_MIN..PV_FRAME_MAX) is left out. */
void capture_frame_slow(uint32_t src, uint32_t dst, const uint8_t *f, size_t len);
static inline void capture_frame(uint32_t src, uint32_t dst, const uint8_t *f, size_t len)
{
	if (__builtin_expect(capture_on, 0))
		capture_frame_slow(src, dst, f, len);
}
/* At the run's end: the end record (frames sent, frames lost) and every byte handed to the host. */
void capture_finish(void);

#endif
