/* fb_spawn.c - forkbench's fleet: limits, fork+exec of N instances, readiness, SIGKILL, reaping, the check none is left. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fb.h"

#define FB_ADDR_BASE   0x7f010001u    /* 127.1.0.1: instance 0; instance i is base + i (loopback, 127.0.0.0/8) */
#define FB_ADDR_MAX    16000000L      /* instances that fit before 127.255.255.255 */
#define FB_PID_SPARE   1000           /* pids left for everything else */
#define FB_PID_LIMIT   4194304L       /* PID_MAX_LIMIT on 64-bit Linux: the highest kernel.pid_max */
#define FB_EST_BYTES   (512L * 1024)  /* memory assumed per instance when checking that N fits (generous) */

volatile int fb_stop_requested;
static struct fb_fleet *fb_live;      /* the fleet a signal must take down */

uint32_t fb_addr(long i)
{
	return FB_ADDR_BASE + (uint32_t)i;
}

void fb_addr_str(long i, char *buf, size_t cap)
{
	uint32_t a = fb_addr(i);

	snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

long fb_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Threads that exist now (the 4th field of /proc/loadavg, "running/total"). */
static long fb_threads_now(void)
{
	FILE *f = fopen("/proc/loadavg", "re");
	long run = 0, total = -1;

	if (f) {
		if (fscanf(f, "%*s %*s %*s %ld/%ld", &run, &total) != 2)
			total = -1;
		fclose(f);
	}
	return total;
}

/* File descriptors the load client needs for N instances: HTTP keeps a pool per instance. */
static long fb_fds_needed(const struct fb_service *s, long n, const struct fb_opts *o)
{
	long per = (o->conc + n - 1) / n;

	return s->kind == FB_HTTP ? n * (per > 1 ? per : 1) + o->conc + 64 : 64;
}

/* Raises the soft limit RES to at least WANT (and the hard one if allowed); 0 ok, -1 not possible. */
static int fb_raise(int res, long want)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (rlim_t)want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want)
		rl.rlim_max = (rlim_t)want;      /* only a privileged process may do this */
	rl.rlim_cur = (rlim_t)want;
	return setrlimit(res, &rl);
}

/* Whether N instances of S fit this machine's limits, raising this process's own limits as needed (nothing
 * system-wide is changed). 0 yes; -1 no, with the reason and what to change in WHY. */
int fb_limits(const struct fb_service *s, long n, const struct fb_opts *o, char *why, size_t cap)
{
	long pid_max = fb_read_long("/proc/sys/kernel/pid_max");
	long thr_max = fb_read_long("/proc/sys/kernel/threads-max");
	long threads = fb_threads_now();
	long fds = fb_fds_needed(s, n, o);
	struct fb_meminfo mi;

	if (n < 1 || n > FB_ADDR_MAX) {
		snprintf(why, cap, "N=%ld is outside 1..%ld (one loopback address per instance)", n, FB_ADDR_MAX);
		return -1;
	}
	if (pid_max > 0 && threads >= 0 && threads + n + FB_PID_SPARE > FB_PID_LIMIT) {
		snprintf(why, cap, "N=%ld needs %ld pids, more than Linux allows (kernel.pid_max at most %ld)", n,
		         threads + n + FB_PID_SPARE, FB_PID_LIMIT);
		return -1;
	}
	if (pid_max > 0 && threads >= 0 && threads + n + FB_PID_SPARE > pid_max) {
		snprintf(why, cap, "N=%ld needs kernel.pid_max >= %ld (it is %ld, %ld threads exist): as root "
		         "`sysctl -w kernel.pid_max=4194304`, or ask for fewer", n, threads + n + FB_PID_SPARE, pid_max, threads);
		return -1;
	}
	if (thr_max > 0 && threads >= 0 && threads + n + FB_PID_SPARE > thr_max) {
		snprintf(why, cap, "N=%ld needs kernel.threads-max >= %ld (it is %ld): as root `sysctl -w "
		         "kernel.threads-max=%ld`, or ask for fewer", n, threads + n + FB_PID_SPARE, thr_max,
		         2 * (threads + n + FB_PID_SPARE));
		return -1;
	}
	if (geteuid() != 0 && fb_raise(RLIMIT_NPROC, threads + n + FB_PID_SPARE) < 0) {
		snprintf(why, cap, "N=%ld needs RLIMIT_NPROC >= %ld (ulimit -u) and the hard limit is lower: raise it "
		         "(limits.conf) or run as root", n, threads + n + FB_PID_SPARE);
		return -1;
	}
	if (fb_raise(RLIMIT_NOFILE, fds) < 0) {
		snprintf(why, cap, "N=%ld of %s needs RLIMIT_NOFILE >= %ld (ulimit -n; the load client keeps a connection "
		         "per instance) and the hard limit is lower: raise it or run as root", n, s->name, fds);
		return -1;
	}
	if (fb_meminfo(&mi) == 0 && (double)n * FB_EST_BYTES > mi.avail * 0.8) {
		snprintf(why, cap, "N=%ld would need about %.0f MiB (%ld KiB each, generously) but MemAvailable is "
		         "%.0f MiB", n, (double)n * FB_EST_BYTES / 1048576.0, FB_EST_BYTES / 1024, mi.avail / 1048576.0);
		return -1;
	}
	return 0;
}

/* The largest N the limits allow (for --ns max): rounded down to thousands, at most 100,000; 0 if under 1,000. */
long fb_max_n(const struct fb_service *s, const struct fb_opts *o)
{
	long hi = 100000;
	char why[512];

	for (; hi >= 1000; hi -= 1000)
		if (fb_limits(s, hi, o, why, sizeof why) == 0)
			return hi;
	return 0;
}

static void fb_on_signal(int sig)
{
	(void)sig;
	fb_stop_requested = 1;
	if (fb_live != NULL)                 /* the instances go first: they must not outlive an interrupted run */
		for (long i = 0; i < fb_live->started; i++)
			kill(fb_live->pids[i], SIGKILL);
}

void fb_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fb_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Reads readiness bytes without waiting (or up to MS ms); returns -1 if the pipe broke. */
static int fb_drain(struct fb_fleet *f, int ms)
{
	char buf[4096];
	struct pollfd p = { .fd = f->ready_rd, .events = POLLIN };

	if (ms > 0 && poll(&p, 1, ms) <= 0)
		return 0;
	for (;;) {
		ssize_t n = read(f->ready_rd, buf, sizeof buf);
		if (n > 0) {
			f->ready += n;
			continue;
		}
		return n == 0 || errno == EAGAIN || errno == EINTR ? 0 : -1;
	}
}

/* An instance that ended before the fleet was measured: its index and status in MSG; 0 if none did. */
static int fb_casualty(const struct fb_fleet *f, char *msg, size_t cap)
{
	int st;
	pid_t p = waitpid(-1, &st, WNOHANG);

	if (p <= 0)
		return 0;
	for (long i = 0; i < f->started; i++)
		if (f->pids[i] == p)
			snprintf(msg, cap, "instance %ld (pid %d) ended before it was measured: %s %d", i, (int)p,
			         WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 1;
}

/* The child side: readiness pipe on BL_READY_FD (3), stdin/stdout on /dev/null, dies with the driver, exec. */
static void fb_child(int ready_wr, int devnull, pid_t parent, const char *path, char **argv)
{
	if (ready_wr == 3)
		fcntl(3, F_SETFD, 0);
	else
		dup2(ready_wr, 3);
	dup2(devnull, 0);
	dup2(devnull, 1);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);
	execv(path, argv);
	_exit(127);
}

/* The instance's argument vector: tiny none; udp_echo ADDR PORT; http ADDR PORT BODY. */
static void fb_argv(const struct fb_service *s, long i, const struct fb_opts *o, char *path, char **argv,
                    char *addr, char *port, char *body)
{
	int k = 0;

	argv[k++] = path;
	fb_addr_str(i, addr, 16);
	snprintf(port, 8, "%d", s->kind == FB_UDP ? o->udp_port : o->http_port);
	snprintf(body, 24, "%ld", o->body);
	if (s->kind != FB_TINY) {
		argv[k++] = addr;
		argv[k++] = port;
	}
	if (s->kind == FB_HTTP)
		argv[k++] = body;
	argv[k] = NULL;
}

/* Forks the instances one by one, reading readiness bytes as they come; returns the seconds it took.
 * A failure leaves its reason in MSG (the instances started so far are in f). */
static double fb_fork_all(const struct fb_service *s, const struct fb_opts *o, struct fb_fleet *f, const char *path,
                          int ready_wr, int devnull, char *msg, size_t cap)
{
	char addr[16], port[8], body[24];
	char *argv[5];
	pid_t parent = getpid();
	double t0 = fb_now();

	for (long i = 0; i < f->n && !fb_stop_requested; i++) {
		pid_t p;

		fb_argv(s, i, o, (char *)path, argv, addr, port, body);
		p = s->vfork ? vfork() : fork();
		if (p == 0)
			fb_child(ready_wr, devnull, parent, path, argv);
		if (p < 0) {
			snprintf(msg, cap, "fork of instance %ld: %s", i, strerror(errno));
			break;
		}
		f->pids[f->started++] = p;
		if ((i & 63) == 63 && fb_drain(f, 0) < 0) {
			snprintf(msg, cap, "reading the readiness pipe: %s", strerror(errno));
			break;
		}
	}
	return fb_now() - t0;
}

/* Waits until every started instance is ready, one ends, or the time is over (reason in MSG). */
static void fb_await(struct fb_fleet *f, char *msg, size_t cap)
{
	double t1 = fb_now(), limit = t1 + 30.0 + (double)f->n / 1000.0;

	while (msg[0] == '\0' && f->ready < f->n && !fb_stop_requested && fb_now() < limit)
		if (fb_drain(f, 100) < 0)
			snprintf(msg, cap, "reading the readiness pipe: %s", strerror(errno));
		else
			fb_casualty(f, msg, cap);
	if (msg[0] == '\0' && f->ready < f->n && fb_casualty(f, msg, cap) == 0)
		snprintf(msg, cap, "only %ld of %ld instances ready after %.0f s", f->ready, f->n, fb_now() - t1);
}

/* Forks N instances, each running the service, and waits until every one wrote its readiness byte.
 * Sets r's start_per_s, start_seconds, fork_per_s. 0 ok; -1 failure (message printed, the fleet stopped). */
int fb_spawn(const struct fb_service *s, long n, const struct fb_opts *o, struct fb_fleet *f, struct fb_rep *r)
{
	char path[4096], msg[256] = "";
	int pfd[2], devnull;
	double t0, fork_s;

	memset(f, 0, sizeof *f);
	snprintf(path, sizeof path, "%s/%s", o->rundir ? o->rundir : o->bindir, s->exe);
	if (access(path, X_OK) < 0) {
		fprintf(stderr, "forkbench: %s: %s (make bench-baseline builds it)\n", path, strerror(errno));
		return -1;
	}
	f->pids = calloc((size_t)n, sizeof *f->pids);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f->pids == NULL || devnull < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, "forkbench: out of memory or descriptors\n");
		free(f->pids);
		return -1;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	f->ready_rd = pfd[0];
	f->n = n;
	fb_live = f;
	t0 = fb_now();
	fork_s = fb_fork_all(s, o, f, path, pfd[1], devnull, msg, sizeof msg);
	close(pfd[1]);
	close(devnull);
	if (msg[0] == '\0' && !fb_stop_requested)
		fb_await(f, msg, sizeof msg);
	if (f->ready < n || fb_stop_requested) {
		fprintf(stderr, "forkbench: %s: %s\n", s->name, fb_stop_requested ? "interrupted" : msg);
		fb_stop(f, NULL);
		return -1;
	}
	r->m[FB_M_start_seconds] = fb_now() - t0;
	r->m[FB_M_start_per_s] = (double)n / r->m[FB_M_start_seconds];
	r->m[FB_M_fork_per_s] = (double)n / fork_s;
	return 0;
}
/* Processes whose parent is this one, from /proc (the reaped instances must not be among them). */
static long fb_children_left(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long left = 0;
	pid_t self = getpid();

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], line[128];
		FILE *f;
		int pp;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "PPid: %d", &pp) == 1) {
				left += pp == self;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return left;
}

/* SIGKILL to every instance, reap each, check that no child is left. Sets r's kill_seconds (r may be NULL).
 * Returns the number of instances still there (0 is success). */
int fb_stop(struct fb_fleet *f, struct fb_rep *r)
{
	double t0 = fb_now();
	long reaped = 0, left;
	int st;

	for (long i = 0; i < f->started; i++)
		kill(f->pids[i], SIGKILL);
	for (long i = 0; i < f->started; i++) {
		while (waitpid(f->pids[i], &st, 0) < 0 && errno == EINTR)
			;
		reaped++;
	}
	while (waitpid(-1, &st, WNOHANG) > 0)    /* casualties already reaped by fb_casualty are not waited twice */
		;
	if (r != NULL)
		r->m[FB_M_kill_seconds] = fb_now() - t0;
	close(f->ready_rd);
	fb_live = NULL;
	left = fb_children_left();
	if (r != NULL)
		r->gone = left == 0 && reaped == f->started;
	free(f->pids);
	f->pids = NULL;
	return left < 0 ? 1 : (int)left;
}
