/* sys/dirent.h - what newlib's dirent.h needs from the target (its own is an #error here): struct dirent and DIR, for guestlib's file system (fsdir.c). */
#ifndef GUESTLIB_SYS_DIRENT_H
#define GUESTLIB_SYS_DIRENT_H

#include <sys/types.h>

/* d_type values (Linux's numbers); the file system has only directories and regular files. */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_BLK     6
#define DT_REG     8
#define DT_LNK     10
#define DT_SOCK    12

#define MAXNAMLEN 255

struct dirent {
	ino_t d_ino;
	off_t d_off;                /* telldir's value after this entry */
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[MAXNAMLEN + 1];
};

typedef struct gfs_dirstream DIR;   /* opaque: fsdir.c */

#endif
