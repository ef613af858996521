/* lib.h - the freestanding C library subset the kernel uses (gcc may also emit calls to memset/memcpy). */
/* memset, memcpy, memmove and memcmp come from guestlib/mem.c, the guests' own: one implementation for both. */
#ifndef ISO_LIB_H
#define ISO_LIB_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always NUL-terminates (if size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/* Small constant sizes (MACs, headers) become inline moves and compares; the rest call the functions above. */
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)

#endif
