/* sc25519.h - scalars modulo L = 2^252 + 27742317777372353535851937790883648493, the Ed25519 group order. */
#ifndef ISOKERNEL_CRYPTO_SC25519_H
#define ISOKERNEL_CRYPTO_SC25519_H

#include <stdint.h>

/* out = in mod L, in a 512-bit little-endian number (a SHA-512 hash); out little-endian, < L. */
void sc25519_reduce(uint8_t out[32], const uint8_t in[64]);
/* 1 if s (little-endian, 256 bits) is < L, else 0: RFC 8032 rejects a signature whose S is not. */
int sc25519_is_canonical(const uint8_t s[32]);

#endif
