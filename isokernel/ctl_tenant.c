/* ctl_tenant.c - decodes the signed tenant ops: length and signature (ctl_auth.c), then every field, then the act (service.c). */
#include "ctl_tenant.h"
#include "ctl_auth.h"
#include "service.h"
#include "tenant.h"
#include "fork.h"
#include "lib.h"

bool ctlt_refuses(uint16_t op)
{
	return tenant_mode() && (op == CTL_OP_LOAD || op == CTL_OP_CREATE || op == CTL_OP_DESTROY || op == CTL_OP_LIST ||
				 op == CTL_OP_SAVE || op == CTL_OP_RESTORE || op == CTL_OP_STOP || op == CTL_OP_FORK);
}

/* Bytes of op's struct before ctl_auth. */
static uint32_t body_len(uint16_t op)
{
	static const uint32_t body[CTL_NOPS] = {
		[CTL_OP_T_ADD] = sizeof(struct ctl_tenant_req), [CTL_OP_T_SET] = sizeof(struct ctl_tenant_req),
		[CTL_OP_T_DEL] = sizeof(struct ctl_tenant_ref), [CTL_OP_T_LOAD] = sizeof(struct ctl_tload_req),
		[CTL_OP_SVC_SET] = sizeof(struct ctl_svc_req), [CTL_OP_SVC_DEL] = sizeof(struct ctl_svc_ref),
		[CTL_OP_SVCS] = sizeof(struct ctl_page_req), [CTL_OP_T_LIST] = sizeof(struct ctl_page_req),
		[CTL_OP_T_DESTROY] = sizeof(struct ctl_vm_req), [CTL_OP_T_SAVE] = sizeof(struct ctl_vm_req),
		[CTL_OP_T_FORK] = sizeof(struct ctl_fork_req),
	};
	return body[op];
}

static bool zero(const void *p, uint32_t n)
{
	const uint8_t *b = p;

	for (uint32_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* An image or service name: NUL-terminated, 1..31 bytes of [A-Za-z0-9._-]. */
static bool name_ok(const char *s)
{
	uint32_t i;

	for (i = 0; i < CTL_NAME_MAX && s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return i > 0 && i < CTL_NAME_MAX;
}

static bool args_ok(const char *s)
{
	uint32_t i;

	for (i = 0; i < CTL_ARGS_MAX && s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return i < CTL_ARGS_MAX;
}

static uint16_t do_tenant(uint16_t op, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_tenant_req q;
	bool add = op == CTL_OP_T_ADD;

	memcpy(&q, p, sizeof(q));
	if (q.tenant == 0 || q.tenant > CTL_TENANT_MAX)
		return ctl_why(o, CTL_E_ARG, "tenant %u: want 1..%u", q.tenant, CTL_TENANT_MAX);
	if (q.max_vms > MAX_VMS || q.cpu_share < 1 || q.cpu_share > 1000 || q.reserved)
		return ctl_why(o, CTL_E_ARG, "want max_vms 0..%u, cpu_share 1..1000, reserved 0", MAX_VMS);
	if (add && (!tenant_name_ok(q.name) || zero(q.pubkey, sizeof(q.pubkey))))
		return ctl_why(o, CTL_E_ARG, "T_ADD: name 1..31 bytes of [a-z0-9_-], NUL-terminated, and a public key");
	if (!add && !(zero(q.name, sizeof(q.name)) && zero(q.pubkey, sizeof(q.pubkey))))
		return ctl_why(o, CTL_E_ARG, "T_SET: name and pubkey all zero (quotas only)");
	return add ? svc_t_add(&q, o) : svc_t_set(&q, o);
}

static uint16_t do_t_del(const uint8_t *p, struct ctl_out *o)
{
	struct ctl_tenant_ref q;

	memcpy(&q, p, sizeof(q));
	if (q.reserved)
		return ctl_why(o, CTL_E_ARG, "reserved field is not 0");
	return svc_t_del(q.tenant, o);
}

static uint16_t do_t_load(uint32_t signer, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_tload_req q;

	memcpy(&q, p, sizeof(q));
	if (!name_ok(q.name))
		return ctl_why(o, CTL_E_ARG, "image name: 1..31 bytes of [A-Za-z0-9._-], NUL-terminated");
	return svc_t_load(signer, &q, o);
}

/* SVC_SET's flags (isokernel/summon.c): CTL_OK or E_ARG with the reason. */
static uint16_t svc_flags_ok(const struct ctl_svc_req *q, struct ctl_out *o)
{
	if (q->flags & ~(CTL_SVC_SUMMON | CTL_SVC_KEEP_STATE | CTL_SVC_POOL))
		return ctl_why(o, CTL_E_ARG, "flags 0x%x: unknown bits", q->flags);
	if (!(q->flags & CTL_SVC_SUMMON))
		return (q->flags & CTL_SVC_KEEP_STATE) || q->reclaim_s ?
			ctl_why(o, CTL_E_ARG, "KEEP_STATE and reclaim_s are for a summoned service (SUMMON)") : CTL_OK;
	if ((q->flags & CTL_SVC_POOL) || q->pool_min || q->pool_max)
		return ctl_why(o, CTL_E_ARG, "a service is summoned or a pool, not both");
	if (q->count < 1 || q->count > SVC_SUMMON_MAX || q->reclaim_s > 86400u * 366)
		return ctl_why(o, CTL_E_ARG, "a summoned service has 1..%u instances and reclaim_s up to a year",
			       SVC_SUMMON_MAX);
	return CTL_OK;
}

static uint16_t do_svc_set(uint32_t signer, const uint8_t *p, struct ctl_out *o)
{
	static struct ctl_svc_req q;         /* static: 368 bytes off the kernel stack */

	memcpy(&q, p, sizeof(q));
	if (o->first && (!name_ok(q.name) || (q.count > MAX_VMS && !(q.flags & CTL_SVC_SUMMON)) || (q.quota_kib && (q.quota_kib < 8 || q.quota_kib > 2048)) ||
			 (q.guar_kib && (q.guar_kib < 4 || (q.quota_kib && q.guar_kib > q.quota_kib))) || q.reserved ||
			 !args_ok(q.args)))
		return ctl_why(o, CTL_E_ARG, "want a name of 1..31 bytes of [A-Za-z0-9._-], count 0..%u, quota_kib 0 or "
			       "8..2048, guar_kib 0 or 4..quota, reserved 0, args NUL-terminated printable ASCII", MAX_VMS);
	if (o->first && svc_flags_ok(&q, o) != CTL_OK)
		return CTL_E_ARG;
	return svc_set(signer, &q, o);
}

static uint16_t do_svc_del(uint32_t signer, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_svc_ref q;

	memcpy(&q, p, sizeof(q));
	if (!name_ok(q.name))
		return ctl_why(o, CTL_E_ARG, "service name: 1..31 bytes of [A-Za-z0-9._-], NUL-terminated");
	return svc_del(signer, q.name, o);
}

static uint16_t do_vm(uint16_t op, uint32_t signer, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_vm_req q;
	bool save = op == CTL_OP_T_SAVE;

	memcpy(&q, p, sizeof(q));
	if (q.flags & ~(save ? CTL_SAVE_END : 0u))
		return ctl_why(o, CTL_E_ARG, "flags 0x%x: %s", q.flags, save ? "only CTL_SAVE_END (1) is defined" : "want 0");
	return save ? svc_vm_save(signer, q.id, q.flags, o) : svc_vm_destroy(signer, q.id, o);
}

/* FORK (tenant 0: unsigned, not in tenant mode) and T_FORK (the signer's VMs): count 1..CTL_FORK_MAX. */
static uint16_t do_fork(uint32_t tenant, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_fork_req q;

	memcpy(&q, p, sizeof(q));
	if (o->first && (q.count == 0 || q.count > CTL_FORK_MAX))
		return ctl_why(o, CTL_E_ARG, "count %u: want 1..%u", q.count, CTL_FORK_MAX);
	return fork_op(tenant, &q, o);
}

static uint16_t act(uint16_t op, uint32_t signer, const uint8_t *p, struct ctl_out *o)
{
	struct ctl_page_req pg;

	switch (op) {
	case CTL_OP_T_ADD:
	case CTL_OP_T_SET:     return do_tenant(op, p, o);
	case CTL_OP_T_DEL:     return do_t_del(p, o);
	case CTL_OP_T_LOAD:    return do_t_load(signer, p, o);
	case CTL_OP_SVC_SET:   return do_svc_set(signer, p, o);
	case CTL_OP_SVC_DEL:   return do_svc_del(signer, p, o);
	case CTL_OP_T_FORK:    return do_fork(signer, p, o);
	case CTL_OP_SVCS:
	case CTL_OP_T_LIST:
		memcpy(&pg, p, sizeof(pg));
		return op == CTL_OP_SVCS ? svc_list(signer, &pg, o) : svc_vms(signer, &pg, o);
	default:               return do_vm(op, signer, p, o);
	}
}

static uint16_t do_tenants(const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	struct ctl_page_req q;

	if (len != sizeof(q))
		return ctl_why(o, CTL_E_LEN, "op %u: payload of %u bytes, want %u", CTL_OP_TENANTS, len, (uint32_t)sizeof(q));
	memcpy(&q, p, sizeof(q));
	return svc_tenants(&q, o);
}

uint16_t ctlt_dispatch(uint16_t op, const uint8_t *p, uint32_t len, struct ctl_out *o)
{
	static struct ctl_signed cur;        /* the request under way's signer (checked on its first call) */
	char why[CTL_WHY_MAX];
	uint16_t st;

	if (op == CTL_OP_TENANTS)
		return do_tenants(p, len, o);
	if (op == CTL_OP_FORK)
		return len == sizeof(struct ctl_fork_req) ? do_fork(0, p, o)
			: ctl_why(o, CTL_E_LEN, "op %u: payload of %u bytes, want %u", op, len,
				  (uint32_t)sizeof(struct ctl_fork_req));
	if (op < CTL_OP_T_ADD || (op > CTL_OP_T_SAVE && op != CTL_OP_T_FORK))
		return ctl_why(o, CTL_E_OP, "op %u: not served by this kernel", op);
	if (o->first && (st = ctl_auth_check(op, p, len, body_len(op), &cur, why, sizeof(why))) != CTL_OK)
		return ctl_why(o, st, "%s", why);
	st = act(op, cur.signer, p, o);
	if (st == CTL_AGAIN || (st == CTL_OK && (o->flags & CTL_F_MORE)))
		return st;
	if (st == CTL_OK)
		ctl_auth_commit(&cur);
	else if (st == CTL_E_QUOTA)
		tenant_refused(cur.signer, TENANT_REF_QUOTA);
	return st;
}
