/* kprintf.h - formatted output to the serial console, into buffers, and panic (kernel invariants only). */
#ifndef ISO_KPRINTF_H
#define ISO_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Conversions: %d %i %u %x %X %p %s %c %%, length l ll z, flags 0 - #, a decimal width. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like C99 snprintf: always NUL-terminates (size > 0), returns the length the full output would have. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Prints "isokernel: PANIC: <msg>\n@done code=3\n" and powers off with code 3. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
