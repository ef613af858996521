/* start.c - __guest_start: the C half of crt0.S for newlib programs (heap, constructors, argv, main, exit). */
#include <stdlib.h>
#include "guest.h"
#include "pvisa_guest.h"

extern char **environ;
int main(int argc, char **argv, char **envp);
void __libc_init_array(void);
void __guest_heap_init(const struct pv_start_info *si);
void __guest_start(const struct pv_start_info *si) __attribute__((noreturn));

/* A start page we cannot read correctly is the kernel's fault, not the program's: fail loudly. */
static void guest_check_start(const struct pv_start_info *si)
{
	static const char msg[] = "guestlib: bad start info (magic or ABI version)";

	if (si->magic != PV_START_MAGIC || si->abi_version != PV_ABI_VERSION)
		pv_abort((long)msg, (long)(sizeof(msg) - 1));
}

void __guest_start(const struct pv_start_info *si)
{
	char words[sizeof(si->image) + PV_CMDLINE_MAX + 2];
	char *argv[GUEST_ARGV_MAX + 1];
	int argc;

	guest_check_start(si);
	guest_cpu_start();
	__guest_heap_init(si);
	__libc_init_array();
	argc = guest_split_args(si->image, si->cmdline, words, sizeof(words), argv, GUEST_ARGV_MAX);
	exit(main(argc, argv, environ));
}
