/* ge25519.c - Ed25519 group operations for verification: RFC 8032 decoding, encoding, [a]A + [b]B (ge25519.h). */
#include "ge25519.h"
#include "ge25519_base.h"

static const fe25519 fe_d = { { 0x34dca135978a3ull, 0x1a8283b156ebdull, 0x5e7a26001c029ull, 0x739c663a03cbbull,
				0x52036cee2b6ffull } };
static const fe25519 fe_d2 = { { 0x69b9426b2f159ull, 0x35050762add7aull, 0x3cf44c0038052ull, 0x6738cc7407977ull,
				 0x2406d9dc56dffull } };
static const fe25519 fe_sqrtm1 = { { 0x61b274a0ea0b0ull, 0x0d5a5fc8f189dull, 0x7ef5e9cbd0c60ull,
				     0x78595a6804c9eull, 0x2b8324804fc1dull } };

/* 1 if y (bit 255 aside) < p = 2^255 - 19. */
static int y_canonical(const uint8_t s[32])
{
	unsigned c = (s[31] & 0x7f) ^ 0x7f;

	for (int i = 30; i > 0; i--)
		c |= s[i] ^ 0xff;
	return c != 0 || s[0] < 0xed;
}

/* x from y (RFC 8032 5.1.3 steps 2-4): x = u v^3 (u v^7)^((p-5)/8) with u = y^2 - 1, v = d y^2 + 1. */
static int recover_x(fe25519 *x, const fe25519 *y, int sign)
{
	fe25519 u, v, v3, vxx, chk, one;

	fe25519_1(&one);
	fe25519_sq(&u, y);
	fe25519_mul(&v, &u, &fe_d);
	fe25519_sub(&u, &u, &one);
	fe25519_add(&v, &v, &one);
	fe25519_sq(&v3, &v);
	fe25519_mul(&v3, &v3, &v);
	fe25519_sq(x, &v3);
	fe25519_mul(x, x, &v);
	fe25519_mul(x, x, &u);
	fe25519_pow22523(x, x);
	fe25519_mul(x, x, &v3);
	fe25519_mul(x, x, &u);
	fe25519_sq(&vxx, x);
	fe25519_mul(&vxx, &vxx, &v);
	fe25519_sub(&chk, &vxx, &u);
	if (!fe25519_iszero(&chk)) {
		fe25519_add(&chk, &vxx, &u);
		if (!fe25519_iszero(&chk))
			return -1;                      /* x^2 = u/v has no root: not a point */
		fe25519_mul(x, x, &fe_sqrtm1);
	}
	if (fe25519_iszero(x) && sign)
		return -1;
	if (fe25519_isnegative(x) != sign)
		fe25519_neg(x, x);
	return 0;
}

int ge25519_frombytes(struct ge25519_p3 *h, const uint8_t s[32])
{
	if (!y_canonical(s))
		return -1;
	fe25519_frombytes(&h->Y, s);
	if (recover_x(&h->X, &h->Y, s[31] >> 7) != 0)
		return -1;
	fe25519_1(&h->Z);
	fe25519_mul(&h->T, &h->X, &h->Y);
	return 0;
}

void ge25519_tobytes(uint8_t s[32], const struct ge25519_p2 *h)
{
	fe25519 zi, x, y;

	fe25519_invert(&zi, &h->Z);
	fe25519_mul(&x, &h->X, &zi);
	fe25519_mul(&y, &h->Y, &zi);
	fe25519_tobytes(s, &y);
	s[31] ^= (uint8_t)(fe25519_isnegative(&x) << 7);
}

void ge25519_p3_tobytes(uint8_t s[32], const struct ge25519_p3 *h)
{
	struct ge25519_p2 p = { h->X, h->Y, h->Z };

	ge25519_tobytes(s, &p);
}

int ge25519_has_small_order(const uint8_t s[32])
{
	unsigned found = 0;

	for (unsigned k = 0; k < sizeof(ge25519_small_order_y) / 32; k++) {
		unsigned c = (s[31] & 0x7f) ^ ge25519_small_order_y[k][31];
		for (int i = 0; i < 31; i++)
			c |= s[i] ^ ge25519_small_order_y[k][i];
		found |= c == 0;
	}
	return (int)found;
}

void ge25519_p3_0(struct ge25519_p3 *h)
{
	fe25519_0(&h->X);
	fe25519_1(&h->Y);
	fe25519_1(&h->Z);
	fe25519_0(&h->T);
}

void ge25519_neg(struct ge25519_p3 *r, const struct ge25519_p3 *p)
{
	fe25519_neg(&r->X, &p->X);
	r->Y = p->Y;
	r->Z = p->Z;
	fe25519_neg(&r->T, &p->T);
}

static void p1p1_to_p2(struct ge25519_p2 *r, const struct ge25519_p1p1 *p)
{
	fe25519_mul(&r->X, &p->X, &p->T);
	fe25519_mul(&r->Y, &p->Y, &p->Z);
	fe25519_mul(&r->Z, &p->Z, &p->T);
}

static void p1p1_to_p3(struct ge25519_p3 *r, const struct ge25519_p1p1 *p)
{
	fe25519_mul(&r->X, &p->X, &p->T);
	fe25519_mul(&r->Y, &p->Y, &p->Z);
	fe25519_mul(&r->Z, &p->Z, &p->T);
	fe25519_mul(&r->T, &p->X, &p->Y);
}

static void p3_to_cached(struct ge25519_cached *r, const struct ge25519_p3 *p)
{
	fe25519_add(&r->YplusX, &p->Y, &p->X);
	fe25519_sub(&r->YminusX, &p->Y, &p->X);
	r->Z = p->Z;
	fe25519_mul(&r->T2d, &p->T, &fe_d2);
}

/* r = 2p (dbl-2008-hwcd with a = -1). */
static void p2_dbl(struct ge25519_p1p1 *r, const struct ge25519_p2 *p)
{
	fe25519 t0;

	fe25519_sq(&r->X, &p->X);
	fe25519_sq(&r->Z, &p->Y);
	fe25519_sq(&r->T, &p->Z);
	fe25519_add(&r->T, &r->T, &r->T);
	fe25519_add(&r->Y, &p->X, &p->Y);
	fe25519_sq(&t0, &r->Y);
	fe25519_add(&r->Y, &r->Z, &r->X);
	fe25519_sub(&r->Z, &r->Z, &r->X);
	fe25519_sub(&r->X, &t0, &r->Y);
	fe25519_sub(&r->T, &r->T, &r->Z);
}

/* r = p + q, or p - q if neg (add-2008-hwcd-3: q's 2dT and Z ready). */
static void add_cached(struct ge25519_p1p1 *r, const struct ge25519_p3 *p, const struct ge25519_cached *q, int neg)
{
	fe25519 t0;

	fe25519_add(&r->X, &p->Y, &p->X);
	fe25519_sub(&r->Y, &p->Y, &p->X);
	fe25519_mul(&r->Z, &r->X, neg ? &q->YminusX : &q->YplusX);
	fe25519_mul(&r->Y, &r->Y, neg ? &q->YplusX : &q->YminusX);
	fe25519_mul(&r->T, &q->T2d, &p->T);
	fe25519_mul(&r->X, &p->Z, &q->Z);
	fe25519_add(&t0, &r->X, &r->X);
	fe25519_sub(&r->X, &r->Z, &r->Y);
	fe25519_add(&r->Y, &r->Z, &r->Y);
	if (neg) {
		fe25519_sub(&r->Z, &t0, &r->T);
		fe25519_add(&r->T, &t0, &r->T);
	} else {
		fe25519_add(&r->Z, &t0, &r->T);
		fe25519_sub(&r->T, &t0, &r->T);
	}
}

/* r = p + q with q affine (Z = 1): one multiplication fewer. */
static void madd(struct ge25519_p1p1 *r, const struct ge25519_p3 *p, const struct ge25519_precomp *q)
{
	fe25519 t0;

	fe25519_add(&r->X, &p->Y, &p->X);
	fe25519_sub(&r->Y, &p->Y, &p->X);
	fe25519_mul(&r->Z, &r->X, &q->yplusx);
	fe25519_mul(&r->Y, &r->Y, &q->yminusx);
	fe25519_mul(&r->T, &q->xy2d, &p->T);
	fe25519_add(&t0, &p->Z, &p->Z);
	fe25519_sub(&r->X, &r->Z, &r->Y);
	fe25519_add(&r->Y, &r->Z, &r->Y);
	fe25519_add(&r->Z, &t0, &r->T);
	fe25519_sub(&r->T, &t0, &r->T);
}

void ge25519_add(struct ge25519_p3 *r, const struct ge25519_p3 *p, const struct ge25519_p3 *q)
{
	struct ge25519_cached c;
	struct ge25519_p1p1 t;

	p3_to_cached(&c, q);
	add_cached(&t, p, &c, 0);
	p1p1_to_p3(r, &t);
}

/* Sliding-window recoding (ref10's slide): r[i] odd in [-15, 15] or 0, a = sum r[i] 2^i, nonzero digits spaced. */
static void slide(int8_t r[256], const uint8_t a[32])
{
	for (int i = 0; i < 256; i++)
		r[i] = (int8_t)(1 & (a[i >> 3] >> (i & 7)));
	for (int i = 0; i < 256; i++) {
		if (!r[i])
			continue;
		for (int b = 1; b <= 6 && i + b < 256; b++) {
			if (!r[i + b])
				continue;
			if (r[i] + (r[i + b] << b) <= 15) {
				r[i] = (int8_t)(r[i] + (r[i + b] << b));
				r[i + b] = 0;
			} else if (r[i] - (r[i + b] << b) >= -15) {
				r[i] = (int8_t)(r[i] - (r[i + b] << b));
				for (int k = i + b; k < 256; k++) {
					if (!r[k]) {
						r[k] = 1;
						break;
					}
					r[k] = 0;
				}
			} else {
				break;
			}
		}
	}
}

/* Signed radix-16 digits e[i] in [-8, 8], b = sum e[i] 16^i (b[31] <= 127), computed without branches. */
static void radix16(int8_t e[64], const uint8_t b[32])
{
	int8_t carry = 0;

	for (int i = 0; i < 32; i++) {
		e[2 * i] = (int8_t)(b[i] & 15);
		e[2 * i + 1] = (int8_t)(b[i] >> 4);
	}
	for (int i = 0; i < 63; i++) {
		e[i] = (int8_t)(e[i] + carry);
		carry = (int8_t)((e[i] + 8) >> 4);
		e[i] = (int8_t)(e[i] - carry * 16);
	}
	e[63] = (int8_t)(e[63] + carry);
}

static unsigned eq(int a, int b)
{
	return (unsigned)((((uint32_t)(a ^ b)) - 1) >> 31);
}

/* t = e*B for a digit e in [-8, 8]: every entry read, the one wanted kept by masks (limb by limb, in registers). */
static void select_base(struct ge25519_precomp *t, int e)
{
	unsigned neg = (unsigned)((uint32_t)e >> 31);
	int babs = e - 2 * (-(int)neg & e);
	uint64_t m[8], nm = 0 - (uint64_t)neg;
	fe25519 minus;

	for (int i = 0; i < 8; i++)
		m[i] = 0 - (uint64_t)eq(babs, i + 1);
	for (int j = 0; j < 5; j++) {
		uint64_t a = j == 0, b = j == 0, c = 0;            /* the identity: (1, 1, 0) */
		for (int i = 0; i < 8; i++) {
			const struct ge25519_precomp *q = &ge25519_base_mult[i];
			a ^= m[i] & (a ^ q->yplusx.v[j]);
			b ^= m[i] & (b ^ q->yminusx.v[j]);
			c ^= m[i] & (c ^ q->xy2d.v[j]);
		}
		t->yplusx.v[j] = a ^ (nm & (a ^ b));            /* -P: y + x and y - x swapped, 2dxy negated */
		t->yminusx.v[j] = b ^ (nm & (a ^ b));
		t->xy2d.v[j] = c;
	}
	fe25519_neg(&minus, &t->xy2d);
	fe25519_cmov(&t->xy2d, &minus, neg);
}

/* Ai[i] = (2i + 1) A. */
static void odd_multiples(struct ge25519_cached Ai[8], const struct ge25519_p3 *A)
{
	struct ge25519_p2 a2 = { A->X, A->Y, A->Z };
	struct ge25519_p1p1 t;
	struct ge25519_p3 A2, u;

	p3_to_cached(&Ai[0], A);
	p2_dbl(&t, &a2);
	p1p1_to_p3(&A2, &t);
	for (int i = 1; i < 8; i++) {
		add_cached(&t, &A2, &Ai[i - 1], 0);
		p1p1_to_p3(&u, &t);
		p3_to_cached(&Ai[i], &u);
	}
}

void ge25519_double_scalarmult(struct ge25519_p2 *r, const uint8_t a[32], const struct ge25519_p3 *A,
			       const uint8_t b[32])
{
	int8_t as[256], e[64];
	struct ge25519_cached Ai[8];
	struct ge25519_precomp sel;
	struct ge25519_p1p1 t;
	struct ge25519_p3 u;

	slide(as, a);
	radix16(e, b);
	odd_multiples(Ai, A);
	fe25519_0(&r->X);
	fe25519_1(&r->Y);
	fe25519_1(&r->Z);
	for (int i = 255; i >= 0; i--) {
		p2_dbl(&t, r);
		if (as[i]) {
			p1p1_to_p3(&u, &t);
			add_cached(&t, &u, &Ai[(as[i] < 0 ? -as[i] : as[i]) / 2], as[i] < 0);
		}
		if ((i & 3) == 0) {
			p1p1_to_p3(&u, &t);
			select_base(&sel, e[i >> 2]);
			madd(&t, &u, &sel);
		}
		p1p1_to_p2(r, &t);
	}
}
