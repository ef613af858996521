/* posix.c - the POSIX odds a VM answers itself: sysconf, getrusage, getrlimit, uname, gethostname, getpagesize, the user ids, ioctl. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include "fd.h"
#include "guest.h"
#include "pvisa_guest.h"

ssize_t guest_stdin_left(void);

static long mem_pages(int avail)
{
	struct pv_meminfo mi;

	if (guest_meminfo(&mi) != 0)
		return -1;
	return (long)((avail ? mi.quota_bytes - mi.private_bytes : mi.quota_bytes) / PV_PAGE_SIZE);
}

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE:
		return PV_PAGE_SIZE;
	case _SC_CLK_TCK:
		return CLOCKS_PER_SEC;            /* the unit of times() (time.c) */
	case _SC_OPEN_MAX:
		return GFD_MAX;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return 1;                         /* a VM runs on one CPU at a time */
	case _SC_PHYS_PAGES:
		return mem_pages(0);              /* its memory quota */
	case _SC_AVPHYS_PAGES:
		return mem_pages(1);
	case _SC_ARG_MAX:
		return PV_ARGS_MAX;
	case _SC_CHILD_MAX:
		return 1;
	case _SC_HOST_NAME_MAX:
		return _UTSNAME_LENGTH - 1;
	case _SC_LINE_MAX:
		return 2048;
	case _SC_IOV_MAX:
		return 1024;
	case _SC_NGROUPS_MAX:
		return 0;
	case _SC_MONOTONIC_CLOCK:
	case _SC_TIMERS:
		return 200809L;
	case _SC_THREADS:
	case _SC_SEMAPHORES:
	case _SC_MAPPED_FILES:
		return -1;                        /* not supported; errno unchanged, as POSIX says */
	default:
		errno = EINVAL;
		return -1;
	}
}

int getpagesize(void)
{
	return PV_PAGE_SIZE;
}

static void ns_to_timeval(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ns / 1000000000u);
	tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
}

int getrusage(int who, struct rusage *ru)
{
	struct pv_meminfo mi;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN) {
		errno = EINVAL;
		return -1;
	}
	memset(ru, 0, sizeof(*ru));
	if (who == RUSAGE_CHILDREN)
		return 0;
	ns_to_timeval(guest_cpu_ns(), &ru->ru_utime);
	if (guest_meminfo(&mi) == 0)
		ru->ru_maxrss = (long)(mi.private_bytes / 1024);
	return 0;
}

static rlim_t rlimit_of(int resource)
{
	const struct pv_start_info *si = pv_start_info();

	switch (resource) {
	case RLIMIT_STACK:
		return si->stack_top - si->stack_limit;
	case RLIMIT_DATA:
	case RLIMIT_AS:
		return si->mem_quota;
	case RLIMIT_NOFILE:
		return GFD_MAX;
	default:
		return RLIM_INFINITY;
	}
}

int getrlimit(int resource, struct rlimit *rl)
{
	if (resource < 0 || resource > RLIMIT_AS) {
		errno = EINVAL;
		return -1;
	}
	rl->rlim_cur = rl->rlim_max = rlimit_of(resource);
	return 0;
}

int setrlimit(int resource, const struct rlimit *rl)
{
	struct rlimit now;

	if (getrlimit(resource, &now) != 0)
		return -1;
	if (rl->rlim_cur != now.rlim_cur || rl->rlim_max != now.rlim_max) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int gethostname(char *name, size_t len)
{
	char host[_UTSNAME_LENGTH];
	int n = snprintf(host, sizeof(host), "vm%u", (unsigned)guest_vm_id());

	if ((size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, host, (size_t)n + 1);
	return 0;
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "pvisa");
	gethostname(u->nodename, sizeof(u->nodename));
	snprintf(u->release, sizeof(u->release), "%u", (unsigned)PV_ABI_VERSION);
	strcpy(u->version, "guestlib");
	strcpy(u->machine, "x86_64");
	return 0;
}

/* One user: the VM's owner, id 0 like root (there is nothing to protect from it inside the VM). */
uid_t getuid(void)
{
	return 0;
}

uid_t geteuid(void)
{
	return 0;
}

gid_t getgid(void)
{
	return 0;
}

gid_t getegid(void)
{
	return 0;
}

static int ioctl_fionbio(int fd, const int *on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, *on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!gfd_get(fd))
		return -1;
	if (request == FIONBIO)
		return ioctl_fionbio(fd, arg);
	if (!isatty(fd)) {
		errno = ENOTTY;
		return -1;
	}
	if (request == FIONREAD) {
		*(int *)arg = fd == 0 ? (int)guest_stdin_left() : 0;
		return 0;
	}
	if (request == TIOCGWINSZ) {
		*(struct winsize *)arg = (struct winsize){ 24, 80, 0, 0 };
		return 0;
	}
	errno = ENOTTY;
	return -1;
}
