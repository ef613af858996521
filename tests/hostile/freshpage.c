/* freshpage.c - hostile, run with many instances: every bss, heap and stack page must read as zero and the data
 * page as its initial value when first touched, although siblings that ran before wrote patterns there and exited. */
#include "hostile.h"

#define FRESH_BSS   (64 * 1024)
#define FRESH_HEAP  (64 * 1024)
#define FRESH_STACK (32 * 1024)

static uint8_t fresh_bss[FRESH_BSS];
static volatile uint64_t fresh_data[4] = { 0x1111111111111111ull, 0x2222222222222222ull, 3, 4 };

/* Check [lo, lo+len) reads as zero, then fill it with a pattern naming this VM; returns 1 if not zero. */
static int fresh_check_fill(const char *what, uint64_t lo, uint64_t len)
{
	volatile uint64_t *p = (volatile uint64_t *)lo;
	uint64_t pattern = 0xfeed000000000000ull | pv_start_info()->vm_id;
	int bad = 0;

	for (uint64_t i = 0; i < len / 8; i++) {
		if (p[i] != 0 && !bad) {
			h_say("freshpage: foreign value in ");
			h_say(what);
			h_say(" at ");
			h_hex(lo + 8 * i);
			h_say(": ");
			h_hex(p[i]);
			h_say("\n");
			bad = 1;
		}
		p[i] = pattern;
	}
	return bad;
}

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t heap = si->heap_end - si->heap_start < FRESH_HEAP ? si->heap_end - si->heap_start : FRESH_HEAP;
	int bad = 0;

	(void)argc, (void)argv;
	bad += h_expect("data page initial value", (long)(fresh_data[0] ^ 0x1111111111111111ull), 0);
	bad += h_expect("data page initial value", (long)(fresh_data[1] ^ 0x2222222222222222ull), 0);
	fresh_data[0] = fresh_data[1] = 0xfeedfeedfeedfeedull;
	bad += fresh_check_fill("bss", (uint64_t)(uintptr_t)fresh_bss, FRESH_BSS);
	bad += fresh_check_fill("heap", si->heap_start, heap);
	/* Below the start page: stack pages this VM never used (it runs on the start page). */
	bad += fresh_check_fill("stack", PV_START_PAGE - FRESH_STACK, FRESH_STACK);
	for (int i = 0; i < 5; i++)
		pv_yield();
	h_say(bad ? "freshpage: FAILED\n" : "freshpage: every page was fresh\n");
	return bad != 0;
}
