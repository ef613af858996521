/* fsdata.c - a regular file's bytes: heap blocks of GFS_BLK (the first one grows from 64 bytes), the image's archive bytes under them until written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

/* Bytes of block b that are really in the heap (0 if none). */
static size_t blk_held(const struct gfs_file *f, uint64_t b)
{
	if (b >= f->nblk || !f->blk[b])
		return 0;
	return b == 0 ? f->cap0 : GFS_BLK;
}

/* What the file holds at [x, x + k) where no block does: the archive's bytes below ro_len, zeros beyond. */
static void under_fill(const struct gfs_file *f, unsigned char *dst, uint64_t x, size_t k)
{
	size_t ro = x < f->ro_len ? (size_t)(f->ro_len - x < k ? f->ro_len - x : k) : 0;

	if (ro)
		memcpy(dst, f->ro + x, ro);
	memset(dst + ro, 0, k - ro);
}

ssize_t gfs_file_read(struct gfs_inode *i, uint64_t off, void *buf, size_t n)
{
	struct gfs_file *f = &i->f;
	unsigned char *p = buf;
	size_t done = 0;

	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	while (done < n) {
		uint64_t x = off + done, b = x / GFS_BLK;
		size_t o = (size_t)(x % GFS_BLK), k = GFS_BLK - o, held = blk_held(f, b);

		if (k > n - done)
			k = n - done;
		if (o < held) {
			k = k < held - o ? k : held - o;
			memcpy(p + done, f->blk[b] + o, k);
		} else {
			under_fill(f, p + done, x, k);
		}
		done += k;
	}
	return (ssize_t)done;
}

/* Room for blocks [0, nb) in the block array. */
static int blk_slots(struct gfs_file *f, uint64_t nb)
{
	unsigned char **a;

	if (nb <= f->nblk)
		return 0;
	if (nb > SIZE_MAX / sizeof(*a) || !(a = realloc(f->blk, (size_t)nb * sizeof(*a))))
		return -1;
	memset(a + f->nblk, 0, (size_t)(nb - f->nblk) * sizeof(*a));
	f->blk = a;
	f->nblk = (size_t)nb;
	return 0;
}

/* Block b holding at least its bytes [0, need): allocated (or grown) and filled with what the file held there. */
static int blk_make(struct gfs_file *f, uint64_t b, size_t need)
{
	size_t held = blk_held(f, b), cap = GFS_BLK;
	unsigned char *p;

	if (held >= need)
		return 0;
	if (b == 0 && f->size <= GFS_BLK && need < GFS_BLK)
		for (cap = 64; cap < need; cap *= 2)
			;
	if (!(p = realloc(f->blk[b], cap)))
		return -1;
	under_fill(f, p + held, b * GFS_BLK + held, cap - held);
	f->blk[b] = p;
	if (b == 0)
		f->cap0 = cap;
	return 0;
}

ssize_t gfs_file_write(struct gfs_inode *i, uint64_t off, const void *buf, size_t n)
{
	struct gfs_file *f = &i->f;
	const unsigned char *p = buf;
	size_t done = 0;

	if (n == 0)
		return 0;
	if (off >= GFS_FILE_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (n > GFS_FILE_MAX - off)
		n = (size_t)(GFS_FILE_MAX - off);
	if (blk_slots(f, (off + n - 1) / GFS_BLK + 1) < 0)
		goto full;
	while (done < n) {
		uint64_t x = off + done, b = x / GFS_BLK;
		size_t o = (size_t)(x % GFS_BLK), k = GFS_BLK - o;

		if (k > n - done)
			k = n - done;
		if (blk_make(f, b, o + k) < 0)
			goto full;
		memcpy(f->blk[b] + o, p + done, k);
		done += k;
		if (x + k > f->size)
			f->size = x + k;
	}
	i->mtime_ns = i->ctime_ns = gfs_now();
	return (ssize_t)done;
full:
	if (done > 0) {
		i->mtime_ns = i->ctime_ns = gfs_now();
		return (ssize_t)done;
	}
	errno = ENOSPC;
	return -1;
}

/* Shrinking: blocks wholly past the end go, the last one's tail is zeroed (growing later must read zeros). */
static void file_shrink(struct gfs_file *f, uint64_t size)
{
	uint64_t keep = (size + GFS_BLK - 1) / GFS_BLK;

	for (uint64_t b = keep; b < f->nblk; b++) {
		free(f->blk[b]);
		f->blk[b] = NULL;
	}
	if (size % GFS_BLK && blk_held(f, size / GFS_BLK) > size % GFS_BLK)
		memset(f->blk[size / GFS_BLK] + size % GFS_BLK, 0, blk_held(f, size / GFS_BLK) - size % GFS_BLK);
	if (keep == 0) {
		free(f->blk);
		f->blk = NULL;
		f->nblk = 0;
	} else if (keep < f->nblk) {
		unsigned char **a = realloc(f->blk, (size_t)keep * sizeof(*a));
		if (a) {
			f->blk = a;
			f->nblk = (size_t)keep;
		}
	}
	if (f->ro_len > size)
		f->ro_len = size;
}

int gfs_file_truncate(struct gfs_inode *i, uint64_t size)
{
	if (size > GFS_FILE_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (size < i->f.size)
		file_shrink(&i->f, size);
	i->f.size = size;
	i->mtime_ns = i->ctime_ns = gfs_now();
	return 0;
}

void gfs_file_free(struct gfs_inode *i)
{
	file_shrink(&i->f, 0);
}

uint64_t gfs_file_blocks(const struct gfs_inode *i)
{
	uint64_t bytes = 0;

	for (uint64_t b = 0; b < i->f.nblk; b++)
		bytes += blk_held(&i->f, b);
	return (bytes + 511) / 512;
}
