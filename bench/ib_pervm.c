/* ib_pervm.c - isobench's per-VM overhead: COUNT instances of an image per run, kernel and guest bytes per VM by
 * kind, QEMU's RSS growth per VM against a 1-VM run, creation time, time until all are live; medians of --reps. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "isobench.h"

/* The runs of one measurement: slot k < ncounts is counts[k]; slot ncounts the 1-VM baseline when 1 is not
 * among the counts. Samples are [mode][slot][rep]. */
struct pervm {
	const struct ib_opts *o;
	int nslots, base_slot, nmodes, step, steps;
	struct ib_sample *s;
};

static struct ib_sample *sample(struct pervm *p, int mode, int slot, int rep)
{
	return &p->s[((size_t)mode * (size_t)p->nslots + (size_t)slot) * (size_t)p->o->reps + (size_t)rep];
}

static unsigned long slot_vms(const struct pervm *p, int slot)
{
	return slot < p->o->ncounts ? p->o->counts[slot] : 1;
}

static const char *mode_name(int mode)
{
	return mode ? "icount" : "main";
}

/* One line of what a run found. */
static void say_result(const struct ib_sample *s)
{
	ib_say("  kernel %.0f B/VM, guest private %.0f B/VM, create %.0f ns/VM, all live after %.1f ms, "
	       "QEMU peak RSS %.0f KiB, guest RAM used %.1f MiB (%s, %.1f s)",
	       s->v[F_kernel_bytes_per_vm], s->v[F_guest_private_bytes_per_vm], s->v[F_create_ns_per_vm],
	       s->v[F_all_live_ns] / 1e6, s->v[F_qemu_peak_rss_kib], s->v[F_guest_ram_used_bytes] / 1048576.0, s->accel,
	       s->v[F_wall_s]);
}

static int run_slot(struct pervm *p, int mode, int slot, int rep)
{
	const struct ib_opts *o = p->o;
	unsigned long n = slot_vms(p, slot);
	char label[96], what[160];
	struct ib_argv av = { .n = 0 };
	struct ib_sample *s = sample(p, mode, slot, rep);
	const char *dir;
	int rc;

	snprintf(label, sizeof label, "%s-%luvms-rep%d", mode_name(mode), n, rep + 1);
	snprintf(what, sizeof what, "%lu x %s (%s, run %d of %d)", n, o->image, mode ? "TCG -icount" : o->accel,
		 rep + 1, o->reps);
	ib_say("[%d/%d] %s%s", ++p->step, p->steps, what, slot == p->base_slot ? " - the RSS baseline" : "");
	dir = ib_run_dir(label);
	ib_av_base(&av, o, dir, mode);
	ib_av_add(&av, "%s:%lu%s%s", o->image, n, o->args ? ":" : "", o->args ? o->args : "");
	struct ib_runspec spec = { .argv = av.v, .stop_on_live = 1, .grace_s = (double)o->grace_ms / 1000,
				   .limit_s = ib_limit_s(o, (double)n), .vms = (double)n, .dir = dir,
				   .verbose = o->verbose };
	rc = ib_run_judged(&spec, s, what, 1);
	ib_av_free(&av);
	if (rc)
		return rc;
	say_result(s);
	return 0;
}

/* Every run: reps rounds, each the baseline (if any) then the counts in order, main mode then icount. */
static int run_all(struct pervm *p)
{
	for (int m = 0; m < p->nmodes; m++)
		for (int r = 0; r < p->o->reps; r++)
			for (int k = 0; k < p->nslots; k++) {
				int slot = p->base_slot >= 0 ? (k + p->nslots - 1) % p->nslots : k;
				int rc = run_slot(p, m, slot, r);
				if (rc)
					return rc;
			}
	return 0;
}

/* The slot of the 1-VM runs. */
static int one_vm_slot(const struct pervm *p)
{
	for (int k = 0; k < p->o->ncounts; k++)
		if (p->o->counts[k] == 1)
			return k;
	return p->base_slot;
}

/* Median over reps of (RSS with n VMs - RSS with 1 VM) / (n - 1), in bytes; each rep against its own baseline. */
static int host_bytes(struct pervm *p, int mode, int slot, double *out)
{
	double v[IB_MAX_REPS];
	unsigned long n = slot_vms(p, slot);
	int k = 0, one = one_vm_slot(p);

	if (n < 2)
		return 0;
	for (int r = 0; r < p->o->reps; r++) {
		const struct ib_sample *a = sample(p, mode, slot, r), *b = sample(p, mode, one, r);
		if (a->have[F_qemu_peak_rss_kib] && b->have[F_qemu_peak_rss_kib])
			v[k++] = (a->v[F_qemu_peak_rss_kib] - b->v[F_qemu_peak_rss_kib]) * 1024 / (double)(n - 1);
	}
	if (k)
		*out = ib_median(v, k);
	return k > 0;
}

/* Member key = the median of field f over the runs of s. */
static double med_member(struct jw *j, const char *key, const struct ib_sample *s, int n, enum ib_field f)
{
	double v = 0;
	int have = ib_med(s, n, f, &v);

	jw_num(j, key, have, v);
	return have ? v : 0;
}

static void write_kinds(struct jw *j, const struct ib_sample *s, int n, double kernel)
{
	double vs = 0, pt = 0, ts = 0, vt = 0, fx = 0;

	ib_med(s, n, F_vm_struct_bytes, &vs);
	ib_med(s, n, F_page_table_bytes, &pt);
	ib_med(s, n, F_timer_slot_bytes, &ts);
	ib_med(s, n, F_vm_table_slot_bytes, &vt);
	ib_med(s, n, F_fxsave_bytes, &fx);
	jw_obj_line(j, "kernel_bytes_by_kind");
	jw_num(j, "vm_struct", 1, vs);
	jw_num(j, "fxsave_in_vm_struct", 1, fx);
	jw_num(j, "page_table", 1, pt);
	jw_num(j, "timer_heap_slot", 1, ts);
	jw_num(j, "vm_table_slot", 1, vt);
	jw_num(j, "rx_queue", 1, 0);
	jw_num(j, "slab_partial_page", 1, kernel - vs - pt - ts - vt);
	jw_end(j, '}');
}

static void write_host(struct jw *j, struct pervm *p, int mode, int slot)
{
	const struct ib_sample *s = sample(p, mode, slot, 0), *b = sample(p, mode, one_vm_slot(p), 0);
	double hb = 0;
	int have = host_bytes(p, mode, slot, &hb);

	jw_obj_line(j, "host");
	med_member(j, "qemu_peak_rss_kib", s, p->o->reps, F_qemu_peak_rss_kib);
	med_member(j, "baseline_rss_kib", b, p->o->reps, F_qemu_peak_rss_kib);
	jw_num(j, "host_bytes_per_vm", have, hb);
	jw_end(j, '}');
}

static int all_have_value(const struct ib_sample *s, int n, enum ib_field f, double want)
{
	for (int i = 0; i < n; i++)
		if (!s[i].have[f] || s[i].v[f] != want)
			return 0;
	return 1;
}

/* Instructions under -icount shift=0: TSC ticks = ns x tsc_hz / 1e9 (tsc_hz is about 1e9 there). */
static void write_instructions(struct jw *j, const struct ib_sample *s, int n)
{
	double c = 0, l = 0, hz = 0;
	int hc = ib_med(s, n, F_create_ns_per_vm, &c), hl = ib_med(s, n, F_all_live_ns, &l);

	ib_med(s, n, F_tsc_hz, &hz);
	jw_num(j, "create_instructions_per_vm", hc && hz, (double)(long long)(c * hz / 1e9 + 0.5));
	jw_num(j, "all_live_instructions", hl && hz, (double)(long long)(l * hz / 1e9 + 0.5));
	jw_bool(j, "identical_across_runs", all_have_value(s, n, F_create_ns_per_vm, s[0].v[F_create_ns_per_vm]) &&
		all_have_value(s, n, F_all_live_ns, s[0].v[F_all_live_ns]));
}

static void write_result(struct jw *j, struct pervm *p, int mode, int slot)
{
	const struct ib_sample *s = sample(p, mode, slot, 0);
	static const int sampled[] = { F_create_ns_per_vm, F_all_live_ns, F_kernel_bytes_per_vm,
				       F_guest_private_bytes_per_vm, F_qemu_peak_rss_kib, F_guest_ram_used_bytes,
				       F_run_seconds, -1 };
	int n = p->o->reps, stopped = 0;
	double kernel, guest, create;

	for (int r = 0; r < n; r++)
		stopped += s[r].stopped_by_us;
	jw_obj(j, NULL);
	jw_int(j, "vms", (long long)slot_vms(p, slot));
	jw_int(j, "runs", n);
	jw_str(j, "accel", s->accel);
	kernel = med_member(j, "kernel_bytes_per_vm", s, n, F_kernel_bytes_per_vm);
	write_kinds(j, s, n, kernel);
	med_member(j, "guest_private_bytes_per_vm", s, n, F_guest_private_bytes_per_vm);
	med_member(j, "guest_shared_bytes", s, n, F_guest_shared_bytes);
	guest = med_member(j, "guest_bytes_per_vm", s, n, F_guest_bytes_per_vm);
	jw_num(j, "total_bytes_per_vm", 1, kernel + guest);
	write_host(j, p, mode, slot);
	create = med_member(j, "create_ns_per_vm", s, n, F_create_ns_per_vm);
	jw_num(j, "creates_per_s", create > 0, create > 0 ? (double)(long long)(1e9 / create) : 0);
	jw_bool(j, "all_live", all_have_value(s, n, F_all_live, 1));
	med_member(j, "all_live_ns", s, n, F_all_live_ns);
	if (mode)
		write_instructions(j, s, n);
	med_member(j, "guest_ram_mib", s, n, F_qemu_mem_mib);
	med_member(j, "guest_ram_used_bytes", s, n, F_guest_ram_used_bytes);
	med_member(j, "peak_live_vms", s, n, F_peak_live_vms);
	med_member(j, "vms_started", s, n, F_vms_started);
	med_member(j, "vms_exited_ok", s, n, F_vms_exited_ok);
	med_member(j, "vms_running_at_end", s, n, F_vms_running_at_end);
	jw_int(j, "runs_stopped_by_isobench", stopped);
	med_member(j, "run_seconds", s, n, F_run_seconds);
	med_member(j, "tsc_hz", s, n, F_tsc_hz);
	ib_write_samples(j, s, n, sampled);
	jw_end(j, '}');
}

static void write_results(struct jw *j, struct pervm *p, int mode)
{
	jw_arr(j, "results");
	for (int k = 0; k < p->o->ncounts; k++)
		write_result(j, p, mode, k);
	jw_end(j, ']');
}

static void write_report(struct jw *j, struct pervm *p)
{
	const struct ib_opts *o = p->o;
	char name[256];

	ib_image_name(o->image, name, sizeof name);
	jw_str(j, "mode", "per_vm");
	jw_str(j, "image", o->image);
	jw_str(j, "image_name", name);
	jw_str(j, "args", o->args ? o->args : "");
	jw_int(j, "reps", o->reps);
	jw_arr_line(j, "vms");
	for (int k = 0; k < o->ncounts; k++)
		jw_int(j, NULL, (long long)o->counts[k]);
	jw_end(j, ']');
	jw_bool(j, "nic", o->net);
	jw_str(j, "vm_records", o->brief ? "brief (@v, kernel word vm_brief=1)" : "full (@vm)");
	jw_int(j, "grace_ms", o->grace_ms);
	jw_str(j, "accel", sample(p, 0, 0, 0)->accel);
	jw_str(j, "method", "each figure is the median over runs (samples: every run's value). Kernel figures come from "
	       "the kernel's @summary through isorun --json: kernel_bytes_per_vm = (VM slab pages + page tables + "
	       "timer-heap and VM-table slots) at the peak of live VMs / that peak; the timer heap and VM table are "
	       "allocated at boot, 8 B a slot each, for as many VMs as guest RAM can hold at 8 KiB a VM (at most "
	       "MAX_VMS, 1048576); a receive queue is a pointer and a count "
	       "in the VM structure, its frames come from a shared pool only while queued (rx_queue: 0 B while empty). "
	       "guest_private_bytes_per_vm: the pages each VM owned when it ended, averaged; guest_shared_bytes: its "
	       "image, shared by all instances. host_bytes_per_vm = (QEMU peak RSS with N VMs - with 1 VM) / (N - 1), "
	       "each run against the 1-VM run of its round; peak RSS = ru_maxrss of isorun's process tree (QEMU's); QEMU's "
	       "own RSS varies by a few hundred KiB between runs, so below ~1,000 VMs host_bytes_per_vm is mostly that "
	       "noise (it can be negative). "
	       "create_ns_per_vm: TSC time in the kernel's creation loop / VMs. all_live_ns: from the start of the "
	       "first creation to the first quantum of the last VM created (every VM created and run once). "
	       "guest_ram_used_bytes: the guest RAM the kernel used at its low point of free frames (sampled before "
	       "each VM frees its memory), boot reservations included. Runs whose VMs stay are stopped grace_ms after "
	       "all are live (runs_stopped_by_isobench).");
	write_results(j, p, 0);
	if (p->nmodes == 2) {
		jw_obj(j, "icount");
		jw_str(j, "accel", "tcg");
		jw_str(j, "qemu_args", "-icount shift=0");
		jw_str(j, "note", "TCG with -icount shift=0: the guest TSC advances one tick per guest instruction, so "
		       "*_ns figures here are virtual ns = instructions (create_instructions_per_vm, "
		       "all_live_instructions convert with tsc_hz); RSS and sizes are as in the main results");
		write_results(j, p, 1);
		jw_end(j, '}');
	}
}

int ib_mode_pervm(const struct ib_opts *o, struct jw *j)
{
	struct pervm p = { .o = o, .nmodes = o->icount ? 2 : 1, .base_slot = -1 };
	int rc, has_one = 0;

	for (int k = 0; k < o->ncounts; k++)
		has_one |= o->counts[k] == 1;
	p.nslots = o->ncounts + !has_one;
	p.base_slot = has_one ? -1 : o->ncounts;
	p.steps = p.nmodes * o->reps * p.nslots;
	p.s = calloc((size_t)p.steps, sizeof *p.s);
	if (!p.s) {
		fprintf(stderr, "isobench: out of memory\n");
		return IB_EXIT_RUN;
	}
	ib_say("per-VM overhead of %s: VM counts %s, %d run(s) each%s; %d runs in all", o->image,
	       o->args_vms ? o->args_vms : "1,10,100,1000,10000", o->reps, o->icount ? ", again under TCG -icount" : "",
	       p.steps);
	rc = run_all(&p);
	if (rc == 0)
		write_report(j, &p);
	free(p.s);
	return rc;
}
