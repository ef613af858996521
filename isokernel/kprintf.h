/* kprintf.h - formatted output to the report stream (COM1 or the console port), into buffers, and panic (kernel invariants only). */
#ifndef ISO_KPRINTF_H
#define ISO_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* The machine under the output (arch registers it first thing at boot: COM1, interrupts off, power-off): write and
 * sync are the report stream's first sink and a panic's; irq_off and stop are what a panic does first and last.
 * Before kprintf_init, output is dropped and a panic spins. */
struct kout_machine {
	void (*write)(const void *p, size_t n);
	void (*sync)(void);
	void (*irq_off)(void);
	void (*stop)(int code) __attribute__((noreturn));
};
void kprintf_init(const struct kout_machine *m);
/* The report stream (kprintf, kwrite) goes to write from now on, after what went before was synced; sync waits until
 * every byte written has left (before power-off). Until a driver calls this, both are the machine's. */
void kprintf_route(void (*write)(const void *p, size_t n), void (*sync)(void));
/* Raw bytes into the report stream (console records). */
void kwrite(const void *p, size_t n);
/* Waits until the report stream has left the machine (before power-off). */
void kprintf_sync(void);
/* Conversions: %d %i %u %x %X %p %s %c %%, length l ll z, flags 0 - #, a decimal width. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like C99 snprintf: always NUL-terminates (size > 0), returns the length the full output would have. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Prints "isokernel: PANIC: <msg>\n" on COM1, hands over what the report stream still holds, then "@done code=3\n" on
 * COM1, and powers off with code 3. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
