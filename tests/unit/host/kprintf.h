/* kprintf.h (host) - stands in for isokernel/kprintf.h in the unit-test build: output goes to stdout. */
#ifndef ISO_HOST_KPRINTF_H
#define ISO_HOST_KPRINTF_H

/* Print like printf. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "panic: ..." and abort, or longjmp to the catcher a test armed (see host.h). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
