/* sha512.c - SHA-512 (FIPS 180-4 section 6.4), streaming, freestanding; integer operations only. */
#include "sha512.h"
#include "lib.h"

static const uint64_t K[80] = {
	0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
	0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
	0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
	0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
	0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
	0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
	0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
	0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
	0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
	0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
	0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
	0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
	0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
	0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
	0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
	0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
	0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
	0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
	0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
	0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

static inline uint64_t ror(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

#define S0(a) (ror(a, 28) ^ ror(a, 34) ^ ror(a, 39))
#define S1(e) (ror(e, 14) ^ ror(e, 18) ^ ror(e, 41))
#define CH(e, f, g) (g ^ (e & (f ^ g)))
#define MAJ(a, b, c) ((a & b) | (c & (a | b)))
/* One round with the variables' roles rotated by the caller instead of moved: d and h are updated in place. */
#define ROUND(a, b, c, d, e, f, g, h, k, w)                                  \
	do {                                                                 \
		uint64_t t1 = h + S1(e) + CH(e, f, g) + (k) + (w);           \
		d += t1;                                                     \
		h = t1 + S0(a) + MAJ(a, b, c);                               \
	} while (0)

/* The schedule word t >= 16 into the rolling 16-word window. */
static inline uint64_t sched(uint64_t w[16], int t)
{
	uint64_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];

	return w[t & 15] += (ror(w15, 1) ^ ror(w15, 8) ^ (w15 >> 7)) + w[(t - 7) & 15] +
			    (ror(w2, 19) ^ ror(w2, 61) ^ (w2 >> 6));
}

/* One 128-byte block into the state, eight rounds per pass so no variable is moved between rounds. */
static void sha512_block(uint64_t st[8], const uint8_t *blk)
{
	uint64_t w[16], a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];

	for (int t = 0; t < 16; t++)
		w[t] = load_be64(blk + 8 * t);
	for (int t = 0; t < 80; t += 8) {
		uint64_t x[8];
		for (int i = 0; i < 8; i++)
			x[i] = t < 16 ? w[t + i] : sched(w, t + i);
		ROUND(a, b, c, d, e, f, g, h, K[t + 0], x[0]);
		ROUND(h, a, b, c, d, e, f, g, K[t + 1], x[1]);
		ROUND(g, h, a, b, c, d, e, f, K[t + 2], x[2]);
		ROUND(f, g, h, a, b, c, d, e, K[t + 3], x[3]);
		ROUND(e, f, g, h, a, b, c, d, K[t + 4], x[4]);
		ROUND(d, e, f, g, h, a, b, c, K[t + 5], x[5]);
		ROUND(c, d, e, f, g, h, a, b, K[t + 6], x[6]);
		ROUND(b, c, d, e, f, g, h, a, K[t + 7], x[7]);
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
	st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

void sha512_init(struct sha512_ctx *c)
{
	static const uint64_t iv[8] = {
		0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
		0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,
	};

	for (int i = 0; i < 8; i++)
		c->h[i] = iv[i];
	c->bytes = 0;
	c->fill = 0;
}

void sha512_update(struct sha512_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!n)
		return;                         /* an empty part may come as { NULL, 0 } */
	c->bytes += n;
	if (c->fill) {
		size_t k = 128 - c->fill < n ? 128 - c->fill : n;
		memcpy(c->buf + c->fill, p, k);
		c->fill += (uint32_t)k;
		p += k;
		n -= k;
		if (c->fill < 128)
			return;
		sha512_block(c->h, c->buf);
		c->fill = 0;
	}
	for (; n >= 128; p += 128, n -= 128)
		sha512_block(c->h, p);
	if (n)
		memcpy(c->buf, p, n);
	c->fill = (uint32_t)n;
}

/* Pad with 0x80, zeros and the 128-bit length in bits (the high 64 bits are 0 below 2^61 bytes). */
void sha512_final(struct sha512_ctx *c, uint8_t out[64])
{
	uint64_t bits = c->bytes << 3;

	c->buf[c->fill++] = 0x80;
	if (c->fill > 112) {
		memset(c->buf + c->fill, 0, 128 - c->fill);
		sha512_block(c->h, c->buf);
		c->fill = 0;
	}
	memset(c->buf + c->fill, 0, 120 - c->fill);
	store_be64(c->buf + 120, bits);
	sha512_block(c->h, c->buf);
	for (int i = 0; i < 8; i++)
		store_be64(out + 8 * i, c->h[i]);
	memset(c, 0, sizeof(*c));
}

void sha512(const void *data, size_t n, uint8_t out[64])
{
	struct sha512_ctx c;

	sha512_init(&c);
	sha512_update(&c, data, n);
	sha512_final(&c, out);
}
