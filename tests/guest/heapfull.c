/* heapfull.c - guest test: with the heap exhausted before the first stdio call, stdio still works (unbuffered). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

/* Takes every block malloc gives, largest first; returns the bytes taken. */
static size_t exhaust_heap(void)
{
	size_t taken = 0;

	for (size_t sz = (size_t)1 << 20; sz >= 8; sz /= 2)
		while (malloc(sz) != NULL)
			taken += sz;
	return taken;
}

int main(void)
{
	size_t taken = exhaust_heap();
	int n;

	errno = 0;
	CHECK(malloc(8) == NULL && errno == ENOMEM, "malloc(8) after exhaustion: errno %d", errno);
	n = printf("heap exhausted after %zu bytes\n", taken);
	CHECK(n > 0, "printf returned %d", n);
	CHECK(fputs("stderr works too\n", stderr) >= 0, "fputs to stderr failed");
	CHECK(puts(strerror(ENOMEM)) >= 0, "puts failed");
	return check_done("heapfull");
}
