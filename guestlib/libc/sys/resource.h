/* sys/resource.h - replaces newlib's (no ru_maxrss, no rlimits): getrusage and getrlimit as guestlib's posix.c answers them. */
#ifndef GUESTLIB_SYS_RESOURCE_H
#define GUESTLIB_SYS_RESOURCE_H
#define _SYS_RESOURCE_H_        /* newlib's own stays out */

#include <sys/cdefs.h>
#include <sys/time.h>

#define RUSAGE_SELF      0
#define RUSAGE_CHILDREN  (-1)

/* ru_utime: the VM's CPU time (guest_cpu_ns in guest.h); ru_maxrss: KiB of memory the VM owns (private pages, from
 * the meminfo virtual instruction; a VM never gives pages back, so now is the peak); the rest zero. */
struct rusage {
	struct timeval ru_utime, ru_stime;
	long ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap, ru_inblock, ru_oublock;
	long ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};

typedef unsigned long rlim_t;
#define RLIM_INFINITY   (~(rlim_t)0)
#define RLIMIT_CPU      0
#define RLIMIT_FSIZE    1
#define RLIMIT_DATA     2
#define RLIMIT_STACK    3
#define RLIMIT_CORE     4
#define RLIMIT_NOFILE   7
#define RLIMIT_AS       9

struct rlimit {
	rlim_t rlim_cur, rlim_max;
};

__BEGIN_DECLS
int getrusage(int who, struct rusage *usage);
/* getrlimit: STACK the stack's size, DATA and AS the memory quota, NOFILE the descriptor table; others RLIM_INFINITY
 * (cur = max: the kernel sets them). setrlimit cannot change them: it succeeds when asked for what is already so,
 * else fails with EPERM. */
int getrlimit(int resource, struct rlimit *rl);
int setrlimit(int resource, const struct rlimit *rl);
__END_DECLS

#endif
