/* dlfcn.h - guest images are static: dlopen fails (dlerror says why, guestlib nosys.c), dlsym finds nothing. */
#ifndef GUESTLIB_DLFCN_H
#define GUESTLIB_DLFCN_H

#include <sys/cdefs.h>

#define RTLD_LAZY     1
#define RTLD_NOW      2
#define RTLD_GLOBAL   0x100
#define RTLD_LOCAL    0
#define RTLD_DEFAULT  ((void *)0)

__BEGIN_DECLS
void *dlopen(const char *file, int mode);
void *dlsym(void *handle, const char *name);
int dlclose(void *handle);
char *dlerror(void);
__END_DECLS

#endif
