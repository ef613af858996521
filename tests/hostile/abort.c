/* abort.c - hostile: pv_abort must end the VM as failed with this message in its reason. */
#include "hostile.h"

int main(int argc, char **argv)
{
	static const char msg[] = "hostile: deliberate abort";

	(void)argc, (void)argv;
	pv_abort((long)msg, (long)(sizeof(msg) - 1));
	h_survived("abort");
}
