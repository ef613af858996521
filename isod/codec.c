/* codec.c - isod's JSON and hex <-> the kernel's ctl structs: request bodies checked, replies described (no I/O). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isod.h"

/* The ops POST /v1/ops relays: number, request struct size (before ctl_auth), state-changing. */
static const struct {
	uint16_t op;
	const char *name;
	size_t body;
	int changes;
} op_tab[] = {
	{ CTL_OP_T_ADD, "T_ADD", sizeof(struct ctl_tenant_req), 1 },
	{ CTL_OP_T_SET, "T_SET", sizeof(struct ctl_tenant_req), 1 },
	{ CTL_OP_T_DEL, "T_DEL", sizeof(struct ctl_tenant_ref), 1 },
	{ CTL_OP_T_LOAD, "T_LOAD", sizeof(struct ctl_tload_req), 1 },
	{ CTL_OP_SVC_SET, "SVC_SET", sizeof(struct ctl_svc_req), 1 },
	{ CTL_OP_SVC_DEL, "SVC_DEL", sizeof(struct ctl_svc_ref), 1 },
	{ CTL_OP_SVCS, "SVCS", sizeof(struct ctl_page_req), 0 },
	{ CTL_OP_T_LIST, "T_LIST", sizeof(struct ctl_page_req), 0 },
	{ CTL_OP_T_DESTROY, "T_DESTROY", sizeof(struct ctl_vm_req), 1 },
	{ CTL_OP_T_SAVE, "T_SAVE", sizeof(struct ctl_vm_req), 0 },
};
#define NOPS (sizeof op_tab / sizeof op_tab[0])

static int op_index(uint16_t op)
{
	for (size_t i = 0; i < NOPS; i++)
		if (op_tab[i].op == op)
			return (int)i;
	return -1;
}

uint16_t codec_op_number(const char *name)
{
	for (size_t i = 0; i < NOPS; i++)
		if (!strcmp(op_tab[i].name, name))
			return op_tab[i].op;
	return 0;
}

const char *codec_op_name(uint16_t op)
{
	static const char *const all[] = {
#define CTL_O_NAME(name, num, req, rep) [num] = #name,
		CTL_OPS(CTL_O_NAME)
#undef CTL_O_NAME
	};
	return op < CTL_NOPS && all[op] ? all[op] : "?";
}

size_t codec_payload_len(uint16_t op)
{
	int i = op_index(op);

	return i < 0 ? 0 : op_tab[i].body + sizeof(struct ctl_auth);
}

int codec_state_changing(uint16_t op)
{
	int i = op_index(op);

	return i >= 0 && op_tab[i].changes;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long codec_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

void codec_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int bad(const char **status, const char *s, char *err, size_t errlen, const char *text)
{
	*status = s;
	snprintf(err, errlen, "%s", text);
	return -1;
}

/* The body as a JSON object, or NULL with BAD_JSON. */
static json_t *load_object(const char *body, size_t n, const char **status, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);

	if (!j) {
		bad(status, "BAD_JSON", err, errlen, "");
		snprintf(err, errlen, "line %d: %s", je.line, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		bad(status, "BAD_JSON", err, errlen, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* op (a name) and payload (hex of exactly the op's payload length) from object j into r. */
static int take_op(json_t *j, const char *opname, struct isod_req *r, const char **status, char *err, size_t errlen)
{
	const char *hex = json_string_value(json_object_get(j, "payload"));
	long n;

	r->op = opname ? codec_op_number(opname) : 0;
	if (!r->op)
		return bad(status, "BAD_REQUEST", err, errlen, "\"op\" must be one of T_ADD, T_SET, T_DEL, T_LOAD, SVC_SET, "
			   "SVC_DEL, SVCS, T_LIST, T_DESTROY, T_SAVE");
	if (!hex)
		return bad(status, "BAD_REQUEST", err, errlen, "\"payload\" (a hex string) is missing");
	n = codec_unhex(hex, r->payload, sizeof r->payload);
	if (n < 0)
		return bad(status, "BAD_REQUEST", err, errlen, "\"payload\" is not an even number of hex digits (at most 4096)");
	if ((size_t)n != codec_payload_len(r->op)) {
		*status = "BAD_REQUEST";
		snprintf(err, errlen, "a %s payload is %zu bytes (its struct and ctl_auth), not %ld", codec_op_name(r->op),
			 codec_payload_len(r->op), n);
		return -1;
	}
	r->len = (size_t)n;
	return 0;
}

int codec_parse_op(const char *body, size_t n, struct isod_req *r, const char **status, char *err, size_t errlen)
{
	json_t *j = load_object(body, n, status, err, errlen);
	int rc;

	if (!j)
		return -1;
	rc = take_op(j, json_string_value(json_object_get(j, "op")), r, status, err, errlen);
	json_decref(j);
	return rc;
}

/* A service name: 1..31 bytes of [A-Za-z0-9._-]. */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CTL_NAME_MAX)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int codec_parse_logs(const char *body, size_t n, struct isod_logreq *r, const char **status, char *err, size_t errlen)
{
	json_t *j = load_object(body, n, status, err, errlen), *tail, *follow;
	const char *svc;
	int rc = -1;

	if (!j)
		return -1;
	svc = json_string_value(json_object_get(j, "service"));
	tail = json_object_get(j, "tail");
	follow = json_object_get(j, "follow");
	memset(r, 0, sizeof *r);
	if (!svc || !name_ok(svc))
		bad(status, "BAD_REQUEST", err, errlen, "\"service\" must be 1..31 bytes of [A-Za-z0-9._-]");
	else if (tail && (!json_is_integer(tail) || json_integer_value(tail) < 0 || json_integer_value(tail) > 100000))
		bad(status, "BAD_REQUEST", err, errlen, "\"tail\" must be an integer 0..100000");
	else if (follow && !json_is_boolean(follow))
		bad(status, "BAD_REQUEST", err, errlen, "\"follow\" must be true or false");
	else if (take_op(j, "SVCS", &r->svcs, status, err, errlen) == 0) {
		struct ctl_page_req pg;
		memcpy(&pg, r->svcs.payload, sizeof pg);
		if (pg.start != 0)
			bad(status, "BAD_REQUEST", err, errlen, "the SVCS payload must start at 0");
		else {
			strcpy(r->service, svc);
			r->tail = tail ? (unsigned long)json_integer_value(tail) : 100;
			r->follow = json_is_true(follow);
			rc = 0;
		}
	}
	json_decref(j);
	return rc;
}

uint32_t codec_signer(const struct isod_req *r)
{
	struct ctl_auth a;

	memcpy(&a, r->payload + r->len - sizeof a, sizeof a);
	return a.tenant;
}

uint64_t codec_counter(const uint8_t *payload, size_t len)
{
	struct ctl_auth a;

	memcpy(&a, payload + len - sizeof a, sizeof a);
	return a.counter;
}

json_t *codec_cstr(const char *s, size_t max)
{
	return json_stringn(s, strnlen(s, max));
}

static json_t *hex_str(const uint8_t *b, size_t n)
{
	char buf[2 * 64 + 1];

	codec_hex(b, n, buf);
	return json_string(buf);
}

static json_t *svc_rep(const struct ctl_svc_rep *s)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "created", (json_int_t)s->created, "ended", (json_int_t)s->ended,
			 "live", (json_int_t)s->live, "desired", (json_int_t)s->desired, "first_id",
			 (json_int_t)s->first_id, "last_id", (json_int_t)s->last_id);
}

static json_t *image(const struct ctl_image *m)
{
	return json_pack("{s:I,s:o,s:I,s:I,s:I,s:I,s:I}", "id", (json_int_t)m->id, "name", codec_cstr(m->name, CTL_NAME_MAX),
			 "instances", (json_int_t)m->instances, "text_pages", (json_int_t)m->text_pages, "data_pages",
			 (json_int_t)m->data_pages, "bss_pages", (json_int_t)m->bss_pages, "shared_bytes",
			 (json_int_t)m->shared_bytes);
}

static json_t *svc(const struct ctl_svc *s)
{
	return json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:o}", "name", codec_cstr(s->name, CTL_NAME_MAX), "image_sha512",
			 hex_str(s->image_sha512, 64), "image", (json_int_t)s->image, "desired", (json_int_t)s->desired,
			 "live", (json_int_t)s->live, "quota_kib", (json_int_t)s->quota_kib, "guar_kib",
			 (json_int_t)s->guar_kib, "args", codec_cstr(s->args, CTL_ARGS_MAX));
}

static const char *vm_state(uint8_t s)
{
	return s == CTL_VM_RUNNABLE ? "runnable" : s == CTL_VM_RUNNING ? "running" : s == CTL_VM_BLOCKED ? "blocked" : "?";
}

static json_t *vm(const struct ctl_vm *v)
{
	return json_pack("{s:I,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", (json_int_t)v->id, "image", (json_int_t)v->image,
			 "state", vm_state(v->state), "service", (json_int_t)v->reserved[0], "hypercalls",
			 (json_int_t)v->hypercalls, "cpu_ns", (json_int_t)v->cpu_ns, "priv_kib", (json_int_t)v->priv_kib,
			 "rx_frames", (json_int_t)v->rx_frames, "tx_frames", (json_int_t)v->tx_frames, "rx_drops",
			 (json_int_t)v->rx_drops);
}

/* A page reply: ctl_page_rep then count entries of size each, described by fn. */
static json_t *page(const uint8_t *p, size_t n, size_t each, json_t *(*fn)(const void *))
{
	struct ctl_page_rep pr;
	json_t *items;

	if (n < sizeof pr)
		return NULL;
	memcpy(&pr, p, sizeof pr);
	if ((n - sizeof pr) / each != pr.count || (n - sizeof pr) % each)
		return NULL;
	items = json_array();
	for (uint32_t i = 0; i < pr.count; i++) {
		uint8_t e[sizeof(struct ctl_svc)];
		memcpy(e, p + sizeof pr + i * each, each);
		json_array_append_new(items, fn(e));
	}
	return json_pack("{s:o,s:o}", "next", pr.next == CTL_LIST_END ? json_null() : json_integer(pr.next), "items", items);
}

static json_t *svc_any(const void *e) { return svc(e); }
static json_t *vm_any(const void *e) { return vm(e); }

/* T_SAVE: the state's bytes, then its total size (u64), as ctlc collects them. */
static json_t *saved(const uint8_t *p, size_t n)
{
	uint64_t total;
	char *hex;
	json_t *j;

	if (n < 8)
		return NULL;
	memcpy(&total, p + n - 8, 8);
	if (total != n - 8)
		return NULL;
	hex = malloc(2 * total + 1);
	if (!hex)
		return NULL;
	codec_hex(p, total, hex);
	j = json_pack("{s:I,s:s}", "bytes", (json_int_t)total, "state", hex);
	free(hex);
	return j;
}

json_t *codec_reply(uint16_t op, const uint8_t *p, size_t n)
{
	struct ctl_svc_rep sr;
	struct ctl_image im;

	switch (op) {
	case CTL_OP_T_ADD: case CTL_OP_T_SET: case CTL_OP_T_DESTROY:
		return n == 0 ? json_object() : NULL;
	case CTL_OP_T_DEL: case CTL_OP_SVC_SET: case CTL_OP_SVC_DEL:
		if (n != sizeof sr)
			return NULL;
		memcpy(&sr, p, n);
		return svc_rep(&sr);
	case CTL_OP_T_LOAD:
		if (n != sizeof im)
			return NULL;
		memcpy(&im, p, n);
		return image(&im);
	case CTL_OP_SVCS:
		return page(p, n, sizeof(struct ctl_svc), svc_any);
	case CTL_OP_T_LIST:
		return page(p, n, sizeof(struct ctl_vm), vm_any);
	case CTL_OP_T_SAVE:
		return saved(p, n);
	}
	return NULL;
}

json_t *codec_tenant(const struct ctl_tenant_info *t)
{
	return json_pack("{s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I}}", "id", (json_int_t)t->tenant,
			 "name", codec_cstr(t->name, CTL_NAME_MAX), "max_vms", (json_int_t)t->max_vms, "max_mem_kib",
			 (json_int_t)t->max_mem_kib, "cpu_share", (json_int_t)t->cpu_share, "live_vms",
			 (json_int_t)t->live_vms, "mem_kib", (json_int_t)t->mem_kib, "cpu_ns", (json_int_t)t->cpu_ns,
			 "services", (json_int_t)t->services, "images", (json_int_t)t->images, "image_bytes",
			 (json_int_t)t->image_bytes, "refused", "auth", (json_int_t)t->refused_auth, "replay",
			 (json_int_t)t->refused_replay, "quota", (json_int_t)t->refused_quota);
}

unsigned codec_http_status(unsigned s)
{
	switch (s) {
	case CTL_OK: return 200;
	case CTL_E_ARG: case CTL_E_IMAGE: case CTL_E_VMSTATE: return 400;
	case CTL_E_AUTH: return 403;
	case CTL_E_NOENT: return 404;
	case CTL_E_REPLAY: case CTL_E_EXIST: case CTL_E_STATE: return 409;
	case CTL_E_QUOTA: return 422;
	case CTL_E_NOMEM: case CTL_E_LIMIT: case CTL_E_BUSY: return 503;
	}
	return 500;
}

json_t *codec_error(const char *status, const char *text)
{
	return json_pack("{s:s,s:s}", "status", status, "error", text);
}
