/* host_stubs.c - what the kernel files expect from the rest of the kernel, for the unit-test build. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "kprintf.h"
#include "lib.h"
#include "memlayout.h"

uintptr_t iso_dmap_base;
jmp_buf *host_panic_jmp;
char host_panic_msg[256];
static void *arena;

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	if (host_panic_jmp)
		longjmp(*host_panic_jmp, 1);
	fprintf(stderr, "panic: %s\n", host_panic_msg);
	abort();
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

void *host_arena_new(size_t bytes)
{
	host_arena_free();
	arena = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
	if (!arena) {
		fprintf(stderr, "host_arena_new: out of memory\n");
		abort();
	}
	memset(arena, 0, bytes);
	iso_dmap_base = (uintptr_t)arena - HOST_ARENA_PHYS;
	return arena;
}

void host_arena_free(void)
{
	free(arena);
	arena = NULL;
}

/* The arch layer's TLB flush: counted, so tests can see that a changed PTE was flushed. */
uint64_t host_flushes;
void arch_flush_page(uint64_t va)
{
	(void)va;
	host_flushes++;
}

/* The report stream is not part of the unit build: the switch's @vm counters have nowhere to go. */
struct vm;
void report_set_vm_counters(void (*fn)(const struct vm *vm));
void report_set_vm_counters(void (*fn)(const struct vm *vm))
{
	(void)fn;
}
