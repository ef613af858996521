/* rtc.c - reads the CMOS real-time clock once at boot (BCD or binary, 12 or 24 h) into rtc_wall_ns_at_boot. */
#include <stdint.h>
#include "rtc.h"
#include "cpu.h"
#include "tsc.h"

#define CMOS_ADDR  0x70
#define CMOS_DATA  0x71
#define RTC_SEC    0x00
#define RTC_MIN    0x02
#define RTC_HOUR   0x04
#define RTC_DAY    0x07
#define RTC_MON    0x08
#define RTC_YEAR   0x09
#define RTC_A      0x0a    /* bit 7: update in progress */
#define RTC_B      0x0b    /* bit 1: 24 h mode, bit 2: binary mode */
#define RTC_CENT   0x32

uint64_t rtc_wall_ns_at_boot;

struct rtc_time {
	uint8_t sec, min, hour, day, mon, year, cent;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *t)
{
	for (int spins = 0; spins < 1000000 && (cmos_read(RTC_A) & 0x80); spins++)
		;
	t->sec = cmos_read(RTC_SEC);
	t->min = cmos_read(RTC_MIN);
	t->hour = cmos_read(RTC_HOUR);
	t->day = cmos_read(RTC_DAY);
	t->mon = cmos_read(RTC_MON);
	t->year = cmos_read(RTC_YEAR);
	t->cent = cmos_read(RTC_CENT);
}

static unsigned bcd(unsigned v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Seconds since 1970 UTC of a consistent raw reading. */
static uint64_t rtc_to_unix(struct rtc_time t, uint8_t status_b)
{
	int pm = t.hour & 0x80;
	unsigned sec = t.sec, min = t.min, hour = t.hour & 0x7f, day = t.day, mon = t.mon;
	unsigned year = t.year, cent = t.cent;

	if (!(status_b & 0x04)) {
		sec = bcd(sec), min = bcd(min), hour = bcd(hour), day = bcd(day), mon = bcd(mon);
		year = bcd(year), cent = bcd(cent);
	}
	if (!(status_b & 0x02))
		hour = hour % 12 + (pm ? 12 : 0);
	if (cent >= 19 && cent <= 30)
		year += cent * 100;
	else
		year += year < 70 ? 2000 : 1900;
	int64_t days = days_from_civil(year, mon ? mon : 1, day ? day : 1);
	return (uint64_t)(days * 86400 + hour * 3600 + min * 60 + sec);
}

void rtc_init(void)
{
	struct rtc_time a, b;

	rtc_read_raw(&b);
	for (int tries = 0; tries < 5; tries++) {    /* read until two readings agree */
		a = b;
		rtc_read_raw(&b);
		if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day && a.mon == b.mon &&
		    a.year == b.year)
			break;
	}
	uint64_t secs = rtc_to_unix(b, cmos_read(RTC_B));
	rtc_wall_ns_at_boot = secs * 1000000000ull - now_ns();
}
