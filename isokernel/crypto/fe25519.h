/* fe25519.h - arithmetic in GF(2^255-19), radix 2^51 (five 64-bit limbs), branch-free; integer registers only. */
#ifndef ISOKERNEL_CRYPTO_FE25519_H
#define ISOKERNEL_CRYPTO_FE25519_H

#include <stdint.h>

/* An element: v[0] + v[1]*2^51 + ... + v[4]*2^204, not necessarily < p. mul, sq and sub leave limbs below 2^52,
 * add (no carry) below 2^53 from such inputs; every operation takes limbs below 2^54. */
typedef struct {
	uint64_t v[5];
} fe25519;

void fe25519_0(fe25519 *h);
void fe25519_1(fe25519 *h);
/* The low 255 bits of s, little-endian (bit 255 is ignored; a value >= p is taken mod p). */
void fe25519_frombytes(fe25519 *h, const uint8_t s[32]);
/* The canonical encoding (value mod p, < p). */
void fe25519_tobytes(uint8_t s[32], const fe25519 *h);
/* h = f + g without a carry: f and g below 2^53 per limb (a sum of two sums must not be added again). */
void fe25519_add(fe25519 *h, const fe25519 *f, const fe25519 *g);
void fe25519_sub(fe25519 *h, const fe25519 *f, const fe25519 *g);
void fe25519_neg(fe25519 *h, const fe25519 *f);
void fe25519_mul(fe25519 *h, const fe25519 *f, const fe25519 *g);
void fe25519_sq(fe25519 *h, const fe25519 *f);
/* h = f^(p-2) = 1/f (0 for 0). */
void fe25519_invert(fe25519 *h, const fe25519 *f);
/* h = f^((p-5)/8), the square-root exponent. */
void fe25519_pow22523(fe25519 *h, const fe25519 *f);
/* h = g if b (0 or 1), else unchanged; no branch on b. */
void fe25519_cmov(fe25519 *h, const fe25519 *g, unsigned b);
/* 1 if f mod p is odd ("negative" in RFC 8032), else 0. */
int fe25519_isnegative(const fe25519 *f);
/* 1 if f mod p is 0, else 0. */
int fe25519_iszero(const fe25519 *f);

#endif
