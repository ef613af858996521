/* fsfull.c - guest test: files live in the heap, so filling it makes writes fail with ENOSPC (never a fault), stdio and the tree still work, and removing files gives the memory back. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include "check.h"

static char chunk[4096];

/* Writes chunks to path until a write fails: the bytes written; the failing write's errno in *err. */
static long fill(const char *path, int *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long total = 0;
	ssize_t n;

	CHECK(fd >= 0, "open %s: errno %d", path, errno);
	while ((n = write(fd, chunk, sizeof(chunk))) > 0)
		total += n;
	*err = errno;
	CHECK(n == -1, "write returned %zd at the end", n);
	CHECK(close(fd) == 0, "close: errno %d", errno);
	return total;
}

static void sparse_limits(void)
{
	int fd = open("/tmp/sparse", O_RDWR | O_CREAT, 0600);
	struct stat st;

	CHECK(ftruncate(fd, (off_t)1 << 39) == 0, "a 512 GiB sparse file: errno %d", errno);
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)1 << 39 && st.st_blocks == 0, "size %ld blocks %ld",
	      (long)st.st_size, (long)st.st_blocks);
	errno = 0;
	CHECK(pwrite(fd, "x", 1, ((off_t)1 << 39) - 1) == -1 && errno == ENOSPC,
	      "a write at 512 GiB needs a block table bigger than the heap: errno %d", errno);
	errno = 0;
	CHECK(ftruncate(fd, ((off_t)1 << 40) + 1) == -1 && errno == EFBIG, "past the largest file: errno %d", errno);
	CHECK(close(fd) == 0 && unlink("/tmp/sparse") == 0, "cleanup: errno %d", errno);
}

/* With a shipped tree (test_files.sh builds this program with --files too): lookups, copy-up and listing when
 * the heap is full fail with ENOMEM or ENOSPC, or work in what is left; never a fault. */
static int has_tree;             /* /data/bin exists at the start */

/* Every last byte taken (a list of small blocks): an unseen shipped name, a new file, a new directory all fail
 * with ENOMEM or ENOSPC; everything works again once the blocks are freed. */
static void hog_and_check(void)
{
	void **list = NULL, **p;
	struct stat st;
	long n = 0;

	for (size_t sz = 4096; sz >= 8; sz /= 2)
		while ((p = malloc(sz > sizeof(void *) ? sz : sizeof(void *))) != NULL) {
			*p = list;
			list = p;
			n++;
		}
	if (has_tree) {
		errno = 0;
		CHECK(stat("/data/a name with spaces", &st) == -1 && errno == ENOMEM, "stat unseen shipped: errno %d",
		      errno);
	}
	errno = 0;
	CHECK(open("/tmp/new", O_CREAT | O_WRONLY, 0644) == -1 && (errno == ENOSPC || errno == ENOMEM),
	      "create with no memory: errno %d", errno);
	errno = 0;
	CHECK(mkdir("/tmp/nd", 0755) == -1 && errno == ENOSPC, "mkdir with no memory: errno %d", errno);
	while (list) {
		p = *list;
		free(list);
		list = p;
	}
	if (has_tree)
		CHECK(stat("/data/a name with spaces", &st) == 0, "stat after freeing: errno %d", errno);
	printf("every byte taken (%ld blocks): stat, open and mkdir failed cleanly\n", n);
}


static void shipped_when_full(int full)
{
	struct stat st;
	DIR *d;
	int fd, n = 0;

	if (!has_tree)
		return;
	errno = 0;
	CHECK(stat("/data/sub/deeper/x.txt", &st) == 0 || errno == ENOMEM, "stat: errno %d", errno);
	errno = 0;
	fd = open("/data/bin", O_WRONLY);
	CHECK(fd >= 0 || errno == ENOMEM, "open shipped: errno %d", errno);
	if (fd >= 0) {
		errno = 0;
		CHECK(pwrite(fd, "x", 1, 5000) == 1 || errno == ENOSPC, "copy-up: errno %d", errno);
		close(fd);
	}
	errno = 0;
	if ((d = opendir("/data")) != NULL) {
		while (readdir(d))
			n++;
		CHECK(n > 2 || errno == ENOMEM, "readdir: %d entries, errno %d", n, errno);
		closedir(d);
	} else {
		CHECK(errno == ENOMEM, "opendir: errno %d", errno);
	}
	printf("shipped tree with the heap %s: stat, copy-up and readdir fail cleanly or work\n", full ? "full" : "free");
}

int main(void)
{
	long first, again;
	int err = 0, fd;

	struct stat st;

	has_tree = stat("/data/bin", &st) == 0;
	memset(chunk, 'x', sizeof(chunk));
	sparse_limits();
	first = fill("/tmp/big", &err);
	CHECK(err == ENOSPC, "the write that found the heap full: errno %d, not ENOSPC", err);
	CHECK(first > 256 * 1024, "only %ld bytes fitted", first);
	printf("heap full after %ld bytes of file\n", first);
	/* Full: making things fails cleanly (or succeeds in what is left), stdio still prints. */
	errno = 0;
	fd = open("/tmp/more", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 || errno == ENOSPC || errno == ENOMEM, "open when full: errno %d", errno);
	errno = 0;
	CHECK(mkdir("/tmp/dir", 0755) == 0 || errno == ENOSPC, "mkdir when full: errno %d", errno);
	CHECK(printf("stdio works when the heap is full\n") > 0, "printf failed");
	shipped_when_full(1);
	hog_and_check();
	/* Removing the file gives its blocks back: as much fits again. */
	CHECK(unlink("/tmp/big") == 0, "unlink: errno %d", errno);
	again = fill("/tmp/big2", &err);
	CHECK(err == ENOSPC, "second fill: errno %d", err);
	CHECK(again >= first - 16 * 4096, "after unlink only %ld of %ld bytes fitted again", again, first);
	printf("after unlink %ld bytes fitted again\n", again);
	CHECK(truncate("/tmp/big2", 0) == 0, "truncate: errno %d", errno);
	CHECK(fill("/tmp/big2", &err) >= first - 16 * 4096, "after truncate less fitted");
	CHECK(unlink("/tmp/big2") == 0, "unlink: errno %d", errno);
	shipped_when_full(0);
	return check_done("fsfull");
}
