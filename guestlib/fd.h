/* fd.h - guestlib's file descriptor table: what an fd names (console, file, socket) and the calls on it. */
#ifndef GUEST_FD_H
#define GUEST_FD_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

#define GFD_MAX 256             /* descriptors 0..GFD_MAX-1; 0, 1, 2 are the console at start */

/*
 * An open file description: one per open()/socket(), shared by the descriptors dup() makes. Each call gets the
 * description's priv. A NULL call means the kind does not do it (read/write: EBADF or EINVAL as POSIX says; lseek:
 * ESPIPE; fstat: zeroed stat with st_mode 0; poll: always ready for what was asked). Calls return what the POSIX
 * call returns and set errno on failure. poll returns the revents (POLLIN, POLLOUT, POLLERR, POLLHUP) true now.
 */
struct gfd_ops {
	ssize_t (*read)(void *priv, void *buf, size_t n, int flags);        /* flags: the description's O_* flags */
	ssize_t (*write)(void *priv, const void *buf, size_t n, int flags);
	off_t (*lseek)(void *priv, off_t off, int whence);
	int (*fstat)(void *priv, struct stat *st);
	int (*close)(void *priv);                                           /* the last descriptor went */
	int (*fcntl)(void *priv, int cmd, long arg);                        /* cmds other than F_GETFL/F_SETFL/F_*FD */
	short (*poll)(void *priv, short events);
};

struct gfd {
	const struct gfd_ops *ops;
	void *priv;
	int flags;                  /* O_ACCMODE, O_APPEND, O_NONBLOCK (F_GETFL/F_SETFL) */
	int refs;                   /* descriptors naming it */
};

/* A new description (ops, priv, flags) at the lowest free descriptor: the descriptor, or -1 with errno EMFILE or
 * ENOMEM (priv is not closed then). */
int gfd_open(const struct gfd_ops *ops, void *priv, int flags);
/* The description fd names, or NULL with errno EBADF. */
struct gfd *gfd_get(int fd);
/* The description of fd if its ops are ops (a socket call on a socket), else NULL with errno EBADF or ENOTSOCK
 * (notsock_errno). */
struct gfd *gfd_get_kind(int fd, const struct gfd_ops *ops, int notsock_errno);

#endif
