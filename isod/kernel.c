/* kernel.c - isod keeps one kernel running: isorun --serve as a child, restarted and replayed whenever it ends. */
/*
 * The supervisor thread: start isorun (stdout to a reader thread that feeds logs.c, stderr to DIR/isorun.log),
 * connect to DIR/kernel.sock, HELLO, replay the stored ops, mark the kernel up; when isorun ends, mark it down and
 * start again. isorun gets PR_SET_PDEATHSIG(SIGTERM), and gives QEMU PR_SET_PDEATHSIG(SIGKILL): neither outlives
 * isod. A SIGKILLed isod's isorun still ending is killed at the next start (DIR/isorun.pid).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isod.h"

pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;
struct ctl_hello_rep kernel_hello;

static struct {
	const struct isod_opts *o;
	struct db *db;
	char sock[PATH_MAX], pidfile[PATH_MAX], opkey[PATH_MAX], errlog[PATH_MAX];
	volatile int up, stopping, done;
	volatile pid_t child;
	unsigned long restarts;
	pthread_t thread;
} ks;

int kernel_up(void)
{
	return ks.up;
}

unsigned long kernel_restarts(void)
{
	return ks.restarts;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* Is pid an isorun that is still running (not gone, not a zombie)? */
static int isorun_alive(pid_t pid)
{
	char path[64], buf[4096];
	FILE *f;
	size_t n;
	int alive = 0;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	alive = n > 0 && strstr(buf, "isorun") != NULL;   /* a zombie's cmdline is empty */
	return alive;
}

/* A previous isod's isorun (it was SIGKILLed): kill it, and wait until it is gone (it would unlink our socket). */
static void kill_stale(void)
{
	FILE *f = fopen(ks.pidfile, "r");
	int pid = 0;

	if (!f)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid > 1 && isorun_alive(pid)) {
		fprintf(stderr, "isod: killing the stale isorun %d of a previous isod\n", pid);
		kill(pid, SIGKILL);
		for (int i = 0; i < 200 && isorun_alive(pid); i++)
			sleep_ms(50);
	}
	unlink(ks.pidfile);
}

static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fflush(f) || fsync(fileno(f)) || fclose(f))
		return -1;
	return rename(tmp, path);
}

/* The child: isorun --serve with the operator's key, its stdout a pipe. */
static void exec_isorun(int out, int err, pid_t parent)
{
	const struct isod_opts *o = ks.o;
	const char *argv[24];
	char mem[16];
	sigset_t none;
	int n = 0;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(out, 1);
	dup2(err, 2);
	snprintf(mem, sizeof mem, "%u", o->mem_mib);
	argv[n++] = o->isorun;
	argv[n++] = "--serve";
	argv[n++] = ks.sock;
	argv[n++] = "--operator-key";
	argv[n++] = ks.opkey;
	argv[n++] = "-v";
	argv[n++] = "--mem";
	argv[n++] = mem;
	if (o->accel) {
		argv[n++] = "--accel";
		argv[n++] = o->accel;
	}
	if (o->tap) {
		argv[n++] = "--tap";
		argv[n++] = o->tap;
	}
	if (o->net_socket) {
		argv[n++] = "--net-socket";
		argv[n++] = o->net_socket;
	}
	argv[n] = NULL;
	execv(o->isorun, (char *const *)argv);
	fprintf(stderr, "isod: %s: %s\n", o->isorun, strerror(errno));
	_exit(127);
}

static pid_t spawn(int *out)
{
	int p[2], err = open(ks.errlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid_t parent = getpid(), pid;
	char line[32];

	if (err < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	unlink(ks.sock);
	pid = fork();
	if (pid == 0)
		exec_isorun(p[1], err, parent);
	close(p[1]);
	close(err);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	*out = p[0];
	snprintf(line, sizeof line, "%d\n", (int)pid);
	write_file(ks.pidfile, line);
	return pid;
}

static void *reader(void *arg)
{
	FILE *f = fdopen((int)(intptr_t)arg, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		logs_line(line);
	}
	free(line);
	fclose(f);
	return NULL;
}

static int child_running(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

/* Connect, HELLO and replay, under the lock; 0 when the kernel is up. */
static int bring_up(pid_t pid)
{
	struct ctlc_reply r;
	int i, refused;

	for (i = 0; i < ISOD_BOOT_WAIT_S * 10 && !ks.stopping; i++) {
		if (ctlc_connect(ks.sock) == 0)
			break;
		if (!child_running(pid))
			return -1;
		sleep_ms(100);
	}
	pthread_mutex_lock(&kernel_lock);
	if (!ctlc_connected() || ctlc_call(CTL_OP_HELLO, NULL, 0, NULL, 0, &r) < 0 || r.status != CTL_OK ||
	    r.len != sizeof kernel_hello) {
		pthread_mutex_unlock(&kernel_lock);
		return -1;
	}
	memcpy(&kernel_hello, r.data, sizeof kernel_hello);
	ctlc_reply_free(&r);
	if (!(kernel_hello.features & CTL_FEAT_TENANTS))
		fprintf(stderr, "isod: warning: the kernel is not in tenant mode (no operator key): signed ops will fail\n");
	logs_reset();
	refused = replay_all(ks.db);
	if (refused >= 0) {
		ks.up = 1;
		fprintf(stderr, "isod: kernel up (isorun %d, max_vms %u); replayed %d ops, %d refused\n", (int)pid,
			kernel_hello.max_vms, db_ops_count(ks.db), refused);
	}
	pthread_mutex_unlock(&kernel_lock);
	return refused < 0 ? -1 : 0;
}

/* One life of the kernel: start, bring up, wait for its end. */
static void one_life(void)
{
	pthread_t rt;
	int out, status;
	pid_t pid = spawn(&out);

	if (pid < 0) {
		fprintf(stderr, "isod: cannot start %s: %s\n", ks.o->isorun, strerror(errno));
		sleep_ms(1000);
		return;
	}
	ks.child = pid;
	pthread_create(&rt, NULL, reader, (void *)(intptr_t)out);
	if (bring_up(pid) < 0 && !ks.stopping) {
		fprintf(stderr, "isod: the kernel did not come up: ending isorun %d\n", (int)pid);
		kill(pid, SIGKILL);
	}
	pthread_join(rt, NULL);
	waitpid(pid, &status, 0);
	pthread_mutex_lock(&kernel_lock);
	ks.up = 0;
	ks.child = 0;
	ctlc_close();
	pthread_mutex_unlock(&kernel_lock);
	unlink(ks.pidfile);
	fprintf(stderr, "isod: isorun %d ended (status %d)%s\n", (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		ks.stopping ? "" : ": restarting the kernel");
}

static void *supervise(void *arg)
{
	long delay = 500;

	(void)arg;
	while (!ks.stopping) {
		time_t t0 = time(NULL);
		one_life();
		if (ks.stopping)
			break;
		ks.restarts++;
		delay = time(NULL) - t0 < 10 ? (delay * 2 > 30000 ? 30000 : delay * 2) : 500;   /* a kernel that will not stay up */
		for (long w = 0; w < delay && !ks.stopping; w += 100)
			sleep_ms(100);
	}
	ks.done = 1;
	return NULL;
}

int kernel_start(const struct isod_opts *o, struct db *d)
{
	uint8_t pk[32];
	char hex[66];

	ks.o = o;
	ks.db = d;
	snprintf(ks.sock, sizeof ks.sock, "%s/kernel.sock", o->state);
	snprintf(ks.pidfile, sizeof ks.pidfile, "%s/isorun.pid", o->state);
	snprintf(ks.opkey, sizeof ks.opkey, "%s/operator.pub", o->state);
	snprintf(ks.errlog, sizeof ks.errlog, "%s/isorun.log", o->state);
	if (db_get_opkey(d, pk) != 0)
		return -1;
	codec_hex(pk, 32, hex);
	strcat(hex, "\n");
	if (write_file(ks.opkey, hex) < 0)
		return -1;
	kill_stale();
	return pthread_create(&ks.thread, NULL, supervise, NULL) ? -1 : 0;
}

/* The kernel connection failed under a request: end this isorun, the supervisor starts another. */
void kernel_lost(void)
{
	pid_t pid = ks.child;

	ks.up = 0;
	if (pid > 0)
		kill(pid, SIGTERM);
}

void kernel_stop(void)
{
	pid_t pid = ks.child;

	ks.stopping = 1;
	if (pid > 0)
		kill(pid, SIGTERM);
	for (int i = 0; i < 600 && !ks.done; i++)
		sleep_ms(100);
	pid = ks.child;
	if (!ks.done && pid > 0)
		kill(pid, SIGKILL);
	pthread_join(ks.thread, NULL);
}
