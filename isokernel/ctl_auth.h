/* ctl_auth.h - checks a signed control request (pvisa/ctl.h "Tenants"): length, signer, op allowed, Ed25519, counter. */
#ifndef ISO_CTL_AUTH_H
#define ISO_CTL_AUTH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "ctl.h"

/* A request that passed: who signed it and its counter (ctl_auth_commit once the op is done). */
struct ctl_signed {
	uint32_t signer;
	uint64_t counter;
};

/*
 * Check payload p (len bytes) of op, whose struct is body bytes followed by struct ctl_auth: CTL_OK with *s filled,
 * or the status with a reason in why (whylen bytes): E_LEN (len != body + 80), E_ARG (reserved not 0), E_AUTH (no
 * tenant mode, unknown signer, an op the signer may not do, bad signature), E_REPLAY (counter not above the signer's
 * last accepted). Refusals by a known signer are counted in its slot. Nothing moves the counter (ctl_auth_commit).
 */
uint16_t ctl_auth_check(uint16_t op, const uint8_t *p, uint32_t len, uint32_t body, struct ctl_signed *s,
			char *why, size_t whylen);
/* The signed op was accepted: the signer's last counter becomes s->counter. */
void ctl_auth_commit(const struct ctl_signed *s);
/* May the operator (true) or a tenant (false) sign op? */
bool ctl_auth_op_allowed(uint16_t op, bool operator);

#endif
