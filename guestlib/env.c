/* env.c - what the host gives a VM beyond its image (pvisa.h argument block): argv, environ and the bytes stdin reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "guest.h"
#include "pvisa_guest.h"

extern char **environ;

static const char *stdin_at;     /* the input not read yet */
static size_t stdin_left;

static void __attribute__((noreturn)) env_fail(const char *msg)
{
	for (;;)
		pv_abort((long)msg, (long)strlen(msg));
}

/* A table of n + 1 pointers: the caller's (room for max + 1, on __guest_start's stack) when n fits, else the heap's. */
static char **env_table(size_t n, char **room, size_t max, const char *what)
{
	char **t;

	if (n <= max)
		return room;
	if (!(t = malloc((n + 1) * sizeof(*t))))
		env_fail(what);
	return t;
}

/* argv from ARGS (guest.h guest_split_args): every word, however many. */
char **__guest_argv(struct pv_start_info *si, int *argc, char **room, int max);
char **__guest_argv(struct pv_start_info *si, int *argc, char **room, int max)
{
	size_t len;
	char *args = guest_args(&len);
	int n = guest_count_args(args, len);
	char **argv = env_table((size_t)n, room, (size_t)max,
				"guestlib: no heap for argv (give the VM more memory: isorun --quota)");

	*argc = guest_split_args(si->image, args, len, argv, n);
	return argv;
}

/* environ from the block's KEY=VALUE strings (the kernel checked them: isokernel/argblk.c); stdin's bytes. */
void __guest_env_init(const struct pv_start_info *si, char **room, int max);
void __guest_env_init(const struct pv_start_info *si, char **room, int max)
{
	const char *e, *end;
	char **env;
	size_t n = 0, i = 0;

	if (!(si->flags & PV_SI_ARGBLK) || si->args_len > PV_ARGS_MAX || si->env_len > PV_ENV_MAX ||
	    si->stdin_len > PV_STDIN_MAX)
		return;
	e = (const char *)(uintptr_t)si->argblk + si->args_len + 1;
	end = e + si->env_len;
	stdin_at = end;
	stdin_left = si->stdin_len;
	for (const char *p = e; p < end; p++)
		n += *p == '\0';
	if (!n)
		return;
	env = env_table(n, room, (size_t)max, "guestlib: no heap for the environment (give the VM more memory: isorun --quota)");
	for (const char *p = e; p < end && i < n; p += strlen(p) + 1)
		env[i++] = (char *)p;
	env[i] = NULL;
	environ = env;
}

/* Standard input: the block's bytes (isorun --stdin), then end of file. */
ssize_t guest_stdin_read(void *buf, size_t n);
ssize_t guest_stdin_read(void *buf, size_t n)
{
	if (n > stdin_left)
		n = stdin_left;
	memcpy(buf, stdin_at, n);
	stdin_at += n;
	stdin_left -= n;
	return (ssize_t)n;
}

/* Bytes of standard input not read yet (ioctl FIONREAD, posix.c). */
ssize_t guest_stdin_left(void);
ssize_t guest_stdin_left(void)
{
	return (ssize_t)stdin_left;
}
