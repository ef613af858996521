/* rand.h - the kernel's random generator (ChaCha20 keystream, seeded from RDRAND/RDSEED and TSC jitter). */
#ifndef ISO_RAND_H
#define ISO_RAND_H

#include <stddef.h>
#include <stdint.h>

void rand_init(void);
void rand_bytes(void *buf, size_t len);

#endif
