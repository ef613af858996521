/* records.c - turns the kernel's lines into run results: '@' records (runlog.h) are parsed, log lines printed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isorun.h"

static const char *const state_names[VS_NSTATES] = { "exited", "failed", "faulted", "running", "unknown" };

const char *state_name(int state)
{
	return state >= 0 && state < VS_NSTATES ? state_names[state] : "unknown";
}

static int state_of(const char *s)
{
	int i;

	for (i = 0; s && i < VS_OTHER; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return VS_OTHER;
}

static uint32_t intern_name(struct results *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		if (!strcmp(r->names[i], name))
			return (uint32_t)i;
	r->names = xrealloc(r->names, (r->nnames + 1) * sizeof *r->names);
	r->names[r->nnames] = xstrdup(name);
	return (uint32_t)r->nnames++;
}

static void on_boot(struct run *run, struct kvlist *kv)
{
	const char *a = kv_get(kv, "accel");

	run->r.booted = 1;
	snprintf(run->r.kernel_accel, sizeof run->r.kernel_accel, "%s", a ? a : "unknown");
	kv_free(&run->r.boot);
	run->r.boot = *kv;
	kv->v = NULL;
	kv->n = kv->cap = 0;
}

static void on_image(struct run *run, struct kvlist *kv)
{
	struct results *r = &run->r;
	unsigned long long count;

	if (kv_get_ul(kv, "count", &count) == 0)
		r->expected += count;
	r->images = xrealloc(r->images, (r->nimages + 1) * sizeof *r->images);
	r->images[r->nimages++] = *kv;
	kv->v = NULL;
	kv->n = kv->cap = 0;
}

static void on_reject(struct run *run, struct kvlist *kv)
{
	struct results *r = &run->r;
	const char *name = kv_get(kv, "name"), *reason = kv_get(kv, "reason");

	r->rej = xrealloc(r->rej, (r->nrej + 1) * sizeof *r->rej);
	r->rej[r->nrej].image = xstrdup(name ? name : "?");
	r->rej[r->nrej].reason = xstrdup(reason ? reason : "");
	r->nrej++;
}

static struct vmrec *new_vmrec(struct results *r)
{
	if (r->nvms == r->capvms) {
		r->capvms = r->capvms ? r->capvms * 2 : 1024;
		r->vms = xrealloc(r->vms, r->capvms * sizeof *r->vms);
	}
	return &r->vms[r->nvms++];
}

/* A counter of a @vm record: 0 when absent (the kernel prints them only when not all zero) or not a uint32. */
static uint32_t vm_counter(const struct kvlist *kv, const char *key)
{
	unsigned long long v;

	return kv_get_ul(kv, key, &v) == 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* One VM's end, from a @vm or @v record; kv holds its counters. */
static void add_vm(struct run *run, uint32_t id, const char *image, const char *state, const char *st,
		   const char *reason, const struct kvlist *kv)
{
	struct results *r = &run->r;
	struct vmrec *vm = new_vmrec(r);

	vm->id = id;
	vm->image = intern_name(r, image ? image : "?");
	vm->state = (uint8_t)state_of(state);
	vm->status = st ? (int32_t)strtol(st, NULL, 10) : 0;
	vm->reason = vm->state != VS_EXITED && reason ? xstrdup(reason) : NULL;
	vm->rx_frames = vm_counter(kv, "rx_frames");
	vm->tx_frames = vm_counter(kv, "tx_frames");
	vm->rx_drops = vm_counter(kv, "rx_drops");
	vm->tx_spoofed = vm_counter(kv, "tx_spoofed");
	vm->tenant = vm_counter(kv, "tenant");
	vm->svc = kv_get(kv, "svc") ? intern_name(r, kv_get(kv, "svc")) + 1 : 0;
	vm->addr = kv_get(kv, "addr") ? vm_counter(kv, "addr") : id;
	r->by_state[vm->state]++;
	if (vm->state == VS_EXITED && vm->status != 0)
		r->nonzero_exits++;
	demux_vm_ended(run, vm->id);
}

static void on_vm(struct run *run, struct kvlist *kv)
{
	unsigned long long id;

	if (kv_get_ul(kv, "id", &id) < 0 || id > UINT32_MAX) {
		run->r.bad_records++;
		return;
	}
	add_vm(run, (uint32_t)id, kv_get(kv, "image"), kv_get(kv, "state"), kv_get(kv, "status"),
	       kv_get(kv, "reason"), kv);
}

/* The image and reason of the previous @v record (a @v record names them only when they change; runlog.h). */
static char *brief_image, *brief_reason;

/* Replaces *slot with a copy of v when v is given (the record named it). */
static void carry(char **slot, const char *v)
{
	if (!v)
		return;
	free(*slot);
	*slot = xstrdup(v);
}

/* "@v ID STATE STATUS [image=".."] [reason=".."] [counters]" (kernel word vm_brief=1). */
static void on_v(struct run *run, const char *rest)
{
	char state[16], status[16];
	unsigned long long id;
	struct kvlist kv = { 0 };
	int n = 0;

	if (sscanf(rest, "%llu %15s %15s %n", &id, state, status, &n) < 3 || n == 0 || id > UINT32_MAX ||
	    kv_parse(rest + n, &kv) < 0) {
		run->r.bad_records++;
		kv_free(&kv);
		return;
	}
	carry(&brief_image, kv_get(&kv, "image"));
	carry(&brief_reason, kv_get(&kv, "reason"));
	add_vm(run, (uint32_t)id, brief_image, state, status, brief_reason && *brief_reason ? brief_reason : NULL,
	       &kv);
	kv_free(&kv);
}

static void on_done(struct run *run, struct kvlist *kv)
{
	unsigned long long code;

	run->r.done = 1;
	run->r.done_code = kv_get_ul(kv, "code", &code) == 0 && code < 256 ? (int)code : IR_KERNEL;
}

/* Keeps kv's pairs in *dst (the last record of its kind wins). */
static void keep_kv(struct kvlist *dst, struct kvlist *kv)
{
	kv_free(dst);
	*dst = *kv;
	kv->v = NULL;
	kv->n = kv->cap = 0;
}

static void on_summary(struct run *run, struct kvlist *kv)
{
	keep_kv(&run->r.summary, kv);
}

static void on_net(struct run *run, struct kvlist *kv)
{
	keep_kv(&run->r.net, kv);
}

static void on_switch(struct run *run, struct kvlist *kv)
{
	keep_kv(&run->r.vswitch, kv);
}

/* Dispatches one '@' record; unknown record types are ignored (a newer kernel may add some). */
static void on_record(struct run *run, const char *line)
{
	static const struct {
		const char *name;
		void (*fn)(struct run *, struct kvlist *);
	} tab[] = {
		{ "boot", on_boot }, { "image", on_image }, { "reject", on_reject },
		{ "vm", on_vm }, { "summary", on_summary }, { "done", on_done },
		{ "net", on_net }, { "switch", on_switch },
	};
	size_t n = strcspn(line + 1, " \t"), i;
	struct kvlist kv = { 0 };

	if (n == 1 && line[1] == 'v') {
		on_v(run, line + 2);
		return;
	}
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (strlen(tab[i].name) != n || strncmp(line + 1, tab[i].name, n))
			continue;
		if (kv_parse(line + 1 + n, &kv) < 0) {
			run->r.bad_records++;
			if (run->o.verbose)
				warnx("malformed record: %s", line);
		}
		tab[i].fn(run, &kv);
		break;
	}
	kv_free(&kv);
}

/* A kernel "panic" line: "panic..." or "isokernel: panic..." (any case). */
static int is_panic_line(const char *line)
{
	if (!strncmp(line, "isokernel: ", 11))
		line += 11;
	return !strncasecmp(line, "panic", 5) || !strncasecmp(line, "kernel panic", 12);
}

/* One complete kernel line: '@' records are parsed (and echoed with -v), other lines printed as they are. */
void records_line(struct run *run, const char *line)
{
	if (line[0] != '@') {
		if (is_panic_line(line))
			run->r.panicked = 1;
		print_clean(line, strlen(line));
		return;
	}
	if (run->o.verbose)
		print_clean(line, strlen(line));
	on_record(run, line);
}

static int by_id(const void *a, const void *b)
{
	const struct vmrec *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Orders the VM records by id (the JSON lists them so). */
void records_sort(struct results *r)
{
	if (r->nvms)
		qsort(r->vms, r->nvms, sizeof *r->vms, by_id);
}

void records_free(struct results *r)
{
	size_t i;

	for (i = 0; i < r->nvms; i++)
		free(r->vms[i].reason);
	for (i = 0; i < r->nimages; i++)
		kv_free(&r->images[i]);
	for (i = 0; i < r->nrej; i++) {
		free(r->rej[i].image);
		free(r->rej[i].reason);
	}
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	kv_free(&r->boot);
	kv_free(&r->summary);
	kv_free(&r->net);
	kv_free(&r->vswitch);
	kv_free(&r->pcap);
	free(brief_image);
	free(brief_reason);
	brief_image = brief_reason = NULL;
	free(r->vms);
	free(r->images);
	free(r->rej);
	free(r->names);
}
