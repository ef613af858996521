/* fsremove.c - remove and rename with their newlib reentrant twins, alone in one object so newlib's (rename by link and unlink, remove without rmdir) are never linked beside them. */
#include <errno.h>
#include <reent.h>
#include <stdio.h>
#include <unistd.h>
#include "fs.h"

int gfs_rename(const char *old, const char *new);

int rename(const char *old, const char *new)
{
	return gfs_rename(old, new);
}

int _rename_r(struct _reent *r, const char *old, const char *new)
{
	(void)r;
	return gfs_rename(old, new);
}

/* A directory is removed as rmdir does, anything else as unlink does. */
int remove(const char *path)
{
	if (unlink(path) == 0)
		return 0;
	return errno == EISDIR ? rmdir(path) : -1;
}

int _remove_r(struct _reent *r, const char *path)
{
	(void)r;
	return remove(path);
}
