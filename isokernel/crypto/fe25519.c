/* fe25519.c - arithmetic in GF(2^255-19), radix 2^51 with 128-bit products, branch-free (fe25519.h). */
#include "fe25519.h"

#define MASK51 ((1ull << 51) - 1)

typedef unsigned __int128 u128;

void fe25519_0(fe25519 *h)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = 0;
}

void fe25519_1(fe25519 *h)
{
	fe25519_0(h);
	h->v[0] = 1;
}

static uint64_t load64(const uint8_t *s)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | s[i];
	return v;
}

void fe25519_frombytes(fe25519 *h, const uint8_t s[32])
{
	uint64_t w0 = load64(s), w1 = load64(s + 8), w2 = load64(s + 16), w3 = load64(s + 24);

	h->v[0] = w0 & MASK51;
	h->v[1] = (w0 >> 51 | w1 << 13) & MASK51;
	h->v[2] = (w1 >> 38 | w2 << 26) & MASK51;
	h->v[3] = (w2 >> 25 | w3 << 39) & MASK51;
	h->v[4] = (w3 >> 12) & MASK51;
}

/* Carry each limb into the next (the top one times 19 into the bottom): limbs end below 2^51 + 2^13. */
static void carry(uint64_t v[5])
{
	uint64_t c;

	c = v[0] >> 51; v[0] &= MASK51; v[1] += c;
	c = v[1] >> 51; v[1] &= MASK51; v[2] += c;
	c = v[2] >> 51; v[2] &= MASK51; v[3] += c;
	c = v[3] >> 51; v[3] &= MASK51; v[4] += c;
	c = v[4] >> 51; v[4] &= MASK51; v[0] += c * 19;
}

/* Fully reduced limbs (the value mod p, each limb < 2^51). */
static void reduce(uint64_t t[5], const fe25519 *h)
{
	uint64_t q;

	for (int i = 0; i < 5; i++)
		t[i] = h->v[i];
	carry(t);
	carry(t);                               /* limbs < 2^51, but t[0] < 2^51 + 19: t < 2p */
	q = (t[0] + 19) >> 51;                  /* q = 1 iff t >= p */
	q = (t[1] + q) >> 51;
	q = (t[2] + q) >> 51;
	q = (t[3] + q) >> 51;
	q = (t[4] + q) >> 51;
	t[0] += 19 * q;                         /* t - p = t + 19 - 2^255: add 19, carry, drop bit 255 */
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= MASK51;
	}
	t[4] &= MASK51;
}

void fe25519_tobytes(uint8_t s[32], const fe25519 *h)
{
	uint64_t t[5], w[4];

	reduce(t, h);
	w[0] = t[0] | t[1] << 51;
	w[1] = t[1] >> 13 | t[2] << 38;
	w[2] = t[2] >> 26 | t[3] << 25;
	w[3] = t[3] >> 39 | t[4] << 12;
	for (int i = 0; i < 32; i++)
		s[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
}

/* No carry: limbs below 2^52 in give limbs below 2^53 out, which mul, sq, sub (either side) and tobytes take. */
void fe25519_add(fe25519 *h, const fe25519 *f, const fe25519 *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
}

/* f + 8p - g, then one carry pass: no limb goes below zero while g's limbs are below 2^54 - 152. */
void fe25519_sub(fe25519 *h, const fe25519 *f, const fe25519 *g)
{
	h->v[0] = f->v[0] + 0x3fffffffffff68ull - g->v[0];
	for (int i = 1; i < 5; i++)
		h->v[i] = f->v[i] + 0x3ffffffffffff8ull - g->v[i];
	carry(h->v);
}

void fe25519_neg(fe25519 *h, const fe25519 *f)
{
	fe25519 z;

	fe25519_0(&z);
	fe25519_sub(h, &z, f);
}

/* Schoolbook product with the limbs above 2^255 folded back times 19, then one carry pass. */
void fe25519_mul(fe25519 *h, const fe25519 *f, const fe25519 *g)
{
	const uint64_t *a = f->v, *b = g->v;
	uint64_t b1 = b[1] * 19, b2 = b[2] * 19, b3 = b[3] * 19, b4 = b[4] * 19;
	u128 r0, r1, r2, r3, r4;
	uint64_t c;

	r0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
	r1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
	r2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
	r3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
	r4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
	r1 += (uint64_t)(r0 >> 51);
	r2 += (uint64_t)(r1 >> 51);
	r3 += (uint64_t)(r2 >> 51);
	r4 += (uint64_t)(r3 >> 51);
	c = (uint64_t)(r4 >> 51);
	h->v[0] = ((uint64_t)r0 & MASK51) + c * 19;
	h->v[1] = (uint64_t)r1 & MASK51;
	h->v[2] = (uint64_t)r2 & MASK51;
	h->v[3] = (uint64_t)r3 & MASK51;
	h->v[4] = (uint64_t)r4 & MASK51;
	c = h->v[0] >> 51;
	h->v[0] &= MASK51;
	h->v[1] += c;
}

void fe25519_sq(fe25519 *h, const fe25519 *f)
{
	const uint64_t *a = f->v;
	uint64_t a0_2 = a[0] * 2, a1_2 = a[1] * 2, a1_38 = a[1] * 38, a2_38 = a[2] * 38, a3_38 = a[3] * 38,
		 a3_19 = a[3] * 19, a4_19 = a[4] * 19;
	u128 r0, r1, r2, r3, r4;
	uint64_t c;

	r0 = (u128)a[0] * a[0] + (u128)a1_38 * a[4] + (u128)a2_38 * a[3];
	r1 = (u128)a0_2 * a[1] + (u128)a2_38 * a[4] + (u128)a3_19 * a[3];
	r2 = (u128)a0_2 * a[2] + (u128)a[1] * a[1] + (u128)a3_38 * a[4];
	r3 = (u128)a0_2 * a[3] + (u128)a1_2 * a[2] + (u128)a4_19 * a[4];
	r4 = (u128)a0_2 * a[4] + (u128)a1_2 * a[3] + (u128)a[2] * a[2];
	r1 += (uint64_t)(r0 >> 51);
	r2 += (uint64_t)(r1 >> 51);
	r3 += (uint64_t)(r2 >> 51);
	r4 += (uint64_t)(r3 >> 51);
	c = (uint64_t)(r4 >> 51);
	h->v[0] = ((uint64_t)r0 & MASK51) + c * 19;
	h->v[1] = (uint64_t)r1 & MASK51;
	h->v[2] = (uint64_t)r2 & MASK51;
	h->v[3] = (uint64_t)r3 & MASK51;
	h->v[4] = (uint64_t)r4 & MASK51;
	c = h->v[0] >> 51;
	h->v[0] &= MASK51;
	h->v[1] += c;
}

/* h = f^(2^n). */
static void sqn(fe25519 *h, const fe25519 *f, int n)
{
	fe25519_sq(h, f);
	while (--n > 0)
		fe25519_sq(h, h);
}

/* t1 = f^(2^250 - 1) and t0 = f^11, the common start of both exponent chains. */
static void pow250(fe25519 *t1, fe25519 *t0, const fe25519 *f)
{
	fe25519 t2, t3;

	fe25519_sq(t0, f);                      /* 2 */
	sqn(t1, t0, 2);                         /* 8 */
	fe25519_mul(t1, t1, f);                 /* 9 */
	fe25519_mul(t0, t0, t1);                /* 11 */
	fe25519_sq(&t2, t0);                    /* 22 */
	fe25519_mul(t1, t1, &t2);               /* 2^5 - 1 */
	sqn(&t2, t1, 5);
	fe25519_mul(t1, &t2, t1);               /* 2^10 - 1 */
	sqn(&t2, t1, 10);
	fe25519_mul(&t2, &t2, t1);              /* 2^20 - 1 */
	sqn(&t3, &t2, 20);
	fe25519_mul(&t2, &t3, &t2);             /* 2^40 - 1 */
	sqn(&t2, &t2, 10);
	fe25519_mul(t1, &t2, t1);               /* 2^50 - 1 */
	sqn(&t2, t1, 50);
	fe25519_mul(&t2, &t2, t1);              /* 2^100 - 1 */
	sqn(&t3, &t2, 100);
	fe25519_mul(&t2, &t3, &t2);             /* 2^200 - 1 */
	sqn(&t2, &t2, 50);
	fe25519_mul(t1, &t2, t1);               /* 2^250 - 1 */
}

void fe25519_invert(fe25519 *h, const fe25519 *f)
{
	fe25519 t0, t1;

	pow250(&t1, &t0, f);
	sqn(&t1, &t1, 5);                       /* 2^255 - 32 */
	fe25519_mul(h, &t1, &t0);               /* 2^255 - 21 = p - 2 */
}

void fe25519_pow22523(fe25519 *h, const fe25519 *f)
{
	fe25519 t0, t1;

	pow250(&t1, &t0, f);
	sqn(&t1, &t1, 2);                       /* 2^252 - 4 */
	fe25519_mul(h, &t1, f);                 /* 2^252 - 3 = (p - 5) / 8 */
}

void fe25519_cmov(fe25519 *h, const fe25519 *g, unsigned b)
{
	uint64_t m = 0 - (uint64_t)(b & 1);

	for (int i = 0; i < 5; i++)
		h->v[i] ^= m & (h->v[i] ^ g->v[i]);
}

int fe25519_isnegative(const fe25519 *f)
{
	uint8_t s[32];

	fe25519_tobytes(s, f);
	return s[0] & 1;
}

int fe25519_iszero(const fe25519 *f)
{
	uint8_t s[32], d = 0;

	fe25519_tobytes(s, f);
	for (int i = 0; i < 32; i++)
		d |= s[i];
	return 1 & ((d - 1u) >> 8);
}
