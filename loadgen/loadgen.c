/* loadgen.c - the host load generator: the gateway and its clients on QEMU's stream netdev, UDP echo and HTTP loads. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg.h"

struct lg G;
volatile sig_atomic_t lg_stop_sig;
static struct lg_phase no_phase = { .name = "none" };

static double *zipf_cdf;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Zipf's law over VM ranks 1..N, as a cumulative table. */
static void zipf_init(void)
{
	double sum = 0;
	uint32_t i;

	if (G.zipf <= 0)
		return;
	zipf_cdf = malloc(G.nload * sizeof *zipf_cdf);
	if (!zipf_cdf)
		lg_die("out of memory");
	for (i = 0; i < G.nload; i++)
		zipf_cdf[i] = sum += 1.0 / pow(i + 1, G.zipf);
	for (i = 0; i < G.nload; i++)
		zipf_cdf[i] /= sum;
}

static uint32_t pick_vm(void)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	uint32_t lo = 0, hi = G.nload - 1;

	if (!zipf_cdf)
		return (uint32_t)(rnd() % G.nload);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void frame_in(const uint8_t *f, size_t len)
{
	uint32_t vm;

	if (len < 42) {
		G.rx_ignored++;
		return;
	}
	if (be16_get(f + 12) == ETHER_TYPE_ARP) {
		/* ARP: a VM's own stack if it has one (HTTP), else we answer requests for the gateway */
		if (G.mode == LG_HTTP && lg_ip_vm(be32_get(f + 28), &vm) && http_has_stack(vm))
			http_frame(vm, f, len);
		else if (f[20] == 0 && f[21] == 1 && be32_get(f + 38) == G.gw)
			lg_arp_reply(f);
		else
			G.rx_ignored++;
		return;
	}
	if (be16_get(f + 12) != ETHER_TYPE_IPV4 || (f[14] >> 4) != 4) {
		G.rx_ignored++;
		return;
	}
	if (G.mode == LG_UDP)
		udp_frame(f, len);
	else if (lg_ip_vm(be32_get(f + 26), &vm))
		http_frame(vm, f, len);
	else
		G.rx_ignored++;
}

/* ---- the request table ---- */

static void lat_add(uint64_t ns)
{
	if (G.nlat == G.caplat) {
		G.caplat = G.caplat ? G.caplat * 2 : 65536;
		G.lat_us = realloc(G.lat_us, G.caplat * sizeof *G.lat_us);
		if (!G.lat_us)
			lg_die("out of memory");
	}
	G.lat_us[G.nlat++] = (uint32_t)(ns / 1000 > UINT32_MAX ? UINT32_MAX : ns / 1000);
}

/* A request leaves the table (answered, timed out or not sent). */
static void retire(struct lg_slot *sl)
{
	sl->state = SL_DONE;
	G.outstanding--;
	if (sl->warm == W_MEASURED)
		G.inflight--;
}

/* A request ended: LG_OK; LG_WRONG, an answer with a wrong payload, status or length (fails the run);
 * LG_FAIL, no answer (an HTTP connection reset or refused: an error, not a wrong answer). */
void lg_complete(struct lg_slot *sl, int res)
{
	uint64_t now = lg_now();
	int ok = res == LG_OK;

	retire(sl);
	sl->conn = NULL;
	if (!G.vm_ready[sl->vm] && ok) {
		G.vm_ready[sl->vm] = 1;
		G.nready++;
	}
	if (res == LG_WRONG)
		G.wrong_payload++;
	if (sl->warm == W_DISMISS && ok && !G.vm_gone[sl->vm]) {
		G.vm_gone[sl->vm] = 1;
		G.ngone++;
	}
	if (sl->warm != W_MEASURED)
		return;
	if (!ok) {
		G.errors++, G.ph->errors++;
		return;
	}
	G.responses++, G.ph->responses++;
	G.vm_resp[sl->vm]++;
	G.ph->t_last = now;
	lat_add(now - sl->sent_ns);
}

static void timed_out(struct lg_slot *sl)
{
	if (sl->warm == W_MEASURED)
		G.timeouts++, G.ph->timeouts++;
	if (G.mode == LG_HTTP)
		http_timeout(sl);
	retire(sl);
}

/* Sends one request to vm; a send the wire or the pool cannot take is a drop. */
static void issue(uint32_t vm, int warm)
{
	struct lg_slot *sl = &G.ring[G.next_seq & G.mask];
	int r;

	if (sl->state == SL_PENDING)            /* the ring wrapped over a request still waiting */
		timed_out(sl);
	memset(sl, 0, sizeof *sl);
	sl->seq = G.next_seq++;
	sl->vm = vm;
	sl->warm = (uint8_t)warm;
	sl->bare = (uint8_t)(G.bounce || (warm == W_MEASURED && G.ph->bare));
	sl->sent_ns = lg_now();
	sl->state = SL_PENDING;
	G.outstanding++;
	if (warm == W_MEASURED)
		G.requests++, G.ph->requests++, G.inflight++;
	r = G.mode == LG_UDP ? udp_issue(sl) : http_issue(sl);
	if (r < 0) {
		retire(sl);
		if (warm == W_MEASURED)
			G.drops++, G.ph->drops++;
	}
}

/* Requests unanswered for --timeout become timeouts (in send order). */
static void reap(uint64_t now)
{
	uint64_t limit = (uint64_t)G.timeout_ms * 1000000u;

	while (G.tail < G.next_seq) {
		struct lg_slot *sl = &G.ring[G.tail & G.mask];

		if (sl->seq == G.tail && sl->state == SL_PENDING) {
			if (sl->sent_ns + limit > now)   /* sent_ns may be later than now */
				break;
			timed_out(sl);
		}
		G.tail++;
	}
}

static void ring_init(void)
{
	double want = G.rate ? G.rate * G.timeout_ms / 1000.0 * 2 : (double)G.conc * 4;
	uint64_t cap = 4096;

	if (want < G.nvms * 2.0)
		want = G.nvms * 2.0;
	while (cap < want && cap < (1u << 24))
		cap *= 2;
	G.ring = calloc(cap, sizeof *G.ring);
	G.vm_resp = calloc(G.nvms, sizeof *G.vm_resp);
	G.vm_ready = calloc(G.nvms, sizeof *G.vm_ready);
	G.vm_gone = calloc(G.nvms, 1);
	if (!G.ring || !G.vm_resp || !G.vm_ready || !G.vm_gone)
		lg_die("out of memory");
	G.mask = cap - 1;
}

/* ---- the loop ---- */

static void progress(uint64_t now, const char *what)
{
	double t = (double)(now - G.t_start) / 1e9;

	if (G.quiet)
		return;
	if (what)
		fprintf(stderr, "loadgen: %.0f s: %s: %u of %u VMs ready, %u of %u dismissed\n", t, what, G.nready,
			G.nvms, G.ngone, G.ndismiss);
	else
		fprintf(stderr, "loadgen: %.0f s: %s%s%llu sent, %llu answered, %llu timeouts, %llu errors, %llu drops, "
			"%u of %u VMs answered\n", t, G.nphases > 1 ? G.ph->name : "", G.nphases > 1 ? ": " : "",
			(unsigned long long)G.requests, (unsigned long long)G.responses,
			(unsigned long long)G.timeouts, (unsigned long long)G.errors, (unsigned long long)G.drops,
			G.nready, G.nvms);
}

/* Waits for frames until deadline_ns (or the socket can take more output). */
static void wait_io(uint64_t deadline_ns)
{
	struct pollfd p = { .fd = G.fd, .events = POLLIN | (G.outlen ? POLLOUT : 0) };
	uint64_t now = lg_now();
	struct timespec ts = { 0, 0 };

	if (deadline_ns > now) {
		uint64_t d = deadline_ns - now;

		if (d > 100000000u)
			d = 100000000u;
		ts.tv_nsec = (long)d;
	}
	if (ppoll(&p, 1, &ts, NULL) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
		lg_read(frame_in);
}

/* One turn of a loop: timeouts, protocol timers, output, progress, then input until deadline_ns. */
static void turn(uint64_t *next_progress, const char *what, uint64_t deadline_ns)
{
	uint64_t now = lg_now();

	reap(now);
	if (G.mode == LG_HTTP)
		http_timers(now);
	lg_flush();
	if (now >= *next_progress) {
		progress(now, what);
		*next_progress += 1000000000u;
	}
	wait_io(deadline_ns);
}

static int probe_done(uint32_t vm, int kind)
{
	return kind == W_PROBE ? G.vm_ready[vm] != 0 : G.vm_gone[vm] != 0;
}

/* Probes VMs lo..hi-1 (readiness: W_PROBE; dismissal: W_DISMISS) until each answered once, or until end: at most
 * 256 in flight, one per VM; a VM that has not answered after `every` ns gets another probe, except the --dismiss
 * VMs, which count the datagrams they get (each probe once, then the dismissal). Returns how many answered (none
 * of lo..hi-1 may have answered this kind of probe before). */
static uint32_t probe(uint32_t lo, uint32_t hi, int kind, uint64_t end, const char *what)
{
	uint64_t every = G.mode == LG_UDP ? 500000000u : (uint64_t)G.timeout_ms * 1000000u;
	uint64_t *last, next_progress = lg_now() + 1000000000u;
	uint32_t cursor = 0, n = hi - lo, done = 0, vm, i, base = kind == W_PROBE ? G.nready : G.ngone;

	if (!n)
		return 0;
	last = calloc(n, sizeof *last);
	if (!last)
		lg_die("out of memory");
	while (done < n && lg_now() < end && !G.eof && !lg_stop_sig) {
		uint32_t tries = 0;
		uint64_t now = lg_now();

		while (G.outstanding < 256 && tries++ < n) {
			i = cursor++ % n;
			vm = lo + i;
			if (probe_done(vm, kind) || (last[i] && (vm >= G.nload || now - last[i] < every)))
				continue;
			last[i] = now;
			issue(vm, kind);
		}
		turn(&next_progress, what, lg_now() + 2000000u);
		done = (kind == W_PROBE ? G.nready : G.ngone) - base;
	}
	free(last);
	return done;
}

/* Readiness: every VM answers once (probes are not measured); up to --wait s from the start. The --dismiss VMs,
 * which get one probe each, only once the VMs under load answered: frames that reach QEMU before the kernel's
 * driver is up are lost. */
static void ready_phase(void)
{
	uint64_t end = G.t_start + (uint64_t)G.wait_s * 1000000000u;

	G.warm = 1;
	probe(0, G.nload, W_PROBE, end, "readiness");
	probe(G.nload, G.nvms, W_PROBE, end, "readiness");
	G.warm = 0;
	G.nready_warm = G.nready;
	G.t_ready = lg_now();
	if (G.nready < G.nvms && !G.quiet && !G.eof && !lg_stop_sig)
		fprintf(stderr, "loadgen: only %u of %u VMs answered within --wait %u s; measuring anyway\n", G.nready,
			G.nvms, G.wait_s);
}

/* The size of --kernel-log (the serial stream isorun saves as it comes), or -1. */
static long long log_size(void)
{
	struct stat st;

	return G.kernel_log && stat(G.kernel_log, &st) == 0 ? (long long)st.st_size : -1;
}

/* After a dismissal: the echoes' 200 ms linger, the exits, and the kernel's @vm line for each on the serial port,
 * which would otherwise fall into the next phase (~1 MB for 10,000 VMs, seconds under TCG). With --kernel-log:
 * until the log has not grown for 1 s (at most 120 s); without: 2 s + 1 ms per dismissed VM. */
static void settle(void)
{
	uint64_t now = lg_now(), start = now, changed = now, next_progress = now + 1000000000u;
	uint64_t end = start + (G.kernel_log ? 120000000000ull : 2000000000ull + G.ndismiss * 1000000ull);
	long long size = log_size(), s;

	while ((now = lg_now()) < end && !G.eof && !lg_stop_sig) {
		turn(&next_progress, "dismissal: the exits", now + 100000000u);
		s = log_size();
		if (s != size)
			size = s, changed = lg_now();
		if (G.kernel_log && size >= 0 && lg_now() - changed >= 1000000000u && lg_now() - start >= 1000000000u)
			break;
	}
}

/* --dismiss: one more datagram to each VM nload..nvms-1 (udp-echo started with an exit count of 2: the probe,
 * then this), then time for them to exit. */
static void dismiss(void)
{
	uint32_t done;

	done = probe(G.nload, G.nvms, W_DISMISS, lg_now() + (uint64_t)G.wait_s * 1000000000u, "dismissal");
	if (done < G.ndismiss && !G.quiet)
		fprintf(stderr, "loadgen: only %u of %u VMs answered their dismissal\n", done, G.ndismiss);
	settle();
}

static uint32_t pick_load_vm(void)
{
	static uint32_t cursor;

	if (G.sweep)
		return cursor++ % G.nload;
	return pick_vm();
}

static int phase_done(const struct lg_phase *ph, uint64_t now)
{
	if (G.max_requests)
		return ph->requests >= G.max_requests;
	return now >= ph->t_main + (uint64_t)(G.duration_s * 1e9);
}

/* One measured phase: send for --duration (or --requests), then wait for the last answers or their timeouts. */
static void run_phase(struct lg_phase *ph)
{
	uint64_t now = lg_now(), next_send = now, next_progress = now + 1000000000u, gap = 0;
	struct lg_cpu c0, c1;
	int sending = 1;

	cpu_sample(&c0);
	G.ph = ph;
	ph->t_main = ph->t_last = now;
	ph->lat0 = G.nlat;
	if (G.rate)
		gap = (uint64_t)(1e9 / G.rate);
	while (!G.eof && !lg_stop_sig && (sending || G.inflight)) {
		unsigned burst = 0;

		now = lg_now();
		if (sending && phase_done(ph, now))
			sending = 0, ph->t_stop = now;
		if (sending && G.rate) {
			while (next_send <= now && burst++ < 1024 && !phase_done(ph, now)) {
				issue(pick_load_vm(), W_MEASURED);
				next_send += gap;
			}
		} else if (sending) {
			while (G.inflight < G.conc && !phase_done(ph, now))
				issue(pick_load_vm(), W_MEASURED);
		}
		turn(&next_progress, NULL, sending && G.rate ? next_send : now + 2000000u);
	}
	if (!ph->t_stop)
		ph->t_stop = lg_now();       /* stopped early: signal or QEMU gone */
	ph->lat1 = G.nlat;
	cpu_sample(&c1);
	cpu_per_response(&c0, &c1, ph->responses, ph);
	report_phase_end(ph);
}

static void run_phases(void)
{
	uint32_t i, ran = 0;

	for (i = 0; i < G.nphases && !G.eof && !lg_stop_sig; i++) {
		if (G.phases[i].dismiss_before)
			dismiss();
		if (G.eof || lg_stop_sig)
			break;
		run_phase(&G.phases[i]);
		ran = i + 1;
	}
	G.nphases = ran;             /* the report covers the phases that ran (the last perhaps cut short) */
	G.ph = &no_phase;
}

static void on_sig(int s)
{
	lg_stop_sig = s;
}

static void write_json(void)
{
	FILE *f;

	if (!G.json)
		return;
	f = fopen(G.json, "w");
	if (!f)
		lg_die("--json %s: %s", G.json, strerror(errno));
	report(f, 1);
	if (fclose(f) != 0)
		lg_die("--json %s: %s", G.json, strerror(errno));
}

int main(int argc, char **argv)
{
	pid_t cmd = 0;

	lg_parse_opts(argc, argv);
	G.ph = &no_phase;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	zipf_init();
	ring_init();
	G.t_start = lg_now();
	if (G.run_cmd)
		cmd = run_start(G.run_cmd);
	G.fd = lg_connect(G.sock_path, G.wait_s, G.run_cmd ? run_alive : NULL);
	if (G.fd < 0) {
		if (G.run_cmd && !run_alive())
			fprintf(stderr, "loadgen: the --run command exited (status %d) before QEMU listened on %s\n",
				G.run_status, G.sock_path);
		else if (lg_stop_sig)
			fprintf(stderr, "loadgen: interrupted before QEMU listened on %s\n", G.sock_path);
		else
			fprintf(stderr, "loadgen: nothing listens on %s after %u s\n", G.sock_path, G.wait_s);
		run_finish("no connection");
		return 2;
	}
	if (G.mode == LG_HTTP)
		http_init();
	ready_phase();
	cpu_find_qemu(cmd);
	run_phases();
	if (G.eof)
		fprintf(stderr, "loadgen: QEMU closed the connection\n");
	close(G.fd);
	run_finish(G.eof ? "QEMU closed the connection" : "load done");
	report(stdout, 0);
	report_silent();
	write_json();
	if (G.table)
		report_table();
	return G.nready == G.nvms && !G.wrong_payload && G.run_status < 2 ? 0 : 1;
}
