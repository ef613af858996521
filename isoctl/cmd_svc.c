/* cmd_svc.c - a tenant's commands: push, ps, logs, stats, scale, stop, rm (signed T_LOAD, SVC_SET, SVCS, T_LIST). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ctlauth.h"
#include "ctx.h"

/* The whole file (at most max bytes): malloc'd, or NULL with a message printed. */
static uint8_t *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "isoctl: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((size_t)n > max || n == 0) {
		fprintf(stderr, "isoctl: %s: %ld bytes: a tenant's image is 1 byte to %zu KiB\n", path, n, max >> 10);
		goto out;
	}
	if (!(b = malloc((size_t)n)) || fread(b, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "isoctl: %s: cannot read it\n", path);
		free(b);
		b = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	if (f)
		fclose(f);
	return b;
}

/* The default service and image name: the file's basename without .elf, bytes outside [A-Za-z0-9._-] as '_'. */
static void name_from_path(const char *path, char *out)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".elf") == 0)
		n -= 4;
	if (n > CTL_NAME_MAX - 1)
		n = CTL_NAME_MAX - 1;
	for (size_t i = 0; i < n; i++) {
		char ch = b[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			 ch == '.' || ch == '_' || ch == '-';
		out[i] = ok ? ch : '_';
	}
	out[n] = 0;
	if (n == 0)
		snprintf(out, CTL_NAME_MAX, "image");
}

static json_t *svc_rep_json(const char *name, const struct ctl_svc_rep *r)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "service", name, "created", (int)r->created, "ended",
			 (int)r->ended, "live", (int)r->live, "desired", (int)r->desired, "first_id", (int)r->first_id,
			 "last_id", (int)r->last_id);
}

static void print_svc_rep(const char *name, const struct ctl_svc_rep *r)
{
	printf("%s: %u desired, %u live", name, r->desired, r->live);
	if (r->created)
		printf("; %u VMs created (ids %u..%u)", r->created, r->first_id, r->last_id);
	if (r->ended)
		printf("; %u VMs ended", r->ended);
	putchar('\n');
}

/* T_LOAD the uploaded image, then SVC_SET the service: what push does after the upload. */
static int load_and_set(struct ctx *x, const uint8_t sha[64], const char *image, const char *svc,
			struct ctl_image *img, struct ctl_svc_rep *rep)
{
	const struct opts *o = x->o;
	struct ctl_tload_req tl;
	struct ctl_svc_req sq;
	json_t *reply;
	int r;

	if (iso_req_tload(&tl, sha, image, &x->err) != 0 ||
	    iso_req_svc(&sq, svc, sha, (uint32_t)o->count, (uint32_t)o->quota_kib, 0, o->args ? o->args : "",
			&x->err) != 0)
		return -1;
	if ((r = iso_op(&x->conn, &x->signer, CTL_OP_T_LOAD, &tl, sizeof(tl), &reply, &x->err)) != 0)
		return r;
	r = iso_dec_image(reply, img, &x->err);
	json_decref(reply);
	if (r != 0 || (r = iso_op(&x->conn, &x->signer, CTL_OP_SVC_SET, &sq, sizeof(sq), &reply, &x->err)) != 0)
		return r;
	r = iso_dec_svc_rep(reply, rep, &x->err);
	json_decref(reply);
	return r;
}

static void print_push(const struct ctx *x, const char *svc, const uint8_t sha[64], const struct ctl_image *img,
		       const struct ctl_svc_rep *rep)
{
	char hex[129];

	ctlauth_hex(sha, 64, hex);
	if (x->o->json) {
		json_t *j = svc_rep_json(svc, rep);
		json_object_set_new(j, "tenant", json_string(x->me.name));
		json_object_set_new(j, "image", json_pack("{s:s, s:i, s:s, s:I}", "sha512", hex, "id", (int)img->id,
							  "name", img->name, "shared_bytes",
							  (json_int_t)img->shared_bytes));
		ctx_print_json(j);
		return;
	}
	printf("image %s: sha512 %.12s..., id %u, %u+%u+%u pages (text+data+bss)\n", img->name, hex, img->id,
	       img->text_pages, img->data_pages, img->bss_pages);
	print_svc_rep(svc, rep);
}

int cmd_push(const struct opts *o)
{
	char image[CTL_NAME_MAX], svc[CTL_NAME_MAX];
	struct ctl_svc_rep rep;
	struct ctl_image img;
	uint8_t sha[64], *elf;
	struct ctx x;
	size_t len = 0;
	int r;

	name_from_path(o->pos[0], image);
	snprintf(svc, sizeof(svc), "%s", o->name ? o->name : image);
	if (iso_check_name("service", svc, &x.err) != 0 || (o->args && strlen(o->args) >= CTL_ARGS_MAX)) {
		fprintf(stderr, "isoctl: push: %s\n", o->args && strlen(o->args) >= CTL_ARGS_MAX ?
			"--args: fewer than 256 bytes" : x.err.text);
		return ISOCTL_USAGE;
	}
	if (!(elf = read_file(o->pos[0], CTL_IMAGE_MAX_TENANT, &len)))
		return ISOCTL_USAGE;
	if ((r = ctx_open(&x, o, AS_TENANT)) != 0) {
		free(elf);
		return r;
	}
	r = iso_upload(&x.conn, elf, len, sha, &x.err);
	free(elf);
	if (r == 0 && (r = load_and_set(&x, sha, image, svc, &img, &rep)) == 0)
		print_push(&x, svc, sha, &img, &rep);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

static json_t *svc_json(const struct ctl_svc *s)
{
	char hex[129];

	ctlauth_hex(s->image_sha512, 64, hex);
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s}", "name", s->name, "image_sha512", hex, "image",
			 (int)s->image, "desired", (int)s->desired, "live", (int)s->live, "quota_kib", (int)s->quota_kib,
			 "guar_kib", (int)s->guar_kib, "args", s->args);
}

int cmd_ps(const struct opts *o)
{
	struct ctl_svc *s = NULL;
	struct ctx x;
	size_t n = 0;
	int r = ctx_open(&x, o, AS_TENANT);

	if (r != 0)
		return r;
	if ((r = iso_svcs(&x.conn, &x.signer, &s, &n, &x.err)) == 0 && o->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, svc_json(&s[i]));
		r = ctx_print_json(json_pack("{s:s, s:o}", "tenant", x.me.name, "services", a));
	} else if (r == 0) {
		printf("%-20s %8s %8s %-14s %8s %s\n", "SERVICE", "DESIRED", "LIVE", "IMAGE", "MEM_KIB", "ARGS");
		for (size_t i = 0; i < n; i++) {
			char h[13], q[16] = "default";
			ctx_short_hash(s[i].image_sha512, h);
			if (s[i].quota_kib)
				snprintf(q, sizeof(q), "%u", s[i].quota_kib);
			printf("%-20s %8u %8u %-14s %8s %s\n", s[i].name, s[i].desired, s[i].live, h, q, s[i].args);
		}
	}
	free(s);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

/* logs --json: each "vm=ID LINE" as {"vm":ID,"line":LINE}; a partial line waits for its end. */
struct lines {
	char buf[8192];
	size_t len;
};

static void emit_line(const char *s, size_t n)
{
	json_t *j = iso_log_json(s, n);

	if (j && json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
		putchar('\n');
	json_decref(j);
}

static size_t json_sink(const char *data, size_t len, void *arg)
{
	struct lines *l = arg;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || l->len == sizeof(l->buf)) {
			emit_line(l->buf, l->len);
			l->len = 0;
			if (data[i] == '\n')
				continue;
		}
		l->buf[l->len++] = data[i];
	}
	fflush(stdout);
	return len;
}

static size_t text_sink(const char *data, size_t len, void *arg)
{
	(void)arg;
	fwrite(data, 1, len, stdout);
	fflush(stdout);
	return len;
}

int cmd_logs(const struct opts *o)
{
	struct lines *l = calloc(1, sizeof(*l));
	struct ctx x;
	int r = l ? ctx_open(&x, o, AS_TENANT) : ISOCTL_REFUSED;

	if (r != 0) {
		free(l);
		return r;
	}
	r = iso_logs(&x.conn, &x.signer, o->pos[0], (o->given & O_TAIL) ? (long)o->tail : -1, o->follow,
		     o->json ? json_sink : text_sink, l, &x.err);
	if (r == 0 && o->json && l->len)
		emit_line(l->buf, l->len);
	free(l);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

static const char *state_name(uint8_t s)
{
	return s == CTL_VM_RUNNABLE ? "runnable" : s == CTL_VM_RUNNING ? "running" : s == CTL_VM_BLOCKED ? "blocked" : "?";
}

static json_t *vm_json(const struct ctl_vm *v)
{
	return json_pack("{s:i, s:s, s:I, s:i, s:i, s:i, s:i, s:i}", "id", (int)v->id, "state", state_name(v->state),
			 "cpu_ns", (json_int_t)v->cpu_ns, "priv_kib", (int)v->priv_kib, "hypercalls",
			 (int)v->hypercalls, "rx_frames", (int)v->rx_frames, "tx_frames", (int)v->tx_frames,
			 "rx_drops", (int)v->rx_drops);
}

/* The service's VMs: a table with a total line, or JSON. */
static int print_stats(const struct ctx *x, const char *svc, const struct iso_vm *vms, size_t n,
		       const struct ctl_svc *svcs, size_t k)
{
	struct ctl_vm tot = { 0 };
	json_t *a = json_array();
	unsigned count = 0;

	if (!x->o->json)
		printf("%-8s %-9s %10s %8s %10s %10s %8s\n", "VM", "STATE", "CPU_MS", "MEM_KIB", "RX", "TX", "DROPS");
	for (size_t i = 0; i < n; i++) {
		const struct ctl_vm *v = &vms[i].v;
		if (!iso_vm_in_svc(&vms[i], svcs, k))
			continue;
		count++;
		tot.cpu_ns += v->cpu_ns, tot.priv_kib += v->priv_kib, tot.rx_frames += v->rx_frames;
		tot.tx_frames += v->tx_frames, tot.rx_drops += v->rx_drops, tot.hypercalls += v->hypercalls;
		if (x->o->json)
			json_array_append_new(a, vm_json(v));
		else
			printf("%-8u %-9s %10.1f %8u %10u %10u %8u\n", v->id, state_name(v->state),
			       (double)v->cpu_ns / 1e6, v->priv_kib, v->rx_frames, v->tx_frames, v->rx_drops);
	}
	if (x->o->json) {
		json_t *t = vm_json(&tot);
		json_object_del(t, "id");
		json_object_del(t, "state");
		return ctx_print_json(json_pack("{s:s, s:i, s:i, s:o, s:o}", "service", svc, "desired",
						(int)svcs[k].desired, "live", (int)count, "vms", a, "total", t));
	}
	json_decref(a);
	printf("%-8s %-9u %10.1f %8u %10u %10u %8u\n", "total", count, (double)tot.cpu_ns / 1e6, tot.priv_kib,
	       tot.rx_frames, tot.tx_frames, tot.rx_drops);
	return 0;
}

int cmd_stats(const struct opts *o)
{
	struct ctl_svc *svcs = NULL;
	struct iso_vm *vms = NULL;
	size_t nsvc = 0, nvm = 0;
	struct ctx x;
	int k, r = ctx_open(&x, o, AS_TENANT);

	if (r != 0)
		return r;
	if ((r = iso_svcs(&x.conn, &x.signer, &svcs, &nsvc, &x.err)) == 0 &&
	    (k = iso_svc_find(svcs, nsvc, o->pos[0])) < 0)
		r = iso_refuse(&x.err, "E_NOENT", "no service named \"%s\" (isoctl ps lists them)", o->pos[0]);
	if (r == 0 && (r = iso_vms(&x.conn, &x.signer, &vms, &nvm, &x.err)) == 0)
		r = print_stats(&x, o->pos[0], vms, nvm, svcs, (size_t)k);
	free(svcs);
	free(vms);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

static int scale_to(const struct opts *o, uint32_t count)
{
	struct ctl_svc_rep rep;
	struct ctx x;
	int r = ctx_open(&x, o, AS_TENANT);

	if (r != 0)
		return r;
	if ((r = iso_scale(&x.conn, &x.signer, o->pos[0], count, &rep, &x.err)) == 0) {
		if (o->json)
			r = ctx_print_json(svc_rep_json(o->pos[0], &rep));
		else
			print_svc_rep(o->pos[0], &rep);
	}
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}

int cmd_scale(const struct opts *o)
{
	uint64_t n;

	if (iso_parse_u64(o->pos[1], 0, UINT32_MAX, &n) != 0) {
		fprintf(stderr, "isoctl: scale: \"%s\" is not a count of VMs\n", o->pos[1]);
		return ISOCTL_USAGE;
	}
	return scale_to(o, (uint32_t)n);
}

int cmd_stop(const struct opts *o)
{
	return scale_to(o, 0);
}

int cmd_rm(const struct opts *o)
{
	struct ctl_svc_ref q;
	struct ctl_svc_rep rep;
	json_t *reply = NULL;
	struct ctx x;
	int r = ctx_open(&x, o, AS_TENANT);

	if (r != 0)
		return r;
	if ((r = iso_req_svcref(&q, o->pos[0], &x.err)) == 0 &&
	    (r = iso_op(&x.conn, &x.signer, CTL_OP_SVC_DEL, &q, sizeof(q), &reply, &x.err)) == 0 &&
	    (r = iso_dec_svc_rep(reply, &rep, &x.err)) == 0) {
		if (o->json)
			r = ctx_print_json(svc_rep_json(o->pos[0], &rep));
		else
			printf("%s removed: %u VMs ended\n", o->pos[0], rep.ended);
	}
	json_decref(reply);
	r = ctx_result(&x, r);
	ctx_close(&x);
	return r;
}
