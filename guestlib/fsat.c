/* fsat.c - the *at calls (openat, fstatat, mkdirat, unlinkat, renameat, faccessat, fchmodat): a directory descriptor stands in for the working directory of a relative path. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include "fs.h"

int gfs_rename_at(struct gfs_inode *ob, const char *old, struct gfs_inode *nb, const char *new);

/* The directory dirfd names for path (NULL: the working directory, for AT_FDCWD or an absolute path); -1 in *err
 * with errno EBADF (not a descriptor) or ENOTDIR (not a directory). */
static struct gfs_inode *at_dir(int dirfd, const char *path, int *err)
{
	struct gfs_inode *d;

	*err = 0;
	if (dirfd == AT_FDCWD || (path && path[0] == '/'))
		return NULL;
	if (!(d = gfs_fd_inode(dirfd, ENOTDIR, NULL)) || !gfs_isdir(d)) {
		if (d)
			errno = ENOTDIR;
		*err = -1;
		return NULL;
	}
	return d;
}

/* Sets gfs_base for one call; 0, or -1 with errno. */
static int at_begin(int dirfd, const char *path, int flags, int allowed)
{
	int err;

	if (flags & ~allowed) {
		errno = EINVAL;
		return -1;
	}
	gfs_base = at_dir(dirfd, path, &err);
	return err;
}

static int at_end(int r)
{
	gfs_base = NULL;
	return r;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (at_begin(dirfd, path, 0, 0) < 0)
		return -1;
	return at_end(open(path, flags, mode));
}

/* No symbolic links: AT_SYMLINK_NOFOLLOW changes nothing. */
int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	if (at_begin(dirfd, path, flags, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return at_end(stat(path, st));
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (at_begin(dirfd, path, 0, 0) < 0)
		return -1;
	return at_end(mkdir(path, mode));
}

int unlinkat(int dirfd, const char *path, int flags)
{
	if (at_begin(dirfd, path, flags, AT_REMOVEDIR) < 0)
		return -1;
	return at_end(flags & AT_REMOVEDIR ? rmdir(path) : unlink(path));
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (at_begin(dirfd, path, flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return at_end(access(path, mode));
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	if (at_begin(dirfd, path, flags, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return at_end(chmod(path, mode));
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
	int e1, e2;
	struct gfs_inode *ob = at_dir(olddirfd, old, &e1), *nb = at_dir(newdirfd, new, &e2);

	if (e1 < 0 || e2 < 0)
		return -1;
	return gfs_rename_at(ob, old, nb, new);
}
