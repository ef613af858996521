/* ge25519.h - the Ed25519 group (twisted Edwards -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255-19)): decode, encode,
 * the double-scalar multiplication a verifier needs. Coordinates as in ref10: extended (X:Y:Z:T), XY = ZT. */
#ifndef ISOKERNEL_CRYPTO_GE25519_H
#define ISOKERNEL_CRYPTO_GE25519_H

#include <stdint.h>
#include "fe25519.h"

struct ge25519_p2 {                     /* projective: x = X/Z, y = Y/Z */
	fe25519 X, Y, Z;
};
struct ge25519_p3 {                     /* extended: also T = XY/Z */
	fe25519 X, Y, Z, T;
};
struct ge25519_p1p1 {                   /* completed: x = X/Z, y = Y/T (an addition's raw result) */
	fe25519 X, Y, Z, T;
};
struct ge25519_precomp {                /* affine, ready to add: y + x, y - x, 2dxy */
	fe25519 yplusx, yminusx, xy2d;
};
struct ge25519_cached {                 /* extended, ready to add: Y + X, Y - X, Z, 2dT */
	fe25519 YplusX, YminusX, Z, T2d;
};

/* RFC 8032 5.1.3: 0 and h = the point, or -1 if y >= p, no x exists, or x = 0 with the sign bit set. */
int ge25519_frombytes(struct ge25519_p3 *h, const uint8_t s[32]);
void ge25519_tobytes(uint8_t s[32], const struct ge25519_p2 *h);
void ge25519_p3_tobytes(uint8_t s[32], const struct ge25519_p3 *h);
/* 1 if s encodes a point of order 1, 2, 4 or 8 (its y, sign bit aside, is one of theirs), else 0. */
int ge25519_has_small_order(const uint8_t s[32]);
void ge25519_p3_0(struct ge25519_p3 *h);
void ge25519_neg(struct ge25519_p3 *r, const struct ge25519_p3 *p);
void ge25519_add(struct ge25519_p3 *r, const struct ge25519_p3 *p, const struct ge25519_p3 *q);
/* r = [a]A + [b]B, a and b little-endian below 2^253 (b's top digit may carry; both < L in use). Variable-time in a
 * (a sliding window over odd multiples of A); in b a fixed window of signed 4-bit digits with every table entry
 * touched, so no lookup depends on b. */
void ge25519_double_scalarmult(struct ge25519_p2 *r, const uint8_t a[32], const struct ge25519_p3 *A,
			       const uint8_t b[32]);

#endif
