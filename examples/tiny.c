/* tiny.c - the smallest VM: no libc and no stack use; writes one line with console_write and exits 0. */
#include "pvisa_guest.h"

static const char tiny_msg[] = "tiny: hello\n";

void _start(void) __attribute__((noreturn));

/* Touches no private page: the message is in shared rodata, the hypercalls need no stack. */
void _start(void)
{
	pv_console_write((long)tiny_msg, (long)(sizeof(tiny_msg) - 1));
	for (;;)
		pv_exit(0);
}
