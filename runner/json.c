/* json.c - writes the --json report (fields documented in isorun --help), with proper string escaping. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "isorun.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static int utf8_len(const unsigned char *p)
{
	int n, i;

	if (p[0] < 0x80)
		return 1;
	n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string: quotes, backslashes and control characters escaped; invalid UTF-8 becomes U+FFFD. */
static void jstr(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p++);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p++);
		else if ((n = utf8_len(p)) == 0)
			fputs("\\ufffd", f), p++;
		else
			fwrite(p, 1, (size_t)n, f), p += n;
	}
	fputc('"', f);
}

static int is_number(const char *s)
{
	const char *p = s + (*s == '-');

	if (!*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return strlen(s) < 20;
}

/* A record value: an unquoted decimal number stays a number, anything else is a string. */
static void jval(FILE *f, const struct kv *kv)
{
	if (!kv->quoted && is_number(kv->val))
		fputs(kv->val, f);
	else
		jstr(f, kv->val);
}

static void jkey(FILE *f, const char *key)
{
	fputs(",\n  ", f);
	jstr(f, key);
	fputs(": ", f);
}

static void jkv_object(FILE *f, const struct kvlist *l)
{
	size_t i;

	fputc('{', f);
	for (i = 0; i < l->n; i++) {
		fputs(i ? ", " : "", f);
		jstr(f, l->v[i].key);
		fputs(": ", f);
		jval(f, &l->v[i]);
	}
	fputc('}', f);
}

static const char *const fixed[] = {
	"vms_started", "vms_exited_ok", "vms_failed", "vms_faulted", "vms_running_at_end",
	"peak_live_vms", "kernel_bytes_per_vm", "guest_bytes_per_vm", "create_ns_per_vm", "run_ns",
};

static int is_fixed(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!strcmp(fixed[i], key))
			return 1;
	return 0;
}

static void jnum_or_null(FILE *f, int known, unsigned long long v)
{
	if (known)
		fprintf(f, "%llu", v);
	else
		fputs("null", f);
}

/* The counters, from @summary or counted; then the remaining @summary fields as they came. */
static void write_figures(FILE *f, const struct run *run)
{
	const struct kvlist *s = &run->r.summary;
	unsigned long long v;
	size_t i;

	int known;

	for (i = 0; i + 1 < sizeof fixed / sizeof fixed[0]; i++) {
		known = report_figure(run, fixed[i], &v);
		jkey(f, fixed[i]);
		jnum_or_null(f, known, v);
	}
	known = kv_get_ul(s, "run_ns", &v) == 0;
	jkey(f, "kernel_run_ns");
	jnum_or_null(f, known, v);
	for (i = 0; i < s->n; i++) {
		if (is_fixed(s->v[i].key))
			continue;
		jkey(f, s->v[i].key);
		jval(f, &s->v[i]);
	}
}

static void write_run(FILE *f, const struct run *run, int status)
{
	const struct results *r = &run->r;
	int qs = run->qemu_status;

	fputs("{\n  \"accel\": ", f);
	jstr(f, run->accel);
	jkey(f, "kernel_accel");
	jstr(f, r->booted ? r->kernel_accel : "");
	jkey(f, "exit_status");
	fprintf(f, "%d", status);
	jkey(f, "kernel_exit_code");
	jnum_or_null(f, r->done, (unsigned long long)r->done_code);
	jkey(f, "qemu_exit_status");
	jnum_or_null(f, qs >= 0 && WIFEXITED(qs), qs >= 0 ? (unsigned long long)WEXITSTATUS(qs) : 0);
	jkey(f, "qemu_mem_mib");
	fprintf(f, "%lu", run->mem_mib);
	jkey(f, "guarantee_kib");
	fprintf(f, "%lu", run->o.guar_kib);
	jkey(f, "run_seconds");
	fprintf(f, "%.6f", run->wall_s);
	fprintf(f, ",\n  \"booted\": %s, \"done\": %s, \"panicked\": %s, \"killed_at_deadline\": %s",
		r->booted ? "true" : "false", r->done ? "true" : "false", r->panicked ? "true" : "false",
		run->killed ? "true" : "false");
	jkey(f, "malformed_records");
	fprintf(f, "%lu", r->bad_records);
}

static void write_images(FILE *f, const struct run *run)
{
	size_t i;

	jkey(f, "boot");
	jkv_object(f, &run->r.boot);
	jkey(f, "net");
	if (run->r.net.n)
		jkv_object(f, &run->r.net);
	else
		fputs("null", f);
	jkey(f, "switch");
	if (run->r.vswitch.n)
		jkv_object(f, &run->r.vswitch);
	else
		fputs("null", f);
	jkey(f, "pcap");
	if (run->r.pcap.n)
		jkv_object(f, &run->r.pcap);
	else
		fputs("null", f);
	jkey(f, "images");
	fputc('[', f);
	for (i = 0; i < run->r.nimages; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		jkv_object(f, &run->r.images[i]);
	}
	fputs("]", f);
	jkey(f, "rejected");
	fputc('[', f);
	for (i = 0; i < run->r.nrej; i++) {
		fputs(i ? ",\n    {\"image\": " : "\n    {\"image\": ", f);
		jstr(f, run->r.rej[i].image);
		fputs(", \"reason\": ", f);
		jstr(f, run->r.rej[i].reason);
		fputc('}', f);
	}
	fputs("]", f);
}

/* A VM's address from the plan (isorun --help): address number a of its tenant's (lib/netplan.h). */
static void write_addr(FILE *f, const struct opts *o, uint32_t tenant, uint32_t a)
{
	uint32_t ip = netplan_ipv4(tenant ? netplan_tenant_base(tenant) : o->net_ip, a);
	uint8_t m[6];

	netplan_tenant_mac(tenant, a, m);
	fprintf(f, ", \"ipv4\": \"%u.%u.%u.%u\", \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\"", ip >> 24,
		(ip >> 16) & 255, (ip >> 8) & 255, ip & 255, m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void write_vms(FILE *f, const struct run *run)
{
	const struct results *r = &run->r;
	size_t i;

	jkey(f, "vms");
	fputc('[', f);
	for (i = 0; i < r->nvms; i++) {
		const struct vmrec *vm = &r->vms[i];

		fprintf(f, "%s{\"id\": %u, \"image\": ", i ? ",\n    " : "\n    ", (unsigned)vm->id);
		jstr(f, r->names[vm->image]);
		fprintf(f, ", \"state\": \"%s\", \"exit_status\": %d", state_name(vm->state), (int)vm->status);
		if (vm->reason) {
			fputs(", \"reason\": ", f);
			jstr(f, vm->reason);
		}
		if (vm->tenant)
			fprintf(f, ", \"tenant\": %u", (unsigned)vm->tenant);
		if (vm->svc) {
			fputs(", \"service\": ", f);
			jstr(f, r->names[vm->svc - 1]);
		}
		if (plan_used(&run->o))
			write_addr(f, &run->o, vm->tenant, vm->addr);
		if (plan_used(&run->o) || vm->rx_frames || vm->tx_frames || vm->rx_drops || vm->tx_spoofed)
			fprintf(f, ", \"rx_frames\": %u, \"tx_frames\": %u, \"rx_drops\": %u, \"tx_spoofed\": %u",
				(unsigned)vm->rx_frames, (unsigned)vm->tx_frames, (unsigned)vm->rx_drops,
				(unsigned)vm->tx_spoofed);
		fputc('}', f);
	}
	fputs("]\n}\n", f);
}

/* Writes the JSON report to path; returns 0, or -1 (with a message) if it could not be written. */
int report_json(const struct run *run, int status, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		warnx("--json %s: %s", path, strerror(errno));
		return -1;
	}
	write_run(f, run, status);
	write_figures(f, run);
	write_images(f, run);
	write_vms(f, run);
	if (fclose(f) != 0) {
		warnx("--json %s: write failed", path);
		return -1;
	}
	return 0;
}
