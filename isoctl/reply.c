/* reply.c - decodes isod's JSON replies (isod/API.md) into the kernel's reply structs; every field is checked. */
#include <stdlib.h>
#include <string.h>

#include "ctlauth.h"
#include "libisoctl.h"

static int is_status_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 24)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* A refusal's text: printable bytes of isod's "error" (or the kernel's text for the status), bounded. */
static void refusal_text(const json_t *root, const char *status, char *out, size_t n)
{
	const json_t *err = json_object_get(root, "error");
	const char *t = json_is_string(err) ? json_string_value(err) : "";
	size_t j = 0;

	for (size_t i = 0; t[i] && j + 1 < n; i++)
		out[j++] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
	out[j] = 0;
	if (j == 0) {
		for (unsigned s = 1; s < 64; s++)
			if (strcmp(ctl_status_name(s), status) == 0)
				snprintf(out, n, "%s", ctl_status_text(s));
	}
}

static int decode_refusal(long http, const json_t *root, struct iso_err *e)
{
	const json_t *st = json_object_get(root, "status");
	char text[sizeof(e->text)];

	if (!json_is_string(st) || !is_status_name(json_string_value(st)))
		return iso_fail(e, "isod answered HTTP %ld without a status", http);
	refusal_text(root, json_string_value(st), text, sizeof(text));
	return iso_refuse(e, json_string_value(st), "%s", text);
}

int iso_decode(long http, const char *body, size_t len, json_t **root, struct iso_err *e)
{
	json_error_t je;
	json_t *j;

	*root = NULL;
	e->status[0] = e->text[0] = 0;          /* a success leaves them empty, not as they were */
	if (http < 100 || http > 599)
		return iso_fail(e, "isod answered with HTTP status %ld", http);
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		if (http >= 200 && http < 300)
			return iso_fail(e, "isod's reply is not a JSON object (HTTP %ld)", http);
		return iso_fail(e, "isod refused the request with HTTP %ld and no JSON status", http);
	}
	if (http >= 200 && http < 300) {
		*root = j;
		return 0;
	}
	int r = decode_refusal(http, j, e);
	json_decref(j);
	return r;
}

int iso_decode_op(long http, const char *body, size_t len, json_t **reply, struct iso_err *e)
{
	json_t *root, *rep;
	int r = iso_decode(http, body, len, &root, e);

	*reply = NULL;
	if (r != 0)
		return r;
	if (!json_is_string(json_object_get(root, "status")) ||
	    strcmp(json_string_value(json_object_get(root, "status")), "OK") != 0) {
		r = decode_refusal(http, root, e);
		json_decref(root);
		return r < 0 ? r : 1;
	}
	rep = json_object_get(root, "reply");
	if (rep && !json_is_object(rep) && !json_is_null(rep)) {
		json_decref(root);
		return iso_fail(e, "isod's reply member is not an object");
	}
	*reply = json_is_object(rep) ? json_incref(rep) : json_object();
	json_decref(root);
	return *reply ? 0 : iso_fail(e, "out of memory");
}

/* An integer member in [0, max]; absent: *v = 0 unless required. */
static int get_uint(const json_t *o, const char *key, uint64_t max, int required, uint64_t *v, struct iso_err *e)
{
	const json_t *m = json_object_get(o, key);

	*v = 0;
	if (!m && !required)
		return 0;
	if (!json_is_integer(m) || json_integer_value(m) < 0 || (uint64_t)json_integer_value(m) > max)
		return iso_fail(e, "isod's reply: \"%s\" is %s", key, m ? "not a count in range" : "missing");
	*v = (uint64_t)json_integer_value(m);
	return 0;
}

static int get_u32(const json_t *o, const char *key, int required, uint32_t *v, struct iso_err *e)
{
	uint64_t x;

	if (get_uint(o, key, UINT32_MAX, required, &x, e) != 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int get_u64(const json_t *o, const char *key, int required, uint64_t *v, struct iso_err *e)
{
	return get_uint(o, key, INT64_MAX, required, v, e);
}

/* A string member of fewer than n bytes, with no control bytes, into out. */
static int get_str(const json_t *o, const char *key, int required, char *out, size_t n, struct iso_err *e)
{
	const json_t *m = json_object_get(o, key);
	const char *s;

	memset(out, 0, n);
	if (!m && !required)
		return 0;
	if (!json_is_string(m) || json_string_length(m) >= n)
		return iso_fail(e, "isod's reply: \"%s\" is %s", key, m ? "not a string of the right size" : "missing");
	s = json_string_value(m);
	for (size_t i = 0; i < json_string_length(m); i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return iso_fail(e, "isod's reply: \"%s\" holds a control byte", key);
	memcpy(out, s, json_string_length(m));
	return 0;
}

static int get_hex(const json_t *o, const char *key, uint8_t *b, size_t n, struct iso_err *e)
{
	const json_t *m = json_object_get(o, key);

	if (!json_is_string(m) || ctlauth_unhex(json_string_value(m), b, n) != 0)
		return iso_fail(e, "isod's reply: \"%s\" is not %zu hex digits", key, 2 * n);
	return 0;
}

static int dec_tenant(const json_t *o, struct ctl_tenant_info *t, struct iso_err *e)
{
	const json_t *ref = json_object_get(o, "refused");
	uint64_t id;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return iso_fail(e, "isod's reply: a tenant is not an object");
	if (get_uint(o, "id", CTL_TENANT_MAX, 1, &id, e) || get_str(o, "name", 1, t->name, sizeof(t->name), e) ||
	    get_u32(o, "max_vms", 1, &t->max_vms, e) || get_u64(o, "max_mem_kib", 1, &t->max_mem_kib, e) ||
	    get_u32(o, "cpu_share", 1, &t->cpu_share, e) || get_u32(o, "live_vms", 0, &t->live_vms, e) ||
	    get_u64(o, "mem_kib", 0, &t->mem_kib, e) || get_u64(o, "cpu_ns", 0, &t->cpu_ns, e) ||
	    get_u32(o, "services", 0, &t->services, e) || get_u32(o, "images", 0, &t->images, e) ||
	    get_u64(o, "image_bytes", 0, &t->image_bytes, e))
		return -1;
	t->tenant = (uint32_t)id;
	if (ref && !json_is_object(ref))
		return iso_fail(e, "isod's reply: \"refused\" is not an object");
	if (ref && (get_u64(ref, "auth", 0, &t->refused_auth, e) || get_u64(ref, "replay", 0, &t->refused_replay, e) ||
		    get_u64(ref, "quota", 0, &t->refused_quota, e)))
		return -1;
	return 0;
}

int iso_dec_tenants(const json_t *root, struct ctl_tenant_info **out, size_t *n, struct iso_err *e)
{
	const json_t *a = json_object_get(root, "tenants");
	size_t len = json_array_size(a);

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return iso_fail(e, "isod's reply has no \"tenants\" list");
	if (len > CTL_TENANT_MAX + 1)
		return iso_fail(e, "isod's reply lists %zu tenants (at most %u exist)", len, CTL_TENANT_MAX);
	if (!(*out = calloc(len ? len : 1, sizeof(**out))))
		return iso_fail(e, "out of memory");
	for (size_t i = 0; i < len; i++) {
		if (dec_tenant(json_array_get(a, i), &(*out)[i], e) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	*n = len;
	return 0;
}

int iso_dec_svc_rep(const json_t *reply, struct ctl_svc_rep *r, struct iso_err *e)
{
	memset(r, 0, sizeof(*r));
	return (get_u32(reply, "created", 0, &r->created, e) || get_u32(reply, "ended", 0, &r->ended, e) ||
		get_u32(reply, "live", 0, &r->live, e) || get_u32(reply, "desired", 0, &r->desired, e) ||
		get_u32(reply, "first_id", 0, &r->first_id, e) || get_u32(reply, "last_id", 0, &r->last_id, e)) ? -1 : 0;
}

int iso_dec_image(const json_t *reply, struct ctl_image *img, struct iso_err *e)
{
	memset(img, 0, sizeof(*img));
	return (get_u32(reply, "id", 1, &img->id, e) || get_u32(reply, "instances", 0, &img->instances, e) ||
		get_u32(reply, "text_pages", 0, &img->text_pages, e) ||
		get_u32(reply, "data_pages", 0, &img->data_pages, e) ||
		get_u32(reply, "bss_pages", 0, &img->bss_pages, e) ||
		get_u64(reply, "shared_bytes", 0, &img->shared_bytes, e) ||
		get_str(reply, "name", 0, img->name, sizeof(img->name), e)) ? -1 : 0;
}

int iso_dec_upload(const json_t *root, uint8_t sha512[64], uint64_t *bytes, struct iso_err *e)
{
	return (get_hex(root, "sha512", sha512, 64, e) || get_u64(root, "bytes", 1, bytes, e)) ? -1 : 0;
}

int iso_dec_page(const json_t *reply, const json_t **items, uint32_t *next, struct iso_err *e)
{
	const json_t *nx = json_object_get(reply, "next");

	*items = json_object_get(reply, "items");
	*next = CTL_LIST_END;
	if (!json_is_array(*items))
		return iso_fail(e, "isod's reply has no \"items\" list");
	if (!nx || json_is_null(nx))
		return 0;
	return get_u32(reply, "next", 1, next, e);
}

int iso_dec_svc(const json_t *item, struct ctl_svc *s, struct iso_err *e)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_object(item))
		return iso_fail(e, "isod's reply: a service is not an object");
	if (get_str(item, "name", 1, s->name, sizeof(s->name), e) ||
	    get_hex(item, "image_sha512", s->image_sha512, 64, e) || get_u32(item, "image", 0, &s->image, e) ||
	    get_u32(item, "desired", 1, &s->desired, e) || get_u32(item, "live", 1, &s->live, e) ||
	    get_u32(item, "quota_kib", 0, &s->quota_kib, e) || get_u32(item, "guar_kib", 0, &s->guar_kib, e) ||
	    get_str(item, "args", 0, s->args, sizeof(s->args), e))
		return -1;
	return iso_check_name("service", s->name, e);
}

/* A VM's state: a CTL_VM_* number or its name. */
static int dec_state(const json_t *item, uint8_t *state, struct iso_err *e)
{
	static const char *const names[] = { "?", "runnable", "running", "blocked" };
	const json_t *m = json_object_get(item, "state");

	*state = 0;
	if (json_is_integer(m) && json_integer_value(m) >= CTL_VM_RUNNABLE &&
	    json_integer_value(m) <= CTL_VM_BLOCKED) {
		*state = (uint8_t)json_integer_value(m);
		return 0;
	}
	for (uint8_t i = CTL_VM_RUNNABLE; json_is_string(m) && i <= CTL_VM_BLOCKED; i++)
		if (strcmp(json_string_value(m), names[i]) == 0)
			return *state = i, 0;
	return iso_fail(e, "isod's reply: a VM's \"state\" is not runnable, running or blocked");
}

/* The VM's service: "service" (index + 1, or its name) or reserved[0] as the kernel puts it. */
static int dec_vm_svc(const json_t *item, struct iso_vm *v, struct iso_err *e)
{
	const json_t *m = json_object_get(item, "service"), *res = json_object_get(item, "reserved");

	if (json_is_string(m))
		return get_str(item, "service", 1, v->svc_name, sizeof(v->svc_name), e);
	if (m && !json_is_null(m))
		return get_u32(item, "service", 1, &v->svc, e);
	if (json_is_array(res) && json_array_size(res) > 0) {
		const json_t *r0 = json_array_get(res, 0);
		if (!json_is_integer(r0) || json_integer_value(r0) < 0 || json_integer_value(r0) > 255)
			return iso_fail(e, "isod's reply: a VM's reserved[0] is not a byte");
		v->svc = (uint32_t)json_integer_value(r0);
	}
	return 0;
}

int iso_dec_vm(const json_t *item, struct iso_vm *v, struct iso_err *e)
{
	struct ctl_vm *c = &v->v;
	const json_t *img;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(item))
		return iso_fail(e, "isod's reply: a VM is not an object");
	img = json_object_get(item, "image");
	if (get_u32(item, "id", 1, &c->id, e) || (!json_is_string(img) && get_u32(item, "image", 0, &c->image, e)) ||
	    dec_state(item, &c->state, e) || get_u32(item, "hypercalls", 0, &c->hypercalls, e) ||
	    get_u64(item, "cpu_ns", 0, &c->cpu_ns, e) || get_u32(item, "priv_kib", 0, &c->priv_kib, e) ||
	    get_u32(item, "rx_frames", 1, &c->rx_frames, e) || get_u32(item, "tx_frames", 0, &c->tx_frames, e) ||
	    get_u32(item, "rx_drops", 0, &c->rx_drops, e))
		return -1;
	return dec_vm_svc(item, v, e);
}

int iso_vm_in_svc(const struct iso_vm *vm, const struct ctl_svc *svcs, size_t k)
{
	if (vm->svc_name[0])
		return strcmp(vm->svc_name, svcs[k].name) == 0;
	return vm->svc == k + 1;
}

/* Text from a VM (untrusted bytes) as a JSON string: as it is if UTF-8, else its bytes outside ASCII as '?'. */
static json_t *text_json(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *c;

	if (j || !(c = malloc(n + 1)))
		return j;
	for (size_t i = 0; i < n; i++)
		c[i] = (s[i] > 0 && s[i] < 0x7f) ? s[i] : '?';
	j = json_stringn(c, n);
	free(c);
	return j;
}

json_t *iso_log_json(const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);
	unsigned long long vm = 0;
	size_t i = 3;

	if (n > 3 && memcmp(s, "vm=", 3) == 0 && sp && sp > s + 3 && sp - s <= 13) {
		while (s + i < sp && s[i] >= '0' && s[i] <= '9')
			vm = vm * 10 + (unsigned)(s[i++] - '0');
		if (s + i == sp && vm <= UINT32_MAX)
			return json_pack("{s:I, s:o}", "vm", (json_int_t)vm, "line", text_json(sp + 1, (size_t)(s + n - sp - 1)));
	}
	return json_pack("{s:o}", "line", text_json(s, n));
}
