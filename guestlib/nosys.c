/* nosys.c - calls a VM cannot have (no programs to run, no dynamic loading, no other threads): they link, fail with ENOSYS, and the first failure of each prints one console line naming it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dlfcn.h>
#include <pthread.h>
#include "guest.h"
#include "pvisa_guest.h"

/* The calls below, each told once. */
enum nosys_call { NS_EXECVE, NS_SYSTEM, NS_POPEN, NS_PIPE, NS_DLOPEN, NS_PTHREAD_CREATE, NS_COUNT };
static const char *const nosys_name[NS_COUNT] = { "execve", "system", "popen", "pipe", "dlopen", "pthread_create" };
static const char *const nosys_why[NS_COUNT] = {
	"a VM runs one image, there are no programs to execute",
	"a VM has no shell and runs no other programs",
	"a VM has no shell and runs no other programs",
	"a VM is one process: nothing could read the other end",
	"guest images are static: link the library in with guest-cc",
	"a VM has one thread: use events (guest_idle_until, poll) or more VMs",
};
static unsigned char nosys_told[NS_COUNT];

/* "guestlib: execve() is not available in a VM (ENOSYS: why)" on the console, the first time; errno = ENOSYS. */
static void nosys(enum nosys_call c)
{
	char line[200];
	int n;

	errno = ENOSYS;
	if (nosys_told[c])
		return;
	nosys_told[c] = 1;
	n = snprintf(line, sizeof(line), "guestlib: %s() is not available in a VM (ENOSYS: %s)\n", nosys_name[c],
		     nosys_why[c]);
	if (n > 0)
		pv_console_write((long)line, (long)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
}

/* execv and execvp below, and newlib's _execve_r, end here. */
int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	nosys(NS_EXECVE);
	return -1;
}

/* newlib's x86_64-elf build has no exec family but _execve_r: these end in execve too. */
extern char **environ;

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return execve(file, argv, environ);
}

/* Replaces newlib's, which would pull in fork, execve and wait: system(NULL) says there is no shell. */
int system(const char *cmd)
{
	if (cmd == NULL)
		return 0;
	nosys(NS_SYSTEM);
	return -1;
}

FILE *popen(const char *cmd, const char *mode)
{
	(void)cmd;
	(void)mode;
	nosys(NS_POPEN);
	return NULL;
}

int pclose(FILE *f)
{
	(void)f;
	errno = ECHILD;
	return -1;
}

int pipe(int fds[2])
{
	(void)fds;
	nosys(NS_PIPE);
	return -1;
}

static const char *dl_error;

void *dlopen(const char *file, int mode)
{
	(void)mode;
	nosys(NS_DLOPEN);
	dl_error = file ? "dlopen: not available in a VM (guest images are static)" : NULL;
	return NULL;
}

void *dlsym(void *handle, const char *name)
{
	(void)handle;
	(void)name;
	dl_error = "dlsym: no dynamic symbols in a static guest image";
	return NULL;
}

int dlclose(void *handle)
{
	(void)handle;
	dl_error = "dlclose: no such handle";
	return -1;
}

char *dlerror(void)
{
	const char *e = dl_error;

	dl_error = NULL;
	return (char *)e;
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	(void)t;
	(void)attr;
	(void)fn;
	(void)arg;
	nosys(NS_PTHREAD_CREATE);
	return ENOSYS;
}
