/* sign.c - a signer's key, the request structs of the signed ops (pvisa/ctl.h) and their signed payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ctlauth.h"
#include "libisoctl.h"

int iso_signer_load(struct iso_signer *s, const char *keypath, uint32_t tenant, struct iso_err *e)
{
	char err[512];

	memset(s, 0, sizeof(*s));
	if (ctlauth_init() != 0)
		return iso_fail(e, "libsodium would not start");
	if (strlen(keypath) >= sizeof(s->keypath))
		return iso_fail(e, "key path too long");
	if (ctlauth_read_key(keypath, s->sk, err, sizeof(err)) != 0)
		return iso_fail(e, "%s", err);
	snprintf(s->keypath, sizeof(s->keypath), "%s", keypath);
	s->tenant = tenant;
	return 0;
}

void iso_signer_wipe(struct iso_signer *s)
{
	sodium_memzero(s->sk, sizeof(s->sk));
}

const char *iso_op_name(unsigned op)
{
#define ISO_OP_NAME(name, num, req, rep) case num: return #name;
	switch (op) { CTL_OPS(ISO_OP_NAME) default: return NULL; }
#undef ISO_OP_NAME
}

static int name_ok(const char *name, const char *allowed_punct, int upper)
{
	size_t n = strlen(name);

	if (n < 1 || n >= CTL_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (upper && ch >= 'A' && ch <= 'Z') ||
			 (ch && strchr(allowed_punct, ch));
		if (!ok)
			return 0;
	}
	return 1;
}

int iso_check_tenant_name(const char *name, struct iso_err *e)
{
	if (!name_ok(name, "_-", 0))
		return iso_fail(e, "bad tenant name \"%s\": 1..31 bytes of a-z, 0-9, _ and -", name);
	return 0;
}

int iso_check_name(const char *what, const char *name, struct iso_err *e)
{
	if (!name_ok(name, "._-", 1))
		return iso_fail(e, "bad %s name \"%s\": 1..31 bytes of A-Z, a-z, 0-9, '.', '_' and '-'", what, name);
	return 0;
}

int iso_req_tenant(struct ctl_tenant_req *r, uint32_t id, uint32_t max_vms, uint64_t max_mem_kib,
		   uint32_t cpu_share, const uint8_t *pubkey, const char *name, struct iso_err *e)
{
	memset(r, 0, sizeof(*r));
	if (id < 1 || id > CTL_TENANT_MAX)
		return iso_fail(e, "tenant id %u is not in 1..%u", id, CTL_TENANT_MAX);
	if (cpu_share < 1 || cpu_share > 1000)
		return iso_fail(e, "cpu share %u is not in 1..1000", cpu_share);
	if (!pubkey != !name)
		return iso_fail(e, "a tenant request has both a key and a name (T_ADD) or neither (T_SET)");
	if (name && iso_check_tenant_name(name, e) != 0)
		return -1;
	r->tenant = id;
	r->max_vms = max_vms;
	r->max_mem_kib = max_mem_kib;
	r->cpu_share = cpu_share;
	if (pubkey)
		memcpy(r->pubkey, pubkey, sizeof(r->pubkey));
	if (name)
		memcpy(r->name, name, strlen(name));
	return 0;
}

int iso_req_tload(struct ctl_tload_req *r, const uint8_t sha512[64], const char *name, struct iso_err *e)
{
	memset(r, 0, sizeof(*r));
	if (iso_check_name("image", name, e) != 0)
		return -1;
	memcpy(r->sha512, sha512, sizeof(r->sha512));
	memcpy(r->name, name, strlen(name));
	return 0;
}

static int args_ok(const char *args)
{
	size_t n = strlen(args);

	if (n >= CTL_ARGS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (args[i] < 0x20 || args[i] > 0x7e)
			return 0;
	return 1;
}

int iso_req_svc(struct ctl_svc_req *r, const char *name, const uint8_t sha512[64], uint32_t count,
		uint32_t quota_kib, uint32_t guar_kib, const char *args, struct iso_err *e)
{
	memset(r, 0, sizeof(*r));
	if (iso_check_name("service", name, e) != 0)
		return -1;
	if (!args_ok(args))
		return iso_fail(e, "bad arguments: printable ASCII, fewer than %u bytes", CTL_ARGS_MAX);
	if (quota_kib && (quota_kib < 8 || quota_kib > 2048))
		return iso_fail(e, "memory quota %u KiB is not in 8..2048", quota_kib);
	if (guar_kib && (guar_kib < 4 || (quota_kib && guar_kib > quota_kib)))
		return iso_fail(e, "guarantee %u KiB is not in 4..quota", guar_kib);
	memcpy(r->name, name, strlen(name));
	memcpy(r->image_sha512, sha512, sizeof(r->image_sha512));
	r->count = count;
	r->quota_kib = quota_kib;
	r->guar_kib = guar_kib;
	memcpy(r->args, args, strlen(args));
	return 0;
}

int iso_req_svcref(struct ctl_svc_ref *r, const char *name, struct iso_err *e)
{
	memset(r, 0, sizeof(*r));
	if (iso_check_name("service", name, e) != 0)
		return -1;
	memcpy(r->name, name, strlen(name));
	return 0;
}

size_t iso_payload(uint16_t op, const void *body, size_t blen, const struct iso_signer *s, uint64_t counter,
		   uint8_t *out)
{
	memmove(out, body, blen);
	return ctlauth_sign(op, out, blen, s->tenant, counter, s->sk);
}

char *iso_op_body(uint16_t op, const uint8_t *payload, size_t len)
{
	const char *name = iso_op_name(op);
	char *hex = malloc(2 * len + 1), *text = NULL;
	json_t *o;

	if (!hex || !name) {
		free(hex);
		return NULL;
	}
	ctlauth_hex(payload, len, hex);
	o = json_pack("{s:s, s:s}", "op", name, "payload", hex);
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(hex);
	return text;
}
