/* rtc.h - wall-clock time from the CMOS RTC, read once at boot by arch_init. */
#ifndef ISO_RTC_H
#define ISO_RTC_H

#include <stdint.h>

/* Wall-clock ns since 1970 UTC at monotonic time 0 (tsc_boot); the RTC has 1 s resolution. */
extern uint64_t rtc_wall_ns_at_boot;

void rtc_init(void);

#endif
