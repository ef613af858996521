/* fsarc.c - checks a read-only file archive (fsarc.h) whole before guestlib uses any of it; pure C, also built for the host fuzzer. */
#include <string.h>
#include "fsarc.h"

struct arc {
	const unsigned char *base;
	const struct gfs_arc_hdr *h;
	const struct gfs_arc_ent *e;
};

static const char *arc_check_hdr(const void *a, size_t size, struct arc *r)
{
	const struct gfs_arc_hdr *h = a;
	uint64_t ents_end;

	if (size < sizeof(*h) || ((uintptr_t)a & 7) != 0)
		return "shorter than its header or misaligned";
	if (memcmp(h->magic, GFS_ARC_MAGIC, sizeof(h->magic)) != 0)
		return "bad magic";
	if (h->version != GFS_ARC_VERSION)
		return "unknown version";
	if (h->size < sizeof(*h) || h->size > size)
		return "size field outside the archive";
	if (h->count < 1 || h->count > (h->size - sizeof(*h)) / sizeof(struct gfs_arc_ent))
		return "entry count outside the archive";
	ents_end = sizeof(*h) + (uint64_t)h->count * sizeof(struct gfs_arc_ent);
	if (h->names < ents_end || h->names > h->size || h->names_len > h->size - h->names)
		return "name table outside the archive";
	*r = (struct arc){ a, h, (const struct gfs_arc_ent *)(h + 1) };
	return NULL;
}

static const char *arc_check_name(const struct arc *r, const struct gfs_arc_ent *e)
{
	const unsigned char *n;

	if (e->name_len < 1 || e->name_len > GFS_ARC_NAME_MAX)
		return "name length out of range";
	if (e->name > r->h->names_len || e->name_len > r->h->names_len - e->name)
		return "name outside the name table";
	n = r->base + r->h->names + e->name;
	if (memchr(n, '/', e->name_len) || memchr(n, 0, e->name_len))
		return "name with '/' or NUL";
	if (n[0] == '.' && (e->name_len == 1 || (e->name_len == 2 && n[1] == '.')))
		return "name \".\" or \"..\"";
	return NULL;
}

/* <0, 0, >0 as a's name sorts before, with, after b's. */
static int arc_name_cmp(const struct arc *r, const struct gfs_arc_ent *a, const struct gfs_arc_ent *b)
{
	const unsigned char *n = r->base + r->h->names;
	uint32_t l = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(n + a->name, n + b->name, l);

	return c ? c : (int)(a->name_len > b->name_len) - (int)(a->name_len < b->name_len);
}

static const char *arc_check_dir(const struct arc *r, uint32_t i, uint64_t *children)
{
	const struct gfs_arc_ent *d = &r->e[i];

	if (d->len == 0)
		return NULL;
	if (d->off <= i || d->off > r->h->count || d->len > r->h->count - d->off)
		return "directory's children outside the entries";
	*children += d->len;
	return NULL;
}

/* After every entry's name is known to be inside the table: a directory's children are sorted, no name twice. */
static const char *arc_check_sorted(const struct arc *r, const struct gfs_arc_ent *d)
{
	for (uint64_t c = d->off + 1; c < d->off + d->len; c++)
		if (arc_name_cmp(r, &r->e[c - 1], &r->e[c]) >= 0)
			return "directory's names not sorted or repeated";
	return NULL;
}

static const char *arc_check_ent(const struct arc *r, uint32_t i, uint64_t *children)
{
	const struct gfs_arc_ent *e = &r->e[i];
	const struct gfs_arc_ent *p;
	const char *why;

	if ((e->mode & ~0777u) != GFS_ARC_IFDIR && (e->mode & ~0777u) != GFS_ARC_IFREG)
		return "entry neither a directory nor a regular file";
	if (i == 0) {
		if ((e->mode & ~0777u) != GFS_ARC_IFDIR || e->parent != 0 || e->name_len != 0)
			return "root entry is not a nameless directory";
	} else {
		if (e->parent >= i)
			return "parent is not an earlier directory";
		p = &r->e[e->parent];
		if ((p->mode & ~0777u) != GFS_ARC_IFDIR)
			return "parent is not an earlier directory";
		if (i < p->off || i - p->off >= p->len)
			return "entry not in its parent's children";
		if ((why = arc_check_name(r, e)) != NULL)
			return why;
	}
	if ((e->mode & ~0777u) == GFS_ARC_IFDIR)
		return arc_check_dir(r, i, children);
	if (e->off > r->h->size || e->len > r->h->size - e->off)
		return "file's bytes outside the archive";
	return NULL;
}

const char *gfs_arc_check(const void *a, size_t size)
{
	uint64_t children = 0;
	struct arc r;
	const char *why = arc_check_hdr(a, size, &r);

	for (uint32_t i = 0; !why && i < r.h->count; i++)
		why = arc_check_ent(&r, i, &children);
	if (!why && children != r.h->count - 1)
		return "entries not in exactly one directory";
	for (uint32_t i = 0; !why && i < r.h->count; i++)
		if ((r.e[i].mode & ~0777u) == GFS_ARC_IFDIR)
			why = arc_check_sorted(&r, &r.e[i]);
	return why;
}
