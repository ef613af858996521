/* posixmisc.c - the POSIX odds (guestlib posix.c, nosys.c, pthread.c) checked in a VM; tests/system/test_posixmisc.sh also counts the ENOSYS console lines. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include "check.h"
#include "guest.h"

static int once_runs;
static void once_fn(void)
{
	once_runs++;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void check_sysconf(void)
{
	CHECK(sysconf(_SC_PAGESIZE) == 4096, "%ld", sysconf(_SC_PAGESIZE));
	CHECK(getpagesize() == 4096, "%d", getpagesize());
	CHECK(sysconf(_SC_CLK_TCK) == CLOCKS_PER_SEC, "%ld", sysconf(_SC_CLK_TCK));
	CHECK(sysconf(_SC_OPEN_MAX) == 256, "%ld", sysconf(_SC_OPEN_MAX));
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 1, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(sysconf(_SC_PHYS_PAGES) * 4096 == (long)((struct pv_start_info *)PV_START_INFO)->mem_quota, "%ld",
	      sysconf(_SC_PHYS_PAGES));
	errno = 0;
	CHECK(sysconf(-12345) == -1 && errno == EINVAL, "errno %d", errno);
}

static void check_rusage(void)
{
	struct rusage ru;
	struct rlimit rl;
	volatile unsigned long x = 0;
	char *p = malloc(200000);

	for (unsigned long i = 0; i < 3000000; i++)
		x += i;
	memset(p, 1, 200000);
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "errno %d", errno);
	CHECK(ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, "no CPU time");
	CHECK(ru.ru_maxrss >= 200, "maxrss %ld KiB after touching 200,000 bytes", ru.ru_maxrss);
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_maxrss == 0, "children");
	CHECK(getrusage(7, &ru) == -1 && errno == EINVAL, "bad who");
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 60 * 1024 && rl.rlim_cur <= 64 * 1024 * 1024, "%lu",
	      rl.rlim_cur);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 256, "%lu", rl.rlim_cur);
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "same limit");
	rl.rlim_cur = 10;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM, "errno %d", errno);
	free(p);
}

static void check_ids(void)
{
	struct utsname u;
	char host[64], want[64];
	struct winsize ws;
	int n = -1, on = 1;

	CHECK(uname(&u) == 0, "uname");
	CHECK(!strcmp(u.sysname, "pvisa") && !strcmp(u.machine, "x86_64") && !strcmp(u.release, "1"), "%s %s %s",
	      u.sysname, u.machine, u.release);
	snprintf(want, sizeof(want), "vm%u", (unsigned)guest_vm_id());
	CHECK(gethostname(host, sizeof(host)) == 0 && !strcmp(host, want) && !strcmp(u.nodename, want), "%s", host);
	CHECK(gethostname(host, 2) == -1 && errno == ENAMETOOLONG, "short buffer");
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0, "ids");
	CHECK(ioctl(0, FIONREAD, &n) == 0 && n == 5, "FIONREAD %d (isorun --stdin-text hello)", n);
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80, "TIOCGWINSZ");
	CHECK(ioctl(1, FIONBIO, &on) == 0, "FIONBIO");
	CHECK(ioctl(99, FIONBIO, &on) == -1 && errno == EBADF, "bad fd");
	CHECK(ioctl(1, 0x1234, &on) == -1 && errno == ENOTTY, "unknown request");
}

static void check_threads(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_once_t o = PTHREAD_ONCE_INIT;
	pthread_key_t k;
	pthread_t t;
	int v = 7;

	CHECK(pthread_mutex_lock(&m) == 0 && pthread_mutex_lock(&m) == 0, "lock twice");
	CHECK(pthread_mutex_unlock(&m) == 0 && pthread_mutex_unlock(&m) == 0, "unlock twice");
	CHECK(pthread_mutex_unlock(&m) == EPERM, "unlock unlocked");
	CHECK(pthread_once(&o, once_fn) == 0 && pthread_once(&o, once_fn) == 0 && once_runs == 1, "once %d", once_runs);
	CHECK(pthread_key_create(&k, NULL) == 0 && pthread_setspecific(k, &v) == 0 && pthread_getspecific(k) == &v,
	      "keys");
	CHECK(pthread_equal(pthread_self(), pthread_self()), "self");
	CHECK(pthread_create(&t, NULL, thread_fn, NULL) == ENOSYS, "pthread_create");
	CHECK(pthread_create(&t, NULL, thread_fn, NULL) == ENOSYS, "pthread_create again");
}

static void check_nosys(void)
{
	char *const argv[] = { "x", NULL };
	int fds[2];

	CHECK(system(NULL) == 0, "system(NULL) says there is no shell");
	CHECK(system("ls") == -1 && errno == ENOSYS, "system");
	CHECK(execve("/bin/sh", argv, argv) == -1 && errno == ENOSYS, "execve");
	CHECK(execv("/bin/sh", argv) == -1 && errno == ENOSYS, "execv (newlib's, through execve)");
	CHECK(pipe(fds) == -1 && errno == ENOSYS, "pipe");
	CHECK(popen("ls", "r") == NULL && errno == ENOSYS, "popen");
	CHECK(dlopen("libz.so", RTLD_NOW) == NULL && dlerror() != NULL && dlerror() == NULL, "dlopen, dlerror");
	CHECK(dlsym(RTLD_DEFAULT, "main") == NULL, "dlsym");
}

int main(void)
{
	check_sysconf();
	check_rusage();
	check_ids();
	check_threads();
	check_nosys();
	return check_done("posixmisc");
}
