/* fs.h - guestlib's file system inside: the in-memory tree (inodes, directory entries, file blocks) over the image's read-only archive, shared by fs*.c. */
#ifndef GUEST_FS_H
#define GUEST_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include "fsarc.h"

/*
 * One tree at "/", in the VM's heap (so within its memory quota). The image's archive (guest-cc --files) is its
 * starting content: a shipped directory's names are looked up in the archive (binary search), each one used gets
 * an entry and an inode, a removed one a whiteout; readdir lists the rest in one allocation of entries naming
 * the archive's bytes (then the directory is like any other); an archive
 * file's bytes stay in the image (shared, read-only) and are copied into the heap a block at a time when written
 * (copy-up per GFS_BLK block), so writing, truncating, renaming and unlinking shipped files all work.
 * Names: dirents in a list per directory, in creation order (readdir order), each with an increasing seq.
 */
#define GFS_BLK       4096u         /* file data block; a file's first block grows from 64 bytes up to it */
#define GFS_NAME_MAX  255u
#define GFS_PATH_MAX  4096u         /* bytes of a path with its NUL (PATH_MAX in newlib's limits.h) */
#define GFS_FILE_MAX  ((uint64_t)1 << 40)   /* EFBIG past it */

struct gfs_inode;

struct gfs_dirent {
	struct gfs_dirent *next;
	struct gfs_inode *ino;      /* NULL: a shipped entry not used yet (gfs_dirent_ino makes its inode) */
	const char *name;           /* len bytes: its own copy after the struct, or the archive's (no NUL) */
	uint64_t seq;               /* readdir position: increasing along the list; 0 and 1 are "." and ".." */
	uint32_t arc;               /* a shipped entry's archive index */
	uint16_t len;
	uint8_t shipped;            /* names archive entry arc */
	uint8_t whiteout;           /* a removed shipped name, hiding the archive's while d is not listed */
	uint8_t in_block;           /* one of the directory's shipped entries, allocated together (d.block) */
};

struct gfs_file {
	unsigned char **blk;        /* blocks; NULL: the archive's bytes below ro_len, zeros beyond */
	size_t nblk;                /* slots in blk */
	size_t cap0;                /* bytes allocated for blk[0] (up to GFS_BLK) */
	const unsigned char *ro;    /* the archive's bytes, if shipped */
	uint64_t ro_len;            /* how many of them still show (truncation lowers it) */
	uint64_t size;
};

struct gfs_dir {
	struct gfs_dirent *head, *tail;
	struct gfs_inode *parent;   /* ".." (the root's is itself; NULL once removed) */
	uint64_t next_seq;
	uint32_t entries;
	int32_t lower;              /* archive entry whose children are looked up there (not all listed here), or -1 */
	struct gfs_dirent *block;   /* the rest of the shipped entries, listed in one allocation for readdir */
};

struct gfs_inode {
	uint32_t mode;              /* S_IFREG or S_IFDIR and permission bits */
	uint32_t nlink;             /* names (a directory: 2 + subdirectories; 0 once removed) */
	uint32_t refs;              /* open descriptions, directory streams, the working directory */
	uint32_t ino;
	int64_t mtime_ns, ctime_ns, atime_ns;
	union {
		struct gfs_file f;
		struct gfs_dir d;
	};
};

static inline int gfs_isdir(const struct gfs_inode *i) { return S_ISDIR(i->mode); }

/* fsnode.c: the tree. */
struct gfs_inode *gfs_root(void);                   /* mounts on first use; NULL and errno ENOMEM if it cannot */
int64_t gfs_now(void);                              /* wall clock, ns */
struct gfs_inode *gfs_inode_new(uint32_t mode);     /* NULL: ENOSPC */
void gfs_ref(struct gfs_inode *i);
void gfs_unref(struct gfs_inode *i);                /* frees it when no name and no reference is left */
/* d's entry named name (*e, NULL if none) and the one before it in d's list: 0, or -1 with ENOMEM. */
int gfs_dir_lookup(struct gfs_inode *d, const char *name, size_t len, struct gfs_dirent **e,
		   struct gfs_dirent **prev);
int gfs_dir_add(struct gfs_inode *d, const char *name, size_t len, struct gfs_inode *i);   /* -1: ENOSPC */
void gfs_dir_del(struct gfs_inode *d, struct gfs_dirent *e, struct gfs_dirent *prev);
void gfs_list_append(struct gfs_inode *d, struct gfs_dirent *e);    /* at the end of d's list, with its seq */
void gfs_stat(const struct gfs_inode *i, struct stat *st);

/* fsship.c: the shipped tree. */
int gfs_ship_open(void);                            /* 1: the image has a (checked) archive; a corrupt one aborts */
uint32_t gfs_ship_mode(uint32_t idx);
void gfs_ship_dir(struct gfs_inode *d, uint32_t idx);   /* d is archive directory idx */
int gfs_ship_lookup(struct gfs_inode *d, const char *name, size_t len, struct gfs_dirent **e);
int gfs_dir_load(struct gfs_inode *d);              /* lists all of d (readdir): 0, or -1 ENOMEM */
struct gfs_inode *gfs_dirent_ino(struct gfs_inode *d, struct gfs_dirent *e);   /* NULL: ENOMEM */
int gfs_dirent_isdir(const struct gfs_dirent *e);
uint32_t gfs_dirent_inum(const struct gfs_dirent *e);

/* fsdata.c: a regular file's bytes. */
ssize_t gfs_file_read(struct gfs_inode *i, uint64_t off, void *buf, size_t n);
ssize_t gfs_file_write(struct gfs_inode *i, uint64_t off, const void *buf, size_t n);  /* -1: ENOSPC, EFBIG */
int gfs_file_truncate(struct gfs_inode *i, uint64_t size);                             /* -1: ENOSPC, EFBIG */
void gfs_file_free(struct gfs_inode *i);
uint64_t gfs_file_blocks(const struct gfs_inode *i);  /* 512-byte units held in the heap */

/* fspath.c: names to inodes. The last component of a path, looked up in its directory. */
struct gfs_where {
	struct gfs_inode *dir;      /* the directory holding the last component */
	struct gfs_inode *ino;      /* what the path names, or NULL when the last component is absent */
	struct gfs_dirent *de, *prev;   /* its entry in dir (NULL for "/", "." and "..") */
	const char *name;
	size_t len;
	int slash;                  /* the path ends in '/' */
	int dots;                   /* the last component is "." or "..", or the path is "/" */
};
int gfs_lookup(const char *path, struct gfs_where *w);      /* 0, or -1 with errno; absent last: 0, ino NULL */
struct gfs_inode *gfs_resolve(const char *path);            /* the inode, or NULL with errno */
struct gfs_inode *gfs_cwd(void);
extern struct gfs_inode *gfs_base;                          /* set by fsat.c around one call */

/* fsopen.c: the file mode creation mask (umask); the inode an open file descriptor names (NULL, errno EBADF or einval if fd is not a file). */
extern mode_t gfs_umask;
struct gfs_inode *gfs_fd_inode(int fd, int einval, int *accmode);

#endif
