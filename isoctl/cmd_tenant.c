/* cmd_tenant.c - isoctl keygen and the operator's commands: tenant add, set, rm, ls (signed T_ADD, T_SET, T_DEL). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "ctlauth.h"
#include "ctx.h"

/* The keys directory and its missing parents (~/.config may not exist yet); the last one mode 0700. */
static int mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return errno = ENAMETOOLONG, -1;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int cmd_keygen(const struct opts *o)
{
	char base[4096], err[512];
	const char *name = o->pos[0];
	struct iso_err e;

	if (iso_check_tenant_name(name, &e) != 0 && strcmp(name, "operator") != 0) {
		fprintf(stderr, "isoctl: keygen: %s\n", e.text);
		return ISOCTL_USAGE;
	}
	if (mkdir_p(o->keys) != 0) {
		fprintf(stderr, "isoctl: keygen: %s: %s\n", o->keys, strerror(errno));
		return ISOCTL_USAGE;
	}
	snprintf(base, sizeof(base), "%s/%s", o->keys, name);
	if (ctlauth_init() != 0 || ctlauth_keygen(base, err, sizeof(err)) != 0) {
		fprintf(stderr, "isoctl: keygen: %s\n", err);
		return ISOCTL_REFUSED;
	}
	if (o->json)
		return ctx_print_json(json_pack("{s:s, s:s+, s:s+}", "name", name, "key", base, ".key", "pub", base,
						".pub"));
	printf("made %s.key (secret: keep it) and %s.pub (give it to the operator)\n", base, base);
	return ISOCTL_OK;
}

/* The lowest tenant id not in use. */
static uint32_t free_id(const struct ctl_tenant_info *t, size_t n)
{
	for (uint32_t id = 1; id <= CTL_TENANT_MAX; id++) {
		size_t i = 0;
		while (i < n && t[i].tenant != id)
			i++;
		if (i == n)
			return id;
	}
	return 0;
}

static json_t *tenant_json(const struct ctl_tenant_req *q, const char *name)
{
	return json_pack("{s:s, s:i, s:i, s:I, s:i}", "name", name, "id", (int)q->tenant, "max_vms", (int)q->max_vms,
			 "max_mem_kib", (json_int_t)q->max_mem_kib, "cpu_share", (int)q->cpu_share);
}

static void print_quotas(const char *what, const struct ctl_tenant_req *q, const char *name)
{
	char mem[32];

	iso_fmt_kib(q->max_mem_kib, mem, sizeof(mem));
	printf("tenant %s %s: id %u, at most %u VMs and %s, cpu share %u\n", name, what, q->tenant, q->max_vms, mem,
	       q->cpu_share);
}

/* T_ADD or T_SET: send q signed by the operator. */
static int send_tenant(struct ctx *x, uint16_t op, const struct ctl_tenant_req *q, struct iso_err *e)
{
	json_t *reply;
	int r = iso_op(&x->conn, &x->signer, op, q, sizeof(*q), &reply, e);

	json_decref(reply);
	return r;
}

int cmd_tenant_add(const struct opts *o)
{
	struct ctl_tenant_info *all = NULL;
	struct ctl_tenant_req q;
	uint8_t pk[32];
	char err[512];
	struct ctx x;
	size_t n = 0;
	int r = ctx_open(&x, o, AS_OPERATOR);

	if (r != 0)
		return r;
	if (ctlauth_read_pub(o->pubkey, pk, err, sizeof(err)) != 0) {
		fprintf(stderr, "isoctl: tenant add: %s\n", err);
		ctx_close(&x);
		return ISOCTL_USAGE;
	}
	if (!(o->given & O_ID) && (r = iso_tenants(&x.conn, &all, &n, &x.err)) != 0)
		goto out;
	if (iso_req_tenant(&q, (o->given & O_ID) ? (uint32_t)o->id : free_id(all, n), (uint32_t)o->max_vms,
			   o->max_mem_kib, (uint32_t)o->cpu_share, pk, o->pos[0], &x.err) != 0) {
		fprintf(stderr, "isoctl: tenant add: %s\n", x.err.text);
		r = ISOCTL_USAGE;
		goto done;
	}
	if ((r = send_tenant(&x, CTL_OP_T_ADD, &q, &x.err)) == 0) {
		if (o->json)
			r = ctx_print_json(tenant_json(&q, o->pos[0]));
		else
			print_quotas("added", &q, o->pos[0]);
	}
out:
	r = ctx_result(&x, r);
done:
	free(all);
	ctx_close(&x);
	return r;
}

/* The note T_SET's caller gets when a quota is now below the tenant's use (nothing ends). */
static void note_below(const struct ctl_tenant_info *t, const struct ctl_tenant_req *q)
{
	if (t->live_vms > q->max_vms)
		fprintf(stderr, "isoctl: note: %s runs %u VMs, over the new %u: they go on, new ones are refused "
				"until it is under\n", t->name, t->live_vms, q->max_vms);
	if (t->mem_kib > q->max_mem_kib)
		fprintf(stderr, "isoctl: note: %s holds %" PRIu64 " KiB, over the new %" PRIu64 " KiB: nothing ends, "
				"what would add to it is refused\n", t->name, t->mem_kib, q->max_mem_kib);
}

int cmd_tenant_set(const struct opts *o)
{
	struct ctl_tenant_info t;
	struct ctl_tenant_req q;
	struct ctx x;
	int r = ctx_open(&x, o, AS_OPERATOR);

	if (r != 0)
		return r;
	if ((r = iso_tenant_get(&x.conn, o->pos[0], &t, &x.err)) != 1) {
		r = ctx_result(&x, r == 0 ? 1 : r);
		ctx_close(&x);
		return r;
	}
	r = iso_req_tenant(&q, t.tenant, (o->given & O_MAXVMS) ? (uint32_t)o->max_vms : t.max_vms,
			   (o->given & O_MAXMEM) ? o->max_mem_kib : t.max_mem_kib,
			   (o->given & O_CPU) ? (uint32_t)o->cpu_share : t.cpu_share, NULL, NULL, &x.err);
	if (r == 0 && (r = send_tenant(&x, CTL_OP_T_SET, &q, &x.err)) == 0) {
		note_below(&t, &q);
		if (o->json)
			r = ctx_print_json(tenant_json(&q, t.name));
		else
			print_quotas("set", &q, t.name);
	}
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

int cmd_tenant_rm(const struct opts *o)
{
	struct ctl_tenant_info t;
	struct ctl_tenant_ref q = { 0 };
	struct ctl_svc_rep rep;
	json_t *reply = NULL;
	struct ctx x;
	int r = ctx_open(&x, o, AS_OPERATOR);

	if (r != 0)
		return r;
	if ((r = iso_tenant_get(&x.conn, o->pos[0], &t, &x.err)) == 1) {
		q.tenant = t.tenant;
		r = iso_op(&x.conn, &x.signer, CTL_OP_T_DEL, &q, sizeof(q), &reply, &x.err);
		if (r == 0)
			r = iso_dec_svc_rep(reply, &rep, &x.err);
		if (r == 0 && o->json)
			r = ctx_print_json(json_pack("{s:s, s:i, s:i}", "name", t.name, "id", (int)t.tenant, "ended",
						     (int)rep.ended));
		else if (r == 0)
			printf("tenant %s (id %u) removed: %u VMs ended\n", t.name, t.tenant, rep.ended);
	} else if (r == 0) {
		r = 1;
	}
	json_decref(reply);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

static json_t *info_json(const struct ctl_tenant_info *t)
{
	return json_pack("{s:i, s:s, s:i, s:I, s:i, s:i, s:I, s:I, s:i, s:i, s:I, s:{s:I, s:I, s:I}}", "id",
			 (int)t->tenant, "name", t->name, "max_vms", (int)t->max_vms, "max_mem_kib",
			 (json_int_t)t->max_mem_kib, "cpu_share", (int)t->cpu_share, "live_vms", (int)t->live_vms,
			 "mem_kib", (json_int_t)t->mem_kib, "cpu_ns", (json_int_t)t->cpu_ns, "services",
			 (int)t->services, "images", (int)t->images, "image_bytes", (json_int_t)t->image_bytes,
			 "refused", "auth", (json_int_t)t->refused_auth, "replay", (json_int_t)t->refused_replay,
			 "quota", (json_int_t)t->refused_quota);
}

static void print_tenants(const struct ctl_tenant_info *t, size_t n)
{
	printf("%-4s %-16s %15s %21s %5s %10s %5s %6s %s\n", "ID", "NAME", "VMS", "MEMORY", "CPU", "CPU_S", "SVCS",
	       "IMAGES", "REFUSED(auth/replay/quota)");
	for (size_t i = 0; i < n; i++) {
		char vms[32], mem[48], used[24], max[24];
		iso_fmt_kib(t[i].mem_kib, used, sizeof(used));
		iso_fmt_kib(t[i].max_mem_kib, max, sizeof(max));
		snprintf(vms, sizeof(vms), "%u/%u", t[i].live_vms, t[i].max_vms);
		snprintf(mem, sizeof(mem), "%s/%s", used, max);
		printf("%-4u %-16s %15s %21s %5u %10.2f %5u %6u %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n", t[i].tenant,
		       t[i].name, vms, mem, t[i].cpu_share, (double)t[i].cpu_ns / 1e9, t[i].services, t[i].images,
		       t[i].refused_auth, t[i].refused_replay, t[i].refused_quota);
	}
}

int cmd_tenant_ls(const struct opts *o)
{
	struct ctl_tenant_info *t = NULL;
	struct ctx x;
	size_t n = 0;
	int r = ctx_open(&x, o, AS_NOBODY);

	if (r != 0)
		return r;
	if ((r = iso_tenants(&x.conn, &t, &n, &x.err)) == 0) {
		if (o->json) {
			json_t *a = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, info_json(&t[i]));
			r = ctx_print_json(json_pack("{s:o}", "tenants", a));
		} else {
			print_tenants(t, n);
		}
	}
	free(t);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}
