/* test_crypto.c - CUnit suite for the kernel's SHA-512 and Ed25519 verifier (isokernel/crypto/): FIPS 180-4 and
 * RFC 8032 vectors, streaming, and a cross-check against libsodium on random and hostile signatures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <sodium.h>
#include "sha512.h"
#include "ed25519.h"
#include "fe25519.h"
#include "sc25519.h"
#include "ge25519.h"
#include "ge25519_base.h"
#include "rfc8032_vectors.h"

#define NRANDOM 3000            /* random keys and messages compared with libsodium */
#define MAXMSG 2000

static const uint8_t order_l[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde,
				     0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static int hash_is(const uint8_t h[64], const char *hex)
{
	uint8_t want[64];

	unhex(want, hex);
	return memcmp(h, want, 64) == 0;
}

/* Hash p in random pieces (empty ones included) through the streaming interface. */
static void sha512_pieces(const uint8_t *p, size_t n, uint8_t out[64])
{
	struct sha512_ctx c;
	size_t off = 0;

	sha512_init(&c);
	while (off < n) {
		size_t k = rnd() % 4 == 0 ? 0 : rnd() % (rnd() % 2 ? 300 : 8) + 1;
		k = k < n - off ? k : n - off;
		sha512_update(&c, p + off, k);
		off += k;
	}
	sha512_update(&c, p, 0);
	sha512_final(&c, out);
}

static void test_sha512_fips(void)
{
	static const char *const abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char *const abc896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
					  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	uint8_t h[64];
	uint8_t *a = malloc(1000000);
	struct sha512_ctx c;

	sha512("", 0, h);
	CU_ASSERT(hash_is(h, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
			     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"));
	sha512("abc", 3, h);
	CU_ASSERT(hash_is(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
	sha512(abc448, strlen(abc448), h);
	CU_ASSERT(hash_is(h, "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
			     "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"));
	sha512(abc896, strlen(abc896), h);
	CU_ASSERT(hash_is(h, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
			     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"));
	CU_ASSERT_FATAL(a != NULL);
	memset(a, 'a', 1000000);
	sha512(a, 1000000, h);
	CU_ASSERT(hash_is(h, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
			     "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"));
	sha512_init(&c);
	for (int i = 0; i < 1000000; i += 1000)
		sha512_update(&c, a + i, 1000);
	sha512_final(&c, h);
	CU_ASSERT(hash_is(h, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
			     "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"));
	free(a);
}

/* Every length 0..1100 (each padding case, block edges) and random splits against one-shot and libsodium. */
static void test_sha512_stream(void)
{
	static uint8_t buf[1100];
	uint8_t h1[64], h2[64], h3[64];
	int bad = 0;

	rnd_bytes(buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n++) {
		sha512(buf, n, h1);
		sha512_pieces(buf, n, h2);
		crypto_hash_sha512(h3, buf, n);
		bad += memcmp(h1, h2, 64) != 0 || memcmp(h1, h3, 64) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* The field's canonical encoding: p..2^255-1 read back as 0..18, and bit 255 ignored. */
static void test_fe_canonical(void)
{
	uint8_t s[32], out[32];
	fe25519 f;

	for (int k = 0; k < 19; k++) {
		memset(s, 0xff, 32);
		s[31] = 0x7f;
		s[0] = (uint8_t)(0xed + k);
		fe25519_frombytes(&f, s);
		fe25519_tobytes(out, &f);
		CU_ASSERT(out[0] == k && out[31] == 0);
		s[31] |= 0x80;
		fe25519_frombytes(&f, s);
		fe25519_tobytes(out, &f);
		CU_ASSERT(out[0] == k);
	}
	memset(s, 0, 32);
	s[0] = 0xec;
	memset(s + 1, 0xff, 31);
	s[31] = 0x7f;                           /* p - 1 stays */
	fe25519_frombytes(&f, s);
	fe25519_tobytes(out, &f);
	CU_ASSERT(memcmp(s, out, 32) == 0);
	CU_ASSERT(fe25519_isnegative(&f) == 0);  /* p - 1 is even */
}

/* A field element with limbs below 2^52 (what mul, sq and sub leave), often at the maximum. */
static void fe_wide(fe25519 *f)
{
	for (int i = 0; i < 5; i++) {
		uint64_t r = (uint64_t)rnd() << 32 | rnd();
		f->v[i] = rnd() % 4 == 0 ? (1ull << 52) - 1 : r & ((1ull << 52) - 1);
	}
}

static int fe_eq(const fe25519 *a, const fe25519 *b)
{
	uint8_t x[32], y[32];

	fe25519_tobytes(x, a);
	fe25519_tobytes(y, b);
	return memcmp(x, y, 32) == 0;
}

/* The limb bounds fe25519.h states, at their edges: identities that an overflow would break. */
static void test_fe_bounds(void)
{
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		fe25519 a, b, c, s, t, u, w, one, inv;
		fe_wide(&a);
		fe_wide(&b);
		fe_wide(&c);
		fe25519_add(&s, &a, &b);                 /* limbs up to 2^53: every operation takes them */
		fe25519_mul(&t, &s, &c);                 /* (a + b) c = ac + bc */
		fe25519_mul(&u, &a, &c);
		fe25519_mul(&w, &b, &c);
		fe25519_add(&u, &u, &w);
		bad += !fe_eq(&t, &u);
		fe25519_sq(&t, &s);                      /* (a + b)^2 = (a + b)(a + b) */
		fe25519_mul(&u, &s, &s);
		bad += !fe_eq(&t, &u);
		fe25519_sub(&t, &s, &s);                 /* s - s = 0, and (a + b) - b = a */
		bad += !fe25519_iszero(&t);
		fe25519_sub(&t, &s, &b);
		bad += !fe_eq(&t, &a);
		fe25519_sub(&t, &c, &s);                 /* c - (a + b) + (a + b) = c */
		fe25519_add(&t, &t, &s);
		bad += !fe_eq(&t, &c);
		fe25519_neg(&t, &s);                     /* -(a + b) + a + b = 0 */
		fe25519_add(&t, &t, &a);
		fe25519_add(&t, &t, &b);
		bad += !fe25519_iszero(&t);
		if (i % 100 == 0 && !fe25519_iszero(&s)) {   /* s / s = 1 */
			fe25519_invert(&inv, &s);
			fe25519_mul(&t, &inv, &s);
			fe25519_1(&one);
			bad += !fe_eq(&t, &one);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Reduction mod L against libsodium's, and the canonical-S check at its edges. */
static void test_scalars(void)
{
	uint8_t in[64], ours[32], theirs[32], s[32];
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		rnd_bytes(in, 64);
		if (i < 64)
			memset(in, i < 32 ? 0xff : 0, 64 - i % 32);   /* long runs of ones and zeros */
		sc25519_reduce(ours, in);
		crypto_core_ed25519_scalar_reduce(theirs, in);
		bad += memcmp(ours, theirs, 32) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	memcpy(s, order_l, 32);
	CU_ASSERT(!sc25519_is_canonical(s));
	s[0]--;
	CU_ASSERT(sc25519_is_canonical(s));      /* L - 1 */
	memset(s, 0, 32);
	CU_ASSERT(sc25519_is_canonical(s));
	memset(s, 0xff, 32);
	CU_ASSERT(!sc25519_is_canonical(s));
	memset(in, 0, 64);
	memcpy(in, order_l, 32);
	sc25519_reduce(ours, in);                /* L mod L = 0 */
	CU_ASSERT(memcmp(ours, in + 32, 32) == 0);
}

/* The generated table holds 1B..8B (its y + x and y - x), and [0]A + [b]B equals b additions of B (every signed-digit pattern of the
 * fixed window for b below 4096, and random b). */
static void test_base_table(void)
{
	static const uint8_t bbytes[32] = { 0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
	struct ge25519_p3 B, acc, zero;
	struct ge25519_p2 r;
	uint8_t a0[32] = { 0 }, b[32] = { 0 }, e1[32], e2[32];
	int bad = 0;

	CU_ASSERT_FATAL(ge25519_frombytes(&B, bbytes) == 0);
	ge25519_p3_0(&acc);
	ge25519_p3_0(&zero);
	for (int i = 0; i < 8; i++) {                /* entry i: y + x, y - x, 2dxy of (i+1)B */
		const struct ge25519_precomp *q = &ge25519_base_mult[i];
		struct ge25519_p2 xy;
		fe25519 t;
		ge25519_add(&acc, &acc, &B);
		fe25519_sub(&xy.X, &q->yplusx, &q->yminusx);
		fe25519_add(&xy.Y, &q->yplusx, &q->yminusx);
		fe25519_1(&t);
		fe25519_add(&xy.Z, &t, &t);
		ge25519_tobytes(e1, &xy);
		ge25519_p3_tobytes(e2, &acc);
		bad += memcmp(e1, e2, 32) != 0;         /* 2dxy is checked by the products below, which use it */
	}
	CU_ASSERT_EQUAL(bad, 0);
	ge25519_p3_0(&acc);
	for (unsigned n = 0; n < 4096; n++) {
		b[0] = (uint8_t)n;
		b[1] = (uint8_t)(n >> 8);
		ge25519_double_scalarmult(&r, a0, &zero, b);
		ge25519_tobytes(e1, &r);
		ge25519_p3_tobytes(e2, &acc);
		bad += memcmp(e1, e2, 32) != 0;
		ge25519_add(&acc, &acc, &B);
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (int i = 0; i < 200; i++) {          /* [b]B by the kernel and by libsodium */
		rnd_bytes(b, 32);
		b[31] &= 0x0f;
		ge25519_double_scalarmult(&r, a0, &zero, b);
		ge25519_tobytes(e1, &r);
		crypto_scalarmult_ed25519_base_noclamp(e2, b);
		bad += memcmp(e1, e2, 32) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* A signature over msg split into up to 4 random parts. */
static int verify_split(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg, size_t n)
{
	struct ed25519_part parts[4];
	size_t cut[5] = { 0, 0, 0, 0, n };

	for (int i = 1; i < 4; i++)
		cut[i] = n ? rnd() % (n + 1) : 0;
	for (int i = 1; i < 4; i++)             /* sort the three cuts */
		for (int j = i + 1; j < 4; j++)
			if (cut[j] < cut[i]) {
				size_t t = cut[i];
				cut[i] = cut[j];
				cut[j] = t;
			}
	for (int i = 0; i < 4; i++) {
		parts[i].p = msg + cut[i];
		parts[i].n = cut[i + 1] - cut[i];
	}
	return ed25519_verify_parts(sig, pk, parts, 4);
}

static void test_rfc8032(void)
{
	static uint8_t msg[1024];

	for (size_t v = 0; v < sizeof(rfc8032_vectors) / sizeof(rfc8032_vectors[0]); v++) {
		const struct rfc8032_vec *t = &rfc8032_vectors[v];
		uint8_t seed[32], pk[32], sig[64], spk[32], ssk[64], ssig[64];
		size_t n = unhex(msg, t->msg);

		unhex(seed, t->seed);
		unhex(pk, t->pk);
		unhex(sig, t->sig);
		/* The vector as transcribed is what libsodium derives and signs (RFC 8032 signing is deterministic). */
		crypto_sign_seed_keypair(spk, ssk, seed);
		crypto_sign_detached(ssig, NULL, msg, n, ssk);
		CU_ASSERT(memcmp(spk, pk, 32) == 0);
		CU_ASSERT(memcmp(ssig, sig, 64) == 0);
		CU_ASSERT_EQUAL(ed25519_verify(sig, msg, n, pk), 0);
		if (n == 0) {                           /* empty parts as { NULL, 0 }, and no parts at all */
			struct ed25519_part none[2] = { { NULL, 0 }, { NULL, 0 } };
			CU_ASSERT_EQUAL(ed25519_verify_parts(sig, pk, none, 2), 0);
			CU_ASSERT_EQUAL(ed25519_verify_parts(sig, pk, NULL, 0), 0);
			CU_ASSERT_EQUAL(ed25519_verify(sig, NULL, 0, pk), 0);
		}
		for (int i = 0; i < 20; i++)
			CU_ASSERT_EQUAL(verify_split(sig, pk, msg, n), 0);
		for (int bit = 0; bit < 512; bit++) {        /* every single-bit change of the signature */
			sig[bit / 8] ^= (uint8_t)(1 << bit % 8);
			CU_ASSERT_EQUAL(ed25519_verify(sig, msg, n, pk), -1);
			sig[bit / 8] ^= (uint8_t)(1 << bit % 8);
		}
		for (int bit = 0; bit < 256; bit++) {        /* and of the key */
			pk[bit / 8] ^= (uint8_t)(1 << bit % 8);
			CU_ASSERT_EQUAL(ed25519_verify(sig, msg, n, pk), -1);
			pk[bit / 8] ^= (uint8_t)(1 << bit % 8);
		}
		if (n) {
			msg[n - 1] ^= 1;
			CU_ASSERT_EQUAL(ed25519_verify(sig, msg, n, pk), -1);
			msg[n - 1] ^= 1;
		}
		CU_ASSERT_EQUAL(ed25519_verify(sig, msg, n + 1, pk), -1);
	}
}

/* Flip one random bit of sig, msg (if any) or pk: both libsodium and the kernel must reject. */
static int flip_rejects(uint8_t *sig, uint8_t *msg, size_t n, uint8_t *pk, int which)
{
	uint8_t *p = which == 0 ? sig : which == 1 ? msg : pk;
	size_t len = which == 0 ? 64 : which == 1 ? n : 32;
	uint32_t bit;
	int ok;

	if (!len)
		return 1;
	bit = rnd() % (uint32_t)(len * 8);
	p[bit / 8] ^= (uint8_t)(1 << bit % 8);
	ok = ed25519_verify(sig, msg, n, pk) == -1 && crypto_sign_verify_detached(sig, msg, n, pk) == -1;
	p[bit / 8] ^= (uint8_t)(1 << bit % 8);
	return ok;
}

static void test_random_vs_libsodium(void)
{
	static uint8_t msg[MAXMSG];
	int accepted = 0, rejected = 0;

	for (int i = 0; i < NRANDOM; i++) {
		uint8_t pk[32], sk[64], sig[64];
		size_t n = rnd() % (MAXMSG + 1);

		rnd_bytes(msg, n);
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, msg, n, sk);
		accepted += ed25519_verify(sig, msg, n, pk) == 0 && verify_split(sig, pk, msg, n) == 0;
		for (int which = 0; which < 3; which++)
			rejected += flip_rejects(sig, msg, n, pk, which);
	}
	CU_ASSERT_EQUAL(accepted, NRANDOM);
	CU_ASSERT_EQUAL(rejected, 3 * NRANDOM);
}

/* S + L (still < 2^256), L itself and all-ones: libsodium and the kernel reject the non-canonical S. */
static void test_noncanonical_s(void)
{
	uint8_t pk[32], sk[64], sig[64], msg[40];
	int bad = 0;

	for (int i = 0; i < 200; i++) {
		unsigned carry = 0;
		rnd_bytes(msg, sizeof(msg));
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		for (int j = 0; j < 32; j++) {
			carry += sig[32 + j] + order_l[j];
			sig[32 + j] = (uint8_t)carry;
			carry >>= 8;
		}
		bad += ed25519_verify(sig, msg, sizeof(msg), pk) != -1;
		bad += crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != -1;
		memcpy(sig + 32, order_l, 32);
		bad += ed25519_verify(sig, msg, sizeof(msg), pk) != -1;
		memset(sig + 32, 0xff, 32);
		bad += ed25519_verify(sig, msg, sizeof(msg), pk) != -1;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* R or A that is no point (random y, or a non-canonical y >= p): the two verdicts agree (reject). */
static void test_not_on_curve(void)
{
	uint8_t pk[32], sk[64], sig[64], msg[16], bogus[32];
	struct ge25519_p3 P;
	int bad = 0, offcurve = 0;

	for (int i = 0; i < 500; i++) {
		rnd_bytes(msg, sizeof(msg));
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		rnd_bytes(bogus, 32);
		if (i % 10 == 0) {                       /* y in p..2^255-1 */
			memset(bogus, 0xff, 32);
			bogus[0] = (uint8_t)(0xed + rnd() % 19);
			bogus[31] = (uint8_t)(0x7f | (rnd() & 0x80));
		}
		offcurve += ge25519_frombytes(&P, bogus) != 0;
		uint8_t s2[64];
		memcpy(s2, sig, 64);
		memcpy(s2, bogus, 32);
		bad += ed25519_verify(s2, msg, sizeof(msg), pk) != crypto_sign_verify_detached(s2, msg, sizeof(msg), pk);
		bad += ed25519_verify(sig, msg, sizeof(msg), bogus) !=
		       crypto_sign_verify_detached(sig, msg, sizeof(msg), bogus);
		bad += ed25519_verify(sig, msg, sizeof(msg), bogus) != -1;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(offcurve > 200);                       /* about half of random y have no x, plus every y >= p */
}

/* The 8 points of small order: each listed y with each sign that decodes; [8]P is the identity for all. */
static int small_order_points(uint8_t out[8][32])
{
	static const uint8_t eight[32] = { 8 }, zero[32] = { 0 }, ident[32] = { 1 };
	struct ge25519_p3 P;
	struct ge25519_p2 r;
	uint8_t e[32], enc[32];
	int n = 0;

	for (size_t i = 0; i < sizeof(ge25519_small_order_y) / 32; i++)
		for (int sign = 0; sign < 2; sign++) {
			memcpy(e, ge25519_small_order_y[i], 32);
			e[31] = (uint8_t)(e[31] | sign << 7);
			if (ge25519_frombytes(&P, e) != 0 || n == 8)
				continue;
			ge25519_double_scalarmult(&r, eight, &P, zero);
			ge25519_tobytes(enc, &r);
			CU_ASSERT(memcmp(enc, ident, 32) == 0);
			CU_ASSERT(ge25519_has_small_order(e));
			memcpy(out[n++], e, 32);
		}
	return n;
}

/* 1 if [S]B - [k]A encodes to R (the cofactorless RFC 8032 equation) for sig, pk and msg. */
static int equation_holds(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg, size_t n)
{
	uint8_t h[64], k[32], enc[32];
	struct ge25519_p3 A, negA;
	struct ge25519_p2 r;
	crypto_hash_sha512_state st;

	if (ge25519_frombytes(&A, pk) != 0)
		return 0;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, pk, 32);
	crypto_hash_sha512_update(&st, msg, n);
	crypto_hash_sha512_final(&st, h);
	sc25519_reduce(k, h);
	ge25519_neg(&negA, &A);
	ge25519_double_scalarmult(&r, k, &negA, sig + 32);
	ge25519_tobytes(enc, &r);
	return memcmp(enc, sig, 32) == 0;
}

/* A signature by secret scalar a whose public key is pk (any point): R = [r]B, S = r + k a. */
static void forge_sign(uint8_t sig[64], const uint8_t a[32], const uint8_t pk[32], const uint8_t *msg, size_t n)
{
	uint8_t r[32], h[64], k[32], ka[32];
	crypto_hash_sha512_state st;

	crypto_core_ed25519_scalar_random(r);
	crypto_scalarmult_ed25519_base_noclamp(sig, r);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, pk, 32);
	crypto_hash_sha512_update(&st, msg, n);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

/*
 * Small-order keys and R: signatures that satisfy RFC 8032's (cofactorless) equation, which libsodium rejects
 * for the small order and so must the kernel (the intended difference from the bare RFC, matching libsodium).
 * A key with a small-order component ([a]B + T) is not small-order: there both apply the same equation.
 */
static void test_small_order(void)
{
	uint8_t pts[8][32], msg[32], sig[64], a[32], pk[32];
	int holds = 0, bad = 0, mixed_ok = 0;

	CU_ASSERT_EQUAL_FATAL(small_order_points(pts), 8);
	for (int i = 0; i < 8; i++) {
		static const uint8_t ident[32] = { 1 };
		rnd_bytes(msg, sizeof(msg));
		memcpy(sig, ident, 32);                  /* R = identity, S = 0, A small: [0]B - [k]A = R iff kA = 0 */
		memset(sig + 32, 0, 32);
		if (memcmp(pts[i], ident, 32) == 0)      /* A = identity: holds for every message */
			holds += equation_holds(sig, pts[i], msg, sizeof(msg));
		bad += ed25519_verify(sig, msg, sizeof(msg), pts[i]) != -1;
		bad += crypto_sign_verify_detached(sig, msg, sizeof(msg), pts[i]) != -1;
		for (int tries = 0; tries < 512; tries++) {  /* R = [r]B, S = r: holds when k is a multiple of A's order */
			uint8_t zero[32] = { 0 };
			rnd_bytes(msg, sizeof(msg));
			forge_sign(sig, zero, pts[i], msg, sizeof(msg));
			if (!equation_holds(sig, pts[i], msg, sizeof(msg)))
				continue;
			holds++;
			bad += ed25519_verify(sig, msg, sizeof(msg), pts[i]) != -1;
			bad += crypto_sign_verify_detached(sig, msg, sizeof(msg), pts[i]) != -1;
			break;
		}
	}
	CU_ASSERT_EQUAL(holds, 9);                       /* RFC-valid, yet both reject */
	CU_ASSERT_EQUAL(bad, 0);
	for (int i = 0; i < 200; i++) {                  /* mixed order: A = [a]B + T8 */
		struct ge25519_p3 A, T;
		crypto_core_ed25519_scalar_random(a);
		crypto_scalarmult_ed25519_base_noclamp(pk, a);
		CU_ASSERT_FATAL(ge25519_frombytes(&A, pk) == 0 && ge25519_frombytes(&T, pts[7]) == 0);
		ge25519_add(&A, &A, &T);
		ge25519_p3_tobytes(pk, &A);
		rnd_bytes(msg, sizeof(msg));
		forge_sign(sig, a, pk, msg, sizeof(msg));
		int ours = ed25519_verify(sig, msg, sizeof(msg), pk);
		bad += ours != crypto_sign_verify_detached(sig, msg, sizeof(msg), pk);
		bad += (ours == 0) != equation_holds(sig, pk, msg, sizeof(msg));
		mixed_ok += ours == 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(mixed_ok > 0 && mixed_ok < 200);       /* accepted exactly when kT = 0: about 1 in 8 */
	for (int i = 0; i < 8; i++) {                    /* a small-order R with an honest key: both reject */
		uint8_t sk[64];
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		memcpy(sig, pts[i], 32);
		bad += ed25519_verify(sig, msg, sizeof(msg), pk) != -1;
		bad += crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != -1;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int unit_suite_crypto(void)
{
	CU_pSuite s = CU_add_suite("crypto", NULL, NULL);

	if (!s || sodium_init() < 0)
		return -1;
	CU_add_test(s, "SHA-512: FIPS 180-4 vectors, the million 'a', streamed", test_sha512_fips);
	CU_add_test(s, "SHA-512: lengths 0..1100 in random pieces equal one-shot and libsodium", test_sha512_stream);
	CU_add_test(s, "GF(p): p..2^255-1 encode as 0..18, bit 255 ignored", test_fe_canonical);
	CU_add_test(s, "GF(p): sums of maximal limbs through mul, sq, sub, neg, invert keep the identities", test_fe_bounds);
	CU_add_test(s, "scalars: reduction mod L equals libsodium's, S < L at its edges", test_scalars);
	CU_add_test(s, "group: the base table is 1B..8B, [b]B equals repeated addition and libsodium", test_base_table);
	CU_add_test(s, "Ed25519: RFC 8032 7.1 vectors accept (split too), every bit flip rejects", test_rfc8032);
	CU_add_test(s, "Ed25519: 3000 random keys/messages accept; a flipped bit rejects (libsodium too)",
		    test_random_vs_libsodium);
	CU_add_test(s, "Ed25519: non-canonical S (S+L, L, 2^256-1) rejects", test_noncanonical_s);
	CU_add_test(s, "Ed25519: R or A not on the curve, or y >= p: same verdict as libsodium", test_not_on_curve);
	CU_add_test(s, "Ed25519: small-order A or R rejects like libsodium", test_small_order);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
