/* forkbase.c - the fork benchmark's Linux baseline (bench/fork.sh): fork() of a process of the guest VM's size. */
/* argv: CHILDREN (100) HEAP_KIB (64). Touches HEAP_KIB of heap, then forks CHILDREN children, timing each fork()
 * (CLOCK_MONOTONIC, the parent's side); each child writes one heap page and a 1 KiB stack buffer (its "request"),
 * says so through a pipe and waits. Then every child's /proc/PID/smaps_rollup (Rss, Private_*, Shared_*) is read, the
 * children are killed, and one line of JSON is printed: us_per_fork (median), and per child (median) rss_kib,
 * private_kib, shared_kib; the parent's rss_kib. Linux only (the host's baseline). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXC 1024

static long kv(const char *path, const char *key)
{
	char line[256];
	long v = -1, sum = 0;
	FILE *f = fopen(path, "r");
	size_t n = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && sscanf(line + n, " %ld", &v) == 1)
			sum += v;
	fclose(f);
	return v < 0 ? -1 : sum;
}

static int cmpl(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static long med(long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpl);
	return n ? v[n / 2] : -1;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, kib = argc > 2 ? atoi(argv[2]) : 64, fd[2];
	static pid_t pid[MAXC];
	static long us[MAXC], rss[MAXC], priv[MAXC], shr[MAXC];
	char *heap, path[64], c;

	if (n < 1 || n > MAXC || kib < 0 || pipe(fd) != 0)
		return 2;
	heap = malloc((size_t)kib * 1024 + 1);
	if (!heap)
		return 1;
	memset(heap, 1, (size_t)kib * 1024 + 1);
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		pid[i] = fork();
		double t1 = now_us();
		if (pid[i] == 0) {
			volatile char req[1024];
			memset((char *)req, 3, sizeof(req));
			heap[0] = 2;
			if (write(fd[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (pid[i] < 0)
			return 1;
		us[i] = (long)((t1 - t0) * 1000);          /* ns, as a long */
	}
	for (int i = 0; i < n; i++)
		if (read(fd[0], &c, 1) != 1)
			return 1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid[i]);
		rss[i] = kv(path, "Rss:");
		priv[i] = kv(path, "Private_Clean:") + kv(path, "Private_Dirty:");
		shr[i] = kv(path, "Shared_Clean:") + kv(path, "Shared_Dirty:");
	}
	long self_rss = kv("/proc/self/smaps_rollup", "Rss:");
	for (int i = 0; i < n; i++)
		kill(pid[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("{\"children\": %d, \"heap_kib\": %d, \"us_per_fork\": %.2f, \"child_rss_kib\": %ld, "
	       "\"child_private_kib\": %ld, \"child_shared_kib\": %ld, \"parent_rss_kib\": %ld}\n", n, kib,
	       (double)med(us, n) / 1000, med(rss, n), med(priv, n), med(shr, n), self_rss);
	return 0;
}
