/* ed25519.h - Ed25519 signature verification (RFC 8032, pure), freestanding: the kernel checks tenants' requests. */
#ifndef ISOKERNEL_CRYPTO_ED25519_H
#define ISOKERNEL_CRYPTO_ED25519_H

#include <stddef.h>
#include <stdint.h>

/* A message in pieces (the signed control message is a prefix the kernel builds, then the payload). */
struct ed25519_part {
	const void *p;
	size_t n;
};

/* 0 if sig is a valid signature by pk of the concatenated parts, -1 otherwise (a non-canonical S, an R or A that is
 * not a point, or a mismatch). Verification handles only public data, so it need not be constant-time; it is
 * anyway free of data-dependent table lookups on S. */
int ed25519_verify_parts(const uint8_t sig[64], const uint8_t pk[32], const struct ed25519_part *parts,
			 unsigned nparts);
int ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t pk[32]);

#endif
