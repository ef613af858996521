/* badcall.c - hostile: unknown hypercall numbers must return PV_ENOSYS and let the VM go on; exits 0 if all do. */
#include "hostile.h"

int main(int argc, char **argv)
{
	/* 1 << 32 and friends catch a kernel that decodes only eax (it would run exit(77) or write). */
	static const long bad[] = {
		-1, PV_SYS_COUNT, PV_SYS_COUNT + 1, 1l << 32, (1l << 32) | PV_SYS_console_write, 1l << 40,
		0x7fffffffffffffffl, (long)0x8000000000000000ul,
	};
	int fails = 0;

	(void)argc, (void)argv;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		fails += h_expect("unknown hypercall", pv_call2(bad[i], 77, 16), PV_ENOSYS);
	h_say(fails ? "badcall: FAILED\n" : "badcall: all unknown numbers got PV_ENOSYS\n");
	return fails != 0;
}
