/* images.c - tenants' image files under DIR/images/<sha512 hex>, and their upload to the kernel ahead of a T_LOAD. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "isod.h"

static char dir[ISOD_DIR_MAX];

int images_init(const char *state)
{
	snprintf(dir, sizeof dir, "%s/images", state);
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Write b to path atomically (a temporary file, fsync, rename). */
static int write_atomic(const char *path, const uint8_t *b, size_t n)
{
	char tmp[2 * PATH_MAX];
	int fd;
	size_t off = 0;

	snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)gettid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (off < n) {
		ssize_t k = write(fd, b + off, n - off);
		if (k <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)k;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int images_store(struct db *d, const uint8_t *b, size_t n, char *sha_hex, char *err, size_t errlen)
{
	uint8_t h[crypto_hash_sha512_BYTES];
	char path[PATH_MAX + 130];

	if (n == 0 || n > ISOD_IMAGE_MAX) {
		snprintf(err, errlen, "an image is 1..%u bytes", ISOD_IMAGE_MAX);
		return -1;
	}
	crypto_hash_sha512(h, b, n);
	codec_hex(h, sizeof h, sha_hex);
	snprintf(path, sizeof path, "%s/%s", dir, sha_hex);
	if (write_atomic(path, b, n) < 0 || db_image_put(d, sha_hex, path, n) < 0) {
		snprintf(err, errlen, "storing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static uint8_t *read_file(const char *path, uint64_t bytes)
{
	uint8_t *b = bytes <= ISOD_IMAGE_MAX ? malloc(bytes ? bytes : 1) : NULL;
	FILE *f = b ? fopen(path, "rb") : NULL;
	int ok = f && fread(b, 1, bytes, f) == bytes;

	if (f)
		fclose(f);
	if (!ok) {
		free(b);
		return NULL;
	}
	return b;
}

/* A failure of isod's own, as a reply: status, text. */
static int own_fail(struct ctlc_reply *fail, unsigned status, const char *text)
{
	memset(fail, 0, sizeof *fail);
	fail->status = (uint16_t)status;
	fail->own = 1;
	fail->data = (uint8_t *)strdup(text);
	fail->len = strlen(text);
	return -1;
}

int images_upload(struct db *d, const uint8_t sha[64], const char *name, struct ctlc_reply *fail)
{
	char hex[129];
	uint64_t bytes = 0, off = 0;
	char *path;
	uint8_t *b;
	struct ctl_upload_req up = { .kind = CTL_BLOB_IMAGE };

	codec_hex(sha, 64, hex);
	path = db_image_get(d, hex, &bytes);
	if (!path)
		return own_fail(fail, CTL_E_NOENT, "no image with that sha512 was POSTed to /v1/images");
	b = read_file(path, bytes);
	free(path);
	if (!b)
		return own_fail(fail, CTL_E_NOENT, "the stored image cannot be read");
	up.size = bytes;
	snprintf(up.name, sizeof up.name, "%.*s", (int)strnlen(name, CTL_NAME_MAX - 1), name);
	if (ctlc_call(CTL_OP_UPLOAD, &up, sizeof up, NULL, 0, fail) < 0)
		goto lost;
	while (fail->status == CTL_OK && off < bytes) {
		struct ctl_chunk_req c = { .offset = off };
		uint32_t n = bytes - off < CTL_CHUNK_MAX ? (uint32_t)(bytes - off) : CTL_CHUNK_MAX;
		ctlc_reply_free(fail);
		if (ctlc_call(CTL_OP_CHUNK, &c, sizeof c, b + off, n, fail) < 0)
			goto lost;
		off += n;
	}
	free(b);
	return fail->status == CTL_OK ? 0 : -1;
lost:
	free(b);
	return -2;
}
