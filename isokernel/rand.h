/* rand.h - the kernel's random generator (ChaCha20 keystream, seeded from the host, RDRAND and TSC jitter). */
#ifndef ISO_RAND_H
#define ISO_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Key the generator from host_seed (n words from the kernel command line, isorun's getrandom; may be 0), RDRAND
 * where the CPU has it, and TSC jitter. Any one of them unpredictable makes the key so. */
void rand_init(const uint64_t *host_seed, size_t n);
void rand_bytes(void *buf, size_t len);

#endif
