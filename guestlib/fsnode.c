/* fsnode.c - the file system's tree: mounting the image's archive at "/", inodes, directory entries, stat. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"
#include "guest.h"
#include "pvisa_guest.h"

#define GFS_DEV 0x6673u            /* st_dev of every file */
#define GFS_DIRENT_BYTES 32u       /* a directory's st_size per entry, "." and ".." included */

#define GFS_INO_MADE 0x40000000u   /* inode numbers: shipped entries 2 + their archive index, made ones from here */

static struct gfs_inode *root;
static uint32_t next_ino = GFS_INO_MADE;
static int64_t wall_base_ns;

int64_t gfs_now(void)
{
	return wall_base_ns + (int64_t)guest_clock_ns();
}

struct gfs_inode *gfs_inode_new(uint32_t mode)
{
	struct gfs_inode *i = calloc(1, sizeof(*i));

	if (!i) {
		errno = ENOSPC;
		return NULL;
	}
	i->mode = mode;
	i->ino = next_ino++;
	i->mtime_ns = i->ctime_ns = i->atime_ns = gfs_now();
	if (gfs_isdir(i)) {
		i->nlink = 1;           /* its "." */
		i->d.lower = -1;
		i->d.next_seq = 2;
	}
	return i;
}

static void inode_free(struct gfs_inode *i)
{
	if (gfs_isdir(i)) {
		for (struct gfs_dirent *e = i->d.head, *n; e; e = n) {
			n = e->next;
			if (!e->in_block)
				free(e);
		}
		free(i->d.block);
	} else {
		gfs_file_free(i);
	}
	free(i);
}

void gfs_ref(struct gfs_inode *i)
{
	i->refs++;
}

void gfs_unref(struct gfs_inode *i)
{
	if (--i->refs == 0 && i->nlink == 0)
		inode_free(i);
}

/* Root: the archive's root directory, or an empty one; /tmp is made if the archive has none. */
static int fs_mount(void)
{
	struct gfs_inode *r, *tmp;
	struct gfs_dirent *e;
	int shipped;

	wall_base_ns = (int64_t)guest_wall_ns() - (int64_t)guest_clock_ns();
	shipped = gfs_ship_open();
	if (!(r = gfs_inode_new(shipped ? gfs_ship_mode(0) : (S_IFDIR | 0755))))
		return -1;
	r->nlink = 2;
	r->refs = 1;                /* never freed */
	r->d.parent = r;
	if (shipped)
		gfs_ship_dir(r, 0);
	r->ino = 2;
	root = r;
	if (gfs_dir_lookup(r, "tmp", 3, &e, NULL) < 0 || e)
		return 0;
	if ((tmp = gfs_inode_new(S_IFDIR | S_ISVTX | 0777)) != NULL && gfs_dir_add(r, "tmp", 3, tmp) < 0)
		inode_free(tmp);
	return 0;
}

struct gfs_inode *gfs_root(void)
{
	if (!root && fs_mount() < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return root;
}

static struct gfs_dirent *dirent_new(const char *name, size_t len, struct gfs_inode *i)
{
	struct gfs_dirent *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	*e = (struct gfs_dirent){ .ino = i, .name = (const char *)(e + 1), .len = (uint16_t)len };
	memcpy(e + 1, name, len);
	((char *)(e + 1))[len] = 0;
	return e;
}

void gfs_list_append(struct gfs_inode *d, struct gfs_dirent *e)
{
	e->seq = d->d.next_seq++;
	if (d->d.tail)
		d->d.tail->next = e;
	else
		d->d.head = e;
	d->d.tail = e;
}

static void dir_append(struct gfs_inode *d, struct gfs_dirent *e)
{
	struct gfs_inode *i = e->ino;

	gfs_list_append(d, e);
	d->d.entries++;
	i->nlink++;
	if (gfs_isdir(i)) {
		d->nlink++;
		i->d.parent = d;
	}
}

int gfs_dir_lookup(struct gfs_inode *d, const char *name, size_t len, struct gfs_dirent **e,
		   struct gfs_dirent **prev)
{
	struct gfs_dirent *p = NULL;
	int hidden = 0;

	*e = NULL;
	for (struct gfs_dirent *x = d->d.head; x; p = x, x = x->next) {
		if (x->len != len || memcmp(x->name, name, len) != 0)
			continue;
		if (x->whiteout) {
			hidden = 1;         /* a shipped name removed; a new one may follow */
			continue;
		}
		*e = x;
		break;
	}
	if (!*e && !hidden && d->d.lower >= 0 && gfs_ship_lookup(d, name, len, e) < 0)
		return -1;
	if (*e && prev)
		*prev = p;              /* the entry before *e (a shipped one just listed is the new tail, after p) */
	return 0;
}

int gfs_dir_add(struct gfs_inode *d, const char *name, size_t len, struct gfs_inode *i)
{
	struct gfs_dirent *e = dirent_new(name, len, i);

	if (!e) {
		errno = ENOSPC;
		return -1;
	}
	dir_append(d, e);
	d->mtime_ns = d->ctime_ns = i->ctime_ns = gfs_now();
	return 0;
}

/* A directory has one name: when it goes, so does its "." (nlink 0, removed). e's inode exists (looked up). A
 * shipped name in a directory still looked up in the archive stays as a whiteout, hiding the archive's. */
void gfs_dir_del(struct gfs_inode *d, struct gfs_dirent *e, struct gfs_dirent *prev)
{
	struct gfs_inode *i = e->ino;

	d->d.entries--;
	if (e->shipped && d->d.lower >= 0) {
		e->whiteout = 1;
		e->ino = NULL;
	} else {
		if (prev)
			prev->next = e->next;
		else
			d->d.head = e->next;
		if (d->d.tail == e)
			d->d.tail = prev;
		if (!e->in_block)
			free(e);
	}
	d->mtime_ns = d->ctime_ns = i->ctime_ns = gfs_now();
	i->nlink--;
	if (gfs_isdir(i)) {
		d->nlink--;
		if (i->nlink == 1) {
			i->nlink = 0;
			i->d.parent = NULL;     /* removed: ".." in it is ENOENT, never a freed parent */
		}
	}
	if (i->nlink == 0 && i->refs == 0)
		inode_free(i);
}

static void ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += 1000000000;
	}
}

void gfs_stat(const struct gfs_inode *i, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = GFS_DEV;
	st->st_ino = i->ino;
	st->st_mode = i->mode;
	st->st_nlink = i->nlink;
	st->st_size = gfs_isdir(i) ? (off_t)((i->d.entries + 2) * GFS_DIRENT_BYTES) : (off_t)i->f.size;
	st->st_blksize = 1024;      /* stdio's buffer for the file (newlib: HAVE_BLKSIZE) */
	st->st_blocks = gfs_isdir(i) ? 0 : (blkcnt_t)gfs_file_blocks(i);
	ns_to_ts(i->atime_ns, &st->st_atim);
	ns_to_ts(i->mtime_ns, &st->st_mtim);
	ns_to_ts(i->ctime_ns, &st->st_ctim);
}
