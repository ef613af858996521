/* sys/stat.h - newlib's sys/stat.h plus lstat, which guestlib's file system has (fscalls.c) and newlib declares only for RTEMS, Cygwin and SPU. */
#include_next <sys/stat.h>

#ifndef GUESTLIB_SYS_STAT_H
#define GUESTLIB_SYS_STAT_H

__BEGIN_DECLS
int lstat(const char *__restrict __path, struct stat *__restrict __buf);
__END_DECLS

#endif
