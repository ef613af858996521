/* lg.h - the load generator's shared state: options, the stream-socket wire, the request table, phases and statistics. */
#ifndef LG_H
#define LG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"

#define LG_OUT_MAX    (4u << 20)     /* bytes queued towards QEMU before sends count as drops */
#define LG_MAX_PHASES 64

enum lg_mode { LG_UDP, LG_HTTP };
enum lg_slot_state { SL_FREE, SL_PENDING, SL_DONE };
enum lg_warm { W_MEASURED, W_PROBE, W_DISMISS };   /* what a request is for */

/* One request in flight (ring indexed by seq & mask). */
struct lg_slot {
	uint64_t seq, sent_ns;
	uint32_t vm;
	uint8_t state, warm;        /* warm: enum lg_warm; not W_MEASURED: not part of the measurement */
	uint8_t bare;               /* UDP: sent to the NIC's own MAC (the driver bounces it), not to the VM */
	void *conn;                 /* HTTP: the connection carrying it */
};

/* One measured phase: its requests go to the VMs (or, bare, to the NIC's MAC); counters are its own. */
struct lg_phase {
	const char *name;
	int bare, dismiss_before;   /* dismiss_before: the --dismiss VMs are sent away before it starts */
	uint64_t requests, responses, errors, timeouts, drops;
	uint64_t t_main, t_stop, t_last;   /* start, end of sending, last answer */
	size_t lat0, lat1;          /* its latencies: lat_us[lat0..lat1) */
	uint32_t p50, p99, max;
	double secs;
	int cpu_known;              /* CPU microseconds per response: QEMU's main thread, its vCPU (other threads), us */
	double us_main, us_vcpu, us_self;
};

/* CPU clock ticks so far (lg_cpu.c). */
struct lg_cpu {
	int have_qemu;
	unsigned long long qemu_main, qemu_other, self;
};

/* What isorun's --json said (--isorun-json), for the summary table. */
struct lg_runinfo {
	int have;
	char accel[16];
	double vms_started, kernel_bytes_per_vm, guest_bytes_per_vm, qemu_mem_mib, run_seconds;
	int have_switch;            /* the kernel's @switch line was found (--kernel-log) */
	char switch_line[1024];     /* its key=value fields */
	uint64_t switch_drops;      /* the sum of its drop_* fields */
};

struct lg {
	/* options */
	enum lg_mode mode;
	uint32_t nvms, nload, ndismiss;     /* VMs known (ids 0..nvms-1); under load: 0..nload-1; dismissed: the rest */
	uint32_t net_ip, net_bits, gw, alternate, repeat;
	uint32_t tenant;                    /* --tenant T: the VMs are tenant T's (its block, lib/netplan.h); 0: none */
	double zipf, rate, duration_s, stop_wait_s;
	uint32_t conc, size, timeout_ms, wait_s;
	uint16_t port;                      /* the VMs' service port: 7 (UDP echo), 80 (HTTP) */
	uint64_t max_requests;
	int bounce, quiet, sweep, no_stop, table;
	const char *ratio_a, *ratio_b;      /* phases compared: median throughput of phases named a / of b */
	uint8_t nic_mac[6];                 /* the NIC's MAC (--nic-mac): the driver bounces frames sent to it */
	const char *sock_path, *json, *run_cmd, *http_path, *isorun_json, *kernel_log;
	/* wire */
	int fd;
	uint8_t mac[6];
	uint8_t *in, *out;
	size_t inlen, outlen;
	int eof;
	/* requests */
	struct lg_slot *ring;
	uint64_t mask, next_seq, tail, outstanding, inflight;   /* inflight: measured ones only */
	/* phases */
	struct lg_phase phases[LG_MAX_PHASES];
	uint32_t nphases;
	struct lg_phase *ph;                /* the phase running (NULL in the readiness phase) */
	/* statistics (all phases together unless named otherwise) */
	uint64_t requests, responses, errors, timeouts, drops, late, wrong_payload;
	uint64_t rx_frames, tx_frames, rx_ignored, arp_replies;
	uint32_t *vm_resp, *vm_ready;       /* per VM: measured responses; answered at all (0/1) */
	uint8_t *vm_gone;                   /* per VM: answered its dismissal datagram */
	uint32_t *lat_us;
	size_t nlat, caplat;
	uint32_t nready, nready_warm, ngone;
	uint64_t t_start, t_ready;          /* start; end of the readiness phase */
	double secs;                        /* measured seconds, all phases */
	int warm;                           /* in the readiness phase */
	/* --run */
	int run_status;                     /* CMD's exit status (128 + signal if killed), -1 if none */
	int run_signalled;                  /* loadgen sent CMD SIGTERM after the load (1) or had to SIGKILL it (2) */
	double cpu_self_s, cpu_run_s;       /* CPU seconds: loadgen; CMD and its descendants (QEMU) */
	long maxrss_self_kib, maxrss_run_kib;   /* peak RSS: loadgen; the largest of CMD's process tree (QEMU) */
	struct lg_runinfo ri;
};

extern struct lg G;
extern volatile sig_atomic_t lg_stop_sig;   /* SIGINT/SIGTERM to loadgen */

/* lg_wire.c */
uint64_t lg_now(void);
void lg_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int lg_connect(const char *path, double wait_s, int (*alive)(void));
int lg_send_frame(const void *frame, size_t len);    /* 0, or -1 if the output is backed up (a drop) */
void lg_flush(void);
void lg_read(void (*fn)(const uint8_t *frame, size_t len));
uint32_t lg_vm_ip(uint32_t vm);                      /* the plan (netplan.h) on --subnet */
int lg_ip_vm(uint32_t ip, uint32_t *vm);             /* 1 if ip is one of the --vms VMs' addresses */
void lg_arp_reply(const uint8_t *req);
void lg_put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, size_t payload_len);

/* loadgen.c: the request table */
enum { LG_FAIL = -1, LG_WRONG = 0, LG_OK = 1 };
void lg_complete(struct lg_slot *sl, int res);

/* lg_udp.c */
int udp_issue(struct lg_slot *sl);
void udp_frame(const uint8_t *f, size_t len);

/* lg_http.c */
void http_init(void);
int http_issue(struct lg_slot *sl);
void http_frame(uint32_t vm, const uint8_t *frame, size_t len);
int http_has_stack(uint32_t vm);
void http_timeout(struct lg_slot *sl);
void http_timers(uint64_t now);

/* lg_opts.c */
void lg_parse_opts(int argc, char **argv);

/* lg_run.c: the --run command */
pid_t run_start(const char *cmd);
int run_alive(void);
void run_finish(const char *why);   /* stops CMD (or waits for it), sets G.run_status, G.cpu_*, G.ri */

/* lg_cpu.c */
void cpu_find_qemu(pid_t cmd);
void cpu_sample(struct lg_cpu *c);
void cpu_per_response(const struct lg_cpu *a, const struct lg_cpu *b, uint64_t n, struct lg_phase *ph);

/* lg_report.c */
void report_phase_end(struct lg_phase *ph);
void report(FILE *f, int json);
void report_silent(void);
void report_table(void);
double report_ratio(double *a_med, double *b_med);   /* the phases' comparison (NaN if none) */

#endif
