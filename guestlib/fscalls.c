/* fscalls.c - the POSIX calls on path names: stat, lstat, access, mkdir, rmdir, unlink, link, rename, truncate, chmod, umask, sync. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "fs.h"

#define GFS_LINK_MAX 65000u

static int fail(int e)
{
	errno = e;
	return -1;
}

int stat(const char *restrict path, struct stat *restrict st)
{
	struct gfs_inode *i = gfs_resolve(path);

	if (!i)
		return -1;
	gfs_stat(i, st);
	return 0;
}

/* There are no symbolic links. */
int lstat(const char *restrict path, struct stat *restrict st)
{
	return stat(path, st);
}

/* One user owns everything (as root would): R_OK and W_OK hold for what exists, X_OK needs an x bit or a directory. */
int access(const char *path, int mode)
{
	struct gfs_inode *i;

	if (mode & ~(R_OK | W_OK | X_OK))
		return fail(EINVAL);
	if (!(i = gfs_resolve(path)))
		return -1;
	if ((mode & X_OK) && !gfs_isdir(i) && !(i->mode & 0111))
		return fail(EACCES);
	return 0;
}

int mkdir(const char *path, mode_t mode)
{
	struct gfs_where w;
	struct gfs_inode *d;

	if (gfs_lookup(path, &w) < 0)
		return -1;
	if (w.ino)
		return fail(EEXIST);
	if (w.dir->nlink == 0)
		return fail(ENOENT);
	if (!(d = gfs_inode_new(S_IFDIR | (mode & ~gfs_umask & 07777))))
		return -1;
	if (gfs_dir_add(w.dir, w.name, w.len, d) < 0) {
		free(d);
		return -1;
	}
	return 0;
}

int rmdir(const char *path)
{
	struct gfs_where w;

	if (gfs_lookup(path, &w) < 0)
		return -1;
	if (!w.ino)
		return fail(ENOENT);
	if (!gfs_isdir(w.ino))
		return fail(ENOTDIR);
	if (w.ino == gfs_root())
		return fail(EBUSY);
	if (w.dots)
		return fail(w.len == 1 ? EINVAL : ENOTEMPTY);
	if (w.ino->d.entries)
		return fail(ENOTEMPTY);
	gfs_dir_del(w.dir, w.de, w.prev);
	return 0;
}

int unlink(const char *path)
{
	struct gfs_where w;

	if (gfs_lookup(path, &w) < 0)
		return -1;
	if (!w.ino)
		return fail(ENOENT);
	if (gfs_isdir(w.ino))
		return fail(EISDIR);
	if (w.slash)
		return fail(ENOTDIR);
	gfs_dir_del(w.dir, w.de, w.prev);
	return 0;
}

/* Hard links to regular files (a directory has one name: EPERM). */
int link(const char *old, const char *new)
{
	struct gfs_inode *i = gfs_resolve(old);
	struct gfs_where w;

	if (!i)
		return -1;
	if (gfs_isdir(i))
		return fail(EPERM);
	if (gfs_lookup(new, &w) < 0)
		return -1;
	if (w.ino)
		return fail(EEXIST);
	if (w.slash || w.dir->nlink == 0)
		return fail(ENOENT);
	if (i->nlink >= GFS_LINK_MAX)
		return fail(EMLINK);
	return gfs_dir_add(w.dir, w.name, w.len, i);
}

/* The entry before e in d (e is in d). */
static struct gfs_dirent *dir_prev(struct gfs_inode *d, struct gfs_dirent *e)
{
	struct gfs_dirent *p = NULL;

	for (struct gfs_dirent *x = d->d.head; x != e; x = x->next)
		p = x;
	return p;
}

/* Whether directory d is a or inside a. */
static int dir_within(struct gfs_inode *d, struct gfs_inode *a)
{
	for (; d; d = d == gfs_root() ? NULL : d->d.parent)
		if (d == a)
			return 1;
	return 0;
}

static int rename_check(const struct gfs_where *o, const struct gfs_where *n)
{
	if (n->dots || n->dir->nlink == 0)
		return fail(n->dots ? EBUSY : ENOENT);
	if (!gfs_isdir(o->ino) && (o->slash || n->slash))
		return fail(ENOTDIR);
	if (gfs_isdir(o->ino) && dir_within(n->dir, o->ino))
		return fail(EINVAL);
	if (!n->ino)
		return 0;
	if (gfs_isdir(o->ino) != gfs_isdir(n->ino))
		return fail(gfs_isdir(o->ino) ? ENOTDIR : EISDIR);
	if (gfs_isdir(n->ino) && n->ino->d.entries)
		return fail(ENOTEMPTY);
	return 0;
}

/* The new name is added first (the one step that can fail), then the replaced entry and the old name go. ob and
 * nb: the directories relative names start from (NULL: the working directory; renameat). */
int gfs_rename_at(struct gfs_inode *ob, const char *old, struct gfs_inode *nb, const char *new)
{
	struct gfs_where o, n;
	int r;

	gfs_base = ob;
	r = gfs_lookup(old, &o);
	gfs_base = nb;
	r = r < 0 ? r : gfs_lookup(new, &n);
	gfs_base = NULL;
	if (r < 0)
		return -1;
	if (!o.ino)
		return fail(ENOENT);
	if (o.dots)
		return fail(EBUSY);
	if (n.ino == o.ino)
		return 0;
	if (rename_check(&o, &n) < 0)
		return -1;
	if (gfs_dir_add(n.dir, n.name, n.len, o.ino) < 0)
		return -1;
	if (n.de)
		gfs_dir_del(n.dir, n.de, dir_prev(n.dir, n.de));
	gfs_dir_del(o.dir, o.de, dir_prev(o.dir, o.de));
	return 0;
}

int gfs_rename(const char *old, const char *new)
{
	return gfs_rename_at(NULL, old, NULL, new);
}

int truncate(const char *path, off_t len)
{
	struct gfs_inode *i;

	if (len < 0)
		return fail(EINVAL);
	if (!(i = gfs_resolve(path)))
		return -1;
	if (gfs_isdir(i))
		return fail(EISDIR);
	return gfs_file_truncate(i, (uint64_t)len);
}

int chmod(const char *path, mode_t mode)
{
	struct gfs_inode *i = gfs_resolve(path);

	if (!i)
		return -1;
	i->mode = (i->mode & S_IFMT) | (mode & 07777);
	i->ctime_ns = gfs_now();
	return 0;
}

mode_t umask(mode_t mask)
{
	mode_t old = gfs_umask;

	gfs_umask = mask & 0777;
	return old;
}

/* Files live in the heap: there is nothing to write back. */
void sync(void)
{
}
