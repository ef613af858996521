/* ib_common.c - what isobench's measurements share: isorun's command line, run directories and limits, medians,
 * per-run samples in the report, and the verdict on a run. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "isobench.h"

void ib_av_add(struct ib_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n + 1 >= (int)(sizeof a->v / sizeof a->v[0])) {
		fprintf(stderr, "isobench: too many isorun arguments\n");
		exit(IB_EXIT_INPUT);
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fprintf(stderr, "isobench: out of memory\n");
		exit(IB_EXIT_RUN);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void ib_av_free(struct ib_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
	a->v[0] = NULL;
}

void ib_av_base(struct ib_argv *a, const struct ib_opts *o, const char *dir, int icount)
{
	ib_av_add(a, "%s", o->isorun);
	ib_av_add(a, "-v");
	ib_av_add(a, "--quiet");
	ib_av_add(a, "--json");
	ib_av_add(a, "%s/isorun.json", dir);
	ib_av_add(a, "--accel");
	ib_av_add(a, "%s", icount ? "tcg" : o->accel);
	if (icount) {
		ib_av_add(a, "--qemu-arg");
		ib_av_add(a, "-icount");
		ib_av_add(a, "--qemu-arg");
		ib_av_add(a, "shift=0");
	}
	if (o->mem) {
		ib_av_add(a, "--mem");
		ib_av_add(a, "%s", o->mem);
	}
	if (o->quota) {
		ib_av_add(a, "--quota");
		ib_av_add(a, "%s", o->quota);
	}
	if (o->quantum_us) {
		ib_av_add(a, "--quantum");
		ib_av_add(a, "%ld", o->quantum_us);
	}
	if (o->net) {
		ib_av_add(a, "--net-socket");
		ib_av_add(a, "%s/nic.sock", dir);
	}
	if (o->brief) {
		ib_av_add(a, "--append");
		ib_av_add(a, "vm_brief=1");
	}
	for (int i = 0; i < o->nextra; i++)
		ib_av_add(a, "%s", o->extra[i]);
}

const char *ib_run_dir(const char *label)
{
	static char dir[PATH_MAX + 64];

	snprintf(dir, sizeof dir, "%s/%s", ib_workdir, label);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "isobench: mkdir %s: %s\n", dir, strerror(errno));
		exit(IB_EXIT_RUN);
	}
	return dir;
}

double ib_limit_s(const struct ib_opts *o, double vms)
{
	return o->timeout_s ? (double)o->timeout_s : 120 + vms / 500;
}


int ib_med(const struct ib_sample *s, int n, enum ib_field f, double *out)
{
	double v[IB_MAX_REPS];
	int k = 0;

	for (int i = 0; i < n; i++)
		if (s[i].have[f])
			v[k++] = s[i].v[f];
	if (k)
		*out = ib_median(v, k);
	return k > 0;
}

void ib_write_samples(struct jw *j, const struct ib_sample *s, int n, const int *fields)
{
	jw_obj(j, "samples");
	for (; *fields >= 0; fields++) {
		jw_arr_line(j, ib_field_name[*fields]);
		for (int i = 0; i < n; i++)
			jw_num(j, NULL, s[i].have[*fields], s[i].v[*fields]);
		jw_end(j, ']');
	}
	jw_end(j, '}');
}

/* What isorun's exit status means (isorun --help). */
static const char *status_meaning(int st)
{
	switch (st) {
	case 1: return "some VM failed, faulted, exited nonzero or was still running at the end";
	case 2: return "usage or input error, or the kernel rejected the image";
	case 3: return "the kernel panicked, QEMU failed or was killed, or the output ended without @done";
	case 127: return "isorun could not be started";
	default: return st > 128 ? "isorun was killed by a signal" : "unexpected";
	}
}

static double fig(const struct ib_sample *s, enum ib_field f)
{
	return s->have[f] ? s->v[f] : -1;
}

/* The last lines isorun wrote on stderr in run directory dir. */
static void show_isorun_err(const char *dir)
{
	char errpath[PATH_MAX + 16];

	snprintf(errpath, sizeof errpath, "%s/isorun.err", dir);
	ib_show_tail(errpath, 12);
}

int ib_judge(const struct ib_sample *s, const char *what, const char *dir, double vms, int want_all_live)
{
	char why[256];

	if (s->gave_up)
		snprintf(why, sizeof why, "it passed its time limit (--timeout) and was stopped");
	else if (s->status == 1 && fig(s, F_vms_running_at_end) > 0 && fig(s, F_vms_failed) == 0 &&
		 fig(s, F_vms_faulted) == 0)
		snprintf(why, sizeof why, "isorun exited 1: %.0f VMs were still running when the kernel ended the run "
			 "(all waiting with no deadline and no NIC: \"blocked forever\"? do not give --no-net)",
			 fig(s, F_vms_running_at_end));
	else if (s->status != 0)
		snprintf(why, sizeof why, "isorun exited %d: %s", s->status, status_meaning(s->status));
	else if (fig(s, F_vms_started) != vms)
		snprintf(why, sizeof why, "the kernel created %.0f of %.0f VMs (out of guest memory? try --mem)",
			 fig(s, F_vms_started), vms);
	else if (want_all_live && fig(s, F_all_live) != 1)
		snprintf(why, sizeof why, "not every VM had its first quantum (all_live is not 1)");
	else
		return 0;
	fprintf(stderr, "isobench: FAILED: %s: %s\n", what, why);
	fprintf(stderr, "isobench:   started %.0f, exited ok %.0f, failed %.0f, faulted %.0f, running at the end %.0f "
		"(-1: not reported)\n", fig(s, F_vms_started), fig(s, F_vms_exited_ok),
		fig(s, F_vms_failed), fig(s, F_vms_faulted), fig(s, F_vms_running_at_end));
	for (size_t i = 0; i < sizeof s->bad_vm / sizeof s->bad_vm[0] && s->bad_vm[i][0]; i++)
		fprintf(stderr, "isobench:   %s\n", s->bad_vm[i]);
	fprintf(stderr, "isobench:   isorun's last messages:\n");
	show_isorun_err(dir);
	return IB_EXIT_RUN;
}

int ib_run_judged(const struct ib_runspec *spec, struct ib_sample *s, const char *what, int want_all_live)
{
	char err[512];
	int rc;

	if (spec->verbose)
		for (int i = 0; spec->argv[i]; i++)
			fprintf(stderr, "%s%s", spec->argv[i], spec->argv[i + 1] ? " " : "\n");
	rc = ib_run(spec, s, err, sizeof err);
	if (ib_interrupted())
		return 130;
	if (rc < 0) {
		fprintf(stderr, "isobench: FAILED: %s: %s\n", what, err);
		show_isorun_err(spec->dir);
		return IB_EXIT_RUN;
	}
	return ib_judge(s, what, spec->dir, spec->vms, want_all_live);
}
