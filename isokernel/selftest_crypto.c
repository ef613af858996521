/* selftest_crypto.c - selftest_verify=N on the kernel command line: the RFC 8032 vectors through the kernel's own
 * Ed25519 verifier (each accepted, a corrupted copy of each rejected), then N timed verifies and a timed SHA-512,
 * printed as "isokernel: crypto:" lines. A boot-time check until the tenant code calls the verifier; not for production. */
#include "selftest_crypto.h"
#include "ed25519.h"
#include "sha512.h"
#include "rfc8032_vectors.h"
#include "kprintf.h"
#include "lib.h"
#include "tsc.h"
#include "cpu.h"

#define NVEC (sizeof(rfc8032_vectors) / sizeof(rfc8032_vectors[0]))
#define TIMED_VEC (NVEC - 1)                    /* TEST SHA(abc): a 64-byte message, like a short control request */
#define SHA_BYTES (64 * 1024)
#define SHA_ROUNDS 16

struct vec {
	uint8_t pk[32], sig[64], msg[1024];
	size_t n;
};

static struct vec v;
static uint8_t sha_buf[SHA_BYTES];

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

static size_t unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < max; hex += 2)
		out[n++] = (uint8_t)(nibble(hex[0]) << 4 | nibble(hex[1]));
	return n;
}

static void load(const struct rfc8032_vec *t)
{
	unhex(v.pk, sizeof(v.pk), t->pk);
	unhex(v.sig, sizeof(v.sig), t->sig);
	v.n = unhex(v.msg, sizeof(v.msg), t->msg);
}

/* Each vector accepted; the same with one bit of S flipped (or of R for the odd ones) rejected. Returns failures. */
static unsigned check_vectors(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < NVEC; i++) {
		load(&rfc8032_vectors[i]);
		int good = ed25519_verify(v.sig, v.msg, v.n, v.pk);
		v.sig[i % 2 ? 5 : 40] ^= 0x10;
		int corrupt = ed25519_verify(v.sig, v.msg, v.n, v.pk);
		kprintf("isokernel: crypto: vector=\"%s\" good=%s corrupted=%s\n", rfc8032_vectors[i].name,
			good == 0 ? "accept" : "reject", corrupt == 0 ? "accept" : "reject");
		bad += (good != 0) + (corrupt == 0);
	}
	return bad;
}

/* n verifies of one vector (as parts: the 32-byte prefix, then the rest, as the tenant code will call it). */
static void time_verifies(uint64_t n)
{
	struct ed25519_part parts[2];
	uint64_t ok = 0, t0, t1;

	load(&rfc8032_vectors[TIMED_VEC]);
	parts[0] = (struct ed25519_part){ v.msg, 32 };
	parts[1] = (struct ed25519_part){ v.msg + 32, v.n - 32 };
	t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++)
		ok += ed25519_verify_parts(v.sig, v.pk, parts, 2) == 0;
	t1 = rdtsc();
	kprintf("isokernel: crypto: verifies=%lu accepted=%lu vector=\"%s\" tsc=%lu tsc_per_verify=%lu ns_per_verify=%lu\n", n, ok,
		rfc8032_vectors[TIMED_VEC].name, t1 - t0, (t1 - t0) / n, tsc_to_ns(t1 - t0) / n);
}

static void time_sha512(void)
{
	uint8_t h[64];
	uint64_t t0, t1;

	for (size_t i = 0; i < SHA_BYTES; i++)
		sha_buf[i] = (uint8_t)(i * 131 + 7);
	t0 = rdtsc();
	for (int r = 0; r < SHA_ROUNDS; r++)
		sha512(sha_buf, SHA_BYTES, h);
	t1 = rdtsc();
	kprintf("isokernel: crypto: sha512_bytes=%u tsc=%lu ns=%lu digest0=%02x%02x%02x%02x\n", SHA_BYTES * SHA_ROUNDS, t1 - t0,
		tsc_to_ns(t1 - t0), h[0], h[1], h[2], h[3]);
}

void selftest_verify(uint64_t n)
{
	if (!n)
		return;
	unsigned bad = check_vectors();
	time_verifies(n);
	time_sha512();
	kprintf("isokernel: crypto: selftest=%s tsc_hz=%lu\n", bad ? "FAIL" : "ok", tsc_hz);
}
