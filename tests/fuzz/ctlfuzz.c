/* ctlfuzz.c - fuzzes the kernel's control decoder (isokernel/ctl.c, built for the host) through its byte stream. */
/*
 * Each input is a byte stream from a hostile host, fed to ctl.c in pieces of varying size while the transport takes
 * its replies a few bytes at a time. The kernel's acts (ctl_ops.h) are played by a checker: every argument the
 * decoder passes must be within what ctl_ops.h promises, or the run aborts. The reply stream must be well formed:
 * magic, version, the reply bit, a known status, only CTL_F_MORE as flag, the length rule of error replies.
 * Input byte 0 picks the form: odd = "structured" (records op, length, payload wrapped in correct headers, so deep
 * paths are reached without a corpus; every such request must get exactly one final reply), even = raw bytes.
 * A structured record's high length bits ask for the op's exact payload size, strings cut to fit and reserved and
 * size fields zeroed, so single fields can be wrong alone (a range check missing is found in seconds).
 * Built with clang's libFuzzer (make fuzz); without clang, a driver main() runs random inputs (CTLFUZZ_RUNS).
 * Tenant mode: every input starts with an operator key and tenants 1 and 2 (tenant.c, ctl_auth.c and the kernel's
 * Ed25519 are the real ones); a structured record of a signed op with the exact-size bit gets a ctl_auth trailer signed
 * here with libsodium by the operator or a tenant (fix bits), with a rising counter or, now and then, the last one
 * again, so inputs get past the signature to the field checks and the acts (service.h, played by a checker here).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "ctl_ops.h"
#include "ctl_io.h"
#include "ctlsrv.h"
#include "service.h"
#include "tenant.h"
#include "ctl_auth.h"
#include <sodium.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "ctlfuzz: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

static const uint8_t *feed;        /* the stream the "host" sends */
static size_t feed_len, feed_off;
static uint8_t outs[1 << 22];      /* what the decoder wrote */
static size_t outs_len;
static uint32_t rng;
static bool saw_again;             /* the model asked to be called again: the next call must have first == false */
static struct { uint32_t kind; uint64_t size, got; } up;
static int create_steps, save_left;
static size_t finals;              /* final replies (no CTL_F_MORE) to requests with an id, checked so far */
static void check_replies(bool all);

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

size_t ctl_io_read(void *buf, size_t cap)
{
	size_t n = next_rand() % 300 + 1;

	if (next_rand() % 4 == 0)
		n = next_rand() % CTL_MSG_MAX + 1;      /* sometimes a big piece */
	if (n > cap)
		n = cap;
	if (n > feed_len - feed_off)
		n = feed_len - feed_off;
	memcpy(buf, feed + feed_off, n);
	feed_off += n;
	return n;
}

bool ctl_io_waiting(void)
{
	return feed_off < feed_len;
}

size_t ctl_io_write(const void *buf, size_t n)
{
	size_t k = next_rand() % 3 == 0 ? 0 : next_rand() % 5000 + 1;   /* a full ring now and then */

	if (k > n)
		k = n;
	if (outs_len + k > sizeof(outs))
		check_replies(false);              /* whole replies checked and dropped: room for the rest */
	CHECK(outs_len + k <= sizeof(outs));
	memcpy(outs + outs_len, buf, k);
	outs_len += k;
	return k;
}

static void first_call(const struct ctl_out *o)
{
	CHECK(o->first == !saw_again);
	CHECK(o->len == 0 && o->cap == CTL_PAYLOAD_MAX && o->flags == 0);
	saw_again = false;
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, CTL_NAME_MAX);

	return n > 0 && n < CTL_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

uint16_t ctlop_hello(struct ctl_out *o)
{
	struct ctl_hello_rep r = { CTL_VERSION, 1, CTL_MSG_MAX, CTL_BLOB_MAX, MAX_VMS, 0 };

	first_call(o);
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t ctlop_upload(const struct ctl_upload_req *q, struct ctl_out *o)
{
	first_call(o);
	CHECK(q->kind == CTL_BLOB_IMAGE || q->kind == CTL_BLOB_VMSTATE);
	CHECK(q->size >= 1 && q->size <= CTL_BLOB_MAX && q->reserved == 0);
	CHECK(q->kind == CTL_BLOB_VMSTATE || name_ok(q->name));
	if (up.kind)
		return ctl_why(o, CTL_E_BUSY, "busy");
	up.kind = q->kind;
	up.size = q->size;
	up.got = 0;
	return CTL_OK;
}

uint16_t ctlop_chunk(uint64_t offset, const uint8_t *data, uint32_t n, struct ctl_out *o)
{
	uint8_t sum = 0;

	first_call(o);
	CHECK(n >= 1 && n <= CTL_CHUNK_MAX);
	for (uint32_t i = 0; i < n; i++)
		sum ^= data[i];                        /* ASan: the bytes are inside the decoder's buffer */
	__asm__ volatile("" : : "r"(sum));	if (!up.kind || offset != up.got || n > up.size - up.got)
		return ctl_why(o, CTL_E_STATE, "chunk at %lu: upload at %lu", (unsigned long)offset, (unsigned long)up.got);
	up.got += n;
	return CTL_OK;
}

uint16_t ctlop_abort(struct ctl_out *o)
{
	first_call(o);
	up.kind = 0;
	return CTL_OK;
}

uint16_t ctlop_load(struct ctl_out *o)
{
	struct ctl_image im = { 0 };

	first_call(o);
	if (up.kind != CTL_BLOB_IMAGE || up.got != up.size)
		return ctl_why(o, CTL_E_STATE, "no image");
	up.kind = 0;
	strcpy(im.name, "x");
	memcpy(o->p, &im, sizeof(im));
	o->len = sizeof(im);
	return next_rand() % 2 ? CTL_OK : ctl_why(o, CTL_E_IMAGE, "%s", "refused as at boot, with a long reason "
						  "that goes on and on and on past the limit of two hundred bytes of "
						  "reason text, which the decoder must cut: xxxxxxxxxxxxxxxxxxxxxxxxxx"
						  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

/* A page of entries filling up to the reply's capacity. */
static uint16_t page(const struct ctl_page_req *q, struct ctl_out *o, uint32_t esize)
{
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - 8) / esize;

	first_call(o);
	r.count = q->max && q->max < max ? q->max : max;
	if (r.count > 5000)
		r.count = 5000;
	memcpy(o->p, &r, sizeof(r));
	memset(o->p + 8, 0xab, (size_t)r.count * esize);
	o->len = 8 + r.count * esize;
	return CTL_OK;
}

uint16_t ctlop_images(const struct ctl_page_req *q, struct ctl_out *o)
{
	return page(q, o, sizeof(struct ctl_image));
}

uint16_t ctlop_list(const struct ctl_page_req *q, struct ctl_out *o)
{
	return page(q, o, sizeof(struct ctl_vm));
}

uint16_t ctlop_create(const struct ctl_create_req *q, struct ctl_out *o)
{
	struct ctl_create_rep r = { q->count, 0, q->count - 1, 0 };

	CHECK(o->first == !saw_again && o->len == 0);
	saw_again = false;
	CHECK(q->count >= 1 && q->count <= MAX_VMS);
	CHECK(q->quota_kib == 0 || (q->quota_kib >= 8 && q->quota_kib <= 2048));
	CHECK(q->guar_kib == 0 || (q->guar_kib >= 4 && (q->quota_kib == 0 || q->guar_kib <= q->quota_kib)));
	CHECK(memchr(q->args, 0, CTL_ARGS_MAX) != NULL);
	for (const char *a = q->args; *a; a++)
		CHECK(*a >= 0x20 && *a <= 0x7e);
	if (o->first)
		create_steps = (int)(q->count % 4);
	if (create_steps-- > 0) {
		saw_again = true;
		return CTL_AGAIN;
	}
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t ctlop_destroy(uint32_t id, struct ctl_out *o)
{
	first_call(o);
	return id % 2 ? CTL_OK : ctl_why(o, CTL_E_NOENT, "no VM %u", id);
}

uint16_t ctlop_stats(struct ctl_out *o)
{
	struct ctl_stats s = { 0 };

	first_call(o);
	memcpy(o->p, &s, sizeof(s));
	o->len = sizeof(s);
	return CTL_OK;
}

uint16_t ctlop_save(uint32_t id, uint32_t flags, struct ctl_out *o)
{
	struct ctl_chunk_req c = { 0 };

	CHECK((flags & ~CTL_SAVE_END) == 0);
	CHECK(o->first == !saw_again && o->len == 0 && o->flags == 0);
	saw_again = false;
	if (o->first)
		save_left = (int)(id % 4);
	if (save_left-- <= 0) {
		struct ctl_upload_rep r = { 1 };
		memcpy(o->p, &r, sizeof(r));
		o->len = sizeof(r);
		return CTL_OK;
	}
	memcpy(o->p, &c, sizeof(c));
	o->len = (uint32_t)sizeof(c) + (save_left % 2 ? CTL_CHUNK_MAX : 1 + id % 100);
	o->flags = CTL_F_MORE;
	saw_again = true;
	return CTL_OK;
}

uint16_t ctlop_restore(struct ctl_out *o)
{
	first_call(o);
	return ctl_why(o, CTL_E_UNSUPP, "no");
}


/* The tenant acts (service.h), played here: each argument within what service.h promises. */
static uint8_t key_pk[3][32], key_sk[3][64];   /* the operator, tenants 1 and 2 */
static uint64_t sign_counter;

static bool tname_ok(const char *s)
{
	size_t n = strnlen(s, CTL_NAME_MAX);

	return n > 0 && n < CTL_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool args_ok(const char *a)
{
	if (!memchr(a, 0, CTL_ARGS_MAX))
		return false;
	for (; *a; a++)
		if (*a < 0x20 || *a > 0x7e)
			return false;
	return true;
}

static void tenant_req_ok(const struct ctl_tenant_req *q, bool add)
{
	static const uint8_t zero[32];

	CHECK(q->tenant >= 1 && q->tenant <= CTL_TENANT_MAX && q->max_vms <= MAX_VMS);
	CHECK(q->cpu_share >= 1 && q->cpu_share <= 1000 && q->reserved == 0);
	if (add)
		CHECK(tname_ok(q->name) && memcmp(q->pubkey, zero, 32) != 0);
	else
		CHECK(memcmp(q->pubkey, zero, 32) == 0 && memcmp(q->name, zero, 32) == 0);
}

static unsigned long signed_acts;       /* signed requests that got past ctl_auth to an act (printed at exit) */

static void signer_ok(uint32_t signer)
{
	CHECK(signer >= 1 && signer <= CTL_TENANT_MAX && tenant_get(signer) != NULL);
	signed_acts++;
}

static void print_acts(void)
{
	fprintf(stderr, "ctlfuzz: %lu signed requests reached their act\n", signed_acts);
}

uint16_t svc_t_add(const struct ctl_tenant_req *q, struct ctl_out *o)
{
	first_call(o);
	signed_acts++;
	tenant_req_ok(q, true);
	if (tenant_add(q->tenant, q->name, q->pubkey, q->max_vms, q->max_mem_kib, q->cpu_share) != 0)
		return ctl_why(o, CTL_E_EXIST, "exists");
	return CTL_OK;
}

uint16_t svc_t_set(const struct ctl_tenant_req *q, struct ctl_out *o)
{
	first_call(o);
	tenant_req_ok(q, false);
	if (!tenant_get(q->tenant))
		return ctl_why(o, CTL_E_NOENT, "no tenant");
	tenant_set(q->tenant, q->max_vms, q->max_mem_kib, q->cpu_share);
	return CTL_OK;
}

/* A long act's further passes (T_DEL and SVC_DEL end VMs 128 a pass): CTL_AGAIN steps times, o->first only first. */
static bool more_passes(struct ctl_out *o, int steps)
{
	CHECK(o->first == !saw_again && o->len == 0);
	saw_again = false;
	if (o->first)
		create_steps = steps;
	if (create_steps-- > 0) {
		saw_again = true;
		return true;
	}
	return false;
}

uint16_t svc_t_del(uint32_t tenant, struct ctl_out *o)
{
	struct ctl_svc_rep r = { 0, 0, 0, 0, 0, 0 };

	if (o->first && (!tenant_get(tenant) || tenant == 0))
		return first_call(o), ctl_why(o, CTL_E_NOENT, "no tenant");
	if (more_passes(o, (int)(tenant % 3)))
		return CTL_AGAIN;
	tenant_del(tenant);
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t svc_t_load(uint32_t signer, const struct ctl_tload_req *q, struct ctl_out *o)
{
	first_call(o);
	signer_ok(signer);
	CHECK(name_ok(q->name));
	return ctlop_load(o);
}

uint16_t svc_set(uint32_t signer, const struct ctl_svc_req *q, struct ctl_out *o)
{
	struct ctl_svc_rep r = { q->count, 0, q->count, q->count, 0, 0 };

	CHECK(o->first == !saw_again && o->len == 0);
	saw_again = false;
	signer_ok(signer);
	CHECK(name_ok(q->name) && q->count <= MAX_VMS && q->reserved == 0 && args_ok(q->args));
	CHECK(q->quota_kib == 0 || (q->quota_kib >= 8 && q->quota_kib <= 2048));
	CHECK(q->guar_kib == 0 || (q->guar_kib >= 4 && (q->quota_kib == 0 || q->guar_kib <= q->quota_kib)));
	if (o->first)
		create_steps = (int)(q->count % 4);
	if (create_steps-- > 0) {
		saw_again = true;
		return CTL_AGAIN;
	}
	if (q->count % 5 == 4)
		return ctl_why(o, CTL_E_QUOTA, "over quota");
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t svc_del(uint32_t signer, const char *name, struct ctl_out *o)
{
	struct ctl_svc_rep r = { 0, 1, 0, 0, 0, 0 };

	signer_ok(signer);
	CHECK(name_ok(name));
	if (more_passes(o, name[0] % 3))
		return CTL_AGAIN;
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t svc_list(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o)
{
	signer_ok(signer);
	return page(q, o, sizeof(struct ctl_svc));
}

uint16_t svc_vms(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o)
{
	signer_ok(signer);
	return page(q, o, sizeof(struct ctl_vm));
}

uint16_t svc_vm_destroy(uint32_t signer, uint32_t id, struct ctl_out *o)
{
	signer_ok(signer);
	return ctlop_destroy(id, o);
}

uint16_t svc_vm_save(uint32_t signer, uint32_t id, uint32_t flags, struct ctl_out *o)
{
	signer_ok(signer);
	return ctlop_save(id, flags, o);
}

/* FORK (tenant 0) and T_FORK (a signer): the count checked, made over a few passes; an even vm is "no such VM". */
uint16_t fork_op(uint32_t tenant, const struct ctl_fork_req *q, struct ctl_out *o)
{
	struct ctl_fork_rep r = { q->count, q->vm, q->vm, 0, 0, { 0, 0, 0 } };

	CHECK(o->first == !saw_again && o->len == 0);
	CHECK(q->count >= 1 && q->count <= CTL_FORK_MAX);
	if (tenant && o->first)
		signer_ok(tenant);
	if (o->first)
		create_steps = (int)(q->count % 4);
	if (q->vm % 2 == 0) {
		saw_again = false;
		memset(&r, 0, sizeof(r));
		memcpy(o->p, &r, sizeof(r));
		o->len = sizeof(r);
		return ctl_why(o, CTL_E_NOENT, "no VM %u", q->vm);
	}
	if (create_steps-- > 0) {
		saw_again = true;
		return CTL_AGAIN;
	}
	saw_again = false;
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t svc_tenants(const struct ctl_page_req *q, struct ctl_out *o)
{
	return page(q, o, sizeof(struct ctl_tenant_info));
}

/* Every input starts in tenant mode with tenants 1 and 2 (the keys made once). */
static void tenants_setup(void)
{
	static bool keys;

	if (!keys) {
		CHECK(sodium_init() >= 0);
		atexit(print_acts);
		for (int k = 0; k < 3; k++)
			crypto_sign_keypair(key_pk[k], key_sk[k]);
		keys = true;
	}
	tenant_reset();
	tenant_set_operator(key_pk[0]);
	CHECK(tenant_add(1, "alice", key_pk[1], 100, 100000, 1) == 0 && tenant_add(2, "bob", key_pk[2], 100, 100000, 1) == 0);
	sign_counter = 0;
}

/* Append a ctl_auth trailer to the body p[0..body) of op, signed by key k (0 operator, 1, 2) as tenant `as`. */
static uint32_t sign_body(uint16_t op, uint8_t *p, uint32_t body, unsigned k, uint32_t as, bool replay)
{
	struct ctl_auth a = { as, 0, replay ? sign_counter : ++sign_counter, { 0 } };
	uint32_t n = body + 16;
	uint8_t m[16 + 512];

	memcpy(p + body, &a, sizeof(a));
	memcpy(m, CTL_SIG_DOMAIN, 8);
	m[8] = (uint8_t)op, m[9] = (uint8_t)(op >> 8), m[10] = m[11] = 0;
	m[12] = (uint8_t)n, m[13] = (uint8_t)(n >> 8), m[14] = m[15] = 0;
	memcpy(m + 16, p, n);
	crypto_sign_detached(p + n, NULL, m, 16 + n, key_sk[k]);
	return body + (uint32_t)sizeof(a);
}

/* Checks the whole replies in outs[] (all: nothing may be left over), counts them in finals, drops them. */
static void check_replies(bool all)
{
	size_t off = 0;

	while (off < outs_len) {
		struct ctl_hdr h;
		if (!all && outs_len - off < sizeof(h))
			break;
		CHECK(outs_len - off >= sizeof(h));
		memcpy(&h, outs + off, sizeof(h));
		CHECK(h.magic == CTL_MAGIC && h.version == CTL_VERSION && (h.op & CTL_REPLY) && h.reserved == 0);
		CHECK(h.status < CTL_NSTATUS && (h.flags & ~CTL_F_MORE) == 0 && h.len <= CTL_PAYLOAD_MAX);
		CHECK(!(h.flags & CTL_F_MORE) || h.status == CTL_OK);
		bool forkrep = h.op == (CTL_OP_FORK | CTL_REPLY) || h.op == (CTL_OP_T_FORK | CTL_REPLY);
		CHECK(h.status == CTL_OK || h.len <= CTL_WHY_MAX + (forkrep ? sizeof(struct ctl_fork_rep)
									 : sizeof(struct ctl_create_rep)));
		CHECK(h.status == CTL_OK || h.len <= CTL_WHY_MAX || h.op == (CTL_OP_CREATE | CTL_REPLY) ||
		      h.op == (CTL_OP_LOAD | CTL_REPLY) || forkrep);
		if (!all && outs_len - off - sizeof(h) < h.len)
			break;
		CHECK(outs_len - off - sizeof(h) >= h.len);
		off += sizeof(h) + h.len;
		finals += h.id != 0 && !(h.flags & CTL_F_MORE);
	}
	memmove(outs, outs + off, outs_len - off);
	outs_len -= off;
}

/* Make the payload of op nearly valid (fix bits of the record): strings NUL-terminated, reserved/limits zeroed. */
static void fixup(uint16_t op, uint8_t *p, uint32_t len, unsigned fix)
{
	if (op == CTL_OP_CREATE && len == sizeof(struct ctl_create_req)) {
		if (fix & 1)
			p[len - 1] = 0;                           /* args end within the field */
		if (fix & 2)
			memset(p + 8, 0, 8);                      /* default quota and guarantee */
	}
	if (op == CTL_OP_UPLOAD && len == sizeof(struct ctl_upload_req)) {
		if (fix & 1)
			p[len - 1] = 0;
		if (fix & 2)
			memset(p + 4, 0, 4), memset(p + 12, 0, 4); /* size < 4 GiB, reserved 0 */
	}
	if ((op == CTL_OP_DESTROY || op == CTL_OP_SAVE || op == CTL_OP_T_DESTROY || op == CTL_OP_T_SAVE) && len == 8 &&
	    (fix & 2))
		memset(p + 4, 0, 4);
	if ((op == CTL_OP_T_ADD || op == CTL_OP_T_SET) && len == sizeof(struct ctl_tenant_req) && (fix & 2)) {
		struct ctl_tenant_req q;
		memcpy(&q, p, sizeof(q));
		q.tenant = q.tenant % 4;                      /* 0..3: mostly tenants that exist or may */
		q.max_vms %= 200;
		q.cpu_share = q.cpu_share % 1001;
		q.reserved = 0;
		q.name[q.name[0] % 8] = 0;
		if (op == CTL_OP_T_SET)
			memset(q.pubkey, 0, 32), memset(q.name, 0, 32);
		memcpy(p, &q, sizeof(q));
	}
	if ((op == CTL_OP_FORK || op == CTL_OP_T_FORK) && len == sizeof(struct ctl_fork_req) && (fix & 2))
		p[5] %= 5, p[6] = p[7] = 0;                   /* count under 1,280: mostly in range */
	if (op == CTL_OP_T_DEL && len == 8 && (fix & 2))
		p[0] %= 4, memset(p + 1, 0, 7);
	if ((op == CTL_OP_T_LOAD || op == CTL_OP_SVC_SET || op == CTL_OP_SVC_DEL) && (fix & 1) && len >= 32) {
		uint32_t at = op == CTL_OP_T_LOAD ? 64 : 0;
		if (at + 32 <= len)
			p[at + 1 + p[at] % 30] = 0;              /* a name that ends within its field */
	}
	if (op == CTL_OP_SVC_SET && len == sizeof(struct ctl_svc_req) && (fix & 2)) {
		memset(p + 96, 0, 16);                        /* count 0, default memory, reserved 0 */
		p[96] = p[0] % 8;
		p[len - 1] = 0;
	}
}

/* Bytes of a signed op's struct (0: not a signed op). */
static uint32_t signed_body(uint16_t op)
{
	static const uint32_t body[CTL_NOPS] = {
		[CTL_OP_T_ADD] = sizeof(struct ctl_tenant_req), [CTL_OP_T_SET] = sizeof(struct ctl_tenant_req),
		[CTL_OP_T_DEL] = sizeof(struct ctl_tenant_ref), [CTL_OP_T_LOAD] = sizeof(struct ctl_tload_req),
		[CTL_OP_SVC_SET] = sizeof(struct ctl_svc_req), [CTL_OP_SVC_DEL] = sizeof(struct ctl_svc_ref),
		[CTL_OP_SVCS] = sizeof(struct ctl_page_req), [CTL_OP_T_LIST] = sizeof(struct ctl_page_req),
		[CTL_OP_T_DESTROY] = sizeof(struct ctl_vm_req), [CTL_OP_T_SAVE] = sizeof(struct ctl_vm_req),
		[CTL_OP_T_FORK] = sizeof(struct ctl_fork_req),
	};
	return op < CTL_NOPS ? body[op] : 0;
}

/* Structured form: records [op u8][len u16][payload len bytes], each wrapped in a correct header; len bit 15: the
 * op's exact payload size instead, bits 13-14 the fixups. */
static size_t build_structured(const uint8_t *d, size_t n, uint8_t *buf, size_t cap, size_t *msgs)
{
	size_t off = 0, i = 0;
	uint32_t id = 1;

	*msgs = 0;
	while (i + 3 <= n) {
		static const uint16_t exact[CTL_NOPS + 1] = {
			[CTL_OP_UPLOAD] = sizeof(struct ctl_upload_req), [CTL_OP_CHUNK] = 100,
			[CTL_OP_IMAGES] = sizeof(struct ctl_page_req), [CTL_OP_CREATE] = sizeof(struct ctl_create_req),
			[CTL_OP_DESTROY] = sizeof(struct ctl_vm_req), [CTL_OP_LIST] = sizeof(struct ctl_page_req),
			[CTL_OP_SAVE] = sizeof(struct ctl_vm_req), [CTL_OP_FORK] = sizeof(struct ctl_fork_req),
		};
		uint16_t op = d[i] % (CTL_NOPS + 1), len = (uint16_t)(d[i + 1] | d[i + 2] << 8);
		unsigned fix = (len >> 13) & 3, who = (len >> 11) & 3;
		bool sign = (len & 0x8000) && signed_body(op);
		struct ctl_hdr h;
		if (len & 0x8000)
			len = sign ? (uint16_t)signed_body(op) : op == CTL_OP_TENANTS ? 8 : exact[op];
		i += 3;
		if (len > n - i)
			len = (uint16_t)(n - i);
		if (len > CTL_PAYLOAD_MAX)
			len = (uint16_t)CTL_PAYLOAD_MAX;
		if (op == CTL_OP_STOP || off + sizeof(h) + len > cap)
			break;                           /* STOP ends reading: kept out of the structured form */
		if (sign && off + sizeof(h) + len + sizeof(struct ctl_auth) > cap)
			break;
		memcpy(buf + off + sizeof(h), d + i, len);
		fixup(op, buf + off + sizeof(h), len, fix);
		i += len;
		if (sign) {                              /* who: 0 operator, 1 alice, 2 bob, 3 alice's key as bob */
			unsigned k = who == 3 ? 1 : who;
			len = (uint16_t)sign_body(op, buf + off + sizeof(h), len, k, who == 3 ? 2 : who, fix == 3);
		}
		ctl_hdr_fill(&h, op, id++, 0, 0, len);
		memcpy(buf + off, &h, sizeof(h));
		off += sizeof(h) + len;
		(*msgs)++;
	}
	return off;
}

static void run(const uint8_t *stream, size_t n, size_t expect_finals, bool exact)
{
	size_t spins = 0;

	feed = stream;
	feed_len = n;
	feed_off = 0;
	outs_len = 0;
	finals = 0;
	ctl_reset();
	tenants_setup();
	up.kind = 0;
	saw_again = false;
	while ((feed_off < feed_len && !ctl_stop_requested()) || ctl_busy()) {
		ctl_poll();
		CHECK(++spins < 200000 + 100 * n);    /* no livelock: every pass moves bytes or a request on */
	}
	for (int k = 0; k < 64; k++)
		ctl_poll();                          /* drain what a full ring held back */
	check_replies(true);
	CHECK(!exact || finals == expect_finals);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t buf[1 << 21];
	size_t msgs;

	if (n == 0)
		return 0;
	rng = 0x9e3779b9u ^ (uint32_t)n ^ (uint32_t)d[0] << 8 ^ (uint32_t)d[n - 1] << 16;
	if (d[0] & 1) {
		size_t len = build_structured(d + 1, n - 1, buf, sizeof(buf), &msgs);
		run(buf, len, msgs, true);
	} else {
		run(d + 1, n - 1, 0, false);
	}
	return 0;
}

#ifndef CTLFUZZ_LIBFUZZER
/* Without libFuzzer: CTLFUZZ_RUNS random inputs (default 20000) from CTLFUZZ_SEED, half structured. */
int main(void)
{
	static uint8_t in[1 << 16];
	const char *r = getenv("CTLFUZZ_RUNS"), *s = getenv("CTLFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 20000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("ctlfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		size_t n = (size_t)rand() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(rand() % 8 ? rand() % 20 : rand());
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("ctlfuzz: ok\n");
	return 0;
}
#endif
