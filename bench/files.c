/* files.c - bench guest for `make bench-files`: MS MODE (none, new, shipped, rewrite, bigdir) does one 4 KiB file's worth of work, then idles until MS ms after its start, so the kernel's per-VM figures show what files cost. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "guest.h"

#define FILE_BYTES 4096

static char buf[FILE_BYTES], back[FILE_BYTES];

/* Writes buf to path at 0 (flags: how to open), reads it back: 0 when it came back whole. */
static int write_read(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0 || pwrite(fd, buf, FILE_BYTES, 0) != FILE_BYTES || close(fd) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY)) < 0 || read(fd, back, FILE_BYTES) != FILE_BYTES || close(fd) != 0)
		return -1;
	return memcmp(buf, back, FILE_BYTES) == 0 ? 0 : -1;
}

/* Reads the shipped file (4 KiB of 's' in the image's tree): 0 when it is there whole. */
static int read_shipped(void)
{
	int fd = open("/data/state", O_RDONLY);

	if (fd < 0 || read(fd, back, FILE_BYTES) != FILE_BYTES || close(fd) != 0)
		return -1;
	for (int i = 0; i < FILE_BYTES; i++)
		if (back[i] != 's')
			return -1;
	return 0;
}

/* Opens one of the 500 shipped files of /data/many (16 bytes each): what looking into a big shipped directory costs. */
static int read_bigdir(void)
{
	int fd = open("/data/many/f250", O_RDONLY);

	if (fd < 0 || read(fd, back, 16) != 16 || close(fd) != 0)
		return -1;
	return memcmp(back, "file 250 of 500\n", 16) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint64_t start = guest_clock_ns();
	long long ms = argc == 3 ? guest_arg_num(argv[1], 86400000LL) : -1;
	const char *mode = argc == 3 ? argv[2] : "";
	uint64_t deadline;
	int r = 0;

	if (ms < 0) {
		fprintf(stderr, "usage: files MILLISECONDS none|new|shipped|rewrite|bigdir\n");
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	memset(back, 0, sizeof(back));     /* both buffers' pages in every mode: the deltas are the files' own */
	if (!strcmp(mode, "new"))
		r = write_read("/tmp/state", O_WRONLY | O_CREAT | O_TRUNC);
	else if (!strcmp(mode, "shipped"))
		r = read_shipped();
	else if (!strcmp(mode, "bigdir"))
		r = read_bigdir();
	else if (!strcmp(mode, "rewrite"))
		r = write_read("/data/state", O_WRONLY);
	else if (strcmp(mode, "none"))
		r = -1;
	printf("%s %s\n", mode, r == 0 ? "ok" : "FAILED");
	deadline = start + (uint64_t)ms * 1000000u;
	while (guest_clock_ns() < deadline)
		guest_idle_until(deadline);
	return r == 0 ? 0 : 1;
}
