/* libisoctl.h - the client side of isod's HTTP API (isod/API.md), shared by isoctl and examples/autoscale. */
#ifndef ISOCTL_LIBISOCTL_H
#define ISOCTL_LIBISOCTL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ctl.h"

/*
 * Calls that talk to isod return 0 (done), 1 (refused: e->status is the kernel's or isod's status name, e->text
 * its text) or -1 (no answer, or an answer that is not isod's: e->text says why, e->status is empty). Calls that
 * only check or build return 0 or -1 with e->text. Nothing here prints.
 */
struct iso_err {
	char status[32];
	char text[512];
};

int iso_fail(struct iso_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iso_refuse(struct iso_err *e, const char *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- http.c: HTTP/1.1 over isod's Unix socket (libcurl). origin says where the path came from, for errors. */
struct iso_conn {
	void *curl;
	char socket[4096];
	char origin[64];
	unsigned wait_ms;               /* how long the api.c calls retry while isod says KERNEL_DOWN (30 s) */
};
typedef size_t (*iso_sink)(const char *data, size_t len, void *arg);

int iso_connect(struct iso_conn *c, const char *socket, const char *origin, struct iso_err *e);
void iso_disconnect(struct iso_conn *c);
/* One request (body NULL: GET). The reply goes to sink as it comes if sink is set, else into *out (malloc'd,
 * NUL-terminated, *outlen bytes). *http is the HTTP status. -1 if isod could not be reached. */
int iso_http(struct iso_conn *c, const char *method, const char *path, const char *ctype, const void *body,
	     size_t len, long *http, char **out, size_t *outlen, iso_sink sink, void *arg, struct iso_err *e);

/* ---- sign.c: a signer's key, request structs, signed payloads and the /v1/ops body. */
struct iso_signer {
	uint32_t tenant;                /* 0: the operator */
	uint8_t sk[64];
	char keypath[4096];             /* its counter lives in keypath.counter */
};

int iso_signer_load(struct iso_signer *s, const char *keypath, uint32_t tenant, struct iso_err *e);
void iso_signer_wipe(struct iso_signer *s);
const char *iso_op_name(unsigned op);
/* Checked names: tenants [a-z0-9_-], services and images [A-Za-z0-9._-], 1..31 bytes. */
int iso_check_tenant_name(const char *name, struct iso_err *e);
int iso_check_name(const char *what, const char *name, struct iso_err *e);
/* T_ADD (pubkey and name given) or T_SET (both NULL). */
int iso_req_tenant(struct ctl_tenant_req *r, uint32_t id, uint32_t max_vms, uint64_t max_mem_kib,
		   uint32_t cpu_share, const uint8_t *pubkey, const char *name, struct iso_err *e);
int iso_req_tload(struct ctl_tload_req *r, const uint8_t sha512[64], const char *name, struct iso_err *e);
int iso_req_svc(struct ctl_svc_req *r, const char *name, const uint8_t sha512[64], uint32_t count,
		uint32_t quota_kib, uint32_t guar_kib, const char *args, struct iso_err *e);
int iso_req_svcref(struct ctl_svc_ref *r, const char *name, struct iso_err *e);
/* body (blen bytes) then the signed ctl_auth trailer into out (blen + sizeof(struct ctl_auth) bytes): its length. */
size_t iso_payload(uint16_t op, const void *body, size_t blen, const struct iso_signer *s, uint64_t counter,
		   uint8_t *out);
/* {"op":"NAME","payload":"<hex>"} (malloc'd), or NULL if out of memory. */
char *iso_op_body(uint16_t op, const uint8_t *payload, size_t len);

/* ---- reply.c: isod's replies (every byte from isod is checked). */
/* A reply body: 0 and *root (a new reference) if http is 2xx and the body a JSON object; 1 if isod refused
 * ({"status","error"}); -1 otherwise. */
int iso_decode(long http, const char *body, size_t len, json_t **root, struct iso_err *e);
/* A /v1/ops reply: as iso_decode, then status must be "OK"; *reply is the "reply" member (a new reference; an
 * empty object if absent or null). */
int iso_decode_op(long http, const char *body, size_t len, json_t **reply, struct iso_err *e);
int iso_dec_tenants(const json_t *root, struct ctl_tenant_info **out, size_t *n, struct iso_err *e);
int iso_dec_svc_rep(const json_t *reply, struct ctl_svc_rep *r, struct iso_err *e);
int iso_dec_image(const json_t *reply, struct ctl_image *img, struct iso_err *e);
int iso_dec_upload(const json_t *root, uint8_t sha512[64], uint64_t *bytes, struct iso_err *e);
/* SVCS and T_LIST: *items (borrowed) and next (CTL_LIST_END for null). */
int iso_dec_page(const json_t *reply, const json_t **items, uint32_t *next, struct iso_err *e);
int iso_dec_svc(const json_t *item, struct ctl_svc *s, struct iso_err *e);
/* A T_LIST VM and its service: svc is its index in SVCS order + 1 (0: none), or svc_name its name (if isod
 * gives the name). */
struct iso_vm {
	struct ctl_vm v;
	uint32_t svc;
	char svc_name[CTL_NAME_MAX];
};
int iso_dec_vm(const json_t *item, struct iso_vm *v, struct iso_err *e);
/* Whether vm belongs to service k of svcs (SVCS order). */
int iso_vm_in_svc(const struct iso_vm *vm, const struct ctl_svc *svcs, size_t k);

/* One line of isod's log text ("vm=ID TEXT", n bytes, no newline) as {"vm":ID,"line":TEXT}, or {"line":...} for a
 * line without a VM; NULL if out of memory. */
json_t *iso_log_json(const char *s, size_t n);

/* ---- size.c: numbers and sizes from the command line. */
/* A decimal number in [min, max]. */
int iso_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);
/* A size in KiB: "512MiB", "2GiB", "1024KiB", "1048576B", "64K", "1M", "1G", "1T"; a bare number is KiB. Bytes
 * must make whole KiB. */
int iso_parse_kib(const char *s, uint64_t *kib);
/* "512 MiB", "1.5 GiB", "24 KiB" (out: at least 32 bytes). */
void iso_fmt_kib(uint64_t kib, char *out, size_t n);

/* ---- api.c: the calls isoctl and the autoscaler make. */
/* Sign op's body with s's next counter and POST it to /v1/ops; *reply as iso_decode_op. */
int iso_op(struct iso_conn *c, const struct iso_signer *s, uint16_t op, const void *body, size_t blen,
	   json_t **reply, struct iso_err *e);
/* GET /v1/tenants, decoded (*out malloc'd). */
int iso_tenants(struct iso_conn *c, struct ctl_tenant_info **out, size_t *n, struct iso_err *e);
/* The tenant named name (1), none (0: e says so), or -1/1 from iso_tenants. */
int iso_tenant_get(struct iso_conn *c, const char *name, struct ctl_tenant_info *t, struct iso_err *e);
/* Every page of SVCS / T_LIST (*out malloc'd). */
int iso_svcs(struct iso_conn *c, const struct iso_signer *s, struct ctl_svc **out, size_t *n, struct iso_err *e);
int iso_vms(struct iso_conn *c, const struct iso_signer *s, struct iso_vm **out, size_t *n, struct iso_err *e);
/* The index of the service named name in svcs, or -1. */
int iso_svc_find(const struct ctl_svc *svcs, size_t n, const char *name);
/* POST /v1/images: the image's bytes; checks isod's sha512 against our own. */
int iso_upload(struct iso_conn *c, const void *elf, size_t len, uint8_t sha512[64], struct iso_err *e);
/* SVC_SET name to count, keeping its image, args and memory (from SVCS); rep as the kernel's. */
int iso_scale(struct iso_conn *c, const struct iso_signer *s, const char *name, uint32_t count,
	      struct ctl_svc_rep *rep, struct iso_err *e);
/* POST /v1/logs for service name: its last tail lines (tail < 0: isod's default), then with follow what comes;
 * the text goes to sink. */
int iso_logs(struct iso_conn *c, const struct iso_signer *s, const char *name, long tail, int follow,
	     iso_sink sink, void *arg, struct iso_err *e);

#endif
