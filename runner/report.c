/* report.c - the end of a run: isorun's exit status, the printed summary and the --json file. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "isorun.h"

/* Returns 1 and the figure if known: from @summary, else counted from the @vm records (counts only). */
int report_figure(const struct run *run, const char *key, unsigned long long *v)
{
	const struct results *r = &run->r;

	if (kv_get_ul(&r->summary, key, v) == 0)
		return 1;
	if (!strcmp(key, "vms_started"))
		*v = r->nvms;
	else if (!strcmp(key, "vms_exited_ok"))
		*v = r->by_state[VS_EXITED] - r->nonzero_exits;
	else if (!strcmp(key, "vms_failed"))
		*v = r->by_state[VS_FAILED];
	else if (!strcmp(key, "vms_faulted"))
		*v = r->by_state[VS_FAULTED];
	else if (!strcmp(key, "vms_running_at_end"))
		*v = r->by_state[VS_RUNNING];
	else
		return 0;
	return 1;
}

static int qemu_exit_code(const struct run *run)
{
	int s = run->qemu_status;

	if (s < 0)
		return -1;
	return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
}

/* Did the host end the run (isorun's stop request, @summary stopped=1)? Its running VMs were not failures. */
static int stopped_by_host(const struct run *run)
{
	unsigned long long v;

	return kv_get_ul(&run->r.summary, "stopped", &v) == 0 && v == 1;
}

/* VMs that count as ok: exited with status 0, or still running when the host stopped the run. */
static unsigned long vms_ok(const struct run *run)
{
	const struct results *r = &run->r;

	return r->by_state[VS_EXITED] - r->nonzero_exits + (stopped_by_host(run) ? r->by_state[VS_RUNNING] : 0);
}

/* Did every VM the kernel started end with an @vm record that says exited status 0 (or stopped by the host)? */
static int all_vms_ok(const struct run *run)
{
	const struct results *r = &run->r;
	unsigned long long started;

	if (r->nonzero_exits || r->nvms != vms_ok(run))
		return 0;
	return report_figure(run, "vms_started", &started) && started == r->nvms;
}

/* 0 ok, 1 some VM did not exit 0, 2 input rejected, 3 panic / QEMU failure / no @done. */
int report_status(const struct run *run)
{
	const struct results *r = &run->r;

	if (run->killed || !r->done || r->panicked || r->done_code == 3 || r->done_code > 3)
		return IR_KERNEL;
	if (r->nrej || r->done_code == 2)
		return IR_INPUT;
	if (r->done_code != 0 || !all_vms_ok(run))
		return IR_VMFAIL;
	return IR_OK;
}

static const char *status_text(int status)
{
	static const char *const t[] = {
		"ok: every VM exited with status 0 (or ran until the host stopped the run)",
		"some VM failed, faulted, exited nonzero or was still running",
		"input refused (usage error or rejected image)",
		"kernel panic, QEMU failure, or the run did not end with @done",
	};

	return status >= 0 && status <= 3 ? t[status] : "?";
}

static void print_fig(const struct run *run, const char *label, const char *key)
{
	unsigned long long v;

	if (report_figure(run, key, &v))
		printf("isorun: %-18s %llu\n", label, v);
	else
		printf("isorun: %-18s -\n", label);
}

/* Names the first few VMs that did not exit with status 0 (nor ran until the host stopped the run). */
static void print_bad_vms(const struct run *run)
{
	const struct results *r = &run->r;
	size_t i, shown = 0, bad = r->nvms - vms_ok(run);
	int stopped = stopped_by_host(run);

	if (stopped)
		printf("isorun: the host stopped the run: %lu VMs were still running\n", r->by_state[VS_RUNNING]);
	for (i = 0; i < r->nvms && shown < 10 && bad; i++) {
		const struct vmrec *vm = &r->vms[i];

		if ((vm->state == VS_EXITED && vm->status == 0) || (stopped && vm->state == VS_RUNNING))
			continue;
		printf("isorun: vm %u (%s) %s status %d%s%s\n", (unsigned)vm->id, r->names[vm->image],
		       state_name(vm->state), (int)vm->status, vm->reason ? ": " : "", vm->reason ? vm->reason : "");
		shown++;
	}
	if (bad > shown)
		printf("isorun: ... and %zu more VMs that did not exit 0\n", bad - shown);
}

static void print_why(const struct run *run)
{
	const struct results *r = &run->r;
	size_t i;

	for (i = 0; i < r->nrej; i++)
		printf("isorun: rejected           %s: %s\n", r->rej[i].image, r->rej[i].reason);
	if (run->killed)
		printf("isorun: QEMU was killed: it had not finished by the deadline (or isorun was interrupted)\n");
	else if (!r->booted && run->qemu_status >= 0)
		printf("isorun: QEMU failed: it exited with status %d before the kernel printed @boot\n",
		       qemu_exit_code(run));
	else if (!r->booted)
		printf("isorun: the kernel never printed @boot\n");
	if (r->booted && !r->done)
		printf("isorun: the output ended without @done\n");
	if (r->panicked)
		printf("isorun: the kernel panicked\n");
	if (r->nonzero_exits)
		printf("isorun: %lu VMs exited with a nonzero status\n", r->nonzero_exits);
	print_bad_vms(run);
	if (r->bad_records)
		printf("isorun: %lu malformed records or console frames\n", r->bad_records);
}

/* The summary, printed at the end of every run (also with --quiet). */
void report_summary(const struct run *run, int status)
{
	const struct results *r = &run->r;
	unsigned long long ns;

	printf("isorun: ---- summary ----\n");
	printf("isorun: %-18s %s (kernel says %s)\n", "accel", run->accel, r->booted ? r->kernel_accel : "-");
	print_fig(run, "VMs started", "vms_started");
	print_fig(run, "exited ok", "vms_exited_ok");
	print_fig(run, "failed", "vms_failed");
	print_fig(run, "faulted", "vms_faulted");
	print_fig(run, "running at end", "vms_running_at_end");
	print_fig(run, "peak live", "peak_live_vms");
	print_fig(run, "kernel bytes/VM", "kernel_bytes_per_vm");
	print_fig(run, "guest bytes/VM", "guest_bytes_per_vm");
	print_fig(run, "creation ns/VM", "create_ns_per_vm");
	if (kv_get_ul(&r->summary, "run_ns", &ns) == 0)
		printf("isorun: %-18s %.3f (kernel run %.3f)\n", "run seconds", run->wall_s, (double)ns / 1e9);
	else
		printf("isorun: %-18s %.3f\n", "run seconds", run->wall_s);
	print_why(run);
	printf("isorun: %-18s %d: %s\n", "exit status", status, status_text(status));
	fflush(stdout);
}
