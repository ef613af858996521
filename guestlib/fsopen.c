/* fsopen.c - open() and the file descriptors it makes (struct gfd_ops): read, write, lseek, fstat, close, record locks; ftruncate, fsync, pread, pwrite, fchmod. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "fd.h"
#include "fs.h"

/* An open file description of a file or directory. */
struct gfs_of {
	struct gfs_inode *ino;      /* referenced */
	uint64_t pos;
	int acc;                    /* O_RDONLY, O_WRONLY, O_RDWR: F_SETFL cannot change it */
};

#define GFS_IO_MAX ((size_t)INT64_MAX)   /* bytes one call moves at most (ssize_t) */

mode_t gfs_umask = 022;

static int fail(int e)
{
	errno = e;
	return -1;
}

static ssize_t of_read(void *priv, void *buf, size_t n, int flags)
{
	struct gfs_of *o = priv;
	ssize_t r;

	(void)flags;
	if (gfs_isdir(o->ino))
		return fail(EISDIR);
	r = gfs_file_read(o->ino, o->pos, buf, n > GFS_IO_MAX ? GFS_IO_MAX : n);
	o->pos += (uint64_t)r;
	return r;
}

static ssize_t of_write(void *priv, const void *buf, size_t n, int flags)
{
	struct gfs_of *o = priv;
	ssize_t r;

	if (flags & O_APPEND)
		o->pos = o->ino->f.size;
	r = gfs_file_write(o->ino, o->pos, buf, n > GFS_IO_MAX ? GFS_IO_MAX : n);
	if (r > 0)
		o->pos += (uint64_t)r;
	return r;
}

static uint64_t of_size(const struct gfs_of *o)
{
	return gfs_isdir(o->ino) ? 0 : o->ino->f.size;
}

/* The offset whence + off names: -1 with EINVAL (bad whence, negative) or EOVERFLOW. */
static int64_t of_where(const struct gfs_of *o, int64_t off, int whence)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)o->pos; break;
	case SEEK_END: base = (int64_t)of_size(o); break;
	default: return fail(EINVAL);
	}
	if (off > 0 && base > INT64_MAX - off)
		return fail(EOVERFLOW);
	if (base + off < 0)
		return fail(EINVAL);
	return base + off;
}

static off_t of_lseek(void *priv, off_t off, int whence)
{
	struct gfs_of *o = priv;
	int64_t at = of_where(o, off, whence);

	if (at >= 0)
		o->pos = (uint64_t)at;
	return (off_t)at;
}

static int of_fstat(void *priv, struct stat *st)
{
	struct gfs_inode *i = ((struct gfs_of *)priv)->ino;

	gfs_stat(i, st);
	return 0;
}

static int of_close(void *priv)
{
	struct gfs_of *o = priv;

	gfs_unref(o->ino);
	free(o);
	return 0;
}

/*
 * Record locks. A VM is one process (fork makes another VM with its own copy of the file system), and a
 * process's own locks never conflict with one another, so every valid request is granted at once and F_GETLK
 * always answers F_UNLCK: exactly what POSIX gives a lone process. Requests are checked as POSIX says.
 */
static int of_lock(struct gfs_of *o, int cmd, struct flock *l)
{
	int64_t start;

	if (!l)
		return fail(EFAULT);
	if (l->l_type != F_RDLCK && l->l_type != F_WRLCK && (l->l_type != F_UNLCK || cmd == F_GETLK))
		return fail(EINVAL);
	if (cmd != F_GETLK && ((l->l_type == F_RDLCK && o->acc == O_WRONLY) ||
			       (l->l_type == F_WRLCK && o->acc == O_RDONLY)))
		return fail(EBADF);
	if ((start = of_where(o, l->l_start, l->l_whence)) < 0)
		return -1;
	if (l->l_len < 0 && start + l->l_len < 0)
		return fail(EINVAL);
	if (cmd == F_GETLK)
		l->l_type = F_UNLCK;
	return 0;
}

static int of_fcntl(void *priv, int cmd, long arg)
{
	switch (cmd) {
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return of_lock(priv, cmd, (struct flock *)arg);
	default:
		return fail(EINVAL);
	}
}

static const struct gfd_ops gfs_ops = {
	.read = of_read, .write = of_write, .lseek = of_lseek, .fstat = of_fstat, .close = of_close,
	.fcntl = of_fcntl,
};

struct gfs_inode *gfs_fd_inode(int fd, int einval, int *acc)
{
	struct gfd *f = gfd_get_kind(fd, &gfs_ops, einval);
	struct gfs_of *o;

	if (!f)
		return NULL;
	o = f->priv;
	if (acc)
		*acc = o->acc;
	return o->ino;
}

/* The new regular file w names (absent): its inode, named. */
static struct gfs_inode *of_create(struct gfs_where *w, mode_t mode)
{
	struct gfs_inode *i;

	if (w->slash || w->dots) {
		errno = EISDIR;
		return NULL;
	}
	if (w->dir->nlink == 0) {
		errno = ENOENT;             /* the directory was removed */
		return NULL;
	}
	if (!(i = gfs_inode_new(S_IFREG | (mode & ~gfs_umask & 07777))))
		return NULL;
	if (gfs_dir_add(w->dir, w->name, w->len, i) < 0) {
		free(i);
		return NULL;
	}
	return i;
}

/* What open may do with the existing inode w names. */
static int of_check(const struct gfs_where *w, int flags)
{
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return fail(EEXIST);
	if (gfs_isdir(w->ino))
		return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ? fail(EISDIR) : 0;
	if (w->slash || (flags & O_DIRECTORY))
		return fail(ENOTDIR);
	return 0;
}

static int of_undo(struct gfs_where *w, int e)
{
	gfs_dir_lookup(w->dir, w->name, w->len, &w->de, &w->prev);     /* in the list: it was just added */
	gfs_dir_del(w->dir, w->de, w->prev);
	return fail(e);
}

int open(const char *path, int flags, ...)
{
	struct gfs_where w;
	struct gfs_of *o;
	mode_t mode = 0;
	int fd, created = 0;

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return fail(EINVAL);
	if (gfs_lookup(path, &w) < 0)
		return -1;
	if (!w.ino) {
		if (!(flags & O_CREAT))
			return fail(ENOENT);
		if (!(w.ino = of_create(&w, mode)))
			return -1;
		created = 1;
	} else if (of_check(&w, flags) < 0) {
		return -1;
	}
	if (!(o = malloc(sizeof(*o))))
		return created ? of_undo(&w, ENOMEM) : fail(ENOMEM);
	*o = (struct gfs_of){ w.ino, 0, flags & O_ACCMODE };
	if ((fd = gfd_open(&gfs_ops, o, (flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)))) < 0) {
		int e = errno;
		free(o);
		return created ? of_undo(&w, e) : -1;
	}
	gfs_ref(w.ino);
	if (flags & O_CLOEXEC)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if ((flags & O_TRUNC) && !gfs_isdir(w.ino) && w.ino->f.size)
		gfs_file_truncate(w.ino, 0);
	return fd;
}

int ftruncate(int fd, off_t len)
{
	int acc;
	struct gfs_inode *i = gfs_fd_inode(fd, EINVAL, &acc);

	if (!i)
		return -1;
	if (len < 0 || gfs_isdir(i) || acc == O_RDONLY)
		return fail(EINVAL);     /* POSIX: EBADF or EINVAL when not open for writing; Linux says EINVAL */
	return gfs_file_truncate(i, (uint64_t)len);
}

/* The heap is the storage: nothing to wait for. Descriptors that are not files cannot be synced (EINVAL). */
int fsync(int fd)
{
	return gfs_fd_inode(fd, EINVAL, NULL) ? 0 : -1;
}

int fdatasync(int fd)
{
	return fsync(fd);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	int acc;
	struct gfs_inode *i = gfs_fd_inode(fd, ESPIPE, &acc);

	if (!i)
		return -1;
	if (acc == O_WRONLY)
		return fail(EBADF);
	if (gfs_isdir(i))
		return fail(EISDIR);
	if (off < 0)
		return fail(EINVAL);
	return gfs_file_read(i, (uint64_t)off, buf, n > GFS_IO_MAX ? GFS_IO_MAX : n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int acc;
	struct gfs_inode *i = gfs_fd_inode(fd, ESPIPE, &acc);

	if (!i)
		return -1;
	if (acc == O_RDONLY)
		return fail(EBADF);
	if (off < 0)
		return fail(EINVAL);
	return gfs_file_write(i, (uint64_t)off, buf, n > GFS_IO_MAX ? GFS_IO_MAX : n);
}

int fchmod(int fd, mode_t mode)
{
	struct gfs_inode *i = gfs_fd_inode(fd, EINVAL, NULL);

	if (!i)
		return -1;
	i->mode = (i->mode & S_IFMT) | (mode & 07777);
	i->ctime_ns = gfs_now();
	return 0;
}
