/* fsarcfuzz.c - fuzzes the check guestlib makes of a --files archive (guestlib/fsarc.c, built for the host): whatever it accepts, everything guestlib reads of it lies inside it. */
/*
 * Input byte 0 picks the form: odd = patches (pairs of offset byte, value byte, applied to a valid archive built
 * here: a root with a file, an empty file and a directory holding two files), so single fields of a well-formed
 * archive go wrong alone; even = the rest of the input is the archive. The archive is copied to a buffer of exactly
 * its size (AddressSanitizer sees any read past it). When gfs_arc_check accepts it, every entry, name and file byte
 * is read as guestlib's fsnode.c reads them (directory ranges, names, data), and the tree's shape is checked: each
 * entry but the root reached once, from its parent, names sorted and unique. Built with clang's libFuzzer (make
 * fuzz); without clang, a driver main() runs FSARCFUZZ_RUNS random inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsarc.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fsarcfuzz: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

static unsigned long accepted;

/* A valid archive: root {a (file "hello\n"), b (dir {c "see\n", d ""}), e (empty file)}. */
static size_t build_valid(unsigned char *out)
{
	struct gfs_arc_hdr h = { .version = GFS_ARC_VERSION, .count = 6 };
	struct gfs_arc_ent e[6] = {
		{ GFS_ARC_IFDIR | 0755, 0, 0, 0, 1, 3, 0 },
		{ GFS_ARC_IFREG | 0644, 0, 0, 1, 0, 6, 1 },
		{ GFS_ARC_IFDIR | 0700, 0, 1, 1, 4, 2, 2 },
		{ GFS_ARC_IFREG | 0600, 0, 2, 1, 0, 0, 3 },
		{ GFS_ARC_IFREG | 0644, 2, 3, 1, 0, 4, 4 },
		{ GFS_ARC_IFREG | 0644, 2, 4, 1, 0, 0, 5 },
	};
	const char names[] = "abecd", data[] = "hello\nsee\n";
	size_t off;

	memcpy(h.magic, GFS_ARC_MAGIC, sizeof(h.magic));
	h.names = sizeof(h) + sizeof(e);
	h.names_len = 5;
	off = h.names + h.names_len;
	e[1].off = off;
	e[3].off = off + 6;
	e[4].off = off + 6;
	e[5].off = off + 10;
	h.size = off + 10;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), e, sizeof(e));
	memcpy(out + h.names, names, 5);
	memcpy(out + off, data, 10);
	return (size_t)h.size;
}

/* Reads everything an accepted archive offers, as fsnode.c does, and checks the tree's shape. */
static void use_all(const unsigned char *a, size_t size)
{
	const struct gfs_arc_hdr *h = (const void *)a;
	const struct gfs_arc_ent *e = (const void *)(h + 1);
	unsigned char *seen = calloc(h->count, 1);
	unsigned long sum = 0;

	CHECK(seen);
	CHECK(h->size <= size && (e[0].mode & ~0777u) == GFS_ARC_IFDIR);
	for (uint32_t i = 0; i < h->count; i++) {
		if ((e[i].mode & ~0777u) == GFS_ARC_IFREG) {
			for (uint64_t k = 0; k < e[i].len; k++)
				sum += a[e[i].off + k];
			continue;
		}
		CHECK((e[i].mode & ~0777u) == GFS_ARC_IFDIR);
		for (uint64_t c = e[i].off; c < e[i].off + e[i].len; c++) {
			const unsigned char *n = a + h->names + e[c].name;
			CHECK(c > i && c < h->count && e[c].parent == i && !seen[c]);
			seen[c] = 1;
			CHECK(e[c].name_len >= 1 && e[c].name_len <= GFS_ARC_NAME_MAX);
			CHECK(!memchr(n, '/', e[c].name_len) && !memchr(n, 0, e[c].name_len));
			if (c > e[i].off) {
				const struct gfs_arc_ent *p = &e[c - 1];
				size_t l = p->name_len < e[c].name_len ? p->name_len : e[c].name_len;
				int r = memcmp(a + h->names + p->name, n, l);
				CHECK(r < 0 || (r == 0 && p->name_len < e[c].name_len));
			}
		}
	}
	for (uint32_t i = 1; i < h->count; i++)
		CHECK(seen[i]);
	free(seen);
	accepted += sum == (unsigned long)-1;   /* keeps the reads */
	accepted++;
}

static void one(const unsigned char *buf, size_t len)
{
	unsigned char base[1024];
	unsigned char *a;
	size_t size;

	if (len == 0)
		return;
	if (buf[0] & 1) {
		size = build_valid(base);
		for (size_t i = 1; i + 1 < len; i += 2)
			base[buf[i] % size] = buf[i + 1];
		buf = base;
	} else {
		buf++;
		size = len - 1;
	}
	a = malloc(size ? size : 1);
	CHECK(a);
	memcpy(a, buf, size);
	if (gfs_arc_check(a, size) == NULL)
		use_all(a, size);
	free(a);
}

#ifdef FSARCFUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	one(data, len);
	return 0;
}
#else
int main(void)
{
	const char *env = getenv("FSARCFUZZ_RUNS");
	long runs = env ? atol(env) : 100000;
	unsigned char buf[512], valid[1024];
	unsigned rng = 12345;
	size_t vlen = build_valid(valid);

	one((const unsigned char *)"\x01", 1);
	CHECK(accepted == 1);                   /* the unpatched archive is accepted */
	for (long r = 0; r < runs; r++) {
		size_t len = 1 + (rng = rng * 1103515245u + 12345u) % sizeof(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)((rng = rng * 1103515245u + 12345u) >> 16);
		if (buf[0] % 4 == 2 && len > vlen) {    /* the valid archive with random bytes changed */
			memcpy(buf + 1, valid, vlen);
			for (int k = 0; k < 3; k++) {
				rng = rng * 1103515245u + 12345u;
				buf[1 + rng % vlen] = (unsigned char)(rng >> 20);
			}
			len = vlen + 1;
		}
		one(buf, len);
	}
	printf("fsarcfuzz: %ld random inputs, %lu archives accepted and read whole\n", runs, accepted);
	return 0;
}
#endif
