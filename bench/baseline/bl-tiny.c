/* bl-tiny.c - baseline tiny process (examples/tiny.c as a host process, with libc): says hello, ready, idles until killed. */
#include <unistd.h>
#include "bl_serve.h"

static const char tiny_msg[] = "tiny: hello\n";

/* Built twice: bl-tiny-static (gcc -static) and bl-tiny-dynamic (gcc's default, glibc shared). */
int main(void)
{
	bl_ready_init();
	if (write(STDOUT_FILENO, tiny_msg, sizeof tiny_msg - 1) < 0)
		return 1;
	bl_ready();
	for (;;)
		pause();
}
