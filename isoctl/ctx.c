/* ctx.c - the start and end every isoctl command shares: connect, key, tenant id, and printing a result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlauth.h"
#include "ctx.h"

void ctx_key_path(const struct opts *o, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.key", o->keys, name);
}

static int load_key(struct ctx *x, const char *who, uint32_t tenant)
{
	char path[4096];

	if (x->o->key)
		snprintf(path, sizeof(path), "%s", x->o->key);
	else
		ctx_key_path(x->o, who, path, sizeof(path));
	if (iso_signer_load(&x->signer, path, tenant, &x->err) != 0) {
		fprintf(stderr, "isoctl: %s's key: %s\n", who, x->err.text);
		return ISOCTL_USAGE;
	}
	return ISOCTL_OK;
}

int ctx_open(struct ctx *x, const struct opts *o, enum ctx_as as)
{
	int r;

	memset(x, 0, sizeof(*x));
	x->o = o;
	if (as == AS_OPERATOR && (r = load_key(x, "operator", 0)) != 0)
		return r;
	if (iso_connect(&x->conn, o->socket, o->socket_origin, &x->err) != 0)
		return ctx_result(x, -1);
	if (as != AS_TENANT)
		return ISOCTL_OK;
	if ((r = iso_tenant_get(&x->conn, o->tenant, &x->me, &x->err)) != 1)
		return ctx_result(x, r == 0 ? 1 : r);
	return load_key(x, o->tenant, x->me.tenant);
}

void ctx_close(struct ctx *x)
{
	iso_disconnect(&x->conn);
	iso_signer_wipe(&x->signer);
}

int ctx_print_json(json_t *j)
{
	int r = j ? json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) : -1;

	if (r == 0)
		putchar('\n');
	json_decref(j);
	fflush(stdout);
	return r == 0 ? 0 : 1;
}

int ctx_result(struct ctx *x, int r)
{
	if (r == 0)
		return ISOCTL_OK;
	if (r > 0) {
		fprintf(stderr, "isoctl: refused: %s: %s\n", x->err.status, x->err.text);
		if (x->o->json)
			ctx_print_json(json_pack("{s:s, s:s}", "status", x->err.status, "error", x->err.text));
		return ISOCTL_REFUSED;
	}
	fprintf(stderr, "isoctl: %s\n", x->err.text);
	if (x->o->json)
		ctx_print_json(json_pack("{s:s, s:s}", "status", "FAILED", "error", x->err.text));
	return ISOCTL_REFUSED;
}

void ctx_short_hash(const uint8_t *h, char *out)
{
	ctlauth_hex(h, 6, out);
}
