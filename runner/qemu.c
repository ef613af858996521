/* qemu.c - launches QEMU with the kernel, the image modules and the console ports, and pumps the kernel's report streams through the demultiplexer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isorun.h"
#include "runlog.h"

#define PROGRESS_AFTER_S  2.0
#define PROGRESS_EVERY_S  3.0
#define KILL_WAIT_S       3.0
#define STOP_GRACE_S      30.0   /* after asking the kernel to stop: time for its @vm lines and summary */

struct argv {
	char **v;
	size_t n, cap;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void av_add(struct argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

/* Adds the whitespace-separated words of s (config.mk values such as QEMU_FLAGS). */
static void av_split(struct argv *a, const char *s)
{
	char *copy = xstrdup(s), *save = NULL, *w;

	for (w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		av_add(a, w);
	free(copy);
}

static void av_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* Four seed=N words, 63 bits each from the host's random source (the kernel's decimal parser takes any 63-bit
 * number), so its ChaCha20 key does not rest on TSC jitter alone where the CPU has no RDRAND (-icount replays it). */
static size_t seed_words(char *buf, size_t n)
{
	uint64_t seed[4];
	size_t len = 0;

	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		die("getrandom: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		len += (size_t)snprintf(buf + len, n - len, " seed=%llu", (unsigned long long)(seed[i] >> 1));
	explicit_bzero(seed, sizeof(seed));
	return len;
}

/* The kernel command line (runlog.h): "timeout_ms=N quota_kib=N quantum_us=N [quiet=1] guar_kib=N seed=N x 4
 * [net_ip=N net_bits=N] [share=T:W ...] [--append words]". */
static void kernel_cmdline(const struct run *run, char *buf, size_t n)
{
	const struct opts *o = &run->o;
	size_t len;

	len = (size_t)snprintf(buf, n, "timeout_ms=%lu quota_kib=%lu quantum_us=%lu%s guar_kib=%lu", o->timeout_s * 1000,
			       o->quota_kib, o->quantum_us, o->quiet ? " quiet=1" : "", o->guar_kib);
	len += seed_words(buf + len, n - len);
	if (o->serve)
		len += (size_t)snprintf(buf + len, n - len, " serve=1");
	if (o->opkey[0])
		len += (size_t)snprintf(buf + len, n - len, " opkey=%s", o->opkey);
	if (o->have_subnet)
		len += (size_t)snprintf(buf + len, n - len, " net_ip=%lu net_bits=%u", (unsigned long)o->net_ip,
					o->net_bits);
	if (o->shares)
		len += (size_t)snprintf(buf + len, n - len, "%s", o->shares);
	len += pcapw_kernel_words(o, buf + len, n - len);
	if (o->append && *o->append)
		snprintf(buf + len, n - len, " %s", o->append);
}

/* The NIC: a legacy virtio-net-pci (the kernel's driver) on a stream socket QEMU serves, or on a tap. */
static void nic_args(const struct opts *o, struct argv *a)
{
	char buf[256];

	if (!o->net_socket && !o->tap)
		return;
	if (o->net_socket)
		snprintf(buf, sizeof buf, "stream,id=n0,server=on,addr.type=unix,addr.path=%s", o->net_socket);
	else
		snprintf(buf, sizeof buf, "tap,id=n0,ifname=%s,script=no,downscript=no", o->tap);
	av_add(a, "-netdev");
	av_add(a, buf);
	av_add(a, "-device");
	av_add(a, "virtio-net-pci,netdev=n0,disable-modern=on,romfile=,mac=" ISORUN_NIC_MAC);
}

/* The console (runlog.h, "Channels"): a legacy virtio-serial-pci with two named ports, each on a socket whose other
 * end isorun holds (QEMU's end is fd rep or ctl, inherited). */
static void console_args(struct argv *a, int rep, int ctl)
{
	char buf[256];

	snprintf(buf, sizeof buf, "socket,id=isorep,fd=%d", rep);
	av_add(a, "-chardev");
	av_add(a, buf);
	snprintf(buf, sizeof buf, "socket,id=isoctl,fd=%d", ctl);
	av_add(a, "-chardev");
	av_add(a, buf);
	av_add(a, "-device");
	av_add(a, "virtio-serial-pci,id=isocon,disable-modern=on,max_ports=" RL_CON_MAX_PORTS);
	av_add(a, "-device");
	av_add(a, "virtserialport,bus=isocon.0,nr=1,chardev=isorep,name=" RL_REPORT_PORT);
	av_add(a, "-device");
	av_add(a, "virtserialport,bus=isocon.0,nr=2,chardev=isoctl,name=" RL_CTL_PORT);
}

/* --pcap: the capture port (pvisa/runlog.h "Packet capture") on a third socket (QEMU's end: fd). */
static void pcap_port_args(struct argv *a, int fd)
{
	char buf[64];

	if (fd < 0)
		return;
	snprintf(buf, sizeof buf, "socket,id=isopcap,fd=%d", fd);
	av_add(a, "-chardev");
	av_add(a, buf);
	av_add(a, "-device");
	av_add(a, "virtserialport,bus=isocon.0,nr=3,chardev=isopcap,name=" RL_PCAP_PORT);
}

static void build_argv(const struct run *run, const char *accel, const char *kernel, const char *mods,
		       const int qfd[3], struct argv *a)
{
	char buf[1024];
	size_t i;

	av_split(a, QEMU);
	av_split(a, QEMU_FLAGS);
	av_add(a, "-accel");
	av_add(a, accel);
	av_add(a, "-cpu");
	av_add(a, strcmp(accel, "kvm") ? QEMU_TCG_CPU : QEMU_KVM_CPU);
	snprintf(buf, sizeof buf, "%lu", run->mem_mib);
	av_add(a, "-m");
	av_add(a, buf);
	av_add(a, "-serial");
	av_add(a, "stdio");
	av_add(a, "-kernel");
	av_add(a, kernel);
	kernel_cmdline(run, buf, sizeof buf);
	av_add(a, "-append");
	av_add(a, buf);
	if (mods) {
		av_add(a, "-initrd");
		av_add(a, mods);
	}
	nic_args(&run->o, a);
	if (qfd[0] >= 0)
		console_args(a, qfd[0], qfd[1]);
	if (qfd[0] >= 0)
		pcap_port_args(a, qfd[2]);
	for (i = 0; i < run->o.nqemu_args; i++)
		av_add(a, run->o.qemu_args[i]);
}

/* Prints the command to stderr, each word shell-quoted when it needs it. */
static void print_cmd(const struct argv *a)
{
	size_t i;
	const char *p;

	fputs("isorun: running:", stderr);
	for (i = 0; i < a->n; i++) {
		if (a->v[i][0] && strspn(a->v[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789/._-=,:+@%") == strlen(a->v[i])) {
			fprintf(stderr, " %s", a->v[i]);
			continue;
		}
		fputs(" '", stderr);
		for (p = a->v[i]; *p; p++)
			fputs(*p == '\'' ? "'\\''" : (char[]){ *p, 0 }, stderr);
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
}

/* Child side: serial out (stdout) into one pipe, serial in (stdin) from another, the console's sockets qfd kept open
 * across exec; its own process group, so a Ctrl-C or a signal to isorun's group reaches isorun only (which stops
 * the run gracefully); killed if isorun dies. */
static void exec_child(const struct argv *a, int wfd, int rfd, const int qfd[3])
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	dup2(rfd, 0);
	dup2(wfd, 1);
	for (int i = 0; i < 3; i++)
		if (qfd[i] >= 0)
			fcntl(qfd[i], F_SETFD, 0);
	execvp(a->v[0], a->v);
	fprintf(stderr, "isorun: cannot run %s: %s\n", a->v[0], strerror(errno));
	_exit(127);
}

/* Starts QEMU; *rfd reads its serial output, *wfd writes its serial input; qfd are QEMU's ends of the console's
 * sockets (closed here once it has them). */
static pid_t spawn(const struct argv *a, int *rfd, int *wfd, const int qfd[3])
{
	int p[2], in[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		exec_child(a, p[1], in[0], qfd);
	close(p[1]);
	close(in[0]);
	for (int i = 0; i < 3; i++)
		if (qfd[i] >= 0)
			close(qfd[i]);
	*rfd = p[0];
	*wfd = in[1];
	return pid;
}

static void progress(const struct run *run, double elapsed)
{
	unsigned long started = run->r.expected ? run->r.expected : run->o.total;

	if (!run->r.booted)
		fprintf(stderr, "isorun: %.0f s: waiting for the kernel to boot\n", elapsed);
	else if (run->o.serve)
		fprintf(stderr, "isorun: %.0f s: serving; %zu VMs ended so far\n", elapsed, run->r.nvms);
	else
		fprintf(stderr, "isorun: %.0f s: %zu of %lu VMs ended\n", elapsed, run->r.nvms, started);
}

/* Kills QEMU: SIGTERM, then SIGKILL if it is still there after a few seconds. */
static void kill_qemu(pid_t pid)
{
	double t0 = now_s();

	kill(pid, SIGTERM);
	while (now_s() - t0 < KILL_WAIT_S) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
}

/* The first SIGINT/SIGTERM/SIGHUP after boot asks the kernel to end the run (runlog.h RL_STOP_BYTE): it reports
 * every VM and its summary as at a timeout. Returns 1 if asked; QEMU then has stop_grace() seconds. */
static int ask_stop(struct run *run, int wfd, double *deadline)
{
	char c = RL_STOP_BYTE;
	double grace = STOP_GRACE_S + (double)run->o.total / 2000;   /* ~90 bytes of @vm line per VM */

	if (!run->r.booted || write(wfd, &c, 1) != 1)
		return 0;
	warnx("got signal %d; asking the kernel to end the run (again to kill QEMU now)", (int)stop_signal);
	run->stop_asked = 1;
	stop_signal = 0;
	if (*deadline <= 0 || *deadline > now_s() + grace)
		*deadline = now_s() + grace;
	return 1;
}

/* Ends the run early if the deadline passed or isorun got a signal it could not turn into a stop request;
 * returns 1 if QEMU was killed. */
static int check_stop(struct run *run, pid_t pid, int wfd, double t0, double *deadline)
{
	if (stop_signal && !run->stop_asked && ask_stop(run, wfd, deadline))
		return 0;
	if (stop_signal) {
		warnx("got signal %d; killing QEMU", (int)stop_signal);
	} else if (*deadline > 0 && now_s() > *deadline) {
		if (run->stop_asked)
			warnx("the kernel did not end the run in time after the stop request; killing QEMU");
		else
			warnx("QEMU did not finish within %.0f s (timeout %lu s + grace); killing it",
			      *deadline - t0, run->o.timeout_s);
	} else {
		return 0;
	}
	kill_qemu(pid);
	run->killed = 1;
	return 1;
}

/* Reads what is ready on fd into stream; 0 at EOF or on an error (the fd is then done with), else 1. */
static int pump_one(struct run *run, int fd, int stream)
{
	unsigned char buf[65536];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return 0;
	if (n > 0 && stream == DS_STREAMS)
		pcapw_feed(run, buf, (size_t)n);     /* the capture port (--pcap) */
	else if (n > 0)
		demux_feed_stream(run, stream, buf, (size_t)n);
	return 1;
}

#define PUMP_HOOK_FDS 8

/* Reads the serial stream and the report port until both end (QEMU exited), printing progress, enforcing the
 * deadline, and polling the hook's fds beside them. The serial stream goes first: it holds what came before. */
static void pump(struct run *run, int fd, int wfd, pid_t pid, double t0)
{
	struct pollfd pfd[3 + PUMP_HOOK_FDS];
	int src[3] = { fd, run->rep_fd, run->pcap_fd };     /* [DS_STREAMS]: the capture port, -1 without --pcap */
	double deadline = run->o.timeout_s ? t0 + (double)run->o.timeout_s * 1.5 + 20 : 0, next = t0 + PROGRESS_AFTER_S;

	while (src[0] >= 0 || src[1] >= 0 || src[2] >= 0) {
		if (!run->killed && check_stop(run, pid, wfd, t0, &deadline))
			continue;
		if (now_s() >= next) {
			progress(run, now_s() - t0);
			next = now_s() + PROGRESS_EVERY_S;
		}
		for (int i = 0; i < 3; i++)
			pfd[i] = (struct pollfd){ .fd = src[i], .events = POLLIN };
		int nh = run->hook ? run->hook->fds(run->hook->ctx, pfd + 3, PUMP_HOOK_FDS) : 0;
		if (poll(pfd, (nfds_t)(3 + nh), 250) <= 0)
			continue;
		for (int i = 0; i < 3; i++)
			if (src[i] >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && !pump_one(run, src[i], i))
				src[i] = -1;
		if (nh)
			run->hook->ready(run->hook->ctx, pfd + 3, nh);
	}
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Runs QEMU once with the given accelerator; fills run->r, qemu_status and wall_s. Returns the wait status. */
/* The console's two sockets (three with --pcap): isorun's ends in run->rep_fd, run->ctl_fd and run->pcap_fd, QEMU's
 * in qfd (all -1 with --no-console). */
static void console_sockets(struct run *run, int qfd[3])
{
	int rep[2], ctl[2], cap[2];

	run->rep_fd = run->ctl_fd = run->pcap_fd = qfd[0] = qfd[1] = qfd[2] = -1;
	if (run->o.no_console)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rep) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
		die("socketpair: %s", strerror(errno));
	run->rep_fd = rep[0];
	run->ctl_fd = ctl[0];
	qfd[0] = rep[1];
	qfd[1] = ctl[1];
	if (!run->o.pcap)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cap) < 0)
		die("socketpair: %s", strerror(errno));
	run->pcap_fd = cap[0];
	qfd[2] = cap[1];
}

int qemu_ctl_fd(const struct run *run)
{
	return run->ctl_fd;
}

int qemu_run(struct run *run, const char *accel, const char *kernel_link, const char *modules)
{
	struct argv a = { 0 };
	double t0 = now_s();
	int fd, wfd, qfd[3], status = 0;
	pid_t pid;

	console_sockets(run, qfd);
	build_argv(run, accel, kernel_link, modules, qfd, &a);
	if (run->o.verbose)
		print_cmd(&a);
	catch_signals();
	run->accel = accel;
	pid = spawn(&a, &fd, &wfd, qfd);
	pump(run, fd, wfd, pid, t0);
	close(fd);
	close(wfd);
	if (run->rep_fd >= 0)
		close(run->rep_fd);
	if (run->ctl_fd >= 0)
		close(run->ctl_fd);
	if (run->pcap_fd >= 0)
		close(run->pcap_fd);
	run->rep_fd = run->ctl_fd = run->pcap_fd = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	demux_finish(run);
	run->wall_s = now_s() - t0;
	run->qemu_status = status;
	av_free(&a);
	return status;
}

/* --replay FILE: parses a saved serial log instead of running QEMU. */
int replay_run(struct run *run)
{
	unsigned char buf[65536];
	double t0 = now_s();
	FILE *f = fopen(run->o.replay, "rb");
	size_t n;

	if (!f)
		input_error("--replay %s: %s", run->o.replay, strerror(errno));
	run->accel = "replay";
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		demux_feed(run, buf, n);
	fclose(f);
	demux_finish(run);
	run->wall_s = now_s() - t0;
	run->qemu_status = -1;
	return 0;
}
