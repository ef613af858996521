/* start.c - __guest_start: the C half of crt0.S for newlib programs (heap, constructors, argv, environ, main, exit). */
#include <stdlib.h>
#include "guest.h"
#include "pvisa_guest.h"

extern char **environ;
int main(int argc, char **argv, char **envp);
void __libc_init_array(void);
void __guest_heap_init(const struct pv_start_info *si);
void __guest_env_init(const struct pv_start_info *si, char **room, int max);
char **__guest_argv(struct pv_start_info *si, int *argc, char **room, int max);
void __guest_start(struct pv_start_info *si) __attribute__((noreturn));

/* A start page we cannot read correctly is the kernel's fault, not the program's: fail loudly. */
static void guest_check_start(const struct pv_start_info *si)
{
	static const char msg[] = "guestlib: bad start info (magic or ABI version)";

	if (si->magic != PV_START_MAGIC || si->abi_version != PV_ABI_VERSION)
		pv_abort((long)msg, (long)(sizeof(msg) - 1));
}

void __guest_start(struct pv_start_info *si)
{
	char *argv_room[GUEST_ARGV_MAX + 1], *env_room[GUEST_ARGV_MAX + 1];   /* more words or variables: the heap */
	char **argv;
	int argc;

	guest_check_start(si);
	guest_cpu_start();
	__guest_heap_init(si);
	__guest_env_init(si, env_room, GUEST_ARGV_MAX);
	argv = __guest_argv(si, &argc, argv_room, GUEST_ARGV_MAX);
	__libc_init_array();
	exit(main(argc, argv, environ));
}
