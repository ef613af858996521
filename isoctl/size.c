/* size.c - numbers and memory sizes from the command line ("512MiB") and sizes for people to read. */
#include <stdio.h>
#include <string.h>

#include "libisoctl.h"

int iso_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* A suffix's size in bytes (0: not a suffix). */
static uint64_t unit_bytes(const char *u)
{
	static const struct { const char *name; uint64_t bytes; } units[] = {
		{ "", 1024 }, { "B", 1 },
		{ "K", 1ull << 10 }, { "KiB", 1ull << 10 }, { "k", 1ull << 10 },
		{ "M", 1ull << 20 }, { "MiB", 1ull << 20 },
		{ "G", 1ull << 30 }, { "GiB", 1ull << 30 },
		{ "T", 1ull << 40 }, { "TiB", 1ull << 40 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(u, units[i].name) == 0)
			return units[i].bytes;
	return 0;
}

int iso_parse_kib(const char *s, uint64_t *kib)
{
	char digits[21];
	size_t n = strspn(s ? s : "", "0123456789");
	uint64_t x, unit;

	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, s, n);
	digits[n] = 0;
	if (iso_parse_u64(digits, 0, UINT64_MAX, &x) != 0 || !(unit = unit_bytes(s + n)))
		return -1;
	if (x > UINT64_MAX / unit)
		return -1;
	x *= unit;
	if (x % 1024)
		return -1;
	*kib = x / 1024;
	return 0;
}

void iso_fmt_kib(uint64_t kib, char *out, size_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	uint64_t whole = kib, frac = 0;

	while (whole >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		frac = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (frac == 0)
		snprintf(out, n, "%llu %s", (unsigned long long)whole, units[u]);
	else
		snprintf(out, n, "%llu.%llu %s", (unsigned long long)whole, (unsigned long long)(frac * 10 / 1024),
			 units[u]);
}
