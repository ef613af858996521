/* syscalls.c - the newlib glue: the unprefixed system calls newlib's x86_64-elf build calls, on top of pvisa. */
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

/* stdio buffer size for the console streams, reported as st_blksize (newlib is built with HAVE_BLKSIZE). */
#define GUEST_STDIO_BUF 256

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

static int guest_is_console(int fd)
{
	return fd >= 0 && fd <= 2;
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	if (len > INT_MAX)
		len = INT_MAX;
	while (done < len) {
		size_t n = len - done < PV_CONSOLE_MAX ? len - done : PV_CONSOLE_MAX;
		long r = pv_console_write((long)(p + done), (long)n);

		if (r < 0) {
			errno = r == PV_EFAULT ? EFAULT : EIO;
			return done > 0 ? (_READ_WRITE_RETURN_TYPE)done : -1;
		}
		done += (size_t)r;
	}
	return (_READ_WRITE_RETURN_TYPE)done;
}

/* There is no console input in v1: stdin is always at end of file. */
_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}

int close(int fd)
{
	if (!guest_is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int fstat(int fd, struct stat *st)
{
	if (!guest_is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;
	st->st_blksize = GUEST_STDIO_BUF;
	return 0;
}

int isatty(int fd)
{
	if (!guest_is_console(fd)) {
		errno = EBADF;
		return 0;
	}
	return 1;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	errno = guest_is_console(fd) ? ESPIPE : EBADF;
	return -1;
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
