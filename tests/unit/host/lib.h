/* lib.h (host) - stands in for isokernel/lib.h in the unit-test build: the C library's string functions. */
#ifndef ISO_HOST_LIB_H
#define ISO_HOST_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* isokernel/lib.h has it, glibc 2.36 does not: copies at most size-1 bytes, NUL-terminates, returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
