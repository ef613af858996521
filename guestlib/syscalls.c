/* syscalls.c - the newlib glue: the unprefixed system calls newlib's x86_64-elf build calls that are not descriptor calls (fd.c) or file calls (fs*.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"
#include "pvisa_guest.h"

/* Heap bookkeeping: the break moves inside [heap_start, heap_end) of the start info. */
static uintptr_t guest_brk;

void __guest_heap_init(const struct pv_start_info *si);
void __guest_heap_init(const struct pv_start_info *si)
{
	guest_brk = (uintptr_t)si->heap_start;
}

void *sbrk(ptrdiff_t incr)
{
	const struct pv_start_info *si = pv_start_info();
	uintptr_t old = guest_brk;

	if (incr > 0 ? (uintptr_t)incr > si->heap_end - old : (uintptr_t)-incr > old - si->heap_start) {
		errno = ENOMEM;
		return (void *)-1;
	}
	guest_brk = old + (uintptr_t)incr;
	return (void *)old;
}

pid_t getpid(void)
{
	return (pid_t)guest_vm_id();
}

/* A signal sent to this VM ends it with status 128 + sig (sig 0 only probes); there are no other processes. */
int kill(pid_t pid, int sig)
{
	if (pid != getpid() || sig < 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (sig != 0)
		_exit(128 + sig);
	return 0;
}

void _exit(int status)
{
	for (;;)
		pv_exit(status);
}

void abort(void)
{
	static const char msg[] = "abort() called";

	for (;;)
		pv_abort((long)msg, (long)(sizeof(msg) - 1));
}

/* arc4random's seed: at most 256 bytes per call, as POSIX says. */
int getentropy(void *buf, size_t len)
{
	if (len > 256 || guest_random(buf, len) < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* __libc_init_array and __libc_fini_array call these; the init/fini arrays do the real work. */
void _init(void);
void _fini(void);
void _init(void)
{
}

void _fini(void)
{
}
