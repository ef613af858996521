/* ctx.h - what every isoctl command starts from: the connection to isod, the signer, and how results print. */
#ifndef ISOCTL_CTX_H
#define ISOCTL_CTX_H

#include "libisoctl.h"
#include "opts.h"

enum ctx_as { AS_NOBODY, AS_OPERATOR, AS_TENANT };

struct ctx {
	const struct opts *o;
	struct iso_conn conn;
	struct iso_signer signer;
	struct ctl_tenant_info me;      /* AS_TENANT: the tenant, as isod lists it */
	struct iso_err err;
};

/* Connect to isod and load the signer's key (AS_TENANT: looks the tenant's id up). An exit status. */
int ctx_open(struct ctx *x, const struct opts *o, enum ctx_as as);
void ctx_close(struct ctx *x);
/* The exit status for r (0, 1 refused, -1 failed) from x->err, printed: a refusal as "isoctl: refused:
 * STATUS: text" on stderr (and {"status","error"} on stdout with --json). */
int ctx_result(struct ctx *x, int r);
/* KEYS/name.key into out. */
void ctx_key_path(const struct opts *o, const char *name, char *out, size_t n);
/* Print j (stolen) as JSON on stdout; 0 or 1 if it could not be printed. */
int ctx_print_json(json_t *j);
/* The hex of the first 6 bytes of a hash (out: 13 bytes). */
void ctx_short_hash(const uint8_t *h, char *out);

#endif
