/* reject.c - hostile: the program inside the images the loader must refuse (bad ABI note, no note, W+X segment,
 * segment outside the window, truncated file). If a kernel runs it anyway it says so and exits 1. */
#include "hostile.h"

/* Data and bss keep every PHDRS segment of the hostile linker scripts non-empty. */
static volatile int reject_data = 1;
static volatile int reject_bss;

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	reject_bss = reject_data;
	h_survived("reject (this image should have been refused at load)");
}
