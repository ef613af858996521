/* fspath.c - path names to inodes (no symbolic links exist), the working directory, chdir, fchdir, getcwd, realpath. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fs.h"

static struct gfs_inode *cwd;      /* referenced; NULL: the root */
struct gfs_inode *gfs_base;        /* the *at calls' directory, standing in for cwd in relative paths */

struct gfs_inode *gfs_cwd(void)
{
	return cwd ? cwd : gfs_root();
}

static int fail(int e)
{
	errno = e;
	return -1;
}

/* One step from directory d by the component [c, c + len): the inode, NULL if absent; -1 on errors. */
static int step(struct gfs_inode *d, const char *c, size_t len, struct gfs_where *w)
{
	if (!gfs_isdir(d))
		return fail(ENOTDIR);
	if (len > GFS_NAME_MAX)
		return fail(ENAMETOOLONG);
	w->dir = d;
	w->name = c;
	w->len = len;
	w->de = w->prev = NULL;
	w->ino = NULL;
	w->dots = c[0] == '.' && (len == 1 || (len == 2 && c[1] == '.'));
	if (w->dots)
		w->ino = len == 1 ? d : d->d.parent;
	else if (gfs_dir_lookup(d, c, len, &w->de, &w->prev) < 0 || (w->de && !(w->ino = gfs_dirent_ino(d, w->de))))
		return -1;
	return 0;
}

int gfs_lookup(const char *path, struct gfs_where *w)
{
	const char *p = path, *c;
	struct gfs_inode *d;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (!path)
		return fail(EFAULT);
	n = strnlen(path, GFS_PATH_MAX);
	if (n == 0)
		return fail(ENOENT);
	if (n >= GFS_PATH_MAX)
		return fail(ENAMETOOLONG);
	if (!gfs_root())
		return -1;
	d = *p == '/' ? gfs_root() : gfs_base ? gfs_base : gfs_cwd();
	while (*p == '/')
		p++;
	if (!*p) {                      /* "/" */
		*w = (struct gfs_where){ .dir = d, .ino = d, .name = ".", .len = 1, .slash = 1, .dots = 1 };
		return 0;
	}
	for (;;) {
		for (c = p; *p && *p != '/'; p++)
			;
		if (step(d, c, (size_t)(p - c), w) < 0)
			return -1;
		w->slash = *p == '/';
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		if (!w->ino)
			return fail(ENOENT);
		d = w->ino;
	}
}

struct gfs_inode *gfs_resolve(const char *path)
{
	struct gfs_where w;

	if (gfs_lookup(path, &w) < 0)
		return NULL;
	if (!w.ino) {
		errno = ENOENT;
		return NULL;
	}
	if (w.slash && !gfs_isdir(w.ino)) {
		errno = ENOTDIR;
		return NULL;
	}
	return w.ino;
}

static int set_cwd(struct gfs_inode *d)
{
	if (!gfs_isdir(d))
		return fail(ENOTDIR);
	gfs_ref(d);
	if (cwd)
		gfs_unref(cwd);
	cwd = d;
	return 0;
}

int chdir(const char *path)
{
	struct gfs_inode *d = gfs_resolve(path);

	return d ? set_cwd(d) : -1;
}

int fchdir(int fd)
{
	struct gfs_inode *d = gfs_fd_inode(fd, ENOTDIR, NULL);

	return d ? set_cwd(d) : -1;
}

/* The entry naming directory d in its parent; NULL if d was removed. */
static struct gfs_dirent *dir_name(struct gfs_inode *d)
{
	struct gfs_dirent *e;

	if (d->nlink == 0 || !d->d.parent)
		return NULL;
	for (e = d->d.parent->d.head; e && e->ino != d; e = e->next)
		;
	return e;
}

/* The absolute path of directory d, plus "/name" when name: into buf (size bytes), NUL-terminated. Measured
 * first, then written from its end backwards, so nothing past the path's own length is touched. */
static int path_of(struct gfs_inode *d, const char *name, size_t nlen, char *buf, size_t size)
{
	size_t len = name ? nlen + 1 : 0;
	struct gfs_dirent *e;

	for (struct gfs_inode *x = d; x != gfs_root(); x = x->d.parent) {
		if (!(e = dir_name(x)))
			return fail(ENOENT);
		len += e->len + 1u;
	}
	if ((len ? len : 1) >= size)
		return fail(ERANGE);
	buf[len ? len : 1] = 0;
	buf[0] = '/';
	if (name) {
		len -= nlen;
		memcpy(buf + len, name, nlen);
		buf[--len] = '/';
	}
	for (struct gfs_inode *x = d; x != gfs_root(); x = x->d.parent) {
		e = dir_name(x);
		len -= e->len;
		memcpy(buf + len, e->name, e->len);
		buf[--len] = '/';
	}
	return 0;
}

char *getcwd(char *buf, size_t size)
{
	char *mine = NULL;

	if (!gfs_root())
		return NULL;
	if (buf && size == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!buf) {                     /* the common extension: malloc'ed, size bytes or as many as needed */
		size = size ? size : GFS_PATH_MAX;
		if (!(buf = mine = malloc(size))) {
			errno = ENOMEM;
			return NULL;
		}
	}
	if (path_of(gfs_cwd(), NULL, 0, buf, size) < 0) {
		free(mine);
		return NULL;
	}
	return buf;
}

/* No symbolic links: the name the path resolves to, from the root, without ".", ".." or repeated slashes. */
char *realpath(const char *restrict path, char *restrict resolved)
{
	struct gfs_where w;
	char *mine = NULL;
	int r;

	if (gfs_lookup(path, &w) < 0)
		return NULL;
	if (!w.ino || (w.slash && !gfs_isdir(w.ino))) {
		errno = w.ino ? ENOTDIR : ENOENT;
		return NULL;
	}
	if (!resolved && !(resolved = mine = malloc(GFS_PATH_MAX))) {
		errno = ENOMEM;
		return NULL;
	}
	if (gfs_isdir(w.ino))
		r = path_of(w.ino, NULL, 0, resolved, GFS_PATH_MAX);
	else
		r = path_of(w.dir, w.name, w.len, resolved, GFS_PATH_MAX);
	if (r < 0) {
		if (errno == ERANGE)
			errno = ENAMETOOLONG;
		free(mine);
		return NULL;
	}
	return resolved;
}
