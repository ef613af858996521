/* fsrandom.c - fsrandom SEED OPS FILE...: random writes, truncations and reads on each FILE (shipped or new), printing hashes of what comes back; test_files.sh requires the same lines in a VM as on Linux. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPAN 9000                       /* beyond two 4 KiB blocks, so ops cross block edges */

static uint32_t rng;
static unsigned char buf[SPAN];

static uint32_t next(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static uint64_t hash(const unsigned char *p, size_t n, uint64_t h)
{
	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

/* The whole file, read in pieces of random size. */
static uint64_t file_hash(int fd, long *size)
{
	uint64_t h = 14695981039346656037ull;
	long off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, 1 + next(SPAN - 1), off)) > 0) {
		h = hash(buf, (size_t)n, h);
		off += n;
	}
	*size = off;
	return h;
}

static void one_op(int fd, int op, long size)
{
	long off = (long)next((uint32_t)size + SPAN), len = (long)next(SPAN);

	for (long i = 0; i < len; i++)
		buf[i] = (unsigned char)next(256);
	switch (op) {
	case 0: if (pwrite(fd, buf, (size_t)len, off) != len) printf("pwrite failed\n"); break;
	case 1: if (ftruncate(fd, off) != 0) printf("ftruncate failed\n"); break;
	case 2: if (lseek(fd, off, SEEK_SET) != off || write(fd, buf, (size_t)len) != len) printf("write failed\n"); break;
	case 3: if (ftruncate(fd, off / 4) != 0) printf("ftruncate failed\n"); break;
	default: {
		ssize_t n = pread(fd, buf, (size_t)len, off);
		printf("  pread %ld at %ld: %zd %016llx\n", len, off, n, (unsigned long long)hash(buf, n > 0 ? (size_t)n : 0,
		       0));
	}
	}
}

int main(int argc, char **argv)
{
	long ops = argc > 2 ? atol(argv[2]) : 0;

	if (argc < 4) {
		printf("usage: fsrandom SEED OPS FILE...\n");
		return 2;
	}
	for (int a = 3; a < argc; a++) {
		int fd = open(argv[a], O_RDWR | O_CREAT, 0644);
		long size;

		rng = (uint32_t)atol(argv[1]) + (uint32_t)a;
		if (fd < 0) {
			printf("%s: cannot open\n", argv[a]);
			continue;
		}
		printf("%s: start %016llx", argv[a], (unsigned long long)file_hash(fd, &size));
		printf(" size %ld\n", size);
		for (long i = 0; i < ops; i++) {
			one_op(fd, (int)next(5), size);
			if (i % 50 == 49) {
				uint64_t h = file_hash(fd, &size);
				struct stat st;
				fstat(fd, &st);
				printf("%s: after %ld ops %016llx size %ld st_size %ld\n", argv[a], i + 1,
				       (unsigned long long)h, size, (long)st.st_size);
			}
		}
		close(fd);
	}
	printf("done: fsrandom\n");
	return 0;
}
