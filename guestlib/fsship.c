/* fsship.c - the shipped tree (guest-cc --files): the archive checked at mount, its directories looked up by binary search until listed, entries given inodes when used. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"
#include "pvisa_guest.h"

/* guest-cc --files links these (a generated object); without it they are 0 and the tree starts empty. */
extern const unsigned char __guest_fs_archive[] __attribute__((weak));
extern const uint64_t __guest_fs_archive_size __attribute__((weak));

static const struct gfs_arc_hdr *arc;   /* the checked archive, or NULL */

static const struct gfs_arc_ent *arc_ent(uint32_t i)
{
	return (const struct gfs_arc_ent *)(arc + 1) + i;
}

static const char *arc_name(const struct gfs_arc_ent *e)
{
	return (const char *)arc + arc->names + e->name;
}

/* A corrupt archive is the image's fault: end the VM saying so, before any of it is used. */
int gfs_ship_open(void)
{
	static char msg[128] = "guestlib: the file archive in the image (guest-cc --files) is corrupt: ";
	const char *why;
	size_t n;

	if (!__guest_fs_archive || !&__guest_fs_archive_size)
		return 0;
	why = gfs_arc_check(__guest_fs_archive, (size_t)__guest_fs_archive_size);
	if (!why) {
		arc = (const struct gfs_arc_hdr *)__guest_fs_archive;
		return 1;
	}
	n = strlen(msg);
	strncpy(msg + n, why, sizeof(msg) - n - 1);
	for (;;)
		pv_abort((long)msg, (long)strlen(msg));
}

uint32_t gfs_ship_mode(uint32_t idx)
{
	return arc_ent(idx)->mode;
}

/* Directory d is archive entry idx: its children are looked up there; links and entries counted from it. */
void gfs_ship_dir(struct gfs_inode *d, uint32_t idx)
{
	const struct gfs_arc_ent *a = arc_ent(idx);

	d->d.lower = (int32_t)idx;
	d->d.entries = (uint32_t)a->len;
	d->nlink = 2;
	for (uint64_t c = a->off; c < a->off + a->len; c++)
		d->nlink += (arc_ent((uint32_t)c)->mode & ~0777u) == GFS_ARC_IFDIR;
}

/* The inode of archive entry idx, named once already (its shipped entry). */
static struct gfs_inode *arc_inode(uint32_t idx)
{
	const struct gfs_arc_ent *a = arc_ent(idx);
	struct gfs_inode *i = gfs_inode_new(a->mode);

	if (!i)
		return NULL;
	i->ino = 2 + idx;           /* shipped entries' numbers; made ones count from GFS_INO_MADE */
	if (a->mtime > -INT64_MAX / 1000000000 && a->mtime < INT64_MAX / 1000000000)
		i->mtime_ns = i->ctime_ns = i->atime_ns = a->mtime * 1000000000;
	if (gfs_isdir(i)) {
		gfs_ship_dir(i, idx);
	} else {
		i->nlink = 1;
		i->f.ro = (const unsigned char *)arc + a->off;
		i->f.ro_len = i->f.size = a->len;
	}
	return i;
}

/* <0, 0, >0 as [name, name + len) sorts before, with, after archive entry e's name (fsarc.h's order). */
static int name_cmp(const char *name, size_t len, const struct gfs_arc_ent *e)
{
	size_t l = len < e->name_len ? len : e->name_len;
	int c = memcmp(name, arc_name(e), l);

	return c ? c : (int)(len > e->name_len) - (int)(len < e->name_len);
}

int gfs_ship_lookup(struct gfs_inode *d, const char *name, size_t len, struct gfs_dirent **e)
{
	const struct gfs_arc_ent *a = arc_ent((uint32_t)d->d.lower);
	uint64_t lo = a->off, hi = a->off + a->len;

	*e = NULL;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, len, arc_ent((uint32_t)mid));

		if (c == 0) {
			if (!(*e = calloc(1, sizeof(**e)))) {
				errno = ENOMEM;
				return -1;
			}
			**e = (struct gfs_dirent){ .name = arc_name(arc_ent((uint32_t)mid)), .arc = (uint32_t)mid,
						   .len = (uint16_t)len, .shipped = 1 };
			gfs_list_append(d, *e);     /* counted in d's entries already */
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* The archive entries of d not yet in its list (nor removed), as one block put before the list's entries. */
static struct gfs_dirent *ship_block(struct gfs_inode *d, const unsigned char *taken, size_t *n)
{
	const struct gfs_arc_ent *a = arc_ent((uint32_t)d->d.lower);
	struct gfs_dirent *b;
	size_t m = 0;

	for (uint64_t k = 0; k < a->len; k++)
		m += !(taken[k / 8] & (1u << (k % 8)));
	*n = m;
	if (m == 0 || !(b = calloc(m, sizeof(*b))))
		return NULL;
	m = 0;
	for (uint64_t k = 0; k < a->len; k++) {
		uint32_t c = (uint32_t)(a->off + k);

		if (!(taken[k / 8] & (1u << (k % 8))))
			b[m++] = (struct gfs_dirent){ .name = arc_name(arc_ent(c)), .arc = c,
						      .len = (uint16_t)arc_ent(c)->name_len, .shipped = 1, .in_block = 1 };
	}
	return b;
}

/* d's list rebuilt: the block's entries, then those already listed (whiteouts dropped); seq renumbered. Nothing
 * has read d's positions yet (readdir lists first). */
static void ship_relist(struct gfs_inode *d, struct gfs_dirent *b, size_t n)
{
	struct gfs_dirent *old = d->d.head, *next;

	d->d.head = d->d.tail = NULL;
	d->d.next_seq = 2;
	for (size_t k = 0; k < n; k++)
		gfs_list_append(d, &b[k]);
	for (struct gfs_dirent *x = old; x; x = next) {
		next = x->next;
		x->next = NULL;
		if (x->whiteout)
			free(x);
		else
			gfs_list_append(d, x);
	}
}

int gfs_dir_load(struct gfs_inode *d)
{
	const struct gfs_arc_ent *a;
	unsigned char *taken;
	struct gfs_dirent *b;
	size_t n;

	if (d->d.lower < 0)
		return 0;
	a = arc_ent((uint32_t)d->d.lower);
	if (!(taken = calloc((size_t)(a->len / 8 + 1), 1)))
		goto nomem;
	for (struct gfs_dirent *x = d->d.head; x; x = x->next)
		if (x->shipped)
			taken[(x->arc - a->off) / 8] |= (unsigned char)(1u << ((x->arc - a->off) % 8));
	b = ship_block(d, taken, &n);
	free(taken);
	if (n && !b)
		goto nomem;
	ship_relist(d, b, n);
	d->d.block = b;
	d->d.lower = -1;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
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
