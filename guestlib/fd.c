/* fd.c - the descriptor table and the POSIX calls every kind shares: read, write, close, lseek, fstat, isatty, dup, dup2, fcntl. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fd.h"
#include "guest.h"
#include "pvisa_guest.h"

/* stdio buffer size for the console streams, reported as st_blksize (newlib is built with HAVE_BLKSIZE). */
#define GUEST_STDIO_BUF 256

static unsigned char cloexec[GFD_MAX];      /* FD_CLOEXEC, per descriptor (kept for F_GETFD: there is no exec) */

/* The console: writes go to pv_console_write; reads take the host's standard input (env.c). */
static ssize_t con_write(void *priv, const void *buf, size_t len, int flags)
{
	const char *p = buf;
	size_t done = 0;

	(void)priv;
	(void)flags;
	if (len > INT_MAX)
		len = INT_MAX;
	while (done < len) {
		size_t n = len - done < PV_CONSOLE_MAX ? len - done : PV_CONSOLE_MAX;
		long r = pv_console_write((long)(p + done), (long)n);

		if (r < 0) {
			errno = r == PV_EFAULT ? EFAULT : EIO;
			return done > 0 ? (ssize_t)done : -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Console input: what the host gave as standard input (env.c, isorun --stdin), then end of file. */
ssize_t guest_stdin_read(void *buf, size_t n);
static ssize_t con_read(void *priv, void *buf, size_t n, int flags)
{
	(void)priv;
	(void)flags;
	return guest_stdin_read(buf, n);
}

static int con_fstat(void *priv, struct stat *st)
{
	(void)priv;
	st->st_mode = S_IFCHR | 0620;
	st->st_blksize = GUEST_STDIO_BUF;
	return 0;
}

static const struct gfd_ops con_ops = { .read = con_read, .write = con_write, .fstat = con_fstat };
/* 0, 1 and 2 start on the console; one reference more than the table holds keeps the statics from free(). */
static struct gfd con_in = { &con_ops, NULL, O_RDONLY, 2 };
static struct gfd con_out = { &con_ops, NULL, O_WRONLY, 3 };
static struct gfd *fdt[GFD_MAX] = { &con_in, &con_out, &con_out };

struct gfd *gfd_get(int fd)
{
	if (fd < 0 || fd >= GFD_MAX || !fdt[fd]) {
		errno = EBADF;
		return NULL;
	}
	return fdt[fd];
}

struct gfd *gfd_get_kind(int fd, const struct gfd_ops *ops, int notsock_errno)
{
	struct gfd *f = gfd_get(fd);

	if (f && f->ops != ops) {
		errno = notsock_errno;
		return NULL;
	}
	return f;
}

static int fd_lowest_free(int from)
{
	for (int fd = from; fd < GFD_MAX; fd++)
		if (!fdt[fd])
			return fd;
	errno = EMFILE;
	return -1;
}

int gfd_open(const struct gfd_ops *ops, void *priv, int flags)
{
	int fd = fd_lowest_free(0);
	struct gfd *f;

	if (fd < 0)
		return -1;
	f = malloc(sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	*f = (struct gfd){ ops, priv, flags, 1 };
	fdt[fd] = f;
	cloexec[fd] = 0;
	return fd;
}

/* Drop one descriptor's reference; the last one closes the description. */
static int fd_release(struct gfd *f)
{
	int r = 0;

	if (--f->refs > 0)
		return 0;
	if (f->ops->close)
		r = f->ops->close(f->priv);
	free(f);
	return r;
}

int close(int fd)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	fdt[fd] = NULL;
	return fd_release(f);
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	if ((f->flags & O_ACCMODE) == O_WRONLY || !f->ops->read) {
		errno = EBADF;
		return -1;
	}
	return f->ops->read(f->priv, buf, len, f->flags);
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->ops->write) {
		errno = EBADF;
		return -1;
	}
	return f->ops->write(f->priv, buf, len, f->flags);
}

off_t lseek(int fd, off_t off, int whence)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	if (!f->ops->lseek) {
		errno = ESPIPE;
		return -1;
	}
	return f->ops->lseek(f->priv, off, whence);
}

int fstat(int fd, struct stat *st)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	memset(st, 0, sizeof(*st));
	return f->ops->fstat ? f->ops->fstat(f->priv, st) : 0;
}

int isatty(int fd)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return 0;
	if (f->ops != &con_ops) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

static int fd_dup_at(struct gfd *f, int to)
{
	f->refs++;
	fdt[to] = f;
	cloexec[to] = 0;
	return to;
}

int dup(int fd)
{
	struct gfd *f = gfd_get(fd);
	int to;

	if (!f || (to = fd_lowest_free(0)) < 0)
		return -1;
	return fd_dup_at(f, to);
}

int dup2(int fd, int to)
{
	struct gfd *f = gfd_get(fd);

	if (!f)
		return -1;
	if (to < 0 || to >= GFD_MAX) {
		errno = EBADF;
		return -1;
	}
	if (to == fd)
		return to;
	if (fdt[to])
		close(to);
	return fd_dup_at(f, to);
}

/* F_SETFL changes O_APPEND and O_NONBLOCK only (POSIX: the access mode and creation flags are ignored). */
#define FD_SETFL_MASK (O_APPEND | O_NONBLOCK)

int fcntl(int fd, int cmd, ...)
{
	struct gfd *f = gfd_get(fd);
	va_list ap;
	long arg;
	int to;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (!f)
		return -1;
	switch (cmd) {
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~FD_SETFL_MASK) | ((int)arg & FD_SETFL_MASK);
		return 0;
	case F_GETFD:
		return cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		cloexec[fd] = (arg & FD_CLOEXEC) != 0;
		return 0;
	case F_DUPFD:
		if (arg < 0 || arg >= GFD_MAX) {
			errno = EINVAL;
			return -1;
		}
		if ((to = fd_lowest_free((int)arg)) < 0)
			return -1;
		return fd_dup_at(f, to);
	default:
		if (f->ops->fcntl)
			return f->ops->fcntl(f->priv, cmd, arg);
		errno = EINVAL;
		return -1;
	}
}
