/* ed25519.c - Ed25519 verification (RFC 8032 5.1.7, pure), with libsodium's extra rejections (ed25519.h). */
#include "ed25519.h"
#include "sha512.h"
#include "sc25519.h"
#include "ge25519.h"

/*
 * Accepts iff S < L, A decodes (y < p, on the curve), neither A nor R has small order, and the encoding of
 * [S]B - [k]A equals R's 32 bytes, k = SHA-512(R || A || M) mod L. Comparing encodings instead of decoding R
 * rejects every R that is not the canonical encoding of a point (RFC 8032's decoding would reject it too); the
 * check is the cofactorless equation. The small-order rejections go beyond RFC 8032 and match libsodium's
 * crypto_sign_verify_detached (1.0.18): a small-order key or R lets one signature verify for many messages.
 */
int ed25519_verify_parts(const uint8_t sig[64], const uint8_t pk[32], const struct ed25519_part *parts,
			 unsigned nparts)
{
	struct sha512_ctx c;
	struct ge25519_p3 A, negA;
	struct ge25519_p2 R;
	uint8_t h[64], k[32], rcheck[32], diff = 0;

	if (!sc25519_is_canonical(sig + 32) || ge25519_has_small_order(sig) || ge25519_has_small_order(pk))
		return -1;
	if (ge25519_frombytes(&A, pk) != 0)
		return -1;
	sha512_init(&c);
	sha512_update(&c, sig, 32);
	sha512_update(&c, pk, 32);
	for (unsigned i = 0; i < nparts; i++)
		sha512_update(&c, parts[i].p, parts[i].n);
	sha512_final(&c, h);
	sc25519_reduce(k, h);
	ge25519_neg(&negA, &A);
	ge25519_double_scalarmult(&R, k, &negA, sig + 32);
	ge25519_tobytes(rcheck, &R);
	for (int i = 0; i < 32; i++)
		diff |= rcheck[i] ^ sig[i];
	return diff ? -1 : 0;
}

int ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t pk[32])
{
	struct ed25519_part part = { msg, n };

	return ed25519_verify_parts(sig, pk, &part, 1);
}
