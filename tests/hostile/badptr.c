/* badptr.c - hostile: console_write, random and meminfo with bad pointers and lengths must return PV_EFAULT or
 * PV_EINVAL (never write, never end the VM); good calls must work. Exits 0 only if every result is right. */
#include "hostile.h"

#define KDMAP  0xffff800000000000l
#define KTEXT  0xffffffff80100000l
#define WRAP   ((long)0xfffffffffffff800ul)   /* + 4096 wraps around 2^64 */

static const char badptr_ro[64] = "read-only data";

struct badptr_case {
	const char *what;
	long nr, a0, a1, want;
};

static int badptr_fixed(void)
{
	static const struct badptr_case c[] = {
		{ "write NULL", PV_SYS_console_write, 0, 5, PV_EFAULT },
		{ "write 0x1000", PV_SYS_console_write, 0x1000, 8, PV_EFAULT },
		{ "write dmap", PV_SYS_console_write, KDMAP, 16, PV_EFAULT },
		{ "write ktext", PV_SYS_console_write, KTEXT, 16, PV_EFAULT },
		{ "write wrap", PV_SYS_console_write, WRAP, 4096, PV_EFAULT },
		{ "write len 2^40", PV_SYS_console_write, (long)badptr_ro, 1l << 40, PV_EINVAL },
		{ "write len -1", PV_SYS_console_write, (long)badptr_ro, -1, PV_EINVAL },
		{ "write len MAX+1", PV_SYS_console_write, (long)badptr_ro, PV_CONSOLE_MAX + 1, PV_EINVAL },
		{ "write past window end", PV_SYS_console_write, (long)PV_WIN_END - 16, 64, PV_EFAULT },
		{ "write before window", PV_SYS_console_write, (long)PV_WIN_BASE - 8, 16, PV_EFAULT },
		{ "write len 0", PV_SYS_console_write, (long)badptr_ro, 0, 0 },
		{ "random NULL", PV_SYS_random, 0, 16, PV_EFAULT },
		{ "random dmap", PV_SYS_random, KDMAP, 16, PV_EFAULT },
		{ "random ktext", PV_SYS_random, KTEXT, 16, PV_EFAULT },
		{ "random wrap", PV_SYS_random, WRAP, 4096, PV_EFAULT },
		{ "random past window end", PV_SYS_random, (long)PV_WIN_END - 8, 16, PV_EFAULT },
		{ "random into rodata", PV_SYS_random, (long)badptr_ro, 16, PV_EFAULT },
		{ "random len MAX+1", PV_SYS_random, (long)badptr_ro, PV_RANDOM_MAX + 1, PV_EINVAL },
		{ "random len -1", PV_SYS_random, (long)badptr_ro, -1, PV_EINVAL },
		{ "meminfo NULL", PV_SYS_meminfo, 0, 0, PV_EFAULT },
		{ "meminfo dmap", PV_SYS_meminfo, KDMAP, 0, PV_EFAULT },
		{ "meminfo ktext", PV_SYS_meminfo, KTEXT, 0, PV_EFAULT },
		{ "meminfo rodata", PV_SYS_meminfo, (long)badptr_ro, 0, PV_EFAULT },
		{ "meminfo past window end", PV_SYS_meminfo, (long)PV_WIN_END - 16, 0, PV_EFAULT },
	};
	int bad = 0;

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		bad += h_expect(c[i].what, pv_call2(c[i].nr, c[i].a0, c[i].a1), c[i].want);
	return bad;
}

/* Addresses known only at run time: its own text, the guard gap above the heap. */
static int badptr_runtime(void)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t text_before = *(volatile uint64_t *)(uintptr_t)badptr_runtime;
	int bad = 0;

	bad += h_expect("random into text", pv_random((long)(uintptr_t)badptr_runtime, 16), PV_EFAULT);
	bad += h_expect("meminfo into text", pv_meminfo((long)(uintptr_t)badptr_runtime), PV_EFAULT);
	bad += h_expect("random into the guard gap", pv_random((long)si->heap_end, 16), PV_EFAULT);
	bad += h_expect("write from the guard gap", pv_console_write((long)si->heap_end, 16), PV_EFAULT);
	bad += h_expect("text unchanged", *(volatile uint64_t *)(uintptr_t)badptr_runtime != text_before, 0);
	return bad;
}

/* Good calls: they must work and report what the start info says. */
static int badptr_good(void)
{
	const struct pv_start_info *si = pv_start_info();
	static const char line[] = "badptr: good console_write\n";
	struct pv_meminfo mi;
	uint8_t buf[64];
	int bad = 0;

	bad += h_expect("good write", pv_console_write((long)line, sizeof(line) - 1), sizeof(line) - 1);
	bad += h_expect("good random", pv_random((long)buf, sizeof(buf)), sizeof(buf));
	bad += h_expect("random len 0", pv_random((long)buf, 0), 0);
	bad += h_expect("good meminfo", pv_meminfo((long)&mi), 0);
	bad += h_expect("meminfo quota", (long)mi.quota_bytes, (long)si->mem_quota);
	bad += h_expect("meminfo heap_start", (long)mi.heap_start, (long)si->heap_start);
	bad += h_expect("meminfo heap_end", (long)mi.heap_end, (long)si->heap_end);
	bad += h_expect("meminfo private within quota", mi.private_bytes > 0 && mi.private_bytes <= mi.quota_bytes, 1);
	return bad;
}

int main(int argc, char **argv)
{
	int bad;

	(void)argc, (void)argv;
	bad = badptr_fixed() + badptr_runtime() + badptr_good();
	h_say(bad ? "badptr: FAILED\n" : "badptr: every bad pointer got an error code\n");
	return bad != 0;
}
