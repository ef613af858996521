/* ctlauth.h - host side of the signed control ops (pvisa/ctl.h): Ed25519 key files, counters, the ctl_auth trailer. */
#ifndef HOSTLIB_CTLAUTH_H
#define HOSTLIB_CTLAUTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Key files are text: NAME.pub holds the public key as 64 hex digits and a newline; NAME.key (mode 0600) the
 * libsodium secret key (seed then public key) as 128 hex digits and a newline. NAME.key.counter keeps the last
 * counter signed with that key. Functions that can fail return 0 or -1 with a message in err (errlen bytes).
 * libsodium does the cryptography; call ctlauth_init once first.
 */
int ctlauth_init(void);
/* Make a key pair: NAME.key and NAME.pub (refuses to overwrite either). */
int ctlauth_keygen(const char *name, char *err, size_t errlen);
int ctlauth_read_pub(const char *path, uint8_t pk[32], char *err, size_t errlen);
int ctlauth_read_key(const char *path, uint8_t sk[64], char *err, size_t errlen);
/* 64 hex digits of a public key (out: 65 bytes), and back (-1 unless exactly 64 hex digits). */
void ctlauth_hex(const uint8_t *b, size_t n, char *out);
int ctlauth_unhex(const char *hex, uint8_t *b, size_t n);

/* The next counter for the key at keypath: the time in microseconds, or the last one + 1 if that is larger;
 * kept in keypath.counter under a lock, so concurrent signers never reuse one. 0 on error (err says why). */
uint64_t ctlauth_next_counter(const char *keypath, char *err, size_t errlen);

/* Sign a request in place: payload holds op's body (body bytes); the ctl_auth trailer (tenant, counter, the
 * signature by sk) is written after it. Returns the payload's length (body + 80). */
size_t ctlauth_sign(uint16_t op, uint8_t *payload, size_t body, uint32_t tenant, uint64_t counter,
		    const uint8_t sk[64]);
/* Check a signed payload (len bytes, trailer included) against pk: 0 if the signature is good. */
int ctlauth_verify(uint16_t op, const uint8_t *payload, size_t len, const uint8_t pk[32]);

#endif
