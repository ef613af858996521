/* fstree.c - fstree DIR [mutate|fresh]: lists a tree (sorted, with sizes, modes and a hash of each file), changes it and lists it again (fresh: changes it before anything is listed); test_files.sh runs it on a --files tree in a VM and on a copy on the host, and requires the same lines. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* errno's name, not strerror's text (newlib's and glibc's differ). */
static const char *ename(int e)
{
	return e == ENOTEMPTY ? "ENOTEMPTY" : e == ENOENT ? "ENOENT" : e == EEXIST ? "EEXIST" : e == ENOSPC ? "ENOSPC" :
	       "other";
}

/* FNV-1a over the file's bytes, read in odd-sized pieces (crossing the 4 KiB blocks at odd places). */
static void show_file(const char *path, const struct stat *st)
{
	unsigned char buf[1000];
	uint64_t h = 14695981039346656037ull;
	long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("f %s: open: %s\n", path, ename(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf) - 7)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
		total += n;
	}
	close(fd);
	printf("f %s size %ld read %ld mode %03o nlink %u hash %016llx\n", path, (long)st->st_size, total,
	       (unsigned)(st->st_mode & 0777), (unsigned)st->st_nlink, (unsigned long long)h);
}

static void walk(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (stat(path, &st) != 0) {
		printf("? %s: %s\n", path, ename(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		show_file(path, &st);
		return;
	}
	printf("d %s mode %03o\n", path, (unsigned)(st.st_mode & 0777));
	if (!(d = opendir(path))) {
		printf("? %s: opendir: %s\n", path, ename(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
		sprintf(names[n++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		walk(names[i]);
		free(names[i]);
	}
	free(names);
}

static void say(const char *what, int r)
{
	printf("%s: %d%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? ename(errno) : "");
}

/* Changes to shipped files and directories: each is copied up (or renamed, removed) in the VM's heap. */
static void mutate(const char *root)
{
	char p[512], q[512];
	int fd;

	snprintf(p, sizeof(p), "%s/bin", root);
	fd = open(p, O_RDWR);
	say("pwrite across a block boundary", (int)pwrite(fd, "0123456789abcdef0123456789abcdef", 32, 4080));
	say("pwrite past the end", (int)pwrite(fd, "tail", 4, 12000));
	close(fd);
	snprintf(p, sizeof(p), "%s/hello.txt", root);
	fd = open(p, O_WRONLY | O_APPEND);
	say("append", (int)write(fd, "more\n", 5));
	close(fd);
	snprintf(q, sizeof(q), "%s/hello.link", root);
	say("link a shipped file", link(p, q));
	snprintf(p, sizeof(p), "%s/sub/deeper/x.txt", root);
	say("truncate 3", truncate(p, 3));
	say("truncate 5000 (zeros, not the old bytes)", truncate(p, 5000));
	snprintf(p, sizeof(p), "%s/empty", root);
	say("unlink a shipped file", unlink(p));
	fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0600);
	say("create the unlinked name again", fd < 0 ? -1 : (int)write(fd, "again\n", 6));
	close(fd);
	snprintf(p, sizeof(p), "%s/hello.link", root);
	snprintf(q, sizeof(q), "%s/a name with spaces", root);
	say("rename over a shipped file", rename(p, q));
	snprintf(p, sizeof(p), "%s/sub", root);
	say("rmdir a shipped non-empty dir", rmdir(p));
	snprintf(q, sizeof(q), "%s/sub2", root);
	say("rename a shipped dir", rename(p, q));
	snprintf(p, sizeof(p), "%s/emptydir/new.txt", root);
	fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0640);
	say("create in a shipped dir", fd < 0 ? -1 : (int)write(fd, "new\n", 4));
	close(fd);
	snprintf(p, sizeof(p), "%s/newdir", root);
	say("mkdir in a shipped dir", mkdir(p, 0750));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: fstree DIR [mutate|fresh]\n");
		return 2;
	}
	umask(022);
	if (argc > 2 && !strcmp(argv[2], "fresh")) {       /* changes before anything was looked at */
		mutate(argv[1]);
		walk(argv[1]);
	} else {
		walk(argv[1]);
		if (argc > 2 && !strcmp(argv[2], "mutate")) {
			mutate(argv[1]);
			walk(argv[1]);
		}
	}
	printf("done: fstree\n");
	return 0;
}
