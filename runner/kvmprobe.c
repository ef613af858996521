/* kvmprobe.c - does this kernel run under this host's KVM? One short KVM run of examples/hello.elf, cached per kernel. */
#include "isorun.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Some hosts have a /dev/kvm on which QEMU starts but our kernel does not run: the software nested KVM (PVM) seen
 * on these machines stops the guest with "KVM internal error ... emulation failure" at the kernel's first
 * ldmxcsr, and faults a VM's first SYSCALL. QEMU then neither exits nor boots, so "retry with TCG if the launch
 * dies" does not catch it. Under --accel auto, isorun first runs itself (--accel kvm) on examples/hello.elf with
 * this kernel, killed after PROBE_S seconds; KVM is used only if that run exits 0. The verdict is kept in
 * KERNEL.kvmprobe beside the kernel, keyed by the kernel file's size and modification time, so a build pays for
 * it once (under 1 s where KVM works; PROBE_S where it hangs).
 */
#define PROBE_S 15

static void key_of(const struct stat *st, char *key, size_t n)
{
	snprintf(key, n, "size=%lld mtime=%lld.%09ld", (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec);
}

/* 1 usable, 0 not, -1 no verdict stored for this kernel. */
static int cached(const char *cache, const char *key)
{
	char line[256], want[200];
	FILE *f = fopen(cache, "r");
	int v = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof want, "%s kvm=", key);
	if (fgets(line, sizeof line, f) && !strncmp(line, want, strlen(want)))
		v = line[strlen(want)] == '1';
	fclose(f);
	return v;
}

static void store(const char *cache, const char *key, int ok)
{
	FILE *f = fopen(cache, "w");

	if (!f)
		return;                 /* a read-only build directory: probe again next time */
	fprintf(f, "%s kvm=%d\n", key, ok);
	fclose(f);
}

/* <dir of this executable>/../examples/hello.elf, or NULL. */
static char *probe_image(char *self, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", self, n - 1);
	static char img[PATH_MAX + 32];
	char *slash;

	if (len <= 0)
		return NULL;
	self[len] = 0;
	snprintf(img, sizeof img, "%s", self);
	slash = strrchr(img, '/');
	if (!slash)
		return NULL;
	snprintf(slash, sizeof img - (size_t)(slash - img), "/../examples/hello.elf");
	return access(img, R_OK) ? NULL : img;
}

/* Runs the probe; 1 if it exited 0 within PROBE_S seconds. */
static int run_probe(const char *self, const char *kernel, const char *img)
{
	struct timespec t0, now, nap = { 0, 50 * 1000 * 1000 };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 0;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
		execl(self, self, "--accel", "kvm", "--kernel", kernel, "--quiet", img, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (w < 0 && errno != EINTR)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= PROBE_S) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 0;
		}
		nanosleep(&nap, NULL);
	}
}

int kvm_usable(const char *kernel)
{
	char self[PATH_MAX], key[160], *cache, *img;
	struct stat st;
	int v;

	if (stat(kernel, &st) < 0)
		return 0;
	key_of(&st, key, sizeof key);
	cache = xmalloc(strlen(kernel) + 16);
	sprintf(cache, "%s.kvmprobe", kernel);
	v = cached(cache, key);
	if (v < 0) {
		img = probe_image(self, sizeof self);
		if (!img) {
			warnx("cannot check KVM with this kernel (no examples/hello.elf beside isorun): using TCG");
			free(cache);
			return 0;
		}
		warnx("checking that this kernel runs under this host's KVM (once per kernel build; up to %d s)",
		      PROBE_S);
		v = run_probe(self, kernel, img);
		store(cache, key, v);
	}
	if (!v)
		warnx("KVM is present but this kernel does not run under it (checked with examples/hello.elf; "
		      "verdict in %s): using TCG", cache);
	free(cache);
	return v;
}
