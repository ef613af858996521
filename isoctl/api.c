/* api.c - the calls of isod's API that isoctl and the autoscaler make: signed ops, tenants, pages, uploads, logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "ctlauth.h"
#include "libisoctl.h"

/* After a refusal: 1 (having slept) if the request should go again, signed anew with a new counter (isod/API.md:
 * one that did not get OK may retry with a new counter). KERNEL_DOWN: isod's kernel is starting or restarting,
 * retried for the connection's wait. E_REPLAY: another request signed with the same key (another process: the
 * counters come from one file under a lock) reached the kernel first with a higher counter; nothing was done, so
 * a few retries make concurrent users of one key work. */
struct retry {
	unsigned waited_ms, replays;
};

static int again(const struct iso_conn *c, const struct iso_err *e, struct retry *t)
{
	if (strcmp(e->status, "E_REPLAY") == 0 && t->replays < 8) {
		usleep(1000u << t->replays++);
		return 1;
	}
	if (strcmp(e->status, "KERNEL_DOWN") != 0 || t->waited_ms >= c->wait_ms)
		return 0;
	usleep(250 * 1000);
	t->waited_ms += 250;
	return 1;
}

static int op_once(struct iso_conn *c, const struct iso_signer *s, uint16_t op, const void *body, size_t blen,
		   json_t **reply, struct iso_err *e)
{
	uint8_t payload[1024];
	char err[512], *req, *out = NULL;
	size_t len, outlen = 0;
	uint64_t counter;
	long http = 0;
	int r;

	*reply = NULL;
	if (blen + sizeof(struct ctl_auth) > sizeof(payload))
		return iso_fail(e, "request too large");
	if (!(counter = ctlauth_next_counter(s->keypath, err, sizeof(err))))
		return iso_fail(e, "%s", err);
	len = iso_payload(op, body, blen, s, counter, payload);
	if (!(req = iso_op_body(op, payload, len)))
		return iso_fail(e, "out of memory");
	r = iso_http(c, "POST", "/v1/ops", "application/json", req, strlen(req), &http, &out, &outlen, NULL, NULL, e);
	free(req);
	if (r != 0)
		return r;
	r = iso_decode_op(http, out, outlen, reply, e);
	free(out);
	return r;
}

int iso_op(struct iso_conn *c, const struct iso_signer *s, uint16_t op, const void *body, size_t blen,
	   json_t **reply, struct iso_err *e)
{
	struct retry t = { 0, 0 };
	int r;

	while ((r = op_once(c, s, op, body, blen, reply, e)) == 1 && again(c, e, &t))
		;
	return r;
}

/* GET path and decode it as a JSON object. */
static int get_once(struct iso_conn *c, const char *path, json_t **root, struct iso_err *e)
{
	char *out = NULL;
	size_t outlen = 0;
	long http = 0;
	int r = iso_http(c, "GET", path, NULL, NULL, 0, &http, &out, &outlen, NULL, NULL, e);

	*root = NULL;
	if (r != 0)
		return r;
	r = iso_decode(http, out, outlen, root, e);
	free(out);
	return r;
}

static int get_json(struct iso_conn *c, const char *path, json_t **root, struct iso_err *e)
{
	struct retry t = { 0, 0 };
	int r;

	while ((r = get_once(c, path, root, e)) == 1 && again(c, e, &t))
		;
	return r;
}

int iso_tenants(struct iso_conn *c, struct ctl_tenant_info **out, size_t *n, struct iso_err *e)
{
	json_t *root;
	int r = get_json(c, "/v1/tenants", &root, e);

	*out = NULL;
	*n = 0;
	if (r != 0)
		return r;
	r = iso_dec_tenants(root, out, n, e);
	json_decref(root);
	return r;
}

int iso_tenant_get(struct iso_conn *c, const char *name, struct ctl_tenant_info *t, struct iso_err *e)
{
	struct ctl_tenant_info *all;
	size_t n;
	int r = iso_tenants(c, &all, &n, e);

	if (r != 0)
		return r;
	r = 0;
	for (size_t i = 0; i < n && !r; i++)
		if (strcmp(all[i].name, name) == 0)
			*t = all[i], r = 1;
	free(all);
	if (!r)
		iso_refuse(e, "NOT_FOUND", "no tenant named \"%s\" (isoctl tenant ls lists them)", name);
	return r;
}

/* Every page of a signed SVCS or T_LIST: each item goes to take (which returns 0, or -1 with e set). */
static int pages(struct iso_conn *c, const struct iso_signer *s, uint16_t op,
		 int (*take)(const json_t *item, void *arg, struct iso_err *e), void *arg, struct iso_err *e)
{
	struct ctl_page_req q = { .start = 0, .max = 0 };
	unsigned rounds = 0;

	do {
		const json_t *items;
		json_t *reply;
		uint32_t next;
		int r = iso_op(c, s, op, &q, sizeof(q), &reply, e);

		if (r != 0)
			return r;
		r = iso_dec_page(reply, &items, &next, e);
		for (size_t i = 0; r == 0 && i < json_array_size(items); i++)
			r = take(json_array_get(items, i), arg, e);
		json_decref(reply);
		if (r != 0)
			return r;
		if (next != CTL_LIST_END && (next == q.start || ++rounds > 1u << 20))
			return iso_fail(e, "isod's pages do not end (next %u)", next);
		q.start = next;
	} while (q.start != CTL_LIST_END);
	return 0;
}

struct grow {
	void *items;
	size_t n, cap, size;
};

static void *grow_slot(struct grow *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		void *p = realloc(g->items, cap * g->size);
		if (!p)
			return NULL;
		g->items = p;
		g->cap = cap;
	}
	return (char *)g->items + g->n++ * g->size;
}

static int take_svc(const json_t *item, void *arg, struct iso_err *e)
{
	struct ctl_svc *s = grow_slot(arg);

	return s ? iso_dec_svc(item, s, e) : iso_fail(e, "out of memory");
}

static int take_vm(const json_t *item, void *arg, struct iso_err *e)
{
	struct iso_vm *v = grow_slot(arg);

	return v ? iso_dec_vm(item, v, e) : iso_fail(e, "out of memory");
}

int iso_svcs(struct iso_conn *c, const struct iso_signer *s, struct ctl_svc **out, size_t *n, struct iso_err *e)
{
	struct grow g = { .size = sizeof(struct ctl_svc) };
	int r = pages(c, s, CTL_OP_SVCS, take_svc, &g, e);

	if (r != 0)
		free(g.items), g.items = NULL, g.n = 0;
	*out = g.items;
	*n = g.n;
	return r;
}

int iso_vms(struct iso_conn *c, const struct iso_signer *s, struct iso_vm **out, size_t *n, struct iso_err *e)
{
	struct grow g = { .size = sizeof(struct iso_vm) };
	int r = pages(c, s, CTL_OP_T_LIST, take_vm, &g, e);

	if (r != 0)
		free(g.items), g.items = NULL, g.n = 0;
	*out = g.items;
	*n = g.n;
	return r;
}

int iso_svc_find(const struct ctl_svc *svcs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(svcs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int iso_upload(struct iso_conn *c, const void *elf, size_t len, uint8_t sha512[64], struct iso_err *e)
{
	uint8_t mine[64];
	char *out = NULL;
	size_t outlen = 0;
	uint64_t bytes;
	long http = 0;
	json_t *root;
	int r;

	crypto_hash_sha512(mine, elf, len);
	r = iso_http(c, "POST", "/v1/images", "application/octet-stream", elf, len, &http, &out, &outlen, NULL, NULL,
		     e);
	if (r != 0)
		return r;
	r = iso_decode(http, out, outlen, &root, e);
	free(out);
	if (r != 0)
		return r;
	r = iso_dec_upload(root, sha512, &bytes, e);
	json_decref(root);
	if (r == 0 && (bytes != len || memcmp(mine, sha512, 64) != 0))
		r = iso_fail(e, "isod stored %llu bytes under another SHA-512 than the image's",
			     (unsigned long long)bytes);
	return r;
}

int iso_scale(struct iso_conn *c, const struct iso_signer *s, const char *name, uint32_t count,
	      struct ctl_svc_rep *rep, struct iso_err *e)
{
	struct ctl_svc *svcs;
	struct ctl_svc_req q;
	json_t *reply;
	size_t n;
	int i, r = iso_svcs(c, s, &svcs, &n, e);

	if (r != 0)
		return r;
	if ((i = iso_svc_find(svcs, n, name)) < 0) {
		free(svcs);
		return iso_refuse(e, "E_NOENT", "no service named \"%s\" (isoctl ps lists them)", name);
	}
	r = iso_req_svc(&q, name, svcs[i].image_sha512, count, svcs[i].quota_kib, svcs[i].guar_kib, svcs[i].args, e);
	free(svcs);
	if (r != 0)
		return r;
	if ((r = iso_op(c, s, CTL_OP_SVC_SET, &q, sizeof(q), &reply, e)) != 0)
		return r;
	r = iso_dec_svc_rep(reply, rep, e);
	json_decref(reply);
	return r;
}

static int logs_once(struct iso_conn *c, const struct iso_signer *s, const char *name, long tail, int follow,
		     iso_sink sink, void *arg, struct iso_err *e)
{
	struct ctl_page_req q = { .start = 0, .max = 0 };
	uint8_t payload[sizeof(q) + sizeof(struct ctl_auth)];
	char err[512], hex[2 * sizeof(payload) + 1], *req, *out = NULL;
	size_t len, outlen = 0;
	uint64_t counter;
	long http = 0;
	json_t *root, *o;
	int r;

	if (iso_check_name("service", name, e) != 0)
		return -1;
	if (!(counter = ctlauth_next_counter(s->keypath, err, sizeof(err))))
		return iso_fail(e, "%s", err);
	len = iso_payload(CTL_OP_SVCS, &q, sizeof(q), s, counter, payload);
	ctlauth_hex(payload, len, hex);
	o = json_pack("{s:s, s:s, s:b}", "service", name, "payload", hex, "follow", follow);
	if (o && tail >= 0)
		json_object_set_new(o, "tail", json_integer(tail));
	req = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!req)
		return iso_fail(e, "out of memory");
	/* The text streams to sink only once isod said 200; a refusal's JSON is collected and decoded. */
	r = iso_http(c, "POST", "/v1/logs", "application/json", req, strlen(req), &http, &out, &outlen, sink, arg, e);
	free(req);
	if (r != 0 || http == 200) {
		free(out);
		return r;
	}
	r = iso_decode(http, out ? out : "", outlen, &root, e);
	free(out);
	json_decref(root);
	return r == 0 ? iso_fail(e, "isod answered the logs request with HTTP %ld", http) : r;
}

int iso_logs(struct iso_conn *c, const struct iso_signer *s, const char *name, long tail, int follow,
	     iso_sink sink, void *arg, struct iso_err *e)
{
	struct retry t = { 0, 0 };
	int r;

	while ((r = logs_once(c, s, name, tail, follow, sink, arg, e)) == 1 && again(c, e, &t))
		;
	return r;
}
