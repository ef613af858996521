/* sys/utsname.h - uname (guestlib posix.c): sysname "pvisa", release the ABI version, machine "x86_64", nodename "vm<id>". */
#ifndef GUESTLIB_SYS_UTSNAME_H
#define GUESTLIB_SYS_UTSNAME_H

#include <sys/cdefs.h>

#define _UTSNAME_LENGTH 65

struct utsname {
	char sysname[_UTSNAME_LENGTH];   /* "pvisa": a VM of the isolation kernel (not Linux) */
	char nodename[_UTSNAME_LENGTH];  /* "vm<id>", gethostname's answer */
	char release[_UTSNAME_LENGTH];   /* the PVISA ABI version, e.g. "1" */
	char version[_UTSNAME_LENGTH];   /* "guestlib" */
	char machine[_UTSNAME_LENGTH];   /* "x86_64" */
};

__BEGIN_DECLS
int uname(struct utsname *buf);
__END_DECLS

#endif
