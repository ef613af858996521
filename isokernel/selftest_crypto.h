/* selftest_crypto.h - the boot-time check and measure of the kernel's Ed25519 and SHA-512 (selftest_verify=N). */
#ifndef ISO_SELFTEST_CRYPTO_H
#define ISO_SELFTEST_CRYPTO_H

#include <stdint.h>

/* n 0: nothing. Else verify every RFC 8032 vector and a corrupted copy of each, then time n verifies of one and
 * SHA-512 over a buffer, printing "isokernel: crypto:" lines (tests/system/test_crypto.sh, bench/crypto.sh read them). */
void selftest_verify(uint64_t n);

#endif
