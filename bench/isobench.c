/* isobench.c - the grading harness: per-VM overhead of any guest image, or the scheduler's cost per quantum among
 * idle VMs, measured through isorun and written as JSON. Options, usage and the runs' common parts; the two
 * measurements are ib_pervm.c and ib_sched.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isobench.h"

#ifndef IB_QEMU
#define IB_QEMU "qemu-system-x86_64"
#endif

int ib_quiet;
char ib_workdir[PATH_MAX];         /* where the runs keep their files (isobench.h) */
static int keep_workdir;

static const char usage_text[] =
"usage: isobench --image FILE [options]       per-VM overhead of a guest image\n"
"       isobench --sched [options]            the scheduler's cost per quantum among idle VMs\n"
"\n"
"Per-VM overhead (default mode): for each COUNT in --vms, boots COUNT instances of FILE with isorun (one QEMU\n"
"guest) --reps times and reports the medians of: the kernel's bytes per VM by kind (VM structure with its FXSAVE\n"
"area, page table, timer-heap and VM-table slots; receive queues take no memory while empty), the guest's\n"
"private bytes per VM and its shared image bytes, the host's view (QEMU's peak RSS with COUNT VMs minus with\n"
"1 VM, over COUNT - 1), creation time per VM, the time from the first creation until every VM has had its first\n"
"quantum (all_live_ns), and the guest RAM the kernel used at its peak. An image whose VMs exit (hello) ends the\n"
"run itself; for one whose VMs stay (idle, servers), isobench ends the run gracefully --grace ms after the\n"
"kernel reports all VMs live (SIGTERM to isorun: the kernel reports every VM as stopped, then its summary).\n"
"Every run gets a NIC with no traffic (isorun --net-socket) unless --no-net, so that servers wait for frames.\n"
"\n"
"Scheduler (--sched): for each COUNT in --vms (0 allowed), boots COUNT idle VMs (--idle-image with\n"
"--idle-args: a deadline far away) and then one busy VM (spin.elf: spins --spin-ms with no hypercalls, then\n"
"idles --ticks times for --tick-us each) with a --quantum us quantum, and reports the kernel's figures:\n"
"TSC cycles per scheduler pass after a quantum runs out and the busy VM goes on (from the kernel's entry to\n"
"its resume: NIC and switch poll, timer heap, run queue, timer arming; passes that switched to another VM are\n"
"counted apart), and per timer delivery (an idle kernel woken by its timer, to the resume of the VM whose\n"
"deadline passed), with their medians and the ratio of the largest to the smallest median across COUNTs (flat\n"
"within 10% is the target). The run is stopped when the busy VM has ended. Under TCG the TSC follows host\n"
"time (a busy host shows); with --icount the cycles are guest instructions.\n"
"\n"
"options:\n"
"  --image FILE         the guest image (an x86_64 ELF built with guest-cc); required without --sched\n"
"  --vms LIST           comma-separated VM counts (default 1,10,100,1000,10000; with --sched\n"
"                       0,10,100,1000,10000,100000); each 1..1048576 (--sched: 0..1048575)\n"
"  --reps N             runs of each count, medians reported (default 3)\n"
"  --args ARGS          argv[1..] of every instance (isorun IMAGE:COUNT:ARGS; at most 255 bytes)\n"
"  --json FILE          write the JSON report to FILE (default: standard output)\n"
"  --icount             measure everything again under TCG with -icount shift=0 (the guest TSC then counts\n"
"                       instructions: figures that do not drift between runs), reported under \"icount\"\n"
"  --accel auto|kvm|tcg isorun's accelerator for the main measurement (default auto)\n"
"  --grace MS           per-VM mode: after all VMs are live, wait MS for the run to end by itself before\n"
"                       stopping it (default 1000)\n"
"  --timeout SEC        give up on a run after SEC s (default 120 + 1 s per 500 VMs): it is stopped and\n"
"                       isobench fails\n"
"  --no-net             no NIC (an image whose VMs all wait for frames then ends as \"blocked forever\": a failure)\n"
"  --full-records       the kernel reports each VM's end in a full @vm line (~100 bytes) instead of a short @v\n"
"                       record (~20 bytes, kernel word vm_brief=1): the serial port is slow (a 100,000-VM run spends\n"
"                       about a minute on full lines), and VMs that exit during the first pass delay all_live_ns by it\n"
"  --mem MiB            guest RAM (default: isorun's, 64 MiB + 64 KiB per VM)\n"
"  --quota KiB          per-VM private memory quota (isorun --quota)\n"
"  --quantum US         scheduler quantum (default: the kernel's, 10000; --sched: 1000)\n"
"  --idle-image FILE    --sched: the idle VMs' image (default <isobench dir>/../examples/idle.elf)\n"
"  --idle-args ARGS     --sched: their arguments (default 86400000: idle.elf waits a day)\n"
"  --spin-image FILE    --sched: the busy VM (default <isobench dir>/../bench/spin.elf)\n"
"  --spin-ms MS         --sched: how long it spins (default 1000)\n"
"  --ticks N            --sched: timer deliveries after the spin (default 200)\n"
"  --tick-us US         --sched: the idle time of each (default 2000)\n"
"  --isorun PATH        the runner (default <isobench dir>/isorun)\n"
"  --isorun-arg ARG     pass ARG to isorun (repeatable, up to 16)\n"
"  --keep DIR           keep every run's isorun JSON and messages in DIR/<run>/ (default: a temporary directory,\n"
"                       removed at the end)\n"
"  -v, --verbose        say more (the kernel's @live records, every run's isorun command line)\n"
"  -q, --quiet          no progress on stderr (errors are still printed)\n"
"  -h, --help           this text\n"
"\n"
"output: one JSON object: tool, mode (per_vm|sched), the inputs, accel (as isorun reports it: kvm|tcg), machine\n"
"(cpu model, cores, ram_bytes, kernel, qemu, kvm_device), date, command, and results: one object per COUNT with\n"
"the medians (per_vm: kernel_bytes_per_vm, kernel_bytes_by_kind, guest_private_bytes_per_vm, guest_shared_bytes,\n"
"guest_bytes_per_vm, total_bytes_per_vm, host {qemu_peak_rss_kib, baseline_rss_kib, host_bytes_per_vm},\n"
"create_ns_per_vm, creates_per_s, all_live, all_live_ns, guest_ram_mib, guest_ram_used_bytes, peak_live_vms,\n"
"vms_started, vms_exited_ok, vms_running_at_end, runs_stopped_by_isobench, run_seconds, tsc_hz; sched:\n"
"sched_passes, sched_cycles_per_pass (mean), _median, _min, sched_ns_per_pass_median, sched_pick_cycles (to the\n"
"timer arming), _median, sched_switch_passes, sched_switch_cycles_median, timer_deliveries, timer_delivery_cycles,\n"
"_median, _min, timer_delivery_ns_median, switches, all_live, all_live_ns, guest_ram_used_bytes, tsc_hz) and\n"
"samples (the value of every run); sched adds flat, flat_mean, pick_flat, timer_delivery_flat {figure, min, max,\n"
"max_over_min, within_10pct}; with --icount an icount object holds the same under TCG -icount shift=0 (per_vm\n"
"adds create_instructions_per_vm, all_live_instructions, identical_across_runs; cycles are instructions).\n"
"Progress goes to stderr.\n"
"\n"
"exit status: 0 measured and written; 1 a run failed (isorun's status, a VM that failed, faulted or exited\n"
"nonzero, not every VM created or live, a run over --timeout: the message says which, with isorun's last\n"
"lines); 2 usage or input error (a missing image, a bad --vms list, ...); 130 interrupted.\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("isobench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nisobench: try 'isobench --help'\n", stderr);
	exit(IB_EXIT_INPUT);
}

void ib_say(const char *fmt, ...)
{
	va_list ap;

	if (ib_quiet)
		return;
	fputs("isobench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* <directory of this executable>/rel, for the default isorun and guest images. */
static const char *beside_me(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int k;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *b = bufs[k++ % 4];

	if (n <= 0)
		snprintf(self, sizeof self, ".");
	else
		self[n] = 0;
	snprintf(b, PATH_MAX, "%s/%s", dirname(self), rel);
	return b;
}

enum { O_VMS = 256, O_REPS, O_ARGS, O_JSON, O_ICOUNT, O_ACCEL, O_GRACE, O_TIMEOUT, O_NONET, O_MEM, O_QUOTA,
       O_QUANTUM, O_IDLE_IMAGE, O_IDLE_ARGS, O_SPIN_IMAGE, O_SPIN_MS, O_TICKS, O_TICK_US, O_ISORUN, O_ISORUN_ARG,
       O_KEEP, O_SCHED, O_IMAGE, O_FULL };

static const struct option longopts[] = {
	{ "image", 1, 0, O_IMAGE }, { "vms", 1, 0, O_VMS }, { "reps", 1, 0, O_REPS }, { "args", 1, 0, O_ARGS },
	{ "json", 1, 0, O_JSON }, { "icount", 0, 0, O_ICOUNT }, { "accel", 1, 0, O_ACCEL }, { "grace", 1, 0, O_GRACE },
	{ "timeout", 1, 0, O_TIMEOUT }, { "no-net", 0, 0, O_NONET }, { "mem", 1, 0, O_MEM }, { "quota", 1, 0, O_QUOTA },
	{ "quantum", 1, 0, O_QUANTUM }, { "idle-image", 1, 0, O_IDLE_IMAGE }, { "idle-args", 1, 0, O_IDLE_ARGS },
	{ "spin-image", 1, 0, O_SPIN_IMAGE }, { "spin-ms", 1, 0, O_SPIN_MS }, { "ticks", 1, 0, O_TICKS },
	{ "tick-us", 1, 0, O_TICK_US }, { "isorun", 1, 0, O_ISORUN }, { "isorun-arg", 1, 0, O_ISORUN_ARG },
	{ "keep", 1, 0, O_KEEP }, { "full-records", 0, 0, O_FULL }, { "sched", 0, 0, O_SCHED }, { "verbose", 0, 0, 'v' }, { "quiet", 0, 0, 'q' },
	{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
};

/* A numeric option in [lo, hi] or a usage error naming it. */
static long num_opt(const char *name, const char *arg, long lo, long hi)
{
	long v;

	if (ib_parse_long(arg, lo, hi, &v) < 0)
		usage_error("--%s '%s': want a whole number in %ld..%ld", name, arg, lo, hi);
	return v;
}

static void defaults(struct ib_opts *o)
{
	memset(o, 0, sizeof *o);
	o->reps = 3;
	o->net = 1;
	o->brief = 1;
	o->grace_ms = 1000;
	o->accel = "auto";
	o->spin_ms = 1000;
	o->ticks = 200;
	o->tick_us = 2000;
	o->idle_args = "86400000";
	o->isorun = beside_me("isorun");
	o->idle_image = beside_me("../examples/idle.elf");
	o->spin_image = beside_me("../bench/spin.elf");
}

static void parse_one(struct ib_opts *o, int c, const char *arg)
{
	switch (c) {
	case O_IMAGE: o->image = arg; break;
	case O_VMS: o->args_vms = arg; break;
	case O_REPS: o->reps = (int)num_opt("reps", arg, 1, IB_MAX_REPS); break;
	case O_ARGS: o->args = arg; break;
	case O_JSON: o->json_out = arg; break;
	case O_ICOUNT: o->icount = 1; break;
	case O_ACCEL:
		if (strcmp(arg, "auto") && strcmp(arg, "kvm") && strcmp(arg, "tcg"))
			usage_error("--accel '%s': want auto, kvm or tcg", arg);
		o->accel = arg;
		break;
	case O_GRACE: o->grace_ms = num_opt("grace", arg, 0, 3600000); break;
	case O_TIMEOUT: o->timeout_s = num_opt("timeout", arg, 1, 86400); break;
	case O_NONET: o->net = 0; break;
	case O_FULL: o->brief = 0; break;
	case O_MEM: num_opt("mem", arg, 16, 1 << 20); o->mem = arg; break;
	case O_QUOTA: num_opt("quota", arg, 8, 2048); o->quota = arg; break;
	case O_QUANTUM: o->quantum_us = num_opt("quantum", arg, 100, 10000000); break;
	case O_IDLE_IMAGE: o->idle_image = arg; break;
	case O_IDLE_ARGS: o->idle_args = arg; break;
	case O_SPIN_IMAGE: o->spin_image = arg; break;
	case O_SPIN_MS: o->spin_ms = num_opt("spin-ms", arg, 0, 600000); break;
	case O_TICKS: o->ticks = num_opt("ticks", arg, 0, 100000); break;
	case O_TICK_US: o->tick_us = num_opt("tick-us", arg, 1, 10000000); break;
	case O_ISORUN: o->isorun = arg; break;
	case O_ISORUN_ARG:
		if (o->nextra == (int)(sizeof o->extra / sizeof o->extra[0]))
			usage_error("--isorun-arg: at most %zu", sizeof o->extra / sizeof o->extra[0]);
		o->extra[o->nextra++] = arg;
		break;
	case O_KEEP: o->keep = arg; break;
	case O_SCHED: o->sched = 1; break;
	case 'v': o->verbose = 1; break;
	case 'q': ib_quiet = 1; break;
	case 'h': fputs(usage_text, stdout); exit(0);
	default: usage_error("unknown option");
	}
}

/* The command line as one string (for the report). */
static void record_cmdline(struct ib_opts *o, int argc, char **argv)
{
	size_t n = 0;

	for (int i = 0; i < argc && n + 2 < sizeof o->cmdline; i++)
		n += (size_t)snprintf(o->cmdline + n, sizeof o->cmdline - n, "%s%s", i ? " " : "", argv[i]);
}

/* Everything the runs need exists and makes sense, or a usage error (exit 2). */
static void check_inputs(struct ib_opts *o)
{
	char err[512];
	const char *def = o->sched ? "0,10,100,1000,10000,100000" : "1,10,100,1000,10000";
	unsigned long lo = o->sched ? 0 : 1, hi = o->sched ? IB_MAX_VMS - 1 : IB_MAX_VMS;

	o->ncounts = ib_parse_counts(o->args_vms ? o->args_vms : def, o->counts, IB_MAX_COUNTS, lo, hi, err, sizeof err);
	if (o->ncounts < 0)
		usage_error("--vms '%s': %s", o->args_vms, err);
	if (!o->sched && !o->image)
		usage_error("--image FILE is required (or --sched)");
	if (o->sched && o->image)
		usage_error("--sched uses --idle-image and --spin-image, not --image");
	if (o->image && !ib_check_elf(o->image, err, sizeof err))
		usage_error("--image %s", err);
	if (o->sched && !ib_check_elf(o->idle_image, err, sizeof err))
		usage_error("--idle-image %s", err);
	if (o->sched && !ib_check_elf(o->spin_image, err, sizeof err))
		usage_error("--spin-image %s (make isobench builds it)", err);
	if (access(o->isorun, X_OK) != 0)
		usage_error("the runner %s: %s (make runner, or --isorun PATH)", o->isorun, strerror(errno));
	if ((o->args && strlen(o->args) > 255) || strlen(o->idle_args) > 255)
		usage_error("--args/--idle-args: at most 255 bytes");
	if (o->sched && !o->quantum_us)
		o->quantum_us = 1000;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (ib_workdir[0] && !keep_workdir)
		nftw(ib_workdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_workdir(const struct ib_opts *o)
{
	if (o->keep) {
		if (mkdir(o->keep, 0755) < 0 && errno != EEXIST)
			usage_error("--keep %s: %s", o->keep, strerror(errno));
		snprintf(ib_workdir, sizeof ib_workdir, "%s", o->keep);
		keep_workdir = 1;
		return;
	}
	snprintf(ib_workdir, sizeof ib_workdir, "%s/isobench.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(ib_workdir)) {
		fprintf(stderr, "isobench: mkdtemp %s: %s\n", ib_workdir, strerror(errno));
		exit(IB_EXIT_RUN);
	}
	atexit(cleanup);
}

/* Measures, then writes the report (to --json FILE through a temporary file and a rename, or to standard
 * output) only if every run succeeded: a failure leaves no half report. */
static int write_report(const struct ib_opts *o)
{
	char tmp[PATH_MAX + 8], *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *f;
	struct jw j;
	int rc;

	if (!mem) {
		fprintf(stderr, "isobench: open_memstream: %s\n", strerror(errno));
		return IB_EXIT_RUN;
	}
	jw_open(&j, mem);
	jw_obj(&j, NULL);
	jw_str(&j, "tool", "isobench");
	jw_str(&j, "command", o->cmdline);
	ib_write_machine(&j, IB_QEMU);
	rc = o->sched ? ib_mode_sched(o, &j) : ib_mode_pervm(o, &j);
	jw_end(&j, '}');
	fclose(mem);
	if (rc == 0 && !o->json_out) {
		fwrite(buf, 1, len, stdout);
		rc = fflush(stdout) == 0 ? 0 : IB_EXIT_RUN;
	} else if (rc == 0) {
		snprintf(tmp, sizeof tmp, "%s.tmp", o->json_out);
		if (!(f = fopen(tmp, "w")) || fwrite(buf, 1, len, f) != len || fclose(f) != 0 || rename(tmp, o->json_out)) {
			fprintf(stderr, "isobench: cannot write %s: %s\n", o->json_out, strerror(errno));
			unlink(tmp);
			rc = IB_EXIT_RUN;
		} else {
			ib_say("wrote %s", o->json_out);
		}
	}
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct ib_opts o;
	int c, rc;

	defaults(&o);
	record_cmdline(&o, argc, argv);
	while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1)
		parse_one(&o, c, optarg);
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	check_inputs(&o);
	ib_signals_init();
	make_workdir(&o);
	rc = write_report(&o);
	if (ib_interrupted()) {
		fprintf(stderr, "isobench: interrupted\n");
		return 130;
	}
	return rc;
}
