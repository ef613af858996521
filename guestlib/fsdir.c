/* fsdir.c - directory streams (dirent.h): opendir, fdopendir, readdir, readdir_r, rewinddir, telldir, seekdir, closedir, dirfd, scandir, alphasort. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fs.h"

/* A stream over a directory descriptor; pos is the next entry's seq (0 ".", 1 "..", then fs.h's seq). */
struct gfs_dirstream {
	int fd;
	long pos;
	struct dirent ent;
};

DIR *fdopendir(int fd)
{
	struct gfs_inode *i = gfs_fd_inode(fd, ENOTDIR, NULL);
	DIR *d;

	if (!i)
		return NULL;
	if (!gfs_isdir(i)) {
		errno = ENOTDIR;
		return NULL;
	}
	if (!(d = malloc(sizeof(*d)))) {
		errno = ENOMEM;
		return NULL;
	}
	d->fd = fd;
	d->pos = 0;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

static struct dirent *dir_fill(DIR *d, uint64_t ino, const char *name, size_t len, int dir, uint64_t next)
{
	d->ent.d_ino = (ino_t)ino;
	d->ent.d_off = (off_t)next;
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = dir ? DT_DIR : DT_REG;
	memcpy(d->ent.d_name, name, len);
	d->ent.d_name[len] = 0;
	d->pos = (long)next;
	return &d->ent;
}

/* The next entry; NULL at the end (errno unchanged) or on error (EBADF, ENOMEM). A removed directory is empty. */
struct dirent *readdir(DIR *d)
{
	struct gfs_inode *i = gfs_fd_inode(d->fd, EBADF, NULL);
	struct gfs_dirent *e;

	if (!i || i->nlink == 0)
		return NULL;
	if (d->pos == 0)
		return dir_fill(d, i->ino, ".", 1, 1, 1);
	if (d->pos == 1)
		return dir_fill(d, i->d.parent->ino, "..", 2, 1, 2);
	if (gfs_dir_load(i) < 0)
		return NULL;
	for (e = i->d.head; e && e->seq < (uint64_t)d->pos; e = e->next)
		;
	return e ? dir_fill(d, gfs_dirent_inum(e), e->name, e->len, gfs_dirent_isdir(e), e->seq + 1) : NULL;
}

int readdir_r(DIR *restrict d, struct dirent *restrict entry, struct dirent **restrict result)
{
	int e = errno;
	struct dirent *r;

	errno = 0;
	r = readdir(d);
	if (!r && errno) {
		int err = errno;
		errno = e;
		return err;
	}
	errno = e;
	if (r)
		memcpy(entry, r, sizeof(*entry));
	*result = r ? entry : NULL;
	return 0;
}

void rewinddir(DIR *d)
{
	d->pos = 0;
}

long telldir(DIR *d)
{
	return d->pos;
}

void seekdir(DIR *d, long loc)
{
	d->pos = loc < 0 ? 0 : loc;
}

int closedir(DIR *d)
{
	int r = close(d->fd);

	free(d);
	return r;
}

int dirfd(DIR *d)
{
	return d->fd;
}

int alphasort(const struct dirent **a, const struct dirent **b)
{
	return strcoll((*a)->d_name, (*b)->d_name);
}

static int scan_add(struct dirent ***list, size_t *n, size_t *cap, const struct dirent *e)
{
	struct dirent *c;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dirent **l = realloc(*list, nc * sizeof(*l));
		if (!l)
			return -1;
		*list = l;
		*cap = nc;
	}
	if (!(c = malloc(sizeof(*c))))
		return -1;
	memcpy(c, e, sizeof(*c));
	(*list)[(*n)++] = c;
	return 0;
}

int scandir(const char *path, struct dirent ***namelist, int (*filter)(const struct dirent *),
	    int (*compar)(const struct dirent **, const struct dirent **))
{
	DIR *d = opendir(path);
	struct dirent **list = NULL, *e;
	size_t n = 0, cap = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if ((!filter || filter(e)) && scan_add(&list, &n, &cap, e) < 0) {
			while (n)
				free(list[--n]);
			free(list);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
	closedir(d);
	if (compar && n > 1)
		qsort(list, n, sizeof(*list), (int (*)(const void *, const void *))compar);
	*namelist = list;
	return (int)n;
}
