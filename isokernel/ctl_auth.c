/* ctl_auth.c - a signed request's checks, in order: exact length, reserved 0, known signer, op allowed, signature, counter. */
#include "ctl_auth.h"
#include "tenant.h"
#include "ed25519.h"
#include "kprintf.h"
#include "lib.h"

#define AUTH ((uint32_t)sizeof(struct ctl_auth))

bool ctl_auth_op_allowed(uint16_t op, bool operator)
{
	bool admin = op == CTL_OP_T_ADD || op == CTL_OP_T_SET || op == CTL_OP_T_DEL;

	return operator ? admin : !admin && ((op >= CTL_OP_T_LOAD && op <= CTL_OP_T_SAVE) || op == CTL_OP_T_FORK);
}

/* "KCTLSIG1" || op le16 || 0 le16 || n le32 */
static void sig_prefix(uint16_t op, uint32_t n, uint8_t pre[CTL_SIG_PREFIX])
{
	memcpy(pre, CTL_SIG_DOMAIN, 8);
	pre[8] = (uint8_t)op;
	pre[9] = (uint8_t)(op >> 8);
	pre[10] = pre[11] = 0;
	for (int i = 0; i < 4; i++)
		pre[12 + i] = (uint8_t)(n >> (8 * i));
}

static bool sig_good(uint16_t op, const uint8_t *p, uint32_t len, const struct ctl_auth *a, const uint8_t pk[32])
{
	uint8_t pre[CTL_SIG_PREFIX];
	uint32_t n = len - (uint32_t)sizeof(a->sig);
	struct ed25519_part parts[2] = { { pre, sizeof(pre) }, { p, n } };

	sig_prefix(op, n, pre);
	return ed25519_verify_parts(a->sig, pk, parts, 2) == 0;
}

static uint16_t refuse(uint32_t signer, unsigned ref, uint16_t st, char *why, size_t whylen, const char *text)
{
	tenant_refused(signer, ref);
	ksnprintf(why, whylen, "%s", text);
	return st;
}

uint16_t ctl_auth_check(uint16_t op, const uint8_t *p, uint32_t len, uint32_t body, struct ctl_signed *s,
			char *why, size_t whylen)
{
	struct ctl_auth a;
	const struct tenant *t;

	if (len != body + AUTH)
		return ksnprintf(why, whylen, "op %u: payload of %u bytes, want %u (the op's %u and ctl_auth's %u)", op, len,
				 body + AUTH, body, AUTH), CTL_E_LEN;
	memcpy(&a, p + body, sizeof(a));
	if (a.reserved)
		return ksnprintf(why, whylen, "ctl_auth.reserved is not 0"), CTL_E_ARG;
	if (!tenant_mode())
		return ksnprintf(why, whylen, "not in tenant mode (the kernel was started without opkey=)"), CTL_E_AUTH;
	t = tenant_get(a.tenant);
	if (!t)
		return ksnprintf(why, whylen, "no tenant %u", a.tenant), CTL_E_AUTH;
	if (!ctl_auth_op_allowed(op, a.tenant == TENANT_OPERATOR))
		return refuse(a.tenant, TENANT_REF_AUTH, CTL_E_AUTH, why, whylen, a.tenant == TENANT_OPERATOR
			      ? "the operator may only T_ADD, T_SET and T_DEL" : "only the operator may T_ADD, T_SET and T_DEL");
	if (!sig_good(op, p, len, &a, t->pubkey))
		return refuse(a.tenant, TENANT_REF_AUTH, CTL_E_AUTH, why, whylen, "bad signature");
	if (a.counter <= t->last_counter)
		return refuse(a.tenant, TENANT_REF_REPLAY, CTL_E_REPLAY, why, whylen,
			      "counter not above the signer's last accepted one");
	s->signer = a.tenant;
	s->counter = a.counter;
	return CTL_OK;
}

void ctl_auth_commit(const struct ctl_signed *s)
{
	struct tenant *t = tenant_slot(s->signer);

	if (t && s->counter > t->last_counter)
		t->last_counter = s->counter;
}
