/* tsc.h - the TSC as the kernel's clock: frequency calibrated against the PIT at boot, ns conversions. */
#ifndef ISO_TSC_H
#define ISO_TSC_H

#include <stdint.h>

extern uint64_t tsc_hz;       /* TSC ticks per second */
extern uint64_t tsc_boot;     /* TSC at the end of calibration: monotonic time 0 */
/* ns = (delta_tsc * tsc_mult) >> tsc_shift; the 64-bit product cannot overflow for deltas up to
 * 2^14 s (~4.5 h), and the rounding error is a few ppm. For the guests' virtual registers. */
extern uint32_t tsc_mult, tsc_shift;

void tsc_init(void);
/* Monotonic ns since tsc_boot (128-bit product: exact to ~1 ppb, no overflow). */
uint64_t now_ns(void);
uint64_t tsc_to_ns(uint64_t delta_tsc);
uint64_t ns_to_tsc(uint64_t ns);

#endif
