/* fb.h - forkbench's parts (the Linux-process baseline driver): options, services, fleet, memory, load clients. */
#ifndef FB_H
#define FB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fb_kind { FB_TINY, FB_UDP, FB_HTTP };

/* One measurable service: a binary in --bindir and how to start and drive it. */
struct fb_service {
	const char *name;        /* JSON "name", e.g. tiny_static */
	const char *service;     /* tiny | udp_echo | http: what the project's guest of that name does */
	const char *linkage;     /* static | dynamic | nolibc */
	const char *exe;         /* file name in --bindir */
	enum fb_kind kind;
	int vfork;               /* started by vfork+exec (as posix_spawn does) instead of fork+exec */
};

struct fb_opts {
	const char *bindir;      /* where the bl-* binaries were built */
	const char *tmpdir;      /* where the private copies go (--tmpdir) */
	const char *rundir;      /* the private copies the instances are started from (fb_stage.c) */
	const char *json;
	const struct fb_service *svc[16];
	int nsvc;
	long ns[32];             /* instance counts; 0 stands for "max" until resolved per service */
	int nns;
	int reps;
	int conc;                /* requests in flight */
	double duration;         /* measured seconds of load */
	double warm_wait;        /* seconds the warm-up (every instance answers once) may take, + 1 ms per instance */
	long body;               /* HTTP body bytes */
	int size;                /* UDP payload bytes */
	int udp_port, http_port;
	int timeout_ms;          /* a request unanswered this long is a timeout */
	int settle_ms;           /* pause between "all ready" and the memory reading */
	int quiet;
};

/* The figures of one repetition; medians over repetitions go to the JSON under the same names.
 * X(field, unit-or-meaning): every field is a double, NaN when not measured (JSON null). */
#define FB_METRICS(X) \
	X(start_per_s, "instances per second from the first fork until every instance signalled ready") \
	X(start_seconds, "seconds from the first fork until every instance signalled ready") \
	X(fork_per_s, "instances per second of the fork+exec loop alone (readiness not awaited)") \
	X(mem_bytes_per_instance, "drop in /proc/meminfo MemAvailable from before the first fork to all ready, / N") \
	X(memfree_bytes_per_instance, "the same for MemFree") \
	X(kernel_stack_bytes_per_instance, "growth of meminfo KernelStack / N") \
	X(page_tables_bytes_per_instance, "growth of meminfo PageTables / N") \
	X(slab_bytes_per_instance, "growth of meminfo Slab / N") \
	X(anon_bytes_per_instance, "growth of meminfo AnonPages / N") \
	X(rss_bytes_per_instance, "sum of Rss in /proc/PID/smaps_rollup over the instances / N") \
	X(pss_bytes_per_instance, "sum of Pss (shared pages split among their users) / N") \
	X(private_bytes_per_instance, "sum of Private_Clean + Private_Dirty / N") \
	X(mem_recovered_bytes_per_instance, "MemAvailable regained from all ready to all killed and reaped, / N") \
	X(kill_seconds, "SIGKILL to every instance until all are reaped") \
	X(throughput_per_s, "responses per second in the measured window (closed loop, --concurrency in flight)") \
	X(latency_p50_us, "median request latency in the measured window, microseconds") \
	X(latency_p99_us, "99th percentile latency, microseconds") \
	X(latency_max_us, "largest latency, microseconds") \
	X(requests, "requests sent in the measured window") \
	X(responses, "correct responses in the measured window") \
	X(errors, "wrong payload, bad status or length, broken connection") \
	X(timeouts, "requests unanswered after --timeout") \
	X(instances_answered, "instances that answered the warm-up request (must be N)") \
	X(load_seconds, "length of the measured window")

enum {
#define FB_ENUM(f, d) FB_M_##f,
	FB_METRICS(FB_ENUM)
#undef FB_ENUM
	FB_NMETRICS
};

struct fb_rep {
	double m[FB_NMETRICS];
	int gone;                /* every instance reaped and no child left in /proc */
};

/* A started set of instances (fb_spawn.c). */
struct fb_fleet {
	pid_t *pids;
	long n, started, ready;
	int ready_rd;            /* read end of the readiness pipe */
};

/* fb_spawn.c */
uint32_t fb_addr(long i);                         /* instance i's IPv4 address (host order): 127.1.0.1 + i */
void fb_addr_str(long i, char *buf, size_t cap);
/* The first number in file path (a /proc/sys value), or -1. */
long fb_read_long(const char *path);
int fb_limits(const struct fb_service *s, long n, const struct fb_opts *o, char *why, size_t cap);
long fb_max_n(const struct fb_service *s, const struct fb_opts *o);
int fb_spawn(const struct fb_service *s, long n, const struct fb_opts *o, struct fb_fleet *f, struct fb_rep *r);
int fb_stop(struct fb_fleet *f, struct fb_rep *r);
void fb_signals(void);

/* fb_stage.c */
int fb_stage(struct fb_opts *o, const char *tmpdir);
void fb_unstage(struct fb_opts *o);

/* fb_mem.c: the /proc/meminfo fields forkbench follows, in bytes. */
struct fb_meminfo {
	double avail, free, kstack, ptables, slab, anon;
};
int fb_meminfo(struct fb_meminfo *mi);
int fb_smaps(const pid_t *pids, long n, double *rss, double *pss, double *priv);
double fb_now(void);                              /* CLOCK_MONOTONIC seconds */
uint64_t fb_now_ns(void);

/* fb_load.c: the closed-loop engine both clients use: slots, target order, timeouts, latencies, the two phases
 * (warm-up: every instance answers once, not measured; then the measured window of --duration s). */
struct fb_slot {
	uint64_t seq, t_send;    /* t_send 0: free */
	long target;
	long conn;               /* the transport's handle for it (HTTP: a connection), -1 when none */
};

struct fb_engine {
	long n;
	int conc;
	uint64_t timeout_ns;
	int measuring;           /* 0: warm-up (every instance once), 1: the measured sweep */
	long warm_next, sweep;
	long *retry;             /* warm-up targets to ask again (timed out or failed) */
	long nretry;
	uint8_t *answered;
	long nanswered;
	uint64_t seq;
	struct fb_slot *slots;
	/* the measured window */
	uint64_t t_start, t_end;
	double requests, responses, errors, timeouts;
	uint64_t *lat;
	size_t nlat, caplat;
};

enum fb_outcome { FB_OK, FB_ERR, FB_TIMEOUT };

/* What a client provides: send a request for TARGET in SLOT (0 sent, 1 that target cannot take one now,
 * -1 failed: the slot then waits for its timeout); wait up to MS ms for answers and report each with
 * fb_engine_answer; drop a timed-out SLOT's state (e.g. close its connection). */
struct fb_transport {
	void *ctx;
	int (*send)(void *ctx, struct fb_engine *e, int slot, long target);
	void (*poll)(void *ctx, struct fb_engine *e, int ms);
	void (*drop)(void *ctx, struct fb_engine *e, int slot);
};

int fb_engine_init(struct fb_engine *e, long n, const struct fb_opts *o);
void fb_engine_free(struct fb_engine *e);
void fb_engine_answer(struct fb_engine *e, int slot, enum fb_outcome out, uint64_t now);
int fb_engine_run(struct fb_engine *e, const struct fb_transport *t, const struct fb_opts *o, struct fb_rep *r);

/* fb_udp.c, fb_http.c: warm-up (every instance answers once), then the measured window; 0 ok, -1 failure. */
int fb_udp_load(long n, const struct fb_opts *o, struct fb_rep *r);
int fb_http_load(long n, const struct fb_opts *o, struct fb_rep *r);

/* The driver's interruption flag (SIGINT/SIGTERM). */
extern volatile int fb_stop_requested;

#endif
