/* loadgen.c - the host load generator: the gateway and its clients on QEMU's stream netdev, UDP echo and HTTP loads. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg.h"

struct lg G;

static const char usage_text[] =
"usage: loadgen --socket PATH (--udp-echo | --http) [options]\n"
"Connects to the unix stream socket QEMU serves for isorun --net-socket PATH (retrying until QEMU listens),\n"
"speaks its framing (4-byte big-endian length, then the Ethernet frame) and plays the world outside the NIC:\n"
"the gateway (base+1 of --subnet, MAC 02:fe:00:00:00:01; it answers ARP for that address) and the clients,\n"
"which all use the gateway address (UDP: one source port per request; HTTP: one host netstack per VM).\n"
"Address plan (isorun --help): VM id i has IPv4 base+2+i and MAC 02:00:<i as 4 bytes big-endian>.\n"
"\n"
"workloads:\n"
"  --udp-echo            datagrams of --size bytes to UDP port 7 of the VMs; the echo must carry the same payload\n"
"  --http                HTTP/1.1 GET --path over TCP, keep-alive (a connection pool per VM); a response must\n"
"                        be status 200 with Content-Length bytes of body\n"
"options:\n"
"  --socket PATH         QEMU's socket (the isorun --net-socket PATH)\n"
"  --vms N               the VMs are ids 0..N-1 (default 1)\n"
"  --subnet CIDR         as given to isorun (default 10.0.0.0/8)\n"
"  --zipf S              pick VMs by Zipf's law with exponent S (VM 0 the most popular); default uniform\n"
"  --rate R              open loop: R requests per second (a send the socket cannot take is a drop)\n"
"  --concurrency C       closed loop: C requests in flight (default 1 if no --rate)\n"
"  --duration SEC        measure for SEC seconds (default 10) ...\n"
"  --requests N          ... or until N requests were sent\n"
"  --size B              UDP payload bytes, 16..1472 (default 64)\n"
"  --path P              HTTP path (default /)\n"
"  --port P              the VMs' port (default 7 for --udp-echo, 80 for --http)\n"
"  --timeout MS          a request unanswered after MS is a timeout (default 3000)\n"
"  --wait SEC            readiness phase: up to SEC s (default 60) connecting to QEMU, then probing every VM\n"
"                        until it has answered once (probes are not measured); the measurement starts when all\n"
"                        answered or SEC s are over\n"
"  --bounce              testing aid against the kernel's netbounce=1 mode: a reply is our own frame with the\n"
"                        MACs swapped (addresses and ports not swapped)\n"
"  --json FILE           write the report as JSON\n"
"  --run 'CMD'           start CMD (sh -c, e.g. \"isorun --net-socket PATH --timeout 90 IMAGE:N\") first, run\n"
"                        the load, then wait for CMD to end (give isorun a --timeout that covers the load)\n"
"  --quiet               no progress lines (default: one per second on stderr)\n"
"  -h, --help            this text\n"
"\n"
"one command for both sides, e.g.:\n"
"  loadgen --run 'build/bin/isorun --quiet --timeout 120 --net-socket /tmp/n.sock build/examples/udp-echo.elf:1000'\n"
"          --socket /tmp/n.sock --vms 1000 --udp-echo --concurrency 64 --duration 20 --json out.json\n"
"\n"
"report (stdout, and --json FILE): workload, vms, requests, responses, errors (wrong payload, bad HTTP status,\n"
"length or connection), timeouts, drops, late (answers after their timeout), throughput (responses/s),\n"
"latency_us {p50, p99, max}, vms_answered (answered at least once, readiness probes included), vms_ready and\n"
"ready_seconds (the readiness phase), fairness {min, median, max responses per VM, jain}, seconds,\n"
"rx_frames, tx_frames, arp_replies, run_exit_status (--run: CMD's exit status, else null).\n"
"exit status: 0 every VM answered and no payload or response was wrong; 1 otherwise (or CMD exited >= 2);\n"
"2 usage error or no connection.\n";

static double *zipf_cdf;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static volatile sig_atomic_t stop_sig;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void on_sig(int s)
{
	stop_sig = s;
}

static double parse_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= min && v <= max))
		lg_die("%s: expected a number in %g..%g, got '%s'", opt, min, max, s);
	return v;
}

static void parse_subnet(const char *arg)
{
	unsigned a[4], bits;
	char tail;

	if (sscanf(arg, "%3u.%3u.%3u.%3u/%2u%c", &a[0], &a[1], &a[2], &a[3], &bits, &tail) != 5 || a[0] > 255 ||
	    a[1] > 255 || a[2] > 255 || a[3] > 255 || bits < 8 || bits > 30)
		lg_die("--subnet: expected a.b.c.d/n with n in 8..30, got '%s'", arg);
	G.net_ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	G.net_bits = bits;
	if (G.net_ip & ((1u << (32 - bits)) - 1))
		lg_die("--subnet %s: host bits are set", arg);
}

static const struct option long_opts[] = {
	{ "socket", 1, 0, 's' }, { "udp-echo", 0, 0, 'U' }, { "http", 0, 0, 'H' }, { "vms", 1, 0, 'n' },
	{ "subnet", 1, 0, 'S' }, { "zipf", 1, 0, 'z' }, { "rate", 1, 0, 'r' }, { "concurrency", 1, 0, 'c' },
	{ "duration", 1, 0, 'd' }, { "requests", 1, 0, 'N' }, { "size", 1, 0, 'b' }, { "path", 1, 0, 'p' },
	{ "timeout", 1, 0, 't' }, { "wait", 1, 0, 'w' }, { "bounce", 0, 0, 'B' }, { "json", 1, 0, 'j' },
	{ "run", 1, 0, 'R' }, { "port", 1, 0, 'P' }, { "quiet", 0, 0, 'q' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
};

static void parse_opts(int argc, char **argv)
{
	int c, modes = 0;

	G.nvms = 1, G.net_ip = 10u << 24, G.net_bits = 8, G.duration_s = 10, G.size = 64;
	G.timeout_ms = 3000, G.wait_s = 60, G.http_path = "/";
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 's': G.sock_path = optarg; break;
		case 'U': G.mode = LG_UDP, modes++; break;
		case 'H': G.mode = LG_HTTP, modes++; break;
		case 'n': G.nvms = (uint32_t)parse_num("--vms", optarg, 1, 1 << 24); break;
		case 'S': parse_subnet(optarg); break;
		case 'z': G.zipf = parse_num("--zipf", optarg, 0, 10); break;
		case 'r': G.rate = parse_num("--rate", optarg, 0.001, 1e7); break;
		case 'c': G.conc = (uint32_t)parse_num("--concurrency", optarg, 1, 1 << 20); break;
		case 'd': G.duration_s = parse_num("--duration", optarg, 0.001, 1e6); break;
		case 'N': G.max_requests = (uint64_t)parse_num("--requests", optarg, 1, 1e12); break;
		case 'b': G.size = (uint32_t)parse_num("--size", optarg, 16, 1472); break;
		case 'p': G.http_path = optarg; break;
		case 't': G.timeout_ms = (uint32_t)parse_num("--timeout", optarg, 1, 3600000); break;
		case 'w': G.wait_s = (uint32_t)parse_num("--wait", optarg, 0, 86400); break;
		case 'B': G.bounce = 1; break;
		case 'j': G.json = optarg; break;
		case 'R': G.run_cmd = optarg; break;
		case 'q': G.quiet = 1; break;
		case 'P': G.port = (uint16_t)parse_num("--port", optarg, 1, 65535); break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default: lg_die("unknown option or missing argument (loadgen --help)");
		}
	}
	if (optind != argc || !G.sock_path || modes != 1)
		lg_die("give --socket PATH and one of --udp-echo, --http (loadgen --help)");
	if (G.rate && G.conc)
		lg_die("--rate (open loop) and --concurrency (closed loop) are exclusive");
	if (!G.rate && !G.conc)
		G.conc = 1;
	if (G.bounce && G.mode != LG_UDP)
		lg_die("--bounce works with --udp-echo only");
	if (2 + (uint64_t)G.nvms >= 1ull << (32 - G.net_bits))
		lg_die("--vms %u do not fit in a /%u", G.nvms, G.net_bits);
	if (!G.port)
		G.port = G.mode == LG_UDP ? 7 : 80;
	G.gw = G.net_ip + 1;
	memcpy(G.mac, (uint8_t[]){ 0x02, 0xfe, 0, 0, 0, 0x01 }, 6);
}

/* Zipf's law over VM ranks 1..N, as a cumulative table. */
static void zipf_init(void)
{
	double sum = 0;
	uint32_t i;

	if (G.zipf <= 0)
		return;
	zipf_cdf = malloc(G.nvms * sizeof *zipf_cdf);
	if (!zipf_cdf)
		lg_die("out of memory");
	for (i = 0; i < G.nvms; i++)
		zipf_cdf[i] = sum += 1.0 / pow(i + 1, G.zipf);
	for (i = 0; i < G.nvms; i++)
		zipf_cdf[i] /= sum;
}

static uint32_t pick_vm(void)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	uint32_t lo = 0, hi = G.nvms - 1;

	if (!zipf_cdf)
		return (uint32_t)(rnd() % G.nvms);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- UDP echo ---- */

#define UDP_MAGIC 0x4c47454fu   /* "LGEO" */

static void udp_payload(uint8_t *p, uint64_t seq, uint32_t vm)
{
	uint32_t i, magic = UDP_MAGIC;

	memcpy(p, &seq, 8);
	memcpy(p + 8, &vm, 4);
	memcpy(p + 12, &magic, 4);
	for (i = 16; i < G.size; i++)
		p[i] = (uint8_t)(seq * 31 + i);
}

static uint16_t udp_port(uint64_t seq)
{
	return (uint16_t)(32768 + seq % 28000);
}

static int udp_issue(struct lg_slot *sl)
{
	uint8_t f[LG_FRAME_MAX], *u = f + 34;
	size_t ulen = 8 + G.size;
	uint32_t sum;
	uint16_t c, sp = udp_port(sl->seq);

	lg_vm_mac(sl->vm, f);
	memcpy(f + 6, G.mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	lg_put_ipv4(f + 14, G.gw, lg_vm_ip(sl->vm), 17, ulen);
	u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp, u[2] = (uint8_t)(G.port >> 8), u[3] = (uint8_t)G.port;
	u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen, u[6] = u[7] = 0;
	udp_payload(u + 8, sl->seq, sl->vm);
	/* pseudo header: addresses, protocol, UDP length */
	sum = (G.gw >> 16) + (G.gw & 0xffff) + (lg_vm_ip(sl->vm) >> 16) + (lg_vm_ip(sl->vm) & 0xffff) + 17 +
	      (uint32_t)ulen;
	c = lg_csum(u, ulen, sum);
	c = c ? c : 0xffff;
	u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
	return lg_send_frame(f, 34 + ulen);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An echo (or with --bounce our own frame back): find its request, compare the payload. */
static void udp_frame(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *u;
	uint32_t vm, src = get32(ip + 12), dst = get32(ip + 16), pvm;
	uint64_t seq;
	uint8_t want[1472];
	size_t hl = (size_t)(ip[0] & 15) * 4, plen;
	struct lg_slot *sl;

	if (len < 14 + hl + 8 || ip[9] != 17 || !lg_ip_vm(G.bounce ? dst : src, &vm)) {
		G.rx_ignored++;
		return;
	}
	u = ip + hl;
	plen = (size_t)(u[4] << 8 | u[5]);
	if (plen < 8 + 16 || 14 + hl + plen > len || (G.bounce ? get16(u + 2) : get16(u)) != G.port) {
		G.rx_ignored++;
		return;
	}
	plen -= 8;
	memcpy(&seq, u + 8, 8);
	memcpy(&pvm, u + 16, 4);
	sl = &G.ring[seq & G.mask];
	if (sl->seq != seq || sl->state != SL_PENDING || seq >= G.next_seq) {
		G.late++;
		return;
	}
	udp_payload(want, seq, sl->vm);
	lg_complete(sl, pvm == vm && sl->vm == vm && plen == G.size && !memcmp(u + 8, want, plen) &&
			    (G.bounce ? u[0] << 8 | u[1] : u[2] << 8 | u[3]) == udp_port(seq) ? LG_OK : LG_WRONG);
}

static void frame_in(const uint8_t *f, size_t len)
{
	uint32_t vm;

	if (len < 42) {
		G.rx_ignored++;
		return;
	}
	if (f[12] == 0x08 && f[13] == 0x06) {
		/* ARP: a VM's own stack if it has one (HTTP), else we answer requests for the gateway */
		if (G.mode == LG_HTTP && lg_ip_vm(get32(f + 28), &vm) && http_has_stack(vm))
			http_frame(vm, f, len);
		else if (f[20] == 0 && f[21] == 1 && get32(f + 38) == G.gw)
			lg_arp_reply(f);
		else
			G.rx_ignored++;
		return;
	}
	if (f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4) {
		G.rx_ignored++;
		return;
	}
	if (G.mode == LG_UDP)
		udp_frame(f, len);
	else if (lg_ip_vm(get32(f + 26), &vm))
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
	if (!sl->warm)
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
	if (sl->warm)
		return;
	if (!ok) {
		G.errors++;
		return;
	}
	G.responses++;
	G.vm_resp[sl->vm]++;
	G.t_last = now;
	lat_add(now - sl->sent_ns);
}

/* Sends one request to vm; a send the wire or the pool cannot take is a drop. */
static void issue(uint32_t vm, int warm)
{
	struct lg_slot *sl = &G.ring[G.next_seq & G.mask];
	int r;

	if (sl->state == SL_PENDING) {          /* the ring wrapped over a request still waiting */
		if (!sl->warm)
			G.timeouts++;
		if (G.mode == LG_HTTP)
			http_timeout(sl);
		retire(sl);
	}
	memset(sl, 0, sizeof *sl);
	sl->seq = G.next_seq++;
	sl->vm = vm;
	sl->warm = (uint8_t)warm;
	sl->sent_ns = lg_now();
	sl->state = SL_PENDING;
	G.outstanding++;
	if (!warm)
		G.requests++, G.inflight++;
	r = G.mode == LG_UDP ? udp_issue(sl) : http_issue(sl);
	if (r < 0) {
		retire(sl);
		if (!warm)
			G.drops++;
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
			if (!sl->warm)
				G.timeouts++;
			if (G.mode == LG_HTTP)
				http_timeout(sl);
			retire(sl);
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
	if (!G.ring || !G.vm_resp || !G.vm_ready)
		lg_die("out of memory");
	G.mask = cap - 1;
}

/* ---- the loop ---- */

static void progress(uint64_t now)
{
	double t = (double)(now - G.t_start) / 1e9;

	if (G.quiet)
		return;
	if (G.warm)
		fprintf(stderr, "loadgen: %.0f s: ready %u of %u VMs\n", t, G.nready, G.nvms);
	else
		fprintf(stderr, "loadgen: %.0f s: %llu sent, %llu answered, %llu timeouts, %llu errors, %llu drops, "
			"%u of %u VMs answered\n", t, (unsigned long long)G.requests,
			(unsigned long long)G.responses, (unsigned long long)G.timeouts,
			(unsigned long long)G.errors, (unsigned long long)G.drops, G.nready, G.nvms);
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

/* Readiness: every VM gets a probe (at most 256 in flight, one per VM, again after PROBE_EVERY) until it
 * answered once. */
static void warm_phase(void)
{
	uint64_t end = G.t_start + (uint64_t)G.wait_s * 1000000000u, next_progress = lg_now() + 1000000000u;
	uint64_t every = G.mode == LG_UDP ? 500000000u : (uint64_t)G.timeout_ms * 1000000u;
	uint64_t *last = calloc(G.nvms, sizeof *last);
	uint32_t cursor = 0;

	if (!last)
		lg_die("out of memory");
	G.warm = 1;
	while (G.nready < G.nvms && lg_now() < end && !G.eof && !stop_sig) {
		uint32_t tries = 0, vm;
		uint64_t now = lg_now();

		while (G.outstanding < 256 && tries++ < G.nvms) {
			vm = cursor++ % G.nvms;
			if (!G.vm_ready[vm] && (!last[vm] || now - last[vm] >= every)) {
				last[vm] = now;
				issue(vm, 1);
			}
		}
		reap(lg_now());
		if (G.mode == LG_HTTP)
			http_timers(lg_now());
		lg_flush();
		if (lg_now() >= next_progress) {
			progress(lg_now());
			next_progress += 1000000000u;
		}
		wait_io(lg_now() + 2000000u);
	}
	G.warm = 0;
	G.nready_warm = G.nready;
	free(last);
}

static int main_done(uint64_t now)
{
	if (G.max_requests)
		return G.requests >= G.max_requests;
	return now >= G.t_main + (uint64_t)(G.duration_s * 1e9);
}

static void main_phase(void)
{
	uint64_t now = lg_now(), next_send = now, next_progress = now + 1000000000u, gap = 0;
	int sending = 1;

	G.t_main = G.t_last = now;
	if (G.rate)
		gap = (uint64_t)(1e9 / G.rate);
	while (!G.eof && !stop_sig && (sending || G.inflight)) {
		unsigned burst = 0;

		now = lg_now();
		if (sending && main_done(now))
			sending = 0, G.t_stop = now;
		if (sending && G.rate) {
			while (next_send <= now && burst++ < 1024 && !main_done(now)) {
				issue(pick_vm(), 0);
				next_send += gap;
			}
		} else if (sending) {
			while (G.inflight < G.conc && !main_done(now))
				issue(pick_vm(), 0);
		}
		reap(now);
		if (G.mode == LG_HTTP)
			http_timers(now);
		lg_flush();
		if (now >= next_progress) {
			progress(now);
			next_progress += 1000000000u;
		}
		wait_io(sending && G.rate ? next_send : now + 2000000u);
	}
}

/* ---- the report ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)ceil(p * (double)n) - 1;
	return v[i >= n ? n - 1 : i];
}

static void report(FILE *f, double secs, int run_status, int json)
{
	uint32_t *fair = malloc(G.nvms * sizeof *fair), i;
	double s = 0, s2 = 0, jain;
	const char *fmt;

	if (!fair)
		lg_die("out of memory");
	for (i = 0; i < G.nvms; i++) {
		fair[i] = G.vm_resp[i];
		s += fair[i];
		s2 += (double)fair[i] * fair[i];
	}
	qsort(fair, G.nvms, sizeof *fair, cmp_u32);
	if (G.nlat)
		qsort(G.lat_us, G.nlat, sizeof *G.lat_us, cmp_u32);
	jain = s2 > 0 ? s * s / (G.nvms * s2) : 0;
	fmt = json ? "{\n  \"workload\": \"%s\", \"vms\": %u, \"requests\": %llu, \"responses\": %llu, \"errors\": %llu,\n"
		     "  \"timeouts\": %llu, \"drops\": %llu, \"late\": %llu, \"throughput\": %.1f,\n"
		     "  \"latency_us\": {\"p50\": %u, \"p99\": %u, \"max\": %u},\n"
		     "  \"vms_answered\": %u, \"vms_ready\": %u, \"ready_seconds\": %.3f,\n"
		     "  \"fairness\": {\"min\": %u, \"median\": %u, \"max\": %u, \"jain\": %.4f},\n"
		     "  \"seconds\": %.3f, \"rx_frames\": %llu, \"tx_frames\": %llu, \"arp_replies\": %llu, "
		     "\"run_exit_status\": %s\n}\n"
		   : "loadgen: %s to %u VMs: %llu requests, %llu responses, %llu errors, %llu timeouts, %llu drops, "
		     "%llu late; %.1f responses/s\nloadgen: latency p50 %u us, p99 %u us, max %u us\n"
		     "loadgen: %u VMs answered (%u ready in %.3f s); per VM min %u median %u max %u, Jain %.4f\n"
		     "loadgen: %.3f s measured; frames rx %llu tx %llu, ARP replies %llu; run exit status %s\n";
	char rs[16];
	snprintf(rs, sizeof rs, run_status < 0 ? "null" : "%d", run_status);
	fprintf(f, fmt, G.mode == LG_UDP ? "udp-echo" : "http", G.nvms, (unsigned long long)G.requests,
		(unsigned long long)G.responses, (unsigned long long)G.errors, (unsigned long long)G.timeouts,
		(unsigned long long)G.drops, (unsigned long long)G.late, secs > 0 ? (double)G.responses / secs : 0.0,
		pct(G.lat_us, G.nlat, 0.5), pct(G.lat_us, G.nlat, 0.99), G.nlat ? G.lat_us[G.nlat - 1] : 0,
		G.nready, G.nready_warm, (double)(G.t_main - G.t_start) / 1e9, fair[0], fair[G.nvms / 2],
		fair[G.nvms - 1], jain, secs, (unsigned long long)G.rx_frames, (unsigned long long)G.tx_frames,
		(unsigned long long)G.arp_replies, rs);
	free(fair);
}

/* Names the first VMs that never answered. */
static void print_silent(void)
{
	uint32_t i, shown = 0;

	if (G.nready == G.nvms)
		return;
	printf("loadgen: never answered (%u VMs):", G.nvms - G.nready);
	for (i = 0; i < G.nvms && shown < 10; i++)
		if (!G.vm_ready[i])
			printf(" %u", i), shown++;
	printf("%s\n", G.nvms - G.nready > shown ? " ..." : "");
}

/* --run: CMD in its own process group (so a stop reaches QEMU too). */
static pid_t start_cmd(const char *cmd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		lg_die("fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static pid_t child;
static int child_status = -1;     /* set once reaped */

static int child_alive(void)
{
	int st;

	if (child <= 0 || child_status >= 0)
		return child_status < 0 && child > 0;
	if (waitpid(child, &st, WNOHANG) != child)
		return 1;
	child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static int wait_cmd(pid_t pid)
{
	int st;

	if (pid <= 0)
		return -1;
	if (child_status >= 0)
		return child_status;
	if (stop_sig)
		kill(-pid, SIGTERM);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	int run_status, ok;
	double secs;

	parse_opts(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	zipf_init();
	ring_init();
	G.t_start = lg_now();
	if (G.run_cmd)
		child = start_cmd(G.run_cmd);
	G.fd = lg_connect(G.sock_path, G.wait_s, child > 0 ? child_alive : NULL);
	if (G.fd < 0) {
		if (child_status >= 0)
			fprintf(stderr, "loadgen: the --run command exited (status %d) before QEMU listened on %s\n",
				child_status, G.sock_path);
		else
			fprintf(stderr, "loadgen: nothing listens on %s after %u s\n", G.sock_path, G.wait_s);
		if (child_alive())
			kill(-child, SIGTERM), wait_cmd(child);
		return 2;
	}
	if (G.mode == LG_HTTP)
		http_init();
	warm_phase();
	if (G.nready < G.nvms && !G.quiet && !G.eof && !stop_sig)
		fprintf(stderr, "loadgen: only %u of %u VMs answered within --wait %u s; measuring anyway\n", G.nready,
			G.nvms, G.wait_s);
	main_phase();
	if (!G.t_stop)
		G.t_stop = lg_now();       /* stopped early: signal or QEMU gone */
	secs = (double)((G.t_last > G.t_stop ? G.t_last : G.t_stop) - G.t_main) / 1e9;
	if (G.eof)
		fprintf(stderr, "loadgen: QEMU closed the connection\n");
	close(G.fd);
	run_status = wait_cmd(child);
	report(stdout, secs, run_status, 0);
	print_silent();
	if (G.json) {
		FILE *f = fopen(G.json, "w");

		if (!f)
			lg_die("--json %s: %s", G.json, strerror(errno));
		report(f, secs, run_status, 1);
		fclose(f);
	}
	ok = G.nready == G.nvms && !G.wrong_payload && (run_status < 2);
	return ok ? 0 : 1;
}
