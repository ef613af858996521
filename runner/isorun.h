/* isorun.h - the host runner's shared types: options, images, the serial demultiplexer and the parsed run results. */
#ifndef ISORUN_H
#define ISORUN_H

#include <poll.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "netplan.h"

/* The NIC's MAC (QEMU's default, pinned): with the kernel word netbounce=1, frames to it are bounced. */
#define ISORUN_NIC_MAC "52:54:00:12:34:56"

/* Exit statuses of isorun (documented in --help). */
#define IR_OK       0   /* kernel code 0 and every VM exited with status 0 */
#define IR_VMFAIL   1   /* some VM failed, faulted, was still running at the end or exited nonzero */
#define IR_INPUT    2   /* usage or input error, or an image the kernel rejected */
#define IR_KERNEL   3   /* kernel panic, QEMU failure, or the output ended without @done */

enum vm_state { VS_EXITED, VS_FAILED, VS_FAULTED, VS_RUNNING, VS_OTHER, VS_NSTATES };

/* One IMAGE[:COUNT[:ARGS]] operand. */
struct image {
	char *path;            /* as the user gave it */
	char *name;            /* basename, reduced to [A-Za-z0-9._-] */
	unsigned long count;
	char *args;            /* guest argv[1..] as one string; "" if none */
	unsigned tenant;       /* IMAGE:COUNT@T: its VMs are tenant T's (1..254), 0 the host's own */
};

/* key=value words of one '@' record. */
struct kv {
	char *key, *val;
	int quoted;            /* the value was a quoted string */
};
struct kvlist {
	struct kv *v;
	size_t n, cap;
};

/* One VM as reported by its @vm record (kept small: 100,000 of them must fit easily). */
struct vmrec {
	uint32_t id;
	uint32_t image;        /* index into results.names */
	int32_t status;
	uint8_t state;
	char *reason;          /* only when the VM did not simply exit */
	uint32_t rx_frames, tx_frames, rx_drops, tx_spoofed;   /* the switch's counters (0 when absent) */
	uint32_t tenant, addr;     /* its tenant and address number (lib/netplan.h): 0 and id unless the record says */
	uint32_t svc;          /* its service: index into results.names + 1 (0: none) */
};

struct rejection {
	char *image, *reason;
};

/* uint32 -> pointer hash map (open addressing), for per-VM line buffers. */
struct idmap {
	uint32_t *keys;
	void **vals;
	size_t cap, n;
};

/* One report stream's demultiplexer state (runlog.h framing). The kernel reports on COM1 until its console's report
 * port is open, then there (COM1 keeps panics): isorun reads both. */
enum { DS_SERIAL, DS_REPORT, DS_STREAMS };
struct demux {
	int state;
	char *line;            /* current kernel line */
	size_t len, cap;
	char hdr[48];          /* console record header "<id> <len>" */
	size_t hlen;
	uint32_t body_id;
	size_t body_left;
	unsigned char *stage;  /* bytes since the last record boundary, not yet in --serial-log */
	size_t slen, scap;
};

struct results {
	int booted, done, done_code, panicked;
	char kernel_accel[16];
	struct kvlist boot, summary;
	struct kvlist net, vswitch;  /* the @net and @switch counters (empty without a NIC) */
	struct kvlist pcap;         /* --pcap: frames_written kernel_frames kernel_lost ended (pcap.c), else empty */
	struct kvlist *images;      /* one per @image record */
	size_t nimages;
	struct rejection *rej;
	size_t nrej;
	struct vmrec *vms;
	size_t nvms, capvms;
	char **names;               /* interned image names */
	size_t nnames;
	unsigned long by_state[VS_NSTATES];
	unsigned long nonzero_exits;
	unsigned long expected;     /* sum of the @image counts */
	unsigned long bad_records;  /* malformed '@' records or console frames */
};

struct opts {
	const char *accel;          /* auto, kvm, tcg */
	const char *kernel;
	const char *json;
	const char *serial_log;
	const char *replay;
	unsigned long mem_mib, quota_kib, guar_kib, quantum_us, timeout_s;
	int quiet, verbose;
	char **qemu_args;
	size_t nqemu_args;
	struct image *images;
	size_t nimages;
	unsigned long total;
	const char *net_socket;     /* --net-socket PATH: QEMU listens there (stream netdev) */
	const char *tap;            /* --tap IFNAME */
	const char *append;         /* --append WORDS: extra kernel command-line words */
	int have_subnet;            /* --subnet given: net_ip/net_bits go on the kernel command line */
	uint32_t net_ip;            /* the subnet's base address (host order); default 10.0.0.0 */
	const char *serve;          /* --serve SOCKET: relay control clients from there (serve.c); kernel word serve=1 */
	unsigned net_bits;          /* its prefix length; default 8 */
	int no_console;             /* --no-console: no virtio-console, the kernel reports on COM1 alone */
	const char *com1_log;       /* --com1-log FILE: COM1's bytes alone */
	char opkey[65];             /* --operator-key FILE.pub: its 64 hex digits (kernel word opkey=, tenant mode); "" */
	char *shares;               /* --share T:W (repeatable): " share=T:W" kernel words, or NULL */
	char *env;                  /* --env K=V (repeatable): "K=V\0" strings (pvisa.h argument block), or NULL */
	size_t env_len;
	char *stdin_data;           /* --stdin FILE / --stdin-text TEXT: every VM's standard input */
	size_t stdin_len;
	int stdin_given;
	const char *pcap;           /* --pcap FILE: the switch's frames written there (pcap.c), or NULL */
	uint32_t pcap_vms[16];      /* --pcap-vm ID (repeatable, RL_CAP_MAX_IDS): only frames to or from these VMs */
	size_t npcap_vms;
	const char *gdb;            /* --gdb[=PORT]: QEMU's gdb stub on that TCP port, stopped before the first instruction */
};

/* A hook into the loop that reads QEMU's output (for isorun --serve): more fds polled beside QEMU's, and what to do
 * when some are ready. Called from that loop only. */
struct pump_hook {
	void *ctx;
	int (*fds)(void *ctx, struct pollfd *pfd, int max);        /* fills at most max; returns how many */
	void (*ready)(void *ctx, const struct pollfd *pfd, int n);  /* after a poll, with those fds' revents */
};

struct run {
	struct opts o;
	struct results r;
	struct demux d[DS_STREAMS];
	struct idmap vmbufs;        /* vm id -> struct linebuf* (partial guest lines) */
	FILE *log;                  /* --serial-log copy (both streams, record by record), or NULL */
	FILE *com1_log;             /* --com1-log copy, or NULL */
	const char *accel;          /* what was launched: kvm, tcg or replay */
	unsigned long mem_mib;
	int qemu_status;            /* wait status of QEMU, -1 if none */
	int killed;                 /* isorun killed QEMU at the deadline */
	int stop_asked;             /* a signal made isorun ask the kernel to end the run (RL_STOP_BYTE) */
	double wall_s;
	int rep_fd;                 /* isorun's end of the console's report port (a stream socket), or -1 */
	int ctl_fd;                 /* isorun's end of the console's control port (a stream socket), or -1 */
	const struct pump_hook *hook;
	int pcap_fd;                /* isorun's end of the console's capture port (--pcap), or -1 */
	struct pcapw *pcap;         /* the --pcap writer (pcap.c), or NULL */
};

/* util.c */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
double now_s(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* kvmprobe.c: does kernel run under this host's KVM (a cached short KVM run of examples/hello.elf)? */
int kvm_usable(const char *kernel);
void input_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* idmap.c */
void *idmap_get(const struct idmap *m, uint32_t key);
void idmap_put(struct idmap *m, uint32_t key, void *val);
void *idmap_del(struct idmap *m, uint32_t key);
void idmap_each(const struct idmap *m, void (*fn)(uint32_t key, void *val, void *ctx), void *ctx);
void idmap_free(struct idmap *m, void (*free_val)(void *));

/* kv.c */
int kv_parse(const char *s, struct kvlist *out);
const char *kv_get(const struct kvlist *l, const char *key);
int kv_get_ul(const struct kvlist *l, const char *key, unsigned long long *out);
void kv_free(struct kvlist *l);

/* demux.c */
void demux_feed_stream(struct run *run, int stream, const unsigned char *buf, size_t n);
void demux_feed(struct run *run, const unsigned char *buf, size_t n);     /* the serial stream (DS_SERIAL) */
void demux_finish(struct run *run);
void demux_vm_ended(struct run *run, uint32_t id);
void print_clean(const char *s, size_t n);

/* records.c */
void records_line(struct run *run, const char *line);
const char *state_name(int state);
void records_sort(struct results *r);
void records_free(struct results *r);

/* images.c */
void images_parse(struct opts *o, char **specs, int n);
char *images_setup(const struct opts *o, const char *kernel, char **kernel_link);
void images_cleanup(void);

/* args.c: --env, --stdin, --stdin-text */
void args_add_env(struct opts *o, const char *kv);
void args_stdin_file(struct opts *o, const char *path);
void args_stdin_text(struct opts *o, const char *text);
void args_check_modules(const struct opts *o);

/* gdb.c: --gdb: QEMU's arguments for the stub, and the gdb command printed for the user */
void gdb_qemu_args(struct opts *o);
void gdb_print_help(const struct opts *o, const char *kernel);

/* images.c: a path in the private temp dir, removed at exit (the control port's socket). */
char *images_tmp_path(const char *name);

/* serve.c: isorun --serve (control clients relayed to the kernel's control port, qemu_ctl_fd) */
struct pollfd;
void serve_init(struct run *run, const char *path);     /* sets run->hook: serve.c polls beside QEMU's output */
void serve_relaunch(void);
void serve_summary(void);
void serve_close(void);

/* qemu.c */
int qemu_run(struct run *run, const char *accel, const char *kernel_link, const char *modules);
/* While qemu_run runs: isorun's end of the kernel's control port (pvisa/runlog.h, "Channels"), a connected stream
 * socket carrying bytes both ways; -1 without a console (--no-console) or outside a run. */
int qemu_ctl_fd(const struct run *run);
int replay_run(struct run *run);

/* report.c */
int report_figure(const struct run *run, const char *key, unsigned long long *v);
int report_status(const struct run *run);
void report_summary(const struct run *run, int status);

/* isorun.c: does the run have a NIC (its VMs then have addresses from the plan, lib/netplan.h, on --subnet)? */
int plan_used(const struct opts *o);

/* pcap.c: isorun --pcap FILE [--pcap-vm ID]...: the kernel's capture port (pvisa/runlog.h "Packet capture") into
 * a pcap file (libpcap). Options checked, the kernel words (" capture=all" or " capture=ID" per id) into buf, the
 * file opened before the run and closed (with a line on stderr: frames written, lost) after it. */
struct pcapw;
void pcapw_add_vm(struct opts *o, const char *arg);
void pcapw_check_opts(const struct opts *o);
size_t pcapw_kernel_words(const struct opts *o, char *buf, size_t n);
void pcapw_open(struct run *run);
void pcapw_feed(struct run *run, const unsigned char *p, size_t n);
void pcapw_relaunch(struct run *run);     /* a new QEMU (the TCG retry): a new stream, the file goes on */
void pcapw_close(struct run *run);

/* json.c */
int report_json(const struct run *run, int status, const char *path);

#endif
