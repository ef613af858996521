/* ib_run.c - one isorun run for isobench: spawn it, watch its -v stream for @live and @vm records, stop it
 * gracefully (SIGTERM: the kernel ends the run and reports) when told, and read its peak RSS and JSON report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isobench.h"

#define LINE_MAX_BYTES 65536
#define PROGRESS_S     15.0      /* a note on stderr this often while a run lasts */
#define STOP_WAIT_S    20.0      /* after SIGTERM, before a second one (isorun then kills QEMU), per 10,000 VMs more */
#define KILL_WAIT_S    10.0      /* after the second SIGTERM, before SIGKILL */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

void ib_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int ib_interrupted(void)
{
	return got_signal != 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child: its own process group (a Ctrl-C reaches isobench only, which stops isorun itself), SIGTERM when
 * isobench dies, stdout to the pipe, stderr to errpath. */
static void exec_isorun(char *const *argv, int out_fd, const char *errpath)
{
	int null_fd = open("/dev/null", O_RDONLY), err_fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (null_fd < 0 || err_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	execv(argv[0], argv);
	fprintf(stderr, "isobench: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* State of one run while it goes. */
struct watch {
	const struct ib_runspec *spec;
	struct ib_sample *s;
	pid_t pid;
	double t0, stop_at, term_at, kill_at;
	int terms;                   /* SIGTERMs sent */
	int live, watched_ended, gave_up;
	struct ib_vmrec vm;          /* the last VM end seen (its image carries over between @v records) */
	char line[LINE_MAX_BYTES];
	size_t len;
};

static void send_term(struct watch *w, double now, double vms)
{
	kill(w->pid, SIGTERM);
	w->terms++;
	w->term_at = now + STOP_WAIT_S + vms / 500;   /* isorun's own grace: 30 s + 1 s per 2,000 VMs */
	if (w->terms == 2)
		w->kill_at = now + KILL_WAIT_S;
}

/* Keeps the first few records of VMs that went wrong (with their image), to say why a run failed. */
static void keep_bad_vm(struct ib_sample *s, const struct ib_vmrec *v, const char *line)
{
	for (size_t i = 0; i < sizeof s->bad_vm / sizeof s->bad_vm[0]; i++)
		if (!s->bad_vm[i][0]) {
			snprintf(s->bad_vm[i], sizeof s->bad_vm[i], "%.40s: %.150s", v->image, line);
			return;
		}
}

/* A VM's end: note it if it went wrong; stop the run once the watched image's VM has ended. */
static void on_vm_end(struct watch *w, const char *line, double now)
{
	if (strcmp(w->vm.state, "running") && (strcmp(w->vm.state, "exited") || w->vm.status != 0))
		keep_bad_vm(w->s, &w->vm, line);
	if (w->spec->watch_image && !strcmp(w->vm.image, w->spec->watch_image)) {
		w->watched_ended = 1;
		if (!w->stop_at)
			w->stop_at = now;
		if (w->spec->verbose)
			fprintf(stderr, "isobench:   %.1f s: %s\n", now - w->t0, line);
	}
}

/* One complete line of isorun's stdout (-v: the kernel's '@' records among the rest). */
static void on_line(struct watch *w, const char *line, double now)
{
	if (!strncmp(line, "@live ", 6)) {
		w->live = 1;
		if (w->spec->stop_on_live && !w->stop_at)
			w->stop_at = now + w->spec->grace_s;
		if (w->spec->verbose)
			fprintf(stderr, "isobench:   %.1f s: %s\n", now - w->t0, line);
	} else if (ib_vm_record(line, &w->vm)) {
		on_vm_end(w, line, now);
	}
}

static void feed(struct watch *w, const char *buf, size_t n, double now)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (w->len + 1 < sizeof w->line)
				w->line[w->len++] = buf[i];
			continue;
		}
		w->line[w->len] = 0;
		on_line(w, w->line, now);
		w->len = 0;
	}
}

/* Signals due now: the planned stop, the time limit, isobench's own interruption, escalation. */
static void tick(struct watch *w, double now, double vms)
{
	if (!w->terms && got_signal) {
		send_term(w, now, vms);
		send_term(w, now, vms);          /* interrupted: no report wanted, end QEMU at once */
	} else if (!w->terms && w->stop_at && now >= w->stop_at) {
		send_term(w, now, vms);
	} else if (!w->terms && now - w->t0 > w->spec->limit_s) {
		w->gave_up = 1;
		send_term(w, now, vms);
	} else if (w->terms == 1 && now >= w->term_at) {
		send_term(w, now, vms);
	} else if (w->terms >= 2 && w->kill_at && now >= w->kill_at) {
		kill(w->pid, SIGKILL);
		w->kill_at = 0;
	}
}

/* Reads isorun's stdout until it closes; reaps isorun with its rusage (ru_maxrss covers QEMU, which it waited for). */
static int pump(struct watch *w, int fd, double vms, int *status, struct rusage *ru)
{
	char buf[16384];
	double next_note = w->t0 + PROGRESS_S;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 200);
		double now = now_s();
		if (r > 0) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n == 0)
				break;
			if (n > 0)
				feed(w, buf, (size_t)n, now);
		}
		tick(w, now, vms);
		if (now >= next_note) {
			ib_say("  ... %.0f s%s", now - w->t0, w->terms ? ": stopping the run (the kernel reports every VM)" :
				w->live ? ": all VMs live" : ": waiting for all VMs to go live");
			next_note = now + PROGRESS_S;
		}
	}
	while (wait4(w->pid, status, 0, ru) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void fill_sample(struct ib_sample *s, char *doc)
{
	char *vms = strstr(doc, "\n  \"vms\": [");

	if (vms)
		*vms = 0;                   /* the per-VM list can be megabytes: look no further */
	for (int f = 0; f < IB_NFIELDS; f++)
		if (ib_field_path[f])
			s->have[f] = ib_json_num(doc, ib_field_path[f], &s->v[f]) == 0;
	if (ib_json_str(doc, "accel", s->accel, sizeof s->accel) < 0)
		snprintf(s->accel, sizeof s->accel, "unknown");
	if (s->have[F_mem_bytes] && s->have[F_free_frames_min]) {
		s->v[F_guest_ram_used_bytes] = s->v[F_mem_bytes] - 4096.0 * s->v[F_free_frames_min];
		s->have[F_guest_ram_used_bytes] = 1;
	}
}

int ib_run(const struct ib_runspec *spec, struct ib_sample *s, char *err, size_t errlen)
{
	struct watch *w = calloc(1, sizeof *w);
	char json[4096], errpath[4096];
	struct rusage ru;
	int p[2], status = 0, rc;
	char *doc;

	memset(s, 0, sizeof *s);
	snprintf(json, sizeof json, "%s/isorun.json", spec->dir);
	snprintf(errpath, sizeof errpath, "%s/isorun.err", spec->dir);
	unlink(json);
	if (!w || pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(w);
		return -1;
	}
	w->spec = spec;
	w->s = s;
	w->t0 = now_s();
	w->pid = fork();
	if (w->pid == 0)
		exec_isorun(spec->argv, p[1], errpath);
	close(p[1]);
	if (w->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		free(w);
		return -1;
	}
	rc = pump(w, p[0], spec->vms, &status, &ru);
	close(p[0]);
	s->stopped_by_us = w->terms > 0;
	s->gave_up = w->gave_up;
	s->v[F_wall_s] = now_s() - w->t0;
	s->have[F_wall_s] = 1;
	free(w);
	if (rc < 0) {
		snprintf(err, errlen, "wait4: %s", strerror(errno));
		return -1;
	}
	s->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	s->v[F_qemu_peak_rss_kib] = (double)ru.ru_maxrss;
	s->have[F_qemu_peak_rss_kib] = 1;
	if (!(doc = ib_read_file(json))) {
		snprintf(err, errlen, "isorun (exit status %d) wrote no report %s; its messages:", s->status, json);
		return -1;
	}
	fill_sample(s, doc);
	free(doc);
	return 0;
}

void ib_show_tail(const char *path, int lines)
{
	char *doc = ib_read_file(path), *p, *line;
	int total = 0, k = 0;

	if (!doc)
		return;
	for (p = doc; *p; p++)
		total += *p == '\n';
	for (line = strtok(doc, "\n"); line; line = strtok(NULL, "\n"))
		if (k++ >= total - lines)
			fprintf(stderr, "    | %s\n", line);
	free(doc);
}
