/* sc25519.c - scalars mod L: Barrett reduction of a 512-bit hash and the canonical check of S, in 64-bit words. */
#include "sc25519.h"

typedef unsigned __int128 u128;

static const uint64_t L[5] = { 0x5812631a5cf5d3edull, 0x14def9dea2f79cd6ull, 0, 0x1000000000000000ull, 0 };
/* floor(2^512 / L), 260 bits. */
static const uint64_t MU[5] = { 0xed9ce5a30a2c131bull, 0x2106215d086329a7ull, 0xffffffffffffffebull,
				0xffffffffffffffffull, 0xf };

static uint64_t load64(const uint8_t *s)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | s[i];
	return v;
}

/* r[0..na+nb) = a * b. */
static void mp_mul(uint64_t *r, const uint64_t *a, int na, const uint64_t *b, int nb)
{
	for (int i = 0; i < na + nb; i++)
		r[i] = 0;
	for (int i = 0; i < na; i++) {
		uint64_t c = 0;
		for (int j = 0; j < nb; j++) {
			u128 t = (u128)a[i] * b[j] + r[i + j] + c;
			r[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		r[i + nb] = c;
	}
}

/* r = a - b over n words; returns the borrow out (1 if a < b). */
static uint64_t mp_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, int n)
{
	uint64_t borrow = 0;

	for (int i = 0; i < n; i++) {
		u128 t = (u128)a[i] - b[i] - borrow;
		r[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	return borrow;
}

/* r -= L if r >= L, without a branch. */
static void cond_sub_l(uint64_t r[5])
{
	uint64_t t[5], keep = 0 - mp_sub(t, r, L, 5);     /* all ones if r < L */

	for (int i = 0; i < 5; i++)
		r[i] = (r[i] & keep) | (t[i] & ~keep);
}

/* HAC 14.42 with b = 2^64, k = 4: q = floor(floor(x / b^3) * MU / b^5), r = x - q*L mod b^5, then r < 3L. */
void sc25519_reduce(uint8_t out[32], const uint8_t in[64])
{
	uint64_t x[8], q2[10], qL[10], r[5];

	for (int i = 0; i < 8; i++)
		x[i] = load64(in + 8 * i);
	mp_mul(q2, x + 3, 5, MU, 5);
	mp_mul(qL, q2 + 5, 5, L, 4);
	mp_sub(r, x, qL, 5);
	cond_sub_l(r);
	cond_sub_l(r);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(r[i / 8] >> (8 * (i % 8)));
}

int sc25519_is_canonical(const uint8_t s[32])
{
	uint64_t v[4], t[4];

	for (int i = 0; i < 4; i++)
		v[i] = load64(s + 8 * i);
	return (int)mp_sub(t, v, L, 4);
}
