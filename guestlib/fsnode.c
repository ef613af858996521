/* fsnode.c - the file system's tree: mounting the image's archive at "/", inodes, directory entries, stat. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"
#include "guest.h"
#include "pvisa_guest.h"

/* guest-cc --files links these (a generated object); without it they are 0 and the tree starts empty. */
extern const unsigned char __guest_fs_archive[] __attribute__((weak));
extern const uint64_t __guest_fs_archive_size __attribute__((weak));

#define GFS_DEV 0x6673u            /* st_dev of every file */
#define GFS_DIRENT_BYTES 32u       /* a directory's st_size per entry, "." and ".." included */

#define GFS_INO_MADE 0x40000000u   /* inode numbers: shipped entries 2 + their archive index, made ones from here */

static const struct gfs_arc_hdr *arc;   /* the checked archive, or NULL */
static struct gfs_inode *root;
static uint32_t next_ino = GFS_INO_MADE;
static int64_t wall_base_ns;

int64_t gfs_now(void)
{
	return wall_base_ns + (int64_t)guest_clock_ns();
}

static const struct gfs_arc_ent *arc_ent(uint32_t i)
{
	return (const struct gfs_arc_ent *)(arc + 1) + i;
}

/* A corrupt archive is the image's fault: end the VM saying so, before any of it is used. */
static void fs_arc_open(void)
{
	static char msg[128] = "guestlib: the file archive in the image (guest-cc --files) is corrupt: ";
	const char *why;
	size_t n;

	if (!__guest_fs_archive || !&__guest_fs_archive_size)
		return;
	why = gfs_arc_check(__guest_fs_archive, (size_t)__guest_fs_archive_size);
	if (!why) {
		arc = (const struct gfs_arc_hdr *)__guest_fs_archive;
		return;
	}
	n = strlen(msg);
	strncpy(msg + n, why, sizeof(msg) - n - 1);
	for (;;)
		pv_abort((long)msg, (long)strlen(msg));
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

/* How many of archive directory idx's children are directories. */
static uint32_t arc_subdirs(uint32_t idx)
{
	const struct gfs_arc_ent *a = arc_ent(idx);
	uint32_t n = 0;

	for (uint64_t c = a->off; c < a->off + a->len; c++)
		n += (arc_ent((uint32_t)c)->mode & ~0777u) == GFS_ARC_IFDIR;
	return n;
}

/* Root: the archive's root directory (its mode), or an empty one; /tmp is made if the archive has none. */
static int fs_mount(void)
{
	struct gfs_inode *r, *tmp;

	wall_base_ns = (int64_t)guest_wall_ns() - (int64_t)guest_clock_ns();
	fs_arc_open();
	r = gfs_inode_new(arc ? (S_IFDIR | (arc_ent(0)->mode & 0777)) : (S_IFDIR | 0755));
	if (!r)
		return -1;
	r->ino = 2;
	r->nlink = 2 + (arc ? arc_subdirs(0) : 0);
	r->refs = 1;                /* never freed */
	r->d.parent = r;
	r->d.lower = arc ? 0 : -1;
	root = r;
	if (gfs_dir_load(r) < 0 || gfs_dir_find(r, "tmp", 3, NULL))
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

static void list_append(struct gfs_inode *d, struct gfs_dirent *e)
{
	e->seq = d->d.next_seq++;
	if (d->d.tail)
		d->d.tail->next = e;
	else
		d->d.head = e;
	d->d.tail = e;
	d->d.entries++;
}

static void dir_append(struct gfs_inode *d, struct gfs_dirent *e)
{
	struct gfs_inode *i = e->ino;

	list_append(d, e);
	i->nlink++;
	if (gfs_isdir(i)) {
		d->nlink++;
		i->d.parent = d;
	}
}

/* The inode of archive entry idx, named once already (its shipped entry). */
static struct gfs_inode *arc_inode(uint32_t idx)
{
	const struct gfs_arc_ent *a = arc_ent(idx);
	struct gfs_inode *i = gfs_inode_new(a->mode);

	if (!i)
		return NULL;
	next_ino--;                 /* the number was not used: shipped entries have their own */
	i->ino = 2 + idx;
	if (a->mtime > -INT64_MAX / 1000000000 && a->mtime < INT64_MAX / 1000000000)
		i->mtime_ns = i->ctime_ns = i->atime_ns = a->mtime * 1000000000;
	if (gfs_isdir(i)) {
		i->nlink = 2 + arc_subdirs(idx);
		i->d.lower = (int32_t)idx;
	} else {
		i->nlink = 1;
		i->f.ro = (const unsigned char *)arc + a->off;
		i->f.ro_len = i->f.size = a->len;
	}
	return i;
}

/* The archive's children of d as entries without inodes, in one allocation: all or none. */
int gfs_dir_load(struct gfs_inode *d)
{
	const struct gfs_arc_ent *a;
	const char *names;
	struct gfs_dirent *b;

	if (d->d.lower < 0)
		return 0;
	a = arc_ent((uint32_t)d->d.lower);
	names = (const char *)arc + arc->names;
	if (a->len && !(b = calloc((size_t)a->len, sizeof(*b)))) {
		errno = ENOMEM;
		return -1;
	}
	for (uint64_t k = 0; k < a->len; k++) {
		const struct gfs_arc_ent *c = arc_ent((uint32_t)(a->off + k));

		b[k] = (struct gfs_dirent){ .name = names + c->name, .arc = (uint32_t)(a->off + k),
					    .len = (uint16_t)c->name_len, .in_block = 1 };
		list_append(d, &b[k]);
	}
	d->d.block = a->len ? b : NULL;
	d->d.lower = -1;
	return 0;
}

struct gfs_inode *gfs_dirent_ino(struct gfs_inode *d, struct gfs_dirent *e)
{
	if (!e->ino && (e->ino = arc_inode(e->arc)) != NULL && gfs_isdir(e->ino))
		e->ino->d.parent = d;
	if (!e->ino)
		errno = ENOMEM;
	return e->ino;
}

int gfs_dirent_isdir(const struct gfs_dirent *e)
{
	return e->ino ? gfs_isdir(e->ino) : (arc_ent(e->arc)->mode & ~0777u) == GFS_ARC_IFDIR;
}

uint32_t gfs_dirent_inum(const struct gfs_dirent *e)
{
	return e->ino ? e->ino->ino : 2 + e->arc;
}

struct gfs_dirent *gfs_dir_find(struct gfs_inode *d, const char *name, size_t len, struct gfs_dirent **prev)
{
	struct gfs_dirent *p = NULL;

	for (struct gfs_dirent *e = d->d.head; e; p = e, e = e->next)
		if (e->len == len && memcmp(e->name, name, len) == 0) {
			if (prev)
				*prev = p;
			return e;
		}
	return NULL;
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

/* A directory has one name: when it goes, so does its "." (nlink 0, removed). e's inode exists (looked up). */
void gfs_dir_del(struct gfs_inode *d, struct gfs_dirent *e, struct gfs_dirent *prev)
{
	struct gfs_inode *i = e->ino;

	if (prev)
		prev->next = e->next;
	else
		d->d.head = e->next;
	if (d->d.tail == e)
		d->d.tail = prev;
	d->d.entries--;
	if (!e->in_block)
		free(e);
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
