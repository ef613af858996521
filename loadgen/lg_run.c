/* lg_run.c - loadgen --run: CMD in its own process group, stopped with SIGTERM after the load (bounded wait, then
 * SIGKILL); its exit status, the CPU time of both sides, and the fields of isorun's JSON the summary table shows. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg.h"

#define REAP_POLL_US 20000

static pid_t child;
static int reaped;

/* The shell runs "trap : TERM" first: it then lives through our SIGTERM, waits for CMD and exits with CMD's status
 * (POSIX runs the trap after the foreground command ends). A trap with a command is not inherited, so CMD itself
 * gets SIGTERM with its usual meaning (isorun: end the run gracefully). */
pid_t run_start(const char *cmd)
{
	static const char pre[] = "trap : TERM\n";
	char *script = malloc(sizeof pre + strlen(cmd));
	pid_t pid;

	if (!script)
		lg_die("out of memory");
	strcpy(script, pre);
	strcat(script, cmd);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		lg_die("fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	free(script);
	child = pid;
	return pid;
}

/* Reaps CMD if it ended; 1 while it runs. */
static int try_reap(int flags)
{
	int st;
	pid_t r;

	if (child <= 0 || reaped)
		return 0;
	do
		r = waitpid(child, &st, flags);
	while (r < 0 && errno == EINTR && !(flags & WNOHANG));
	if (r == 0 || (r < 0 && errno == EINTR))
		return 1;
	reaped = 1;
	if (r < 0)
		G.run_status = 127;
	else
		G.run_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int run_alive(void)
{
	return try_reap(WNOHANG);
}

/* Waits up to secs for CMD to end; 1 if it still runs. */
static int wait_bounded(double secs)
{
	uint64_t end = lg_now() + (uint64_t)(secs * 1e9);

	while (try_reap(WNOHANG)) {
		if (lg_now() >= end)
			return 1;
		usleep(REAP_POLL_US);
	}
	return 0;
}

/* SIGTERM to CMD's process group, up to --stop-wait seconds for it to end, then SIGKILL. */
static void stop(const char *why)
{
	if (!G.quiet)
		fprintf(stderr, "loadgen: %s: SIGTERM to the --run command, waiting up to %.0f s for it to end\n", why,
			G.stop_wait_s);
	kill(-child, SIGTERM);
	G.run_signalled = 1;
	if (!wait_bounded(G.stop_wait_s))
		return;
	fprintf(stderr, "loadgen: the --run command still runs %.0f s after SIGTERM: SIGKILL\n", G.stop_wait_s);
	kill(-child, SIGKILL);
	G.run_signalled = 2;
	try_reap(0);
}

/* CPU seconds (user + system) of loadgen or of its reaped descendants; *rss_kib: their peak RSS. */
static double cpu_s(int who, long *rss_kib)
{
	struct rusage ru;

	*rss_kib = -1;
	if (getrusage(who, &ru) != 0)
		return NAN;
	*rss_kib = ru.ru_maxrss;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* The text after "\n  \"key\": " (a top-level field of isorun's JSON, one per line), or NULL. */
static const char *field(const char *doc, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof pat, "\n  \"%s\": ", key);
	p = strstr(doc, pat);
	return p ? p + strlen(pat) : NULL;
}

static double num_field(const char *doc, const char *key)
{
	const char *p = field(doc, key);
	char *end;
	double v;

	if (!p)
		return NAN;
	v = strtod(p, &end);
	return end == p ? NAN : v;
}

/* The few fields of isorun's --json report the summary table shows. */
static void read_runinfo(const char *path)
{
	FILE *f = fopen(path, "r");
	char *doc = NULL;
	size_t len = 0, cap = 0, n;
	const char *a;

	if (!f) {
		fprintf(stderr, "loadgen: --isorun-json %s: %s\n", path, strerror(errno));
		return;
	}
	do {
		if (cap - len < 65536 && !(doc = realloc(doc, cap = cap * 2 + 65536)))
			lg_die("out of memory");
		n = fread(doc + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	doc[len] = 0;
	a = field(doc, "accel");
	if (a && *a == '"')
		sscanf(a + 1, "%15[a-z]", G.ri.accel);
	G.ri.vms_started = num_field(doc, "vms_started");
	G.ri.kernel_bytes_per_vm = num_field(doc, "kernel_bytes_per_vm");
	G.ri.guest_bytes_per_vm = num_field(doc, "guest_bytes_per_vm");
	G.ri.qemu_mem_mib = num_field(doc, "qemu_mem_mib");
	G.ri.run_seconds = num_field(doc, "run_seconds");
	G.ri.have = 1;
	free(doc);
}

/* The kernel's last @switch line in the saved serial stream: its fields, and the sum of its drop_* counters. */
static void read_switch(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *tok, *save, copy[sizeof G.ri.switch_line];
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "loadgen: --kernel-log %s: %s\n", path, strerror(errno));
		return;
	}
	while (getline(&line, &cap, f) > 0)
		if (!strncmp(line, "@switch ", 8)) {
			snprintf(G.ri.switch_line, sizeof G.ri.switch_line, "%s", line + 8);
			G.ri.switch_line[strcspn(G.ri.switch_line, "\r\n")] = 0;
			G.ri.have_switch = 1;
		}
	free(line);
	fclose(f);
	G.ri.switch_drops = 0;
	strcpy(copy, G.ri.switch_line);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strncmp(tok, "drop_", 5) && strchr(tok, '='))
			G.ri.switch_drops += strtoull(strchr(tok, '=') + 1, NULL, 10);
}

void run_finish(const char *why)
{
	if (child > 0) {
		if (G.no_stop && !lg_stop_sig) {
			while (try_reap(WNOHANG) && !lg_stop_sig)
				usleep(REAP_POLL_US);
		}
		if (run_alive())
			stop(lg_stop_sig ? "interrupted" : why);
		try_reap(0);
	}
	G.cpu_self_s = cpu_s(RUSAGE_SELF, &G.maxrss_self_kib);
	G.cpu_run_s = child > 0 ? cpu_s(RUSAGE_CHILDREN, &G.maxrss_run_kib) : NAN;
	if (child <= 0)
		G.maxrss_run_kib = -1;
	if (G.isorun_json)
		read_runinfo(G.isorun_json);
	if (G.kernel_log)
		read_switch(G.kernel_log);
}
