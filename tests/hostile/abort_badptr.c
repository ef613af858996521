/* abort_badptr.c - hostile: pv_abort with a kernel-address message must still end the VM as failed, reading nothing. */
#include "hostile.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	pv_abort((long)0xffffffff80100000ull, 64);
	h_survived("abort_badptr");
}
