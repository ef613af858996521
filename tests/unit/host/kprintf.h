/* kprintf.h (host) - stands in for isokernel/kprintf.h in the unit-test build: the C library's stdio underneath. */
#ifndef ISO_HOST_KPRINTF_H
#define ISO_HOST_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Print like printf, to stdout. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vsnprintf underneath: always NUL-terminates (size > 0), returns the length the full output would have. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Keep the message in host_panic_msg, then longjmp to the catcher a test armed (host.h) or abort. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
