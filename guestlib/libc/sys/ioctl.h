/* sys/ioctl.h - ioctl (guestlib posix.c): FIONBIO on any descriptor, FIONREAD and TIOCGWINSZ on the console; others ENOTTY. */
#ifndef GUESTLIB_SYS_IOCTL_H
#define GUESTLIB_SYS_IOCTL_H

#include <sys/cdefs.h>

#define FIONREAD   0x541b   /* Linux's numbers, so code that hard-codes them still means the same */
#define FIONBIO    0x5421
#define TIOCGWINSZ 0x5413

struct winsize {
	unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};

__BEGIN_DECLS
int ioctl(int fd, unsigned long request, ...);
__END_DECLS

#endif
