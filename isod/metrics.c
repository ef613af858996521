/* metrics.c - what isod knows about the kernel and itself: GET /metrics (Prometheus text), /v1/tenants, /v1/info. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isod.h"

static time_t started;

/* Every tenant (TENANTS, paged; unsigned): count of them in *n, malloc'd; NULL if the kernel is down. */
static struct ctl_tenant_info *fetch_tenants(size_t *n)
{
	struct ctl_tenant_info *all = NULL;
	struct ctl_page_req pg = { 0, 0 };

	*n = 0;
	do {
		struct ctlc_reply r;
		struct ctl_page_rep pr;
		if (ctlc_call(CTL_OP_TENANTS, &pg, sizeof pg, NULL, 0, &r) < 0) {
			kernel_lost();
			free(all);
			return NULL;
		}
		memcpy(&pr, r.data, r.len >= sizeof pr ? sizeof pr : 0);
		if (r.status != CTL_OK || r.len < sizeof pr || (r.len - sizeof pr) != (size_t)pr.count * sizeof *all) {
			ctlc_reply_free(&r);
			break;
		}
		struct ctl_tenant_info *g = realloc(all, (*n + pr.count + 1) * sizeof *all);
		if (!g) {
			ctlc_reply_free(&r);
			break;
		}
		all = g;
		memcpy(all + *n, r.data + sizeof pr, (size_t)pr.count * sizeof *all);
		*n += pr.count;
		pg.start = pr.next;
		ctlc_reply_free(&r);
	} while (pg.start != CTL_LIST_END);
	return all ? all : calloc(1, sizeof *all);
}

static int fetch_stats(struct ctl_stats *s)
{
	struct ctlc_reply r;
	int ok;

	if (ctlc_call(CTL_OP_STATS, NULL, 0, NULL, 0, &r) < 0) {
		kernel_lost();
		return -1;
	}
	ok = r.status == CTL_OK && r.len == sizeof *s;
	if (ok)
		memcpy(s, r.data, sizeof *s);
	ctlc_reply_free(&r);
	return ok ? 0 : -1;
}

/* Under the lock: the tenants and stats, when the kernel is up. */
static struct ctl_tenant_info *snapshot(size_t *n, struct ctl_stats *s, int *have_stats)
{
	struct ctl_tenant_info *t = NULL;

	*n = 0;
	*have_stats = 0;
	pthread_mutex_lock(&kernel_lock);
	if (kernel_up()) {
		t = fetch_tenants(n);
		*have_stats = t && fetch_stats(s) == 0;
	}
	pthread_mutex_unlock(&kernel_lock);
	return t;
}

static void tenant_metrics(FILE *f, const struct ctl_tenant_info *t, size_t n)
{
	fputs("# HELP isod_vms Live VMs by tenant (the kernel's TENANTS).\n# TYPE isod_vms gauge\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "isod_vms{tenant=\"%.*s\",state=\"live\"} %u\n", (int)strnlen(t[i].name, CTL_NAME_MAX), t[i].name,
			t[i].live_vms);
	fputs("# TYPE isod_tenant_mem_kib gauge\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "isod_tenant_mem_kib{tenant=\"%.*s\"} %llu\n", (int)strnlen(t[i].name, CTL_NAME_MAX), t[i].name,
			(unsigned long long)t[i].mem_kib);
	fputs("# TYPE isod_tenant_cpu_seconds_total counter\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "isod_tenant_cpu_seconds_total{tenant=\"%.*s\"} %.9f\n", (int)strnlen(t[i].name, CTL_NAME_MAX),
			t[i].name, (double)t[i].cpu_ns / 1e9);
	fputs("# TYPE isod_tenant_max_vms gauge\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "isod_tenant_max_vms{tenant=\"%.*s\"} %u\n", (int)strnlen(t[i].name, CTL_NAME_MAX), t[i].name,
			t[i].max_vms);
}

static void stats_metrics(FILE *f, const struct ctl_stats *s)
{
	uint64_t fr[3];

	fputs("# TYPE isod_frames gauge\n", f);
	fprintf(f, "isod_frames{kind=\"free\"} %llu\nisod_frames{kind=\"total\"} %llu\nisod_frames{kind=\"reserved\"} %llu\n",
		(unsigned long long)s->free_frames, (unsigned long long)s->total_frames,
		(unsigned long long)s->reserved_frames);
	logs_frames(fr);
	fputs("# HELP isod_vm_frames_total Network frames of the VMs that ended (their @vm records).\n"
	      "# TYPE isod_vm_frames_total counter\n", f);
	fprintf(f, "isod_vm_frames_total{dir=\"rx\"} %llu\nisod_vm_frames_total{dir=\"tx\"} %llu\n"
		"isod_vm_frames_total{dir=\"drop\"} %llu\n", (unsigned long long)fr[0], (unsigned long long)fr[1],
		(unsigned long long)fr[2]);
	fputs("# TYPE isod_kernel_vms_started_total counter\n", f);
	fprintf(f, "isod_kernel_vms_started_total %llu\n", (unsigned long long)s->started);
}

static void own_metrics(FILE *f)
{
	unsigned long po[CTL_NOPS], ps[CTL_NSTATUS];

	ops_counters(po, ps);
	fputs("# TYPE isod_requests_total counter\n", f);
	for (unsigned i = 0; i < CTL_NOPS; i++)
		if (codec_payload_len((uint16_t)i))
			fprintf(f, "isod_requests_total{op=\"%s\"} %lu\n", codec_op_name((uint16_t)i), po[i]);
	fputs("# TYPE isod_requests_refused_total counter\n", f);
	for (unsigned i = 1; i < CTL_NSTATUS; i++)
		if (ps[i])
			fprintf(f, "isod_requests_refused_total{reason=\"%s\"} %lu\n", ctl_status_name(i), ps[i]);
	fprintf(f, "# TYPE isod_kernel_up gauge\nisod_kernel_up %d\n", kernel_up());
	fprintf(f, "# TYPE isod_kernel_restarts_total counter\nisod_kernel_restarts_total %lu\n", kernel_restarts());
}

char *metrics_text(size_t *len)
{
	struct ctl_stats s;
	size_t n;
	int have_stats;
	struct ctl_tenant_info *t = snapshot(&n, &s, &have_stats);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f) {
		free(t);
		return NULL;
	}
	if (t)
		tenant_metrics(f, t, n);
	if (have_stats)
		stats_metrics(f, &s);
	own_metrics(f);
	fclose(f);
	free(t);
	return buf;
}

json_t *metrics_tenants(unsigned *http)
{
	size_t n;
	struct ctl_stats s;
	int have_stats;
	struct ctl_tenant_info *t = snapshot(&n, &s, &have_stats);
	json_t *a;

	if (!t) {
		*http = 503;
		return codec_error("KERNEL_DOWN", "the kernel is starting or restarting: retry");
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, codec_tenant(&t[i]));
	free(t);
	*http = 200;
	return json_pack("{s:o}", "tenants", a);
}

json_t *metrics_info(struct db *d)
{
	size_t n, services = 0;
	struct ctl_stats s;
	int have_stats;
	struct ctl_tenant_info *t = snapshot(&n, &s, &have_stats);
	json_t *j;

	(void)d;
	if (!started)
		started = time(NULL);
	for (size_t i = 0; t && i < n; i++)
		services += t[i].services;
	j = json_pack("{s:i,s:b,s:{s:I,s:I},s:I,s:I,s:I,s:I}", "version", 1, "kernel_up", kernel_up(), "kernel", "features",
		      (json_int_t)kernel_hello.features, "max_vms", (json_int_t)kernel_hello.max_vms, "tenants",
		      (json_int_t)n, "services", (json_int_t)services, "uptime_s", (json_int_t)(time(NULL) - started),
		      "kernel_restarts", (json_int_t)kernel_restarts());
	free(t);
	return j;
}

void metrics_init(void)
{
	started = time(NULL);
}
