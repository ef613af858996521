/* fsarc.h - the format of the read-only file tree guest-cc --files links into an image (.rodata), for guest-fspack and guestlib. */
#ifndef GUEST_FSARC_H
#define GUEST_FSARC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Layout, little-endian, offsets from the archive's first byte (8-byte aligned in the image):
 *   struct gfs_arc_hdr, then count struct gfs_arc_ent (entry 0 is the root directory, no name), then the names
 *   (names_len bytes, not NUL-terminated), then the files' bytes. Directories list their children as a range of
 *   entries [first, first + n), sorted by name (bytewise, shorter first on a tie), all after the directory itself;
 *   every entry but the root is in exactly its parent's range. Only directories and regular files exist; mode
 *   holds the type (S_IFDIR 0040000, S_IFREG 0100000) and the permission bits 0777, nothing else.
 */
#define GFS_ARC_MAGIC   "GFSARC1\n"
#define GFS_ARC_VERSION 1u
#define GFS_ARC_NAME_MAX 255u
#define GFS_ARC_IFDIR   0040000u
#define GFS_ARC_IFREG   0100000u

struct gfs_arc_hdr {
	char magic[8];
	uint32_t version;
	uint32_t count;         /* entries, root included */
	uint64_t size;          /* bytes in the whole archive */
	uint64_t names;         /* offset of the names */
	uint64_t names_len;
};

struct gfs_arc_ent {
	uint32_t mode;
	uint32_t parent;        /* index of the directory holding it (root: 0) */
	uint32_t name;          /* offset of its name in the names */
	uint32_t name_len;      /* 1..GFS_ARC_NAME_MAX (root: 0) */
	uint64_t off;           /* file: offset of its bytes; directory: index of its first child */
	uint64_t len;           /* file: its size; directory: how many children */
	int64_t mtime;          /* seconds since 1970 */
};

_Static_assert(sizeof(struct gfs_arc_hdr) == 40, "gfs_arc_hdr layout");
_Static_assert(sizeof(struct gfs_arc_ent) == 40, "gfs_arc_ent layout");

/* NULL if the size bytes at a (8-byte aligned) are a well-formed archive, else what is wrong (a constant string). */
const char *gfs_arc_check(const void *a, size_t size);

#endif
