/* isobench.h - the per-VM overhead harness (build/bin/isobench): options, the figures of one isorun run, parsing,
 * running isorun, JSON output. isobench --help documents the command; pvisa/runlog.h the kernel figures it reads. */
#ifndef ISOBENCH_H
#define ISOBENCH_H

#include <stddef.h>
#include <stdio.h>

#define IB_MAX_COUNTS 32
#define IB_MAX_VMS    1048576      /* config.mk MAX_VMS: isorun refuses more */
#define IB_MAX_REPS   100
#define IB_EXIT_RUN   1            /* a run failed */
#define IB_EXIT_INPUT 2            /* usage or input error */

/*
 * The figures of one run: X(id, path). path is where isorun's --json report has it ("key" at the top level,
 * "boot.key" in the boot object); NULL marks a figure isobench derives itself.
 */
#define IB_FIELDS(X) \
	X(vms_started, "vms_started") X(vms_exited_ok, "vms_exited_ok") X(vms_failed, "vms_failed") \
	X(vms_faulted, "vms_faulted") X(vms_running_at_end, "vms_running_at_end") X(peak_live_vms, "peak_live_vms") \
	X(kernel_bytes_per_vm, "kernel_bytes_per_vm") X(guest_bytes_per_vm, "guest_bytes_per_vm") \
	X(guest_private_bytes_per_vm, "guest_private_bytes_per_vm") X(guest_shared_bytes, "guest_shared_bytes") \
	X(create_ns_per_vm, "create_ns_per_vm") X(kernel_run_ns, "kernel_run_ns") X(run_seconds, "run_seconds") \
	X(vm_struct_bytes, "vm_struct_bytes") X(fxsave_bytes, "fxsave_bytes") X(page_table_bytes, "page_table_bytes") \
	X(timer_slot_bytes, "timer_slot_bytes") X(vm_table_slot_bytes, "vm_table_slot_bytes") \
	X(all_live, "all_live") X(all_live_ns, "all_live_ns") X(stopped, "stopped") X(timed_out, "timed_out") \
	X(switches, "switches") X(hypercalls, "hypercalls") \
	X(sched_passes, "sched_passes") X(sched_cycles_per_pass, "sched_cycles_per_pass") \
	X(sched_cycles_per_pass_median, "sched_cycles_per_pass_median") \
	X(sched_cycles_per_pass_min, "sched_cycles_per_pass_min") X(sched_pick_cycles, "sched_pick_cycles") \
	X(sched_pick_cycles_median, "sched_pick_cycles_median") X(sched_switch_passes, "sched_switch_passes") \
	X(sched_switch_cycles_median, "sched_switch_cycles_median") \
	X(timer_deliveries, "timer_deliveries") X(timer_delivery_cycles, "timer_delivery_cycles") \
	X(timer_delivery_cycles_median, "timer_delivery_cycles_median") \
	X(timer_delivery_cycles_min, "timer_delivery_cycles_min") \
	X(net_deliveries, "net_deliveries") \
	X(net_delivery_cycles, "net_delivery_cycles") X(net_delivery_cycles_median, "net_delivery_cycles_median") \
	X(free_frames_min, "free_frames_min") X(qemu_mem_mib, "qemu_mem_mib") X(exit_status, "exit_status") \
	X(tsc_hz, "boot.tsc_hz") X(mem_bytes, "boot.mem_bytes") X(free_frames_boot, "boot.free_frames") \
	X(qemu_peak_rss_kib, NULL) X(guest_ram_used_bytes, NULL) X(wall_s, NULL)

#define IB_ENUM(id, path) F_##id,
enum ib_field { IB_FIELDS(IB_ENUM) IB_NFIELDS };
#undef IB_ENUM
extern const char *const ib_field_name[IB_NFIELDS];
extern const char *const ib_field_path[IB_NFIELDS];

/* One isorun run: its figures (have[f]: present and a number), how it went. */
struct ib_sample {
	double v[IB_NFIELDS];
	unsigned char have[IB_NFIELDS];
	int status;                  /* isorun's exit status (128 + signal if it was killed) */
	int stopped_by_us;           /* isobench sent SIGTERM (a graceful stop) */
	int gave_up;                 /* ... because the run passed its time limit */
	char accel[16];              /* isorun's "accel" */
	char bad_vm[3][200];         /* the first @vm records of VMs that failed, faulted or exited nonzero */
};

/* What one run is: isorun's arguments and when isobench ends it. */
struct ib_runspec {
	char *const *argv;           /* NULL-terminated, argv[0] = isorun */
	const char *watch_image;     /* stop as soon as the @vm record of this image name arrives (NULL: none) */
	int stop_on_live;            /* stop grace_s after the kernel's @live record, if the run has not ended */
	double grace_s;
	double limit_s;              /* stop (and call the run failed) after this long */
	double vms;                  /* VMs in the run (how long a stop may take) */
	const char *dir;             /* where the run's files go (json, stderr) */
	int verbose;
};

struct ib_opts {
	const char *image, *args, *args_vms, *json_out, *isorun, *accel, *keep, *mem, *quota;
	const char *idle_image, *idle_args, *spin_image;
	unsigned long counts[IB_MAX_COUNTS];
	int ncounts, reps, icount, sched, net, brief, verbose;
	long grace_ms, timeout_s, quantum_us, spin_ms, ticks, tick_us;
	const char *extra[16];       /* --isorun-arg */
	int nextra;
	char cmdline[2048];          /* how isobench was called (for the report) */
};

/* ---- ib_parse.c: input and output parsing (unit tested: tests/isobench/test_parse.c) ---- */
/* "1,10,100": counts in [lo, hi], no duplicates, at most max of them. Their number, or -1 with a reason in err. */
int ib_parse_counts(const char *s, unsigned long *out, int max, unsigned long lo, unsigned long hi, char *err,
		    size_t errlen);
/* A whole decimal number in [lo, hi]: 0, or -1. */
int ib_parse_long(const char *s, long lo, long hi, long *v);
/* A number from isorun's JSON report doc at path ("key" at the top level or "obj.key" one level down):
 * 0 and *v, or -1 when absent, null or not a number. */
int ib_json_num(const char *doc, const char *path, double *v);
/* A top-level string value of doc into out: 0, or -1 when absent. */
int ib_json_str(const char *doc, const char *key, char *out, size_t n);
/* The median of v[0..n) (sorted in place; mean of the two middle values for an even n). n > 0. */
double ib_median(double *v, int n);
/* The name the kernel reports for the image at path (isorun --help: the basename, bytes outside
 * [A-Za-z0-9._-] made '_'). */
void ib_image_name(const char *path, char *out, size_t n);
/* A VM's end as the kernel reports it: "@vm id=N image=".." state=S status=N ..." or, with the kernel word
 * vm_brief=1, "@v N S N [image=".."] ..." where a missing image is the previous record's. */
struct ib_vmrec {
	unsigned long id;
	char image[128];             /* kept from one @v record to the next */
	char state[16];
	int status;
};
/* 1 and v filled if line is a @vm or @v record; 0 otherwise (v->image kept). */
int ib_vm_record(const char *line, struct ib_vmrec *v);
/* Reads a whole file (NUL-terminated; NULL on error). */
char *ib_read_file(const char *path);
/* 1 if path is a readable regular file that starts with the ELF magic; else 0 with the reason in err. */
int ib_check_elf(const char *path, char *err, size_t errlen);

/* ---- ib_run.c ---- */
/* Runs isorun as spec says and fills s. 0 when isorun ran and wrote its report (s->status says how it went);
 * -1 when it could not (err says why). *interrupted is set when isobench got SIGINT/SIGTERM. */
int ib_run(const struct ib_runspec *spec, struct ib_sample *s, char *err, size_t errlen);
void ib_signals_init(void);
int ib_interrupted(void);
/* The last lines of file path to stderr, indented (for a failed run). */
void ib_show_tail(const char *path, int lines);

/* ---- ib_out.c: the JSON report ---- */
struct jw {
	FILE *f;
	int depth;
	unsigned char first[16];     /* no member yet at this depth */
	unsigned char inl[16];       /* the container at this depth is written on one line */
};
void jw_open(struct jw *j, FILE *f);
/* Open an object or array (key NULL inside arrays and at the top); the _line forms keep it on one line. */
void jw_obj(struct jw *j, const char *key);
void jw_arr(struct jw *j, const char *key);
void jw_obj_line(struct jw *j, const char *key);
void jw_arr_line(struct jw *j, const char *key);
void jw_end(struct jw *j, char close);
void jw_num(struct jw *j, const char *key, int have, double v);
void jw_int(struct jw *j, const char *key, long long v);
void jw_str(struct jw *j, const char *key, const char *s);
void jw_bool(struct jw *j, const char *key, int b);
/* "machine": cpu model, cores, RAM, OS kernel, QEMU version; "date". */
void ib_write_machine(struct jw *j, const char *qemu);

/* ---- isobench.c: the runs' common parts ---- */
extern int ib_quiet;
extern char ib_workdir[];         /* --keep DIR, or a temporary directory removed at exit */
void ib_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct ib_argv {
	char *v[96];
	int n;
};
void ib_av_add(struct ib_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ib_av_free(struct ib_argv *a);
/* isorun -v --quiet --json DIR/isorun.json, the accelerator (TCG -icount shift=0 if icount), --mem, --quota,
 * --quantum, the NIC (DIR/nic.sock), short @v records (--append vm_brief=1), the --isorun-arg words. */
void ib_av_base(struct ib_argv *a, const struct ib_opts *o, const char *dir, int icount);
/* A directory for the run called label, in the work directory (--keep DIR or a temporary one). */
const char *ib_run_dir(const char *label);
/* How long a run of vms VMs may take (--timeout, or 120 s + 1 s per 500 VMs). */
double ib_limit_s(const struct ib_opts *o, double vms);

/* ---- ib_pervm.c, ib_sched.c: the measurements; they add their members to the report object. 0, or the exit
 * status (a run failed: said why on stderr). ---- */
int ib_mode_pervm(const struct ib_opts *o, struct jw *j);
int ib_mode_sched(const struct ib_opts *o, struct jw *j);
/* The median of field f over the runs that have it: 1 and *out, or 0 when none has it. */
int ib_med(const struct ib_sample *s, int n, enum ib_field f, double *out);
/* "samples": {field: [value of each run], ...} for the fields listed (ending with -1). */
void ib_write_samples(struct jw *j, const struct ib_sample *s, int n, const int *fields);
/* Says why a run failed (its figures, isorun's last messages) and returns IB_EXIT_RUN; 0 if it did not. */
int ib_judge(const struct ib_sample *s, const char *what, const char *dir, double vms, int want_all_live);
/* Runs spec (its command printed with --verbose) and judges the run (ib_judge over spec->vms VMs): 0, 130 when
 * isobench was interrupted, or IB_EXIT_RUN after saying why. */
int ib_run_judged(const struct ib_runspec *spec, struct ib_sample *s, const char *what, int want_all_live);

#endif
