/* tinystart.c - _start for --tiny (newlib-free) programs that do not define their own: argv, main, pv_exit. */
#include "guest.h"
#include "pvisa_guest.h"

int main(int argc, char **argv);
void _start(struct pv_start_info *si) __attribute__((noreturn));

/* The kernel enters with rsp 16-byte aligned and no return address: realign as if called. */
__attribute__((force_align_arg_pointer))
void _start(struct pv_start_info *si)
{
	char *argv[GUEST_ARGV_MAX + 1];
	size_t len;
	char *args = guest_args(&len);
	int argc = guest_split_args(si->image, args, len, argv, GUEST_ARGV_MAX);

	for (;;)
		pv_exit(main(argc, argv));
}
