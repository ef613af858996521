/* forkbench.c - the Linux-process baseline: N host processes by fork+exec, start rate, memory, load; JSON out.
 *
 * For each service (--services) and instance count N (--ns), --reps times: record /proc/meminfo, fork+exec N
 * instances of the service's binary (bench/baseline/bl-*.c: tiny, UDP echo, HTTP), each with its own loopback
 * address 127.1.0.1+i, and wait until each wrote its readiness byte on a shared pipe (start rate); after
 * --settle ms read /proc/meminfo again (memory per instance = drop of MemAvailable / N) and every instance's
 * /proc/PID/smaps_rollup (Rss, Pss, Private sums / N); for udp_echo and http drive them over loopback with a
 * closed-loop epoll client spreading requests over all N (warm-up: every instance answers once; then
 * --duration s measured: throughput, latency p50/p99/max); SIGKILL them all, reap them, and check in /proc that
 * no child is left. Every figure in the JSON is the median over the repetitions.
 *
 * JSON (--json FILE), read by the report generator to set the project's figures (isorun --json
 * kernel_bytes_per_vm + guest_bytes_per_vm, create_ns_per_vm; loadgen --json throughput) against these:
 *   tool "forkbench", schema 1, date, ok (every instance reaped, every instance answered, no wrong answer),
 *   machine {cpu, cores, ram_bytes, kernel}, settings {...}, limits {...},
 *   ratio_baseline {tiny, udp_echo, http: the "name" of the results entry a ratio uses, why},
 *   fields {metric: meaning}, results [{name, service, linkage, exe, exe_bytes, spawn, n, reps, all_gone,
 *   the FB_METRICS fields (fb.h; medians, null when not measured), runs {mem_bytes_per_instance,
 *   mem_recovered_bytes_per_instance, start_per_s, throughput_per_s: [one value per repetition]}}],
 *   headline [the entry with the largest N of each name].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "fb.h"

static const struct fb_service fb_services[] = {
	{ "tiny_static", "tiny", "static", "bl-tiny-static", FB_TINY, 0 },
	{ "tiny_static_vfork", "tiny", "static", "bl-tiny-static", FB_TINY, 1 },
	{ "tiny_dynamic", "tiny", "dynamic", "bl-tiny-dynamic", FB_TINY, 0 },
	{ "tiny_nolibc", "tiny", "nolibc", "bl-tiny-nolibc", FB_TINY, 0 },
	{ "udp_echo", "udp_echo", "static", "bl-echo-static", FB_UDP, 0 },
	{ "udp_echo_dynamic", "udp_echo", "dynamic", "bl-echo-dynamic", FB_UDP, 0 },
	{ "http", "http", "static", "bl-http-static", FB_HTTP, 0 },
	{ "http_dynamic", "http", "dynamic", "bl-http-dynamic", FB_HTTP, 0 },
};
#define FB_NSERVICES (sizeof fb_services / sizeof fb_services[0])

static const char *fb_metric_names[] = {
#define FB_NAME(f, d) #f,
	FB_METRICS(FB_NAME)
#undef FB_NAME
};
static const char *fb_metric_docs[] = {
#define FB_DOC(f, d) d,
	FB_METRICS(FB_DOC)
#undef FB_DOC
};

/* One (service, N) pair's repetitions. */
struct fb_result {
	const struct fb_service *s;
	long n;
	int nrep;
	struct fb_rep *reps;
	double med[FB_NMETRICS];
	int all_gone;
};

static void fb_usage(FILE *f)
{
	fprintf(f,
	"usage: forkbench [options]\n"
	"The Linux-process baseline for the isolation kernel: the guests' services as host processes started by\n"
	"fork+exec, N at a time; start rate, memory per instance, load over loopback. Progress on stderr, a table on\n"
	"stdout, JSON with --json. Nothing system-wide is changed: only this process's rlimits are raised; a limit\n"
	"that stops an N (kernel.pid_max, kernel.threads-max, hard RLIMIT_NOFILE/NPROC, memory) ends it with a message\n"
	"saying what to change.\n\n"
	"options:\n"
	"  --services LIST   comma-separated; default tiny_static,tiny_static_vfork,tiny_dynamic,tiny_nolibc,\n"
	"                    udp_echo,http; known:\n"
	"                    tiny_static tiny_dynamic tiny_nolibc (bl-tiny: hello, ready, pause; glibc static, glibc\n"
	"                    shared, no libc), tiny_static_vfork (bl-tiny-static started by vfork+exec, as posix_spawn\n"
	"                    does), udp_echo udp_echo_dynamic (bl-echo), http http_dynamic (bl-http); all but the\n"
	"                    *_vfork ones are started by fork+exec\n"
	"  --ns LIST         instance counts (default 1,10,100,1000,10000); 'max': the largest multiple of 1,000\n"
	"                    up to 100,000 the limits allow, if above the others\n"
	"  --reps R          repetitions of each (service, N), medians reported (default 3)\n"
	"  --quick           defaults for CI: --ns 1,100,500 --reps 1 --duration 1 --settle 100 (later options apply)\n"
	"  --concurrency C   requests in flight (default 64)\n"
	"  --duration SEC    measured load per repetition (default 5)\n"
	"  --warm-wait SEC   the warm-up (every instance answers once) may take SEC s + 1 ms per instance (default 10)\n"
	"  --timeout MS      a request unanswered after MS ms is a timeout (default 1000)\n"
	"  --size B          UDP payload bytes, 16..1472 (default 64)\n"
	"  --body B          HTTP body bytes (default 64, as examples/http.c)\n"
	"  --udp-port P      port of every udp_echo instance (default 7007; each instance has its own address)\n"
	"  --http-port P     port of every http instance (default 8080)\n"
	"  --settle MS       pause between all ready and the memory reading, and after the kill (default 300)\n"
	"  --bindir DIR      where the bl-* binaries are (default: forkbench's own directory)\n"
	"  --tmpdir DIR      the instances run private copies of the binaries, made in DIR/forkbench.XXXXXX and\n"
	"                    removed at the end, so a rebuild during a run breaks nothing (default $TMPDIR or /tmp)\n"
	"  --json FILE       write the report as JSON (below)\n"
	"  --quiet           no progress lines\n"
	"  -h, --help        this text\n\n"
	"addresses: instance i binds 127.1.0.1+i (127.0.0.0/8 is all loopback), so N can reach 100,000 without\n"
	"SO_REUSEPORT sharing one socket's port among processes (which would change what a process is).\n\n"
	"JSON: tool, schema (1), date, ok, machine {cpu, cores, ram_bytes, kernel}, settings, limits,\n"
	"ratio_baseline {tiny, udp_echo, http: which results name a project/baseline ratio uses, why},\n"
	"fields {name: meaning}, results [{name, service (tiny|udp_echo|http), linkage (static|dynamic|nolibc), exe,\n"
	"exe_bytes, spawn (fork|vfork), n, reps, all_gone, the figures below (medians; null if not measured),\n"
	"runs {mem_bytes_per_instance, mem_recovered_bytes_per_instance, start_per_s, throughput_per_s: one value\n"
	"per repetition}}],\n"
	"headline [the results entry with the largest n of each name].\nfigures:\n");
	for (int i = 0; i < FB_NMETRICS; i++)
		fprintf(f, "  %-34s %s\n", fb_metric_names[i], fb_metric_docs[i]);
	fprintf(f, "\nexit status: 0 every instance started, answered (udp_echo, http) with no wrong answer, and was\n"
	        "gone afterwards; 1 otherwise; 2 usage error or a limit that does not allow a requested N.\n");
}

static const struct fb_service *fb_service_named(const char *name)
{
	for (size_t i = 0; i < FB_NSERVICES; i++)
		if (strcmp(fb_services[i].name, name) == 0)
			return &fb_services[i];
	return NULL;
}

/* Parses a comma list into o->svc or o->ns; -1 with a message on error. */
static int fb_parse_list(struct fb_opts *o, char *arg, int services)
{
	char *save = NULL;

	if (services)
		o->nsvc = 0;
	else
		o->nns = 0;
	for (char *t = strtok_r(arg, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (services) {
			const struct fb_service *s = fb_service_named(t);
			if (s == NULL || o->nsvc == 16) {
				fprintf(stderr, "forkbench: unknown service '%s' (see --help)\n", t);
				return -1;
			}
			o->svc[o->nsvc++] = s;
		} else {
			char *end;
			long v = strcmp(t, "max") == 0 ? 0 : strtol(t, &end, 10);
			if ((v == 0 && strcmp(t, "max") != 0) || (v != 0 && (*end != '\0' || v < 1)) || o->nns == 32) {
				fprintf(stderr, "forkbench: bad instance count '%s'\n", t);
				return -1;
			}
			o->ns[o->nns++] = v;
		}
	}
	return (services ? o->nsvc : o->nns) > 0 ? 0 : -1;
}

static int fb_num(const char *opt, const char *arg, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*v >= lo && *v <= hi)) {
		fprintf(stderr, "forkbench: %s wants a number in %g..%g, not '%s'\n", opt, lo, hi, arg);
		return -1;
	}
	return 0;
}

/* The directory of this program (/proc/self/exe), else of argv[0]. */
static const char *fb_own_dir(const char *argv0)
{
	static char dir[4096];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	char *slash;

	if (n > 0) {
		dir[n] = '\0';
	} else {
		snprintf(dir, sizeof dir, "%s", argv0);
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return ".";
	*slash = '\0';
	return dir[0] ? dir : "/";
}

static void fb_defaults(struct fb_opts *o, const char *argv0, int quick)
{
	char list[] = "tiny_static,tiny_static_vfork,tiny_dynamic,tiny_nolibc,udp_echo,http";
	char ns_full[] = "1,10,100,1000,10000", ns_quick[] = "1,100,500";

	memset(o, 0, sizeof *o);
	o->bindir = fb_own_dir(argv0);
	o->tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	fb_parse_list(o, list, 1);
	fb_parse_list(o, quick ? ns_quick : ns_full, 0);
	o->reps = quick ? 1 : 3;
	o->conc = 64;
	o->duration = quick ? 1 : 5;
	o->warm_wait = 10;
	o->timeout_ms = 1000;
	o->size = 64;
	o->body = 64;
	o->udp_port = 7007;
	o->http_port = 8080;
	o->settle_ms = quick ? 100 : 300;
}

/* Options into O; 0 ok, 1 help printed, -1 usage error. */
static int fb_options(int argc, char **argv, struct fb_opts *o)
{
	enum { O_SVC = 256, O_NS, O_REPS, O_QUICK, O_CONC, O_DUR, O_WARM, O_TMO, O_SIZE, O_BODY, O_UPORT, O_HPORT,
	       O_SETTLE, O_BINDIR, O_TMPDIR, O_JSON, O_QUIET };
	static const struct option lo[] = {
		{ "services", 1, 0, O_SVC }, { "ns", 1, 0, O_NS }, { "reps", 1, 0, O_REPS }, { "quick", 0, 0, O_QUICK },
		{ "concurrency", 1, 0, O_CONC }, { "duration", 1, 0, O_DUR }, { "warm-wait", 1, 0, O_WARM },
		{ "timeout", 1, 0, O_TMO }, { "size", 1, 0, O_SIZE }, { "body", 1, 0, O_BODY },
		{ "udp-port", 1, 0, O_UPORT }, { "http-port", 1, 0, O_HPORT }, { "settle", 1, 0, O_SETTLE },
		{ "bindir", 1, 0, O_BINDIR }, { "tmpdir", 1, 0, O_TMPDIR }, { "json", 1, 0, O_JSON },
		{ "quiet", 0, 0, O_QUIET }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	int quick = 0, c;
	double v;

	for (int i = 1; i < argc; i++)
		quick |= strcmp(argv[i], "--quick") == 0;
	fb_defaults(o, argv[0], quick);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case O_SVC: bad = fb_parse_list(o, optarg, 1); break;
		case O_NS: bad = fb_parse_list(o, optarg, 0); break;
		case O_REPS: bad = fb_num("--reps", optarg, 1, 1000, &v); o->reps = (int)v; break;
		case O_QUICK: break;
		case O_CONC: bad = fb_num("--concurrency", optarg, 1, 65536, &v); o->conc = (int)v; break;
		case O_DUR: bad = fb_num("--duration", optarg, 0.1, 3600, &v); o->duration = v; break;
		case O_WARM: bad = fb_num("--warm-wait", optarg, 0, 3600, &v); o->warm_wait = v; break;
		case O_TMO: bad = fb_num("--timeout", optarg, 1, 60000, &v); o->timeout_ms = (int)v; break;
		case O_SIZE: bad = fb_num("--size", optarg, 16, 1472, &v); o->size = (int)v; break;
		case O_BODY: bad = fb_num("--body", optarg, 0, 1 << 30, &v); o->body = (long)v; break;
		case O_UPORT: bad = fb_num("--udp-port", optarg, 1, 65535, &v); o->udp_port = (int)v; break;
		case O_HPORT: bad = fb_num("--http-port", optarg, 1, 65535, &v); o->http_port = (int)v; break;
		case O_SETTLE: bad = fb_num("--settle", optarg, 0, 60000, &v); o->settle_ms = (int)v; break;
		case O_BINDIR: o->bindir = optarg; break;
		case O_TMPDIR: o->tmpdir = optarg; break;
		case O_JSON: o->json = optarg; break;
		case O_QUIET: o->quiet = 1; break;
		case 'h': fb_usage(stdout); return 1;
		default: return -1;
		}
		if (bad)
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "forkbench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Sleeps MS ms; a SIGINT/SIGTERM ends the sleep (and every later one) at once. */
static void fb_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (!fb_stop_requested && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The memory figures of a ready fleet, from the meminfo readings before the first fork and now. */
static void fb_measure_mem(const struct fb_fleet *f, const struct fb_meminfo *b, struct fb_meminfo *a, struct fb_rep *r)
{
	double n = (double)f->n, rss, pss, priv;

	fb_meminfo(a);
	r->m[FB_M_mem_bytes_per_instance] = (b->avail - a->avail) / n;
	r->m[FB_M_memfree_bytes_per_instance] = (b->free - a->free) / n;
	r->m[FB_M_kernel_stack_bytes_per_instance] = (a->kstack - b->kstack) / n;
	r->m[FB_M_page_tables_bytes_per_instance] = (a->ptables - b->ptables) / n;
	r->m[FB_M_slab_bytes_per_instance] = (a->slab - b->slab) / n;
	r->m[FB_M_anon_bytes_per_instance] = (a->anon - b->anon) / n;
	if (fb_smaps(f->pids, f->n, &rss, &pss, &priv) == 0) {
		r->m[FB_M_rss_bytes_per_instance] = rss / n;
		r->m[FB_M_pss_bytes_per_instance] = pss / n;
		r->m[FB_M_private_bytes_per_instance] = priv / n;
	}
}

static void fb_progress(const struct fb_opts *o, const struct fb_service *s, long n, int rep, int step, int steps,
                        const struct fb_rep *r)
{
	if (o->quiet)
		return;
	fprintf(stderr, "forkbench: [%d/%d] %s N=%ld rep %d/%d: ready in %.3f s (%.0f/s; fork loop %.0f/s), "
	        "MemAvailable -%.1f KiB/instance (PSS %.1f KiB, RSS %.1f KiB)", step, steps, s->name, n, rep, o->reps,
	        r->m[FB_M_start_seconds], r->m[FB_M_start_per_s], r->m[FB_M_fork_per_s],
	        r->m[FB_M_mem_bytes_per_instance] / 1024, r->m[FB_M_pss_bytes_per_instance] / 1024,
	        r->m[FB_M_rss_bytes_per_instance] / 1024);
	if (s->kind != FB_TINY)
		fprintf(stderr, "; %.0f/%ld answered, %.0f req/s, p50 %.0f us, p99 %.0f us, %.0f errors, %.0f timeouts",
		        r->m[FB_M_instances_answered], n, r->m[FB_M_throughput_per_s], r->m[FB_M_latency_p50_us],
		        r->m[FB_M_latency_p99_us], r->m[FB_M_errors], r->m[FB_M_timeouts]);
	fprintf(stderr, "; killed in %.3f s, %s\n", r->m[FB_M_kill_seconds], r->gone ? "all gone" : "NOT ALL GONE");
}

/* One repetition; 0 ok, -1 the run could not be made (message printed). */
static int fb_run_one(const struct fb_service *s, long n, const struct fb_opts *o, struct fb_rep *r)
{
	struct fb_meminfo before, ready, after;
	struct fb_fleet f;
	int rc = 0;

	for (int i = 0; i < FB_NMETRICS; i++)
		r->m[i] = NAN;
	r->gone = 0;
	if (fb_meminfo(&before) < 0) {
		fprintf(stderr, "forkbench: cannot read MemAvailable from /proc/meminfo\n");
		return -1;
	}
	if (fb_spawn(s, n, o, &f, r) < 0)
		return -1;
	fb_sleep_ms(o->settle_ms);
	fb_measure_mem(&f, &before, &ready, r);
	if (s->kind == FB_UDP)
		rc = fb_udp_load(n, o, r);
	else if (s->kind == FB_HTTP)
		rc = fb_http_load(n, o, r);
	fb_stop(&f, r);
	fb_sleep_ms(o->settle_ms);
	if (fb_meminfo(&after) == 0)
		r->m[FB_M_mem_recovered_bytes_per_instance] = (after.avail - ready.avail) / (double)n;
	return rc;
}

static int fb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of metric K over the repetitions that have it (NaN if none). */
static double fb_median(const struct fb_result *res, int k)
{
	double v[1000];
	int m = 0;

	for (int i = 0; i < res->nrep; i++)
		if (!isnan(res->reps[i].m[k]))
			v[m++] = res->reps[i].m[k];
	if (m == 0)
		return NAN;
	qsort(v, (size_t)m, sizeof v[0], fb_cmp_double);
	return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* Resolves "max" per service and checks every (service, N) against the limits; -1 with a message if one fails. */
static int fb_plan(const struct fb_opts *o, struct fb_result *res, int cap, int *nres)
{
	*nres = 0;
	for (int si = 0; si < o->nsvc; si++) {
		long largest = 0;
		for (int ni = 0; ni < o->nns; ni++)
			if (o->ns[ni] > largest)
				largest = o->ns[ni];
		for (int ni = 0; ni < o->nns; ni++) {
			long n = o->ns[ni];
			char why[512];
			if (n == 0) {
				n = fb_max_n(o->svc[si], o);
				if (n <= largest) {
					if (!o->quiet)
						fprintf(stderr, "forkbench: %s: 'max' is %ld, not above %ld: left out\n",
						        o->svc[si]->name, n, largest);
					continue;
				}
			}
			if (fb_limits(o->svc[si], n, o, why, sizeof why) < 0) {
				fprintf(stderr, "forkbench: %s: %s\n", o->svc[si]->name, why);
				return -1;
			}
			if (*nres == cap)
				return -1;
			res[*nres].s = o->svc[si];
			res[(*nres)++].n = n;
		}
	}
	return 0;
}

/* ---- the report ---- */

static void fb_json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, fabs(v) >= 1000 ? "%.0f" : "%.6g", v);
}

static void fb_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	fputc('"', f);
}

static void fb_cpu_model(char *buf, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, cap, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			char *v = strchr(line, ':') + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, cap, "%s", v);
			break;
		}
	fclose(f);
}

static void fb_json_head(FILE *f, const struct fb_opts *o, int ok, const struct fb_meminfo *start)
{
	char cpu[256], date[64];
	struct utsname u;
	struct rlimit nf, np;
	time_t now = time(NULL);
	FILE *mf = fopen("/proc/meminfo", "re");
	unsigned long long total_kib = 0;

	fb_cpu_model(cpu, sizeof cpu);
	uname(&u);
	getrlimit(RLIMIT_NOFILE, &nf);
	getrlimit(RLIMIT_NPROC, &np);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (mf) {
		if (fscanf(mf, "MemTotal: %llu", &total_kib) != 1)
			total_kib = 0;
		fclose(mf);
	}
	fprintf(f, "{\n  \"tool\": \"forkbench\",\n  \"schema\": 1,\n  \"date\": \"%s\",\n  \"ok\": %s,\n", date,
	        ok ? "true" : "false");
	fprintf(f, "  \"machine\": {\"cpu\": ");
	fb_json_str(f, cpu);
	fprintf(f, ", \"cores\": %ld, \"ram_bytes\": %llu, \"kernel\": \"%s %s\"},\n", sysconf(_SC_NPROCESSORS_ONLN),
	        total_kib * 1024, u.sysname, u.release);
	fprintf(f, "  \"settings\": {\"reps\": %d, \"concurrency\": %d, \"duration_s\": %g, \"warm_wait_s\": %g, "
	        "\"timeout_ms\": %d, \"udp_payload_bytes\": %d, \"http_body_bytes\": %ld, \"udp_port\": %d, "
	        "\"http_port\": %d, \"settle_ms\": %d, \"spawn\": \"fork+exec unless a results entry says spawn vfork\", \"addresses\": \"instance i binds "
	        "127.1.0.1+i\", \"client\": \"forkbench itself: closed loop, epoll, one UDP socket / a keep-alive "
	        "connection pool per instance (ceil(concurrency/N) connections each), instances asked in turn\"},\n",
	        o->reps, o->conc, o->duration, o->warm_wait, o->timeout_ms, o->size, o->body, o->udp_port, o->http_port,
	        o->settle_ms);
	fprintf(f, "  \"limits\": {\"pid_max\": %ld, \"threads_max\": %ld, \"rlimit_nofile\": %llu, "
	        "\"rlimit_nproc\": %llu, \"mem_available_bytes_at_start\": %.0f},\n",
	        fb_read_long("/proc/sys/kernel/pid_max"), fb_read_long("/proc/sys/kernel/threads-max"),
	        (unsigned long long)nf.rlim_cur, (unsigned long long)np.rlim_cur, start->avail);
	fprintf(f, "  \"ratio_baseline\": {\"tiny\": \"tiny_static\", \"udp_echo\": \"udp_echo\", \"http\": \"http\", "
	        "\"why\": \"statically linked C programs with glibc: what a user writes for a small service, and "
	        "smaller per process than the dynamically linked build (tiny_dynamic, also measured), so the "
	        "stronger baseline; tiny_nolibc (raw system calls, no libc) is the floor of a forked process\"},\n");
	fprintf(f, "  \"fields\": {");
	for (int i = 0; i < FB_NMETRICS; i++) {
		fprintf(f, "%s\"%s\": ", i ? ", " : "", fb_metric_names[i]);
		fb_json_str(f, fb_metric_docs[i]);
	}
	fprintf(f, "},\n");
}

static void fb_json_result(FILE *f, const struct fb_opts *o, const struct fb_result *r)
{
	static const int runs[] = { FB_M_mem_bytes_per_instance, FB_M_mem_recovered_bytes_per_instance, FB_M_start_per_s,
	                            FB_M_throughput_per_s };
	char path[4096];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", o->rundir ? o->rundir : o->bindir, r->s->exe);
	fprintf(f, "{\"name\": \"%s\", \"service\": \"%s\", \"linkage\": \"%s\", \"exe\": ", r->s->name, r->s->service,
	        r->s->linkage);
	fb_json_str(f, r->s->exe);
	fprintf(f, ", \"exe_bytes\": %lld, \"spawn\": \"%s\", \"n\": %ld, \"reps\": %d, \"all_gone\": %s",
	        stat(path, &st) == 0 ? (long long)st.st_size : -1LL, r->s->vfork ? "vfork" : "fork", r->n, r->nrep,
	        r->all_gone ? "true" : "false");
	for (int k = 0; k < FB_NMETRICS; k++) {
		fprintf(f, ", \"%s\": ", fb_metric_names[k]);
		fb_json_num(f, r->med[k]);
	}
	fprintf(f, ", \"runs\": {");
	for (size_t j = 0; j < sizeof runs / sizeof runs[0]; j++) {
		fprintf(f, "%s\"%s\": [", j ? ", " : "", fb_metric_names[runs[j]]);
		for (int i = 0; i < r->nrep; i++) {
			fprintf(f, "%s", i ? ", " : "");
			fb_json_num(f, r->reps[i].m[runs[j]]);
		}
		fprintf(f, "]");
	}
	fprintf(f, "}}");
}

static int fb_write_json(const struct fb_opts *o, const struct fb_result *res, int nres, int ok,
                         const struct fb_meminfo *start)
{
	char tmp[4200];
	FILE *f;
	int first = 1;

	snprintf(tmp, sizeof tmp, "%s.tmp", o->json);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "forkbench: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fb_json_head(f, o, ok, start);
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < nres; i++) {
		fprintf(f, "    ");
		fb_json_result(f, o, &res[i]);
		fprintf(f, "%s\n", i + 1 < nres ? "," : "");
	}
	fprintf(f, "  ],\n  \"headline\": [\n");
	for (int i = 0; i < nres; i++) {
		int largest = 1;
		for (int j = 0; j < nres; j++)
			if (res[j].s == res[i].s && res[j].n > res[i].n)
				largest = 0;
		if (!largest)
			continue;
		fprintf(f, "%s    ", first ? "" : ",\n");
		fb_json_result(f, o, &res[i]);
		first = 0;
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0 || rename(tmp, o->json) < 0) {
		fprintf(stderr, "forkbench: cannot write %s: %s\n", o->json, strerror(errno));
		return -1;
	}
	return 0;
}

static void fb_table(const struct fb_result *res, int nres)
{
	printf("%-17s %7s %12s %9s %9s %11s %11s %9s %9s\n", "service", "N", "MemAvail KiB", "PSS KiB", "RSS KiB",
	       "start/s", "req/s", "p50 us", "p99 us");
	for (int i = 0; i < nres; i++) {
		const double *m = res[i].med;
		printf("%-17s %7ld %12.1f %9.1f %9.1f %11.0f %11.0f %9.0f %9.0f\n", res[i].s->name, res[i].n,
		       m[FB_M_mem_bytes_per_instance] / 1024, m[FB_M_pss_bytes_per_instance] / 1024,
		       m[FB_M_rss_bytes_per_instance] / 1024, m[FB_M_start_per_s], m[FB_M_throughput_per_s],
		       m[FB_M_latency_p50_us], m[FB_M_latency_p99_us]);
	}
}

/* Every repetition of every planned (service, N); returns 1 if all went well. */
static int fb_run_all(const struct fb_opts *o, struct fb_result *res, int nres)
{
	int ok = 1, step = 0, steps = nres * o->reps;

	for (int i = 0; i < nres && !fb_stop_requested; i++) {
		struct fb_result *r = &res[i];
		r->reps = calloc((size_t)o->reps, sizeof *r->reps);
		r->all_gone = 1;
		for (int k = 0; r->reps != NULL && k < o->reps && !fb_stop_requested; k++) {
			struct fb_rep *p = &r->reps[k];
			int rc = fb_run_one(r->s, r->n, o, p);
			r->nrep = k + 1;
			fb_progress(o, r->s, r->n, k + 1, ++step, steps, p);
			r->all_gone &= p->gone;
			if (rc < 0 || !p->gone || (r->s->kind != FB_TINY && (p->m[FB_M_instances_answered] != (double)r->n ||
			    p->m[FB_M_errors] > 0)))
				ok = 0;
			if (rc < 0)
				break;
		}
		for (int k = 0; k < FB_NMETRICS; k++)
			r->med[k] = fb_median(r, k);
	}
	return ok && !fb_stop_requested;
}

int main(int argc, char **argv)
{
	static struct fb_result res[16 * 32];
	struct fb_opts o;
	struct fb_meminfo start;
	int nres, ok, rc = fb_options(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	fb_signals();
	if (fb_meminfo(&start) < 0) {
		fprintf(stderr, "forkbench: /proc/meminfo has no MemAvailable (Linux 3.14 or later is needed)\n");
		return 2;
	}
	if (fb_plan(&o, res, (int)(sizeof res / sizeof res[0]), &nres) < 0)
		return 2;
	if (fb_stage(&o, o.tmpdir) < 0)
		return 1;
	if (!o.quiet)
		fprintf(stderr, "forkbench: %d (service, N) pairs x %d repetition(s), binaries from %s run as copies in %s\n",
		        nres, o.reps, o.bindir, o.rundir);
	ok = fb_run_all(&o, res, nres);
	fb_table(res, nres);
	rc = o.json ? fb_write_json(&o, res, nres, ok, &start) : 0;
	fb_unstage(&o);
	if (rc < 0)
		return 1;
	if (o.json)
		printf("wrote %s\n", o.json);
	if (fb_stop_requested)
		fprintf(stderr, "forkbench: interrupted\n");
	return ok ? 0 : 1;
}
