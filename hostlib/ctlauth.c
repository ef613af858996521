/* ctlauth.c - host side of the signed control ops: key files, counters and signatures with libsodium. */
#include "ctlauth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>
#include <sodium.h>

#include "ctl.h"

static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

int ctlauth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void ctlauth_hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

int ctlauth_unhex(const char *hex, uint8_t *b, size_t n)
{
	size_t got = 0;
	const char *end;

	if (strlen(hex) != 2 * n || sodium_hex2bin(b, n, hex, 2 * n, NULL, &got, &end) != 0 || got != n)
		return -1;
	return 0;
}

static int write_new(const char *path, mode_t mode, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	size_t len = strlen(text);

	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

int ctlauth_keygen(const char *name, char *err, size_t errlen)
{
	uint8_t pk[32], sk[64];
	char path[4096], hex[129], line[131];

	crypto_sign_keypair(pk, sk);
	snprintf(path, sizeof(path), "%s.key", name);
	ctlauth_hex(sk, 64, hex);
	snprintf(line, sizeof(line), "%s\n", hex);
	sodium_memzero(sk, sizeof(sk));
	if (write_new(path, 0600, line, err, errlen) != 0)
		return sodium_memzero(line, sizeof(line)), -1;
	sodium_memzero(line, sizeof(line));
	sodium_memzero(hex, sizeof(hex));
	snprintf(path, sizeof(path), "%s.pub", name);
	ctlauth_hex(pk, 32, hex);
	snprintf(line, sizeof(line), "%s\n", hex);
	if (write_new(path, 0644, line, err, errlen) != 0) {
		snprintf(path, sizeof(path), "%s.key", name);
		unlink(path);
		return -1;
	}
	return 0;
}

/* One line of exactly n bytes of hex (then a newline or the end) into b. */
static int read_hex_file(const char *path, uint8_t *b, size_t n, const char *what, char *err, size_t errlen)
{
	char line[260] = { 0 };
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = 0;
	if (ctlauth_unhex(line, b, n) != 0) {
		sodium_memzero(line, sizeof(line));
		return fail(err, errlen, "%s: not %s (want one line of %zu hex digits)", path, what, 2 * n);
	}
	sodium_memzero(line, sizeof(line));
	return 0;
}

int ctlauth_read_pub(const char *path, uint8_t pk[32], char *err, size_t errlen)
{
	return read_hex_file(path, pk, 32, "an Ed25519 public key", err, errlen);
}

int ctlauth_read_key(const char *path, uint8_t sk[64], char *err, size_t errlen)
{
	uint8_t pk[32];

	if (read_hex_file(path, sk, 64, "an Ed25519 secret key", err, errlen) != 0)
		return -1;
	if (crypto_sign_ed25519_sk_to_pk(pk, sk) != 0 || memcmp(pk, sk + 32, 32) != 0) {
		uint8_t seed[32], pk2[32], sk2[64];

		memcpy(seed, sk, 32);
		crypto_sign_seed_keypair(pk2, sk2, seed);
		sodium_memzero(seed, sizeof(seed));
		if (memcmp(sk2, sk, 64) != 0) {
			sodium_memzero(sk2, sizeof(sk2));
			return fail(err, errlen, "%s: its public half does not match its seed", path);
		}
		sodium_memzero(sk2, sizeof(sk2));
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

uint64_t ctlauth_next_counter(const char *keypath, char *err, size_t errlen)
{
	char path[4096], buf[32] = { 0 };
	uint64_t last = 0, next;
	int fd;

	snprintf(path, sizeof(path), "%s.counter", keypath);
	if ((fd = open(path, O_RDWR | O_CREAT, 0600)) < 0 || flock(fd, LOCK_EX) != 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		last = strtoull(buf, NULL, 10);
	next = now_us();
	if (next <= last)
		next = last + 1;
	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)next);
	if (pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf) || ftruncate(fd, (off_t)strlen(buf)) != 0 ||
	    fsync(fd) != 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		next = 0;
	}
	close(fd);
	return next;
}

/* The signed message: domain, op, 0, n, then the payload's first n bytes. */
static uint8_t *message(uint16_t op, const uint8_t *payload, size_t n, size_t *mlen)
{
	uint8_t *m = malloc(CTL_SIG_PREFIX + n);

	if (!m)
		return NULL;
	memcpy(m, CTL_SIG_DOMAIN, 8);
	m[8] = (uint8_t)op;
	m[9] = (uint8_t)(op >> 8);
	m[10] = m[11] = 0;
	for (int i = 0; i < 4; i++)
		m[12 + i] = (uint8_t)(n >> (8 * i));
	memcpy(m + CTL_SIG_PREFIX, payload, n);
	*mlen = CTL_SIG_PREFIX + n;
	return m;
}

size_t ctlauth_sign(uint16_t op, uint8_t *payload, size_t body, uint32_t tenant, uint64_t counter,
		    const uint8_t sk[64])
{
	struct ctl_auth a = { .tenant = tenant, .reserved = 0, .counter = counter };
	size_t n = body + offsetof(struct ctl_auth, sig), mlen;
	uint8_t *m;

	memcpy(payload + body, &a, sizeof(a));
	if (!(m = message(op, payload, n, &mlen)))
		abort();
	crypto_sign_detached(payload + n, NULL, m, mlen, sk);
	free(m);
	return body + sizeof(a);
}

int ctlauth_verify(uint16_t op, const uint8_t *payload, size_t len, const uint8_t pk[32])
{
	size_t mlen;
	uint8_t *m;
	int r;

	if (len < sizeof(struct ctl_auth))
		return -1;
	if (!(m = message(op, payload, len - 64, &mlen)))
		return -1;
	r = crypto_sign_verify_detached(payload + len - 64, m, mlen, pk);
	free(m);
	return r == 0 ? 0 : -1;
}
