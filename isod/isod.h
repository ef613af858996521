/* isod.h - the operator's daemon: shared state and the interfaces of its parts (isod/API.md is the contract). */
#ifndef ISOD_ISOD_H
#define ISOD_ISOD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ctl.h"

#define ISOD_BODY_MAX    (64u << 10)            /* a JSON body */
#define ISOD_IMAGE_MAX   CTL_IMAGE_MAX_TENANT  /* an image upload */
#define ISOD_PAYLOAD_MAX 2048u                  /* bytes of a signed payload (hex: twice that) */
#define ISOD_LOG_MAX     (1u << 20)             /* bytes of a service's log before it rotates to .1 */
#define ISOD_DIR_MAX     1024                   /* bytes of a directory path isod builds names under */
#define ISOD_BOOT_WAIT_S 180                    /* a kernel that serves nothing by then is killed and restarted */

/* ---- options (main.c) ---- */
struct isod_opts {
	const char *state;          /* DIR */
	const char *operator_pub;   /* FILE.pub, first start only */
	const char *tap, *net_socket, *accel, *listen;
	const char *isorun;         /* the runner (default: next to isod) */
	unsigned mem_mib;
};

/* ---- db.c: durable state in DIR/isod.db (SQLite, WAL) ---- */
struct db;
struct db_op {
	int64_t seq;
	uint16_t op;
	uint32_t signer;
	uint64_t counter;
	const uint8_t *payload;
	size_t len;
};
struct db *db_open(const char *path, char *err, size_t errlen);
void db_close(struct db *d);
/* The operator's key: 0 and pk if stored, 1 if none yet, -1 on error. */
int db_get_opkey(struct db *d, uint8_t pk[32]);
int db_set_opkey(struct db *d, const uint8_t pk[32]);
/* Store an op the kernel accepted, compacting what it supersedes, in one transaction (ops.c: what is kept). */
int db_commit_op(struct db *d, uint16_t op, const uint8_t *payload, size_t len);
/* Call fn for each stored op in the order it was accepted; stops at a nonzero return (returned). */
int db_ops_each(struct db *d, int (*fn)(void *ctx, const struct db_op *op), void *ctx);
int db_ops_count(struct db *d);
int db_image_put(struct db *d, const char *sha_hex, const char *path, uint64_t bytes);
/* The stored image's path (malloc'd) and size, or NULL. */
char *db_image_get(struct db *d, const char *sha_hex, uint64_t *bytes);

/* ---- codec.c: JSON and hex <-> the ctl structs (no I/O; fuzzed and unit-tested) ---- */
struct isod_req {
	uint16_t op;
	uint8_t payload[ISOD_PAYLOAD_MAX];
	size_t len;
};
struct isod_logreq {
	struct isod_req svcs;       /* the signed SVCS */
	char service[CTL_NAME_MAX];
	unsigned long tail;
	int follow;
};
/* The ops a client may send through POST /v1/ops, by name; 0 if none. */
uint16_t codec_op_number(const char *name);
const char *codec_op_name(uint16_t op);
/* The op's request payload length (its struct + ctl_auth); 0 for an op isod does not relay. */
size_t codec_payload_len(uint16_t op);
int codec_state_changing(uint16_t op);
/* Hex (lowercase or upper) to bytes: the length, or -1 if odd, not hex, or over max bytes. */
long codec_unhex(const char *hex, uint8_t *out, size_t max);
void codec_hex(const uint8_t *b, size_t n, char *out);
/* Parse POST /v1/ops's body: 0, or -1 with err (BAD_JSON or BAD_REQUEST in *status). */
int codec_parse_op(const char *body, size_t n, struct isod_req *r, const char **status, char *err, size_t errlen);
int codec_parse_logs(const char *body, size_t n, struct isod_logreq *r, const char **status, char *err, size_t errlen);
/* The signer and counter of a checked payload's ctl_auth. */
uint32_t codec_signer(const struct isod_req *r);
uint64_t codec_counter(const uint8_t *payload, size_t len);
/* A kernel reply of op (status OK, n bytes) as the API's "reply" object; NULL if its length is wrong. */
json_t *codec_reply(uint16_t op, const uint8_t *p, size_t n);
json_t *codec_tenant(const struct ctl_tenant_info *t);
/* HTTP status for a kernel status. */
unsigned codec_http_status(unsigned status);
/* {"status": s, "error": text} */
json_t *codec_error(const char *status, const char *text);
/* A string field of a fixed-size C char array (up to the first NUL or its size). */
json_t *codec_cstr(const char *s, size_t max);

/* ---- ctlc.c: the one connection to the kernel's relay socket (callers hold kernel_lock) ---- */
struct ctlc_reply {
	uint16_t status;
	uint8_t *data;              /* payloads of every reply to the request, concatenated (malloc'd, NUL after) */
	size_t len;
	int own;                    /* isod's refusal, not the kernel's (images.c: no such stored image) */
};
int ctlc_connect(const char *path);
void ctlc_close(void);
int ctlc_connected(void);
/* Send op with payload a||b; 0 with the reply, -1 if the connection failed (then closed). */
int ctlc_call(uint16_t op, const void *a, uint32_t an, const void *b, uint32_t bn, struct ctlc_reply *r);
void ctlc_reply_free(struct ctlc_reply *r);

/* ---- kernel.c: isorun --serve as a child, kept running ---- */
extern pthread_mutex_t kernel_lock;        /* held around every kernel conversation */
int kernel_start(const struct isod_opts *o, struct db *d);   /* supervisor thread */
void kernel_stop(void);
void kernel_lost(void);                     /* the connection failed under a request */
int kernel_up(void);                        /* connected and replayed (kernel_lock held or not) */
unsigned long kernel_restarts(void);
extern struct ctl_hello_rep kernel_hello;

/* ---- images.c: DIR/images/<sha512>, and their upload for T_LOAD ---- */
int images_init(const char *state);
/* Store bytes: 0 and the hash in hex (129 bytes), or -1 with err. */
int images_store(struct db *d, const uint8_t *b, size_t n, char *sha_hex, char *err, size_t errlen);
/* UPLOAD + CHUNKs of the stored image sha (kernel_lock held): the reply of the failing step, or status OK. */
int images_upload(struct db *d, const uint8_t sha[64], const char *name, struct ctlc_reply *fail);

/* ---- logs.c: per-service logs of the VMs' output, DIR/logs/ ---- */
int logs_init(const char *state);
void logs_reset(void);                      /* a new kernel: VM ids mean nothing any more */
/* One line of isorun's stdout. */
void logs_line(const char *line);
char *logs_path(uint32_t tenant, const char *service);     /* malloc'd */
/* The last n lines of the service's log (malloc'd text) and the file offset where follow starts. */
char *logs_tail(uint32_t tenant, const char *service, unsigned long n, size_t *len, long *end);
void logs_frames(uint64_t out[3]);          /* rx, tx, drop frames of the VMs that ended */

/* ---- ops.c: a client's op relayed to the kernel, committed, answered ---- */
/* The op's HTTP status and JSON body (new reference). */
json_t *ops_relay(struct db *d, const struct isod_req *r, unsigned *http);
/* The kernel's reply to op (kernel_lock held), T_LOAD's upload first; used by ops_relay and the replay. */
int ops_send(struct db *d, const struct isod_req *r, struct ctlc_reply *rep);
void ops_count(uint16_t op, unsigned status);
void ops_counters(unsigned long per_op[CTL_NOPS], unsigned long per_status[CTL_NSTATUS]);

/* ---- replay.c ---- */
/* Replay every stored op (kernel_lock held): how many the kernel refused, or -1 if the connection failed. */
int replay_all(struct db *d);

/* ---- metrics.c ---- */
void metrics_init(void);
/* The Prometheus text (malloc'd). */
char *metrics_text(size_t *len);
json_t *metrics_tenants(unsigned *http);
json_t *metrics_info(struct db *d);

/* ---- http.c ---- */
int http_start(const struct isod_opts *o, struct db *d, char *err, size_t errlen);
void http_stop(void);

#endif
