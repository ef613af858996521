/* sha512.h - SHA-512 (FIPS 180-4), freestanding and streaming: image hashes and the hash inside Ed25519. */
#ifndef ISOKERNEL_CRYPTO_SHA512_H
#define ISOKERNEL_CRYPTO_SHA512_H

#include <stddef.h>
#include <stdint.h>

struct sha512_ctx {
	uint64_t h[8];
	uint64_t bytes;                 /* message bytes so far (messages < 2^61 bytes) */
	uint8_t buf[128];
	uint32_t fill;                  /* bytes waiting in buf */
};

void sha512_init(struct sha512_ctx *c);
void sha512_update(struct sha512_ctx *c, const void *data, size_t n);
void sha512_final(struct sha512_ctx *c, uint8_t out[64]);
void sha512(const void *data, size_t n, uint8_t out[64]);

#endif
