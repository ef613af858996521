/* fsmisc.c - the smaller file calls: creat, utimes, futimes, and readlink and symlink for a file system without symbolic links. */
#include <errno.h>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>
#include "fs.h"

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

/* tv[0] access, tv[1] modification time; NULL: now. */
static int set_times(struct gfs_inode *i, const struct timeval *tv)
{
	int64_t now = gfs_now();

	if (tv && (tv[0].tv_usec < 0 || tv[0].tv_usec >= 1000000 || tv[1].tv_usec < 0 || tv[1].tv_usec >= 1000000)) {
		errno = EINVAL;
		return -1;
	}
	i->atime_ns = tv ? (int64_t)tv[0].tv_sec * 1000000000 + tv[0].tv_usec * 1000 : now;
	i->mtime_ns = tv ? (int64_t)tv[1].tv_sec * 1000000000 + tv[1].tv_usec * 1000 : now;
	i->ctime_ns = now;
	return 0;
}

int utimes(const char *path, const struct timeval *tv)
{
	struct gfs_inode *i = gfs_resolve(path);

	return i ? set_times(i, tv) : -1;
}

int futimes(int fd, const struct timeval *tv)
{
	struct gfs_inode *i = gfs_fd_inode(fd, EBADF, NULL);

	return i ? set_times(i, tv) : -1;
}

/* Nothing is a symbolic link: EINVAL for what exists (POSIX's "not a symbolic link"). */
ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
	(void)buf;
	(void)size;
	if (!gfs_resolve(path))
		return -1;
	errno = EINVAL;
	return -1;
}

/* Symbolic links cannot be made here (as on file systems without them). */
int symlink(const char *target, const char *path)
{
	(void)target;
	(void)path;
	errno = EPERM;
	return -1;
}
