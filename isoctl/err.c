/* err.c - the error record every libisoctl call fills: a refusal (status and text) or a failure (text). */
#include <stdarg.h>
#include <stdio.h>

#include "libisoctl.h"

int iso_fail(struct iso_err *e, const char *fmt, ...)
{
	va_list ap;

	e->status[0] = 0;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return -1;
}

int iso_refuse(struct iso_err *e, const char *status, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->status, sizeof(e->status), "%s", status);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return 1;
}
