/* rand.c - ChaCha20 in counter mode as the kernel's random source; the key is re-drawn from its own output. */
#include "rand.h"
#include "cpu.h"
#include "lib.h"

static uint32_t key[8];
static uint64_t counter;

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                                                                     \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12),                  \
	 a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

static void chacha_block(uint32_t out[16])
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint32_t x[16];

	memcpy(&in[4], key, sizeof(key));
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	counter++;
	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

static int hw_random(uint64_t *v)
{
	uint32_t r[4];
	unsigned char ok = 0;

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 30)))
		return 0;
	for (int tries = 0; tries < 10 && !ok; tries++)
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

void rand_init(const uint64_t *host_seed, size_t n)
{
	for (int i = 0; i < 8; i++) {
		uint64_t v = 0, t = rdtsc();
		hw_random(&v);
		/* TSC low bits jitter under emulation (not under -icount); mixed through ChaCha20 below. */
		for (int k = 0; k < 64; k++)
			t = t * 6364136223846793005ull + (rdtsc() & 0xff);
		key[i] = (uint32_t)(v ^ (v >> 32) ^ t ^ (t >> 32));
	}
	/* The host's 256 bits go in whole: key words 0..7 take its halves. */
	for (size_t i = 0; i < n && i < 4; i++) {
		key[2 * i] ^= (uint32_t)host_seed[i];
		key[2 * i + 1] ^= (uint32_t)(host_seed[i] >> 32);
	}
	uint32_t out[16];
	chacha_block(out);
	memcpy(key, out, sizeof(key));
	memset(out, 0, sizeof(out));
}

void rand_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	uint32_t out[16];

	while (len) {
		size_t n = len < sizeof(out) ? len : sizeof(out);
		chacha_block(out);
		memcpy(p, out, n);
		p += n;
		len -= n;
	}
	chacha_block(out);               /* fast key erasure: the next key is fresh output */
	memcpy(key, out, sizeof(key));
	memset(out, 0, sizeof(out));
}
