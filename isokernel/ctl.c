/* ctl.c - the control channel's decoder: frames the host's requests (pvisa/ctl.h), checks every field, then acts (ctl_ops.c). */
/* A bad message gets an error reply and a counter, never more: the decoder skips to the next magic when it cannot
 * frame one. One request is handled at a time; its reply waits in out[] until the transport has taken all of it. */
#include <stdarg.h>
#include "ctlsrv.h"
#include "ctl_ops.h"
#include "ctl_io.h"
#include "ctl_tenant.h"
#include "lib.h"
#include "kprintf.h"

#define HDR ((uint32_t)sizeof(struct ctl_hdr))

struct ctl_counters ctl_ct;
uint64_t ctl_serve;
static uint8_t in[CTL_MSG_MAX];
static uint32_t in_len;
static uint8_t out[CTL_MSG_MAX];
static uint32_t out_len, out_off;
static bool resync;              /* skipping bytes up to the next magic */
static bool again;               /* the request at in[0] is under way (its handler asked to be called again) */
static bool stop_sent, stop_queued;
static bool progressed;          /* the last step consumed bytes or composed a reply: there may be more to do */

uint16_t ctl_why(struct ctl_out *o, uint16_t status, const char *fmt, ...)
{
	char buf[CTL_WHY_MAX + 1];
	va_list ap;
	uint32_t n;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = (uint32_t)strlen(buf);
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, buf, n);
	o->len += n;
	return status;
}

/* Compose a reply in out[] (empty: the caller checked). */
static void reply(uint16_t op, uint32_t id, uint16_t status, uint16_t flags, uint32_t len)
{
	struct ctl_hdr h;

	ctl_hdr_fill(&h, (uint16_t)(op | CTL_REPLY), id, status, flags, len);
	memcpy(out, &h, HDR);
	out_len = HDR + len;
	out_off = 0;
	ctl_ct.by_status[status < 32 ? status : 31]++;
	if (status != CTL_OK)
		ctl_ct.errors++;
}

static void reply_error(uint16_t op, uint32_t id, uint16_t status, const char *why)
{
	struct ctl_out o = { out + HDR, 0, CTL_PAYLOAD_MAX, 0, true };

	ctl_why(&o, status, "%s", why);
	reply(op, id, status, 0, o.len);
}

static void consume(uint32_t n)
{
	memmove(in, in + n, in_len - n);
	in_len -= n;
}

/* Skip up to the next place the magic could start (a partial magic at the end is kept). */
static void skip_to_magic(void)
{
	static const uint8_t m[4] = { CTL_MAGIC & 0xff, (CTL_MAGIC >> 8) & 0xff, (CTL_MAGIC >> 16) & 0xff, CTL_MAGIC >> 24 };
	uint32_t i;

	for (i = 0; i < in_len; i++) {
		uint32_t k = 0;
		while (k < 4 && i + k < in_len && in[i + k] == m[k])
			k++;
		if (k == 4 || i + k == in_len)
			break;
	}
	consume(i);
	resync = in_len < 4;
}

/* Framing and header fields, in the order the reply reports them. */
static uint16_t check_hdr(const struct ctl_hdr *h, const char **why)
{
	*why = ctl_status_text(CTL_E_HDR);
	if (h->magic != CTL_MAGIC)
		return *why = "bad magic: skipping to the next message", CTL_E_MAGIC;
	if (h->len > CTL_PAYLOAD_MAX)
		return *why = "payload longer than CTL_MSG_MAX - 24: skipping to the next message", CTL_E_TOOBIG;
	if (h->version != CTL_VERSION)
		return *why = "this kernel speaks control protocol version 1", CTL_E_VERSION;
	if ((h->op & CTL_REPLY) || h->status || h->flags || h->reserved)
		return CTL_E_HDR;
	if (h->id == 0)
		return *why = "request id 0 is reserved (replies to messages that could not be framed)", CTL_E_ID;
	return CTL_OK;
}

/* Is s a NUL-terminated string of 1..n-1 bytes, each allowed by want (0: image name, 1: printable, may be empty)? */
static bool check_str(const char *s, uint32_t n, int printable)
{
	uint32_t i;

	for (i = 0; i < n && s[i]; i++) {
		char c = s[i];
		bool ok = printable ? c >= 0x20 && c <= 0x7e
				    : (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				      c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return i < n && (printable || i > 0);
}

static bool all_zero(const void *p, uint32_t n)
{
	const uint8_t *b = p;

	for (uint32_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static uint16_t do_upload(const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	struct ctl_upload_req q;

	(void)len;
	memcpy(&q, p, sizeof(q));
	if (q.kind != CTL_BLOB_IMAGE && q.kind != CTL_BLOB_VMSTATE)
		return ctl_why(o, CTL_E_ARG, "kind %u: want 1 (image) or 2 (VM state)", q.kind);
	if (q.size == 0 || q.size > CTL_BLOB_MAX)
		return ctl_why(o, CTL_E_ARG, "size %lu: want 1..%u bytes", (unsigned long)q.size, CTL_BLOB_MAX);
	if (q.reserved)
		return ctl_why(o, CTL_E_ARG, "reserved field is not 0");
	if (q.kind == CTL_BLOB_IMAGE && !check_str(q.name, CTL_NAME_MAX, 0))
		return ctl_why(o, CTL_E_ARG, "image name: 1..31 bytes of [A-Za-z0-9._-], NUL-terminated");
	if (q.kind == CTL_BLOB_VMSTATE && !all_zero(q.name, CTL_NAME_MAX))
		return ctl_why(o, CTL_E_ARG, "a VM state upload has no name (all zero)");
	return ctlop_upload(&q, o);
}

static uint16_t do_chunk(const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	struct ctl_chunk_req q;

	memcpy(&q, p, sizeof(q));
	return ctlop_chunk(q.offset, p + sizeof(q), len - (uint32_t)sizeof(q), o);
}

static uint16_t do_page(const uint8_t *p, uint32_t len, struct ctl_out *o, bool vms)
{
	struct ctl_page_req q;

	(void)len;
	memcpy(&q, p, sizeof(q));
	return vms ? ctlop_list(&q, o) : ctlop_images(&q, o);
}

static uint16_t do_create(const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	static struct ctl_create_req q;      /* static: 272 bytes off the kernel stack */
	struct ctl_create_rep none = { 0, 0, 0, 0 };

	(void)len;
	memcpy(&q, p, sizeof(q));
	if (o->first && (q.count == 0 || q.count > MAX_VMS || (q.quota_kib && (q.quota_kib < 8 || q.quota_kib > 2048)) ||
			 (q.guar_kib && (q.guar_kib < 4 || (q.quota_kib && q.guar_kib > q.quota_kib))) ||
			 !check_str(q.args, CTL_ARGS_MAX, 1))) {
		memcpy(o->p, &none, sizeof(none));
		o->len = sizeof(none);
		return ctl_why(o, CTL_E_ARG, "want count 1..%u, quota_kib 0 or 8..2048, guar_kib 0 or 4..quota, "
			       "args NUL-terminated printable ASCII", MAX_VMS);
	}
	return ctlop_create(&q, o);
}

static uint16_t do_vm(const uint8_t *p, uint32_t len, struct ctl_out *o, bool save)
{
	struct ctl_vm_req q;

	(void)len;
	memcpy(&q, p, sizeof(q));
	if (q.flags & ~(save ? CTL_SAVE_END : 0u))
		return ctl_why(o, CTL_E_ARG, "flags 0x%x: %s", q.flags, save ? "only CTL_SAVE_END (1) is defined" : "want 0");
	return save ? ctlop_save(q.id, q.flags, o) : ctlop_destroy(q.id, o);
}

static uint16_t do_stop(struct ctl_out *o)
{
	(void)o;
	stop_queued = true;
	return CTL_OK;
}

/* Payload size rules, then the op. */
static uint16_t dispatch(uint16_t op, const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	static const uint32_t exact[CTL_NOPS] = {
		[CTL_OP_HELLO] = 0, [CTL_OP_UPLOAD] = sizeof(struct ctl_upload_req), [CTL_OP_CHUNK] = 0,
		[CTL_OP_ABORT] = 0, [CTL_OP_LOAD] = 0, [CTL_OP_IMAGES] = sizeof(struct ctl_page_req),
		[CTL_OP_CREATE] = sizeof(struct ctl_create_req), [CTL_OP_DESTROY] = sizeof(struct ctl_vm_req),
		[CTL_OP_LIST] = sizeof(struct ctl_page_req), [CTL_OP_STATS] = 0, [CTL_OP_SAVE] = sizeof(struct ctl_vm_req),
		[CTL_OP_RESTORE] = 0, [CTL_OP_STOP] = 0,
	};
	if (op == 0 || op >= CTL_NOPS)
		return ctl_why(o, CTL_E_OP, "unknown op %u", op);
	if (ctlt_refuses(op))
		return ctl_why(o, CTL_E_AUTH, "op %u: in tenant mode (opkey=) VMs and images are managed by the signed ops", op);
	if (op >= CTL_OP_T_ADD)
		return ctlt_dispatch(op, p, len, o);
	if (op == CTL_OP_CHUNK ? len <= sizeof(struct ctl_chunk_req) : len != exact[op])
		return ctl_why(o, CTL_E_LEN, "op %u: payload of %u bytes, want %s%u", op, len,
			       op == CTL_OP_CHUNK ? "more than " : "", op == CTL_OP_CHUNK ? 8 : exact[op]);
	switch (op) {
	case CTL_OP_HELLO:   return ctlop_hello(o);
	case CTL_OP_UPLOAD:  return do_upload(p, len, o);
	case CTL_OP_CHUNK:   return do_chunk(p, len, o);
	case CTL_OP_ABORT:   return ctlop_abort(o);
	case CTL_OP_LOAD:    return ctlop_load(o);
	case CTL_OP_IMAGES:  return do_page(p, len, o, false);
	case CTL_OP_CREATE:  return do_create(p, len, o);
	case CTL_OP_DESTROY: return do_vm(p, len, o, false);
	case CTL_OP_LIST:    return do_page(p, len, o, true);
	case CTL_OP_STATS:   return ctlop_stats(o);
	case CTL_OP_SAVE:    return do_vm(p, len, o, true);
	case CTL_OP_RESTORE: return ctlop_restore(o);
	case CTL_OP_STOP:    return do_stop(o);
	default:             return ctl_why(o, CTL_E_OP, "op %u: not served by this kernel", op);
	}
}

/* The request at in[0] (framed, header checked) goes to its op; its reply, if any, into out[]. */
static void handle(const struct ctl_hdr *h)
{
	struct ctl_out o = { out + HDR, 0, CTL_PAYLOAD_MAX, 0, !again };
	uint16_t st;

	if (!again)
		ctl_ct.requests++;
	st = dispatch(h->op, in + HDR, h->len, &o);
	again = st == CTL_AGAIN || (st == CTL_OK && (o.flags & CTL_F_MORE));
	if (st == CTL_AGAIN)
		return;
	reply(h->op, h->id, st, st == CTL_OK ? o.flags & CTL_F_MORE : 0, o.len);
	if (!again)
		consume(HDR + h->len);
}

/* One step of the decoder over the bytes in in[]: at most one reply is composed. */
static void step(void)
{
	struct ctl_hdr h;
	const char *why;
	uint16_t st;

	if (resync)
		skip_to_magic();
	if (resync || in_len < HDR)
		return;
	memcpy(&h, in, HDR);
	st = check_hdr(&h, &why);
	if (st == CTL_E_MAGIC || st == CTL_E_TOOBIG) {
		reply_error(h.op & ~CTL_REPLY, st == CTL_E_TOOBIG ? h.id : 0, st, why);
		consume(st == CTL_E_TOOBIG ? 4 : 1);
		resync = true;
		return;
	}
	if (in_len < HDR + h.len)
		return;                           /* partial: the rest comes later */
	if (st != CTL_OK) {
		reply_error(h.op & ~CTL_REPLY, h.id, st, why);
		consume(HDR + h.len);
		return;
	}
	handle(&h);
}

static void flush(void)
{
	while (out_off < out_len) {
		size_t n = ctl_io_write(out + out_off, out_len - out_off);
		if (n == 0)
			return;
		out_off += (uint32_t)n;
		ctl_ct.bytes_out += n;
	}
	out_len = out_off = 0;
	if (stop_queued)
		stop_sent = true;
}

static void fill(void)
{
	while (in_len < CTL_MSG_MAX) {
		size_t n = ctl_io_read(in + in_len, CTL_MSG_MAX - in_len);
		if (n == 0)
			return;
		in_len += (uint32_t)n;
		ctl_ct.bytes_in += n;
	}
}

void ctl_poll(void)
{
	if (!in_len && !out_len && !again && !stop_queued && !resync && !ctl_io_waiting()) {
		progressed = false;               /* nothing under way, nothing sent: every main-loop pass but a few */
		return;
	}
	flush();
	if (out_len || stop_queued)
		return;
	fill();
	uint32_t before = in_len;
	step();
	progressed = out_len || in_len != before;
	flush();
}

bool ctl_busy(void)
{
	return out_len || again || progressed || (stop_queued && !stop_sent);
}

void ctl_reset(void)
{
	in_len = out_len = out_off = 0;
	resync = again = stop_sent = stop_queued = progressed = false;
}

bool ctl_stop_requested(void)
{
	return stop_sent;
}
