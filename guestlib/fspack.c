/* fspack.c - guest-fspack DIR OUT: packs DIR's regular files and directories into the read-only archive of fsarc.h (host tool run by guest-cc --files). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fsarc.h"

#define PACK_MAX_ENTRIES 1000000u

struct pent {
	char *path;             /* on the host */
	char *name;             /* in its directory */
	struct gfs_arc_ent e;
};

static struct pent *ents;
static uint32_t nents, cap;
static const char *prog = "guest-fspack";

static void die(const char *path, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, path, what);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("memory", strerror(errno));
	return p;
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = xrealloc(NULL, a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* The entry for path (lstat'ed: a symbolic link is refused, never followed). */
static void add(char *path, char *name, uint32_t parent)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		die(path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		die(path, "a symbolic link: --files packs regular files and directories only (copy the target instead)");
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		die(path, "a device, fifo or socket: --files packs regular files and directories only");
	if (strlen(name) > GFS_ARC_NAME_MAX)
		die(path, "name longer than 255 bytes");
	if (nents >= PACK_MAX_ENTRIES)
		die(path, "more than 1,000,000 entries");
	if (nents == cap) {
		cap = cap ? cap * 2 : 64;
		ents = xrealloc(ents, cap * sizeof(*ents));
	}
	ents[nents++] = (struct pent){ path, name, {
		.mode = (S_ISDIR(st.st_mode) ? GFS_ARC_IFDIR : GFS_ARC_IFREG) | (st.st_mode & 0777),
		.parent = parent, .len = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, .mtime = st.st_mtime } };
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);   /* bytewise, a prefix first: fsarc.h's order */
}

/* Appends directory i's children, sorted, as one range (breadth first: every range follows its directory). */
static void add_children(uint32_t i)
{
	DIR *d = opendir(ents[i].path);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		die(ents[i].path, strerror(errno));
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	if (errno)
		die(ents[i].path, strerror(errno));
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	ents[i].e.off = nents;
	ents[i].e.len = n;
	for (size_t k = 0; k < n; k++)
		add(join(ents[i].path, names[k]), names[k], i);
	free(names);
}

static void put(FILE *f, const void *p, size_t n, const char *out)
{
	if (n && fwrite(p, 1, n, f) != n)
		die(out, strerror(errno));
}

static void copy_file(FILE *f, const struct pent *p, const char *out)
{
	FILE *in = fopen(p->path, "rb");
	char buf[65536];
	uint64_t left = p->e.len;

	if (!in)
		die(p->path, strerror(errno));
	while (left > 0) {
		size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), in);
		if (n == 0)
			die(p->path, "changed size while being packed");
		put(f, buf, n, out);
		left -= n;
	}
	fclose(in);
}

static void write_archive(const char *out)
{
	struct gfs_arc_hdr h = { .version = GFS_ARC_VERSION, .count = nents };
	uint64_t names = 0, data;
	FILE *f;

	for (uint32_t i = 1; i < nents; i++) {
		ents[i].e.name = (uint32_t)names;
		ents[i].e.name_len = (uint32_t)strlen(ents[i].name);
		names += ents[i].e.name_len;
	}
	memcpy(h.magic, GFS_ARC_MAGIC, sizeof(h.magic));
	h.names = sizeof(h) + (uint64_t)nents * sizeof(struct gfs_arc_ent);
	h.names_len = names;
	data = h.names + names;
	for (uint32_t i = 0; i < nents; i++)
		if ((ents[i].e.mode & ~0777u) == GFS_ARC_IFREG) {
			ents[i].e.off = data;
			data += ents[i].e.len;
		}
	h.size = data;
	if (!(f = fopen(out, "wb")))
		die(out, strerror(errno));
	put(f, &h, sizeof(h), out);
	for (uint32_t i = 0; i < nents; i++)
		put(f, &ents[i].e, sizeof(ents[i].e), out);
	for (uint32_t i = 1; i < nents; i++)
		put(f, ents[i].name, ents[i].e.name_len, out);
	for (uint32_t i = 0; i < nents; i++)
		if ((ents[i].e.mode & ~0777u) == GFS_ARC_IFREG)
			copy_file(f, &ents[i], out);
	if (fclose(f) != 0)
		die(out, strerror(errno));
}

/* The archive just written passes the guest's own check (the same code). */
static void self_check(const char *out)
{
	FILE *f = fopen(out, "rb");
	long n;
	void *buf;
	const char *why;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die(out, "cannot read back");
	buf = xrealloc(NULL, (size_t)n + 8);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		die(out, "cannot read back");
	fclose(f);
	if ((why = gfs_arc_check(buf, (size_t)n)) != NULL)
		die(out, why);
	free(buf);
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DIR OUT   (packs DIR for guest-cc --files; see guestlib/fsarc.h)\n", prog);
		return 2;
	}
	if (stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode))
		die(argv[1], "not a directory");
	add(strdup(argv[1]), "", 0);
	for (uint32_t i = 0; i < nents; i++)
		if ((ents[i].e.mode & ~0777u) == GFS_ARC_IFDIR)
			add_children(i);
	write_archive(argv[2]);
	self_check(argv[2]);
	return 0;
}
