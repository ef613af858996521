/* edfuzz.c - libFuzzer harness: the kernel's Ed25519 verifier and SHA-512 (isokernel/crypto/, built for the host)
 * must give libsodium's verdict and digest on every input.
 *
 * Input: byte 0 picks the form, the rest feeds it.
 *   form 0 (raw):     sig (64) | pk (32) | msg - mostly rejected, the decoders' and checks' edges.
 *   form 1 (signed):  seed (32) | op | pos | val | msg - a real signature by the seed's key, then one change
 *                     (none, xor a byte of sig/pk/msg, R or pk replaced by a small-order or off-curve point,
 *                     S + L, S + k*L overflow, R from the input), so valid signatures and near misses are common.
 * Checks: ed25519_verify and ed25519_verify_parts (split at pos) equal crypto_sign_verify_detached; sha512 of the
 * message, one-shot and in two pieces, equals crypto_hash_sha512. A difference aborts (libFuzzer keeps the input).
 * Built with clang's libFuzzer (make edfuzz); without clang a driver main() runs EDFUZZ_RUNS random inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "sha512.h"
#include "ed25519.h"

static const uint8_t order_l[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde,
				     0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
/* Small-order encodings: the identity, (0,-1) and an order-8 point; y = p (non-canonical 0). */
static const uint8_t weak[4][32] = {
	{ 1 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

static void die(const char *what, const uint8_t *sig, const uint8_t *pk, size_t n)
{
	fprintf(stderr, "edfuzz: %s (msg %zu bytes) sig=", what, n);
	for (int i = 0; i < 64; i++)
		fprintf(stderr, "%02x", sig[i]);
	fprintf(stderr, " pk=");
	for (int i = 0; i < 32; i++)
		fprintf(stderr, "%02x", pk[i]);
	fprintf(stderr, "\n");
	abort();
}

/* S += m * L (little-endian, carry out of 256 bits dropped: the result is then non-canonical or wraps). */
static void add_l(uint8_t s[32], unsigned m)
{
	unsigned c = 0;

	for (int i = 0; i < 32; i++) {
		c += s[i] + m * order_l[i];
		s[i] = (uint8_t)c;
		c >>= 8;
	}
}

static void check(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg, size_t n, size_t cut)
{
	struct ed25519_part parts[2];
	uint8_t h1[64], h2[64], h3[64];
	struct sha512_ctx c;
	int theirs = crypto_sign_verify_detached(sig, msg, n, pk);

	cut = n ? cut % (n + 1) : 0;
	parts[0] = (struct ed25519_part){ msg, cut };
	parts[1] = (struct ed25519_part){ msg + cut, n - cut };
	if (ed25519_verify(sig, msg, n, pk) != theirs)
		die(theirs ? "accepted what libsodium rejects" : "rejected what libsodium accepts", sig, pk, n);
	if (ed25519_verify_parts(sig, pk, parts, 2) != theirs)
		die("verify_parts differs from libsodium", sig, pk, n);
	sha512(msg, n, h1);
	sha512_init(&c);
	sha512_update(&c, msg, cut);
	sha512_update(&c, msg + cut, n - cut);
	sha512_final(&c, h2);
	crypto_hash_sha512(h3, msg, n);
	if (memcmp(h1, h3, 64) != 0 || memcmp(h2, h3, 64) != 0)
		die("sha512 differs from libsodium", sig, pk, n);
}

static void raw(const uint8_t *d, size_t n)
{
	uint8_t sig[64] = { 0 }, pk[32] = { 0 };

	memcpy(sig, d, n < 64 ? n : 64);
	if (n > 64)
		memcpy(pk, d + 64, n - 64 < 32 ? n - 64 : 32);
	if (n > 96)
		check(sig, pk, d + 96, n - 96, n / 2);
	else
		check(sig, pk, d, 0, 0);
}

static void signed_form(const uint8_t *d, size_t n)
{
	uint8_t seed[32] = { 0 }, pk[32], sk[64], sig[64];
	uint8_t op = n > 32 ? d[32] : 0, pos = n > 33 ? d[33] : 0, val = n > 34 ? d[34] : 1;
	const uint8_t *msg = n > 35 ? d + 35 : d;
	size_t mlen = n > 35 ? n - 35 : 0;
	uint8_t *m = malloc(mlen + 1);

	memcpy(seed, d, n < 32 ? n : 32);
	memcpy(m, msg, mlen);
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, m, mlen, sk);
	switch (op % 12) {
	case 0:
		break;                                               /* valid: both accept */
	case 1:
		sig[pos % 64] ^= val ? val : 1;
		break;
	case 2:
		pk[pos % 32] ^= val ? val : 1;
		break;
	case 3:
		if (mlen)
			m[pos % mlen] ^= val ? val : 1;
		break;
	case 4:
		memcpy(sig, weak[val % 4], 32);                      /* small-order or non-canonical R */
		sig[31] |= (uint8_t)(pos & 0x80);
		break;
	case 5:
		memcpy(pk, weak[val % 4], 32);
		pk[31] |= (uint8_t)(pos & 0x80);
		break;
	case 6:
		add_l(sig + 32, 1 + val % 15);                       /* S + kL: non-canonical, or wrapped */
		break;
	case 7:
		sig[32 + pos % 32] = val;                            /* S's bytes set (the top ones make it large) */
		break;
	case 8:
		memcpy(sig, pk, 32);                                 /* R = A */
		break;
	case 9:
		pk[31] ^= 0x80;                                      /* -A */
		break;
	case 10:
		sig[31] ^= 0x80;                                     /* -R */
		break;
	default:
		memset(pk, val, 32);
		pk[0] = pos;
		break;
	}
	check(sig, pk, m, mlen, pos);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
	if (n == 0)
		return 0;
	if (d[0] & 1)
		signed_form(d + 1, n - 1);
	else
		raw(d + 1, n - 1);
	return 0;
}

#ifndef EDFUZZ_LIBFUZZER
/* Without libFuzzer: EDFUZZ_RUNS random inputs (default 20000) from EDFUZZ_SEED. */
int main(void)
{
	static uint8_t in[2200];
	const char *r = getenv("EDFUZZ_RUNS"), *s = getenv("EDFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 20000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("edfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		size_t n = (size_t)rand() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)rand();
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("edfuzz: ok\n");
	return 0;
}
#endif
