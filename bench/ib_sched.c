/* ib_sched.c - isobench --sched: one busy VM (spin.elf) among COUNT idle VMs; the kernel's cycles per scheduler pass
 * after a quantum ran out and per timer delivery, medians of --reps, and how flat they stay as COUNT grows. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "isobench.h"

struct sched {
	const struct ib_opts *o;
	int nmodes, step, steps;
	char spin_name[256];
	struct ib_sample *s;         /* [mode][count][rep] */
};

static struct ib_sample *sample(struct sched *p, int mode, int k, int rep)
{
	return &p->s[((size_t)mode * (size_t)p->o->ncounts + (size_t)k) * (size_t)p->o->reps + (size_t)rep];
}

static void say_result(const struct ib_sample *s)
{
	ib_say("  %.0f passes: %.0f cycles per pass (median %.0f, min %.0f; to the timer arming: median %.0f); "
	       "%.0f timer deliveries: median %.0f cycles; all live after %.1f ms (%s, %.1f s)", s->v[F_sched_passes],
	       s->v[F_sched_cycles_per_pass], s->v[F_sched_cycles_per_pass_median], s->v[F_sched_cycles_per_pass_min],
	       s->v[F_sched_pick_cycles_median], s->v[F_timer_deliveries],
	       s->v[F_timer_delivery_cycles_median], s->v[F_all_live_ns] / 1e6, s->accel, s->v[F_wall_s]);
}

/* The busy VM must have had its quanta end by the timer, and (with --ticks) been woken by it. */
static int judge_sched(const struct ib_sample *s, const char *what, const struct ib_opts *o)
{
	if (!s->have[F_sched_passes] || s->v[F_sched_passes] < 1) {
		fprintf(stderr, "isobench: FAILED: %s: the kernel timed no scheduler pass (sched_passes missing or 0: "
			"a kernel without the instrumentation, or --spin-ms shorter than a quantum)\n", what);
		return IB_EXIT_RUN;
	}
	if (o->ticks && (!s->have[F_timer_deliveries] || s->v[F_timer_deliveries] < 1)) {
		fprintf(stderr, "isobench: FAILED: %s: the kernel timed no timer delivery\n", what);
		return IB_EXIT_RUN;
	}
	return 0;
}

static int run_one(struct sched *p, int mode, int k, int rep)
{
	const struct ib_opts *o = p->o;
	unsigned long n = o->counts[k];
	char label[96], what[200];
	struct ib_argv av = { .n = 0 };
	struct ib_sample *s = sample(p, mode, k, rep);
	const char *dir;
	int rc;

	snprintf(label, sizeof label, "sched-%s-%luidle-rep%d", mode ? "icount" : "main", n, rep + 1);
	snprintf(what, sizeof what, "1 busy VM among %lu idle (%s, run %d of %d)", n, mode ? "TCG -icount" : o->accel,
		 rep + 1, o->reps);
	ib_say("[%d/%d] %s", ++p->step, p->steps, what);
	dir = ib_run_dir(label);
	ib_av_base(&av, o, dir, mode);
	if (n)
		ib_av_add(&av, "%s:%lu:%s", o->idle_image, n, o->idle_args);
	ib_av_add(&av, "%s:1:%ld %ld %ld", o->spin_image, o->spin_ms, o->ticks, o->tick_us);
	struct ib_runspec spec = { .argv = av.v, .watch_image = p->spin_name, .vms = (double)n + 1, .dir = dir,
				   .limit_s = ib_limit_s(o, (double)n) + (double)o->spin_ms / 1000 +
					      (double)o->ticks * (double)o->tick_us / 1e6,
				   .verbose = o->verbose };
	rc = ib_run_judged(&spec, s, what, 1);
	ib_av_free(&av);
	if (rc || (rc = judge_sched(s, what, o)) != 0)
		return rc;
	say_result(s);
	return 0;
}

static int run_all(struct sched *p)
{
	for (int m = 0; m < p->nmodes; m++)
		for (int r = 0; r < p->o->reps; r++)
			for (int k = 0; k < p->o->ncounts; k++) {
				int rc = run_one(p, m, k, r);
				if (rc)
					return rc;
			}
	return 0;
}

static double med_member(struct jw *j, const char *key, const struct ib_sample *s, int n, enum ib_field f)
{
	double v = 0;
	int have = ib_med(s, n, f, &v);

	jw_num(j, key, have, v);
	return have ? v : 0;
}

/* cycles -> ns with the run's TSC rate. */
static void ns_member(struct jw *j, const char *key, double cycles, double hz)
{
	jw_num(j, key, hz > 0, hz > 0 ? (double)(long long)(cycles * 1e10 / hz + 0.5) / 10 : 0);
}

static void write_result(struct jw *j, struct sched *p, int mode, int k)
{
	const struct ib_sample *s = sample(p, mode, k, 0);
	static const int sampled[] = { F_sched_passes, F_sched_cycles_per_pass, F_sched_cycles_per_pass_median,
				       F_sched_pick_cycles_median, F_timer_deliveries, F_timer_delivery_cycles_median, F_all_live_ns,
				       F_guest_ram_used_bytes, -1 };
	int n = p->o->reps;
	double hz = 0, pm, tm;

	ib_med(s, n, F_tsc_hz, &hz);
	jw_obj(j, NULL);
	jw_int(j, "idle_vms", (long long)p->o->counts[k]);
	jw_int(j, "runs", n);
	jw_str(j, "accel", s->accel);
	med_member(j, "sched_passes", s, n, F_sched_passes);
	med_member(j, "sched_cycles_per_pass", s, n, F_sched_cycles_per_pass);
	pm = med_member(j, "sched_cycles_per_pass_median", s, n, F_sched_cycles_per_pass_median);
	med_member(j, "sched_cycles_per_pass_min", s, n, F_sched_cycles_per_pass_min);
	ns_member(j, "sched_ns_per_pass_median", pm, hz);
	med_member(j, "sched_pick_cycles", s, n, F_sched_pick_cycles);
	tm = med_member(j, "sched_pick_cycles_median", s, n, F_sched_pick_cycles_median);
	ns_member(j, "sched_pick_ns_median", tm, hz);
	med_member(j, "sched_switch_passes", s, n, F_sched_switch_passes);
	med_member(j, "sched_switch_cycles_median", s, n, F_sched_switch_cycles_median);
	med_member(j, "timer_deliveries", s, n, F_timer_deliveries);
	med_member(j, "timer_delivery_cycles", s, n, F_timer_delivery_cycles);
	tm = med_member(j, "timer_delivery_cycles_median", s, n, F_timer_delivery_cycles_median);
	med_member(j, "timer_delivery_cycles_min", s, n, F_timer_delivery_cycles_min);
	ns_member(j, "timer_delivery_ns_median", tm, hz);
	med_member(j, "switches", s, n, F_switches);
	jw_bool(j, "all_live", ib_med(s, n, F_all_live, &pm) && pm == 1);
	med_member(j, "all_live_ns", s, n, F_all_live_ns);
	med_member(j, "guest_ram_used_bytes", s, n, F_guest_ram_used_bytes);
	med_member(j, "tsc_hz", s, n, F_tsc_hz);
	ib_write_samples(j, s, n, sampled);
	jw_end(j, '}');
}

/* How flat field f (its median over runs) stays across the counts: min, max, max/min, within 10%. */
static void write_flat(struct jw *j, struct sched *p, int mode, const char *key, enum ib_field f)
{
	double lo = 0, hi = 0, v;
	int any = 0;

	for (int k = 0; k < p->o->ncounts; k++) {
		if (!ib_med(sample(p, mode, k, 0), p->o->reps, f, &v))
			continue;
		lo = any && lo < v ? lo : v;
		hi = any && hi > v ? hi : v;
		any = 1;
	}
	jw_obj_line(j, key);
	jw_str(j, "figure", ib_field_name[f]);
	jw_num(j, "min", any, lo);
	jw_num(j, "max", any, hi);
	jw_num(j, "max_over_min", any && lo > 0, lo > 0 ? (double)(long long)(hi / lo * 10000 + 0.5) / 10000 : 0);
	jw_bool(j, "within_10pct", any && lo > 0 && hi <= lo * 1.1);
	jw_end(j, '}');
}

static void write_mode(struct jw *j, struct sched *p, int mode)
{
	jw_arr(j, "results");
	for (int k = 0; k < p->o->ncounts; k++)
		write_result(j, p, mode, k);
	jw_end(j, ']');
	write_flat(j, p, mode, "flat", F_sched_cycles_per_pass_median);
	write_flat(j, p, mode, "flat_mean", F_sched_cycles_per_pass);
	write_flat(j, p, mode, "pick_flat", F_sched_pick_cycles_median);
	write_flat(j, p, mode, "timer_delivery_flat", F_timer_delivery_cycles_median);
}

static void write_report(struct jw *j, struct sched *p)
{
	const struct ib_opts *o = p->o;

	jw_str(j, "mode", "sched");
	jw_str(j, "idle_image", o->idle_image);
	jw_str(j, "idle_args", o->idle_args);
	jw_str(j, "spin_image", o->spin_image);
	jw_int(j, "spin_ms", o->spin_ms);
	jw_int(j, "ticks", o->ticks);
	jw_int(j, "tick_us", o->tick_us);
	jw_int(j, "quantum_us", o->quantum_us);
	jw_int(j, "reps", o->reps);
	jw_arr_line(j, "idle_vms");
	for (int k = 0; k < o->ncounts; k++)
		jw_int(j, NULL, (long long)o->counts[k]);
	jw_end(j, ']');
	jw_bool(j, "nic", o->net);
	jw_str(j, "vm_records", o->brief ? "brief (@v, kernel word vm_brief=1)" : "full (@vm)");
	jw_str(j, "accel", sample(p, 0, 0, 0)->accel);
	jw_str(j, "method", "each run: COUNT idle VMs (idle_image idle_args: a deadline far away), then one busy VM that "
	       "spins spin_ms with no hypercall (every quantum ends by the timer) and then idles `ticks` times for "
	       "tick_us. The kernel times, with lfence;rdtsc and always on: a scheduler pass = from its entry on the "
	       "timer interrupt that ended a quantum (ring 3) to the resume of the next VM with no sleep between (NIC "
	       "and switch poll, host-stop check, timer-heap wake-ups, run-queue pop, address-space and FPU switch, "
	       "timer arming) when the same VM goes on (nothing else runnable; sched_switch_*: passes that resumed another "
	       "VM, e.g. an idle VM's first quantum that ran out); a timer delivery = from the idle kernel's wake-up (hlt returns) to the resume of the VM "
	       "its timer heap released. Per run: count, mean, median and min of the last 1024 (medians), in TSC "
	       "cycles; figures here are medians over runs. flat: the largest over the smallest of "
	       "sched_cycles_per_pass_median across the counts (target: within 10%). The run is stopped when the busy "
	       "VM has ended.");
	write_mode(j, p, 0);
	if (p->nmodes == 2) {
		jw_obj(j, "icount");
		jw_str(j, "accel", "tcg");
		jw_str(j, "qemu_args", "-icount shift=0");
		jw_str(j, "note", "TCG with -icount shift=0: the guest TSC advances one tick per guest instruction, so "
		       "cycles here are instructions");
		write_mode(j, p, 1);
		jw_end(j, '}');
	}
}

int ib_mode_sched(const struct ib_opts *o, struct jw *j)
{
	struct sched p = { .o = o, .nmodes = o->icount ? 2 : 1 };
	int rc;

	ib_image_name(o->spin_image, p.spin_name, sizeof p.spin_name);
	p.steps = p.nmodes * o->reps * o->ncounts;
	p.s = calloc((size_t)p.steps, sizeof *p.s);
	if (!p.s) {
		fprintf(stderr, "isobench: out of memory\n");
		return IB_EXIT_RUN;
	}
	ib_say("scheduler cost: 1 busy VM (%s, %ld ms, then %ld ticks of %ld us) among %s idle VMs, quantum %ld us, "
	       "%d run(s) each%s; %d runs in all", o->spin_image, o->spin_ms, o->ticks, o->tick_us,
	       o->args_vms ? o->args_vms : "0,10,100,1000,10000,100000", o->quantum_us, o->reps,
	       o->icount ? ", again under TCG -icount" : "", p.steps);
	rc = run_all(&p);
	if (rc == 0)
		write_report(j, &p);
	free(p.s);
	return rc;
}
