/* selectors.c - hostile, run with several instances: DS/ES/FS/GS are null at entry and keep this VM's own values
 * across yields, preemptions and other VMs' quanta; a sibling's selectors are never seen (no covert channel). */
#include "hostile.h"

#define SEL_ROUNDS 40

/* Every selector value ring 3 can hold: user data and user code (readable) with any RPL, and null with any RPL. The
 * CPU's iret to ring 3 turns a null ds or es into 0 whatever its RPL (so ds and es take the first 9 only). */
static const uint16_t sel_values[12] = { 0x00, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x01, 0x02, 0x03 };

static void sel_read(uint16_t s[4])
{
	__asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
			 : "=r"(s[0]), "=r"(s[1]), "=r"(s[2]), "=r"(s[3]));
}

static void sel_load(const uint16_t s[4])
{
	__asm__ volatile("mov %0, %%ds; mov %1, %%es; mov %2, %%fs; mov %3, %%gs"
			 : : "r"(s[0]), "r"(s[1]), "r"(s[2]), "r"(s[3]));
}

/* This VM's pattern for round r: a different one in every VM and every round (a byte encoded four ways). */
static void sel_pattern(uint32_t id, uint32_t r, uint16_t s[4])
{
	for (uint32_t k = 0; k < 4; k++)
		s[k] = sel_values[(id * 5 + r * 7 + k * 3) % (k < 2 ? 9 : 12)];
}

/* 1 (and a line saying so) if the selectors now differ from want. */
static int sel_check(const char *when, uint32_t round, const uint16_t want[4])
{
	static const char *const names[4] = { "ds", "es", "fs", "gs" };
	uint16_t got[4];
	int bad = 0;

	sel_read(got);
	for (int k = 0; k < 4; k++) {
		if (got[k] == want[k])
			continue;
		h_say("selectors: ");
		h_say(names[k]);
		h_say(" changed ");
		h_say(when);
		h_say(" in round ");
		h_hex(round);
		h_say(": got ");
		h_hex(got[k]);
		h_say(", want ");
		h_hex(want[k]);
		h_say("\n");
		bad = 1;
	}
	return bad;
}

int main(void)
{
	static const uint16_t null[4] = { 0, 0, 0, 0 };
	uint32_t id = pv_start_info()->vm_id;
	uint16_t mine[4];
	int bad = sel_check("before entry", 0, null);

	for (uint32_t r = 0; r < SEL_ROUNDS && !bad; r++) {
		sel_pattern(id, r, mine);
		sel_load(mine);
		pv_yield();                               /* another VM runs: it loads its own */
		bad |= sel_check("across a yield", r, mine);
		if (r % 8 == 0) {
			h_spin_ms(15);                    /* past a quantum: preempted by the timer */
			bad |= sel_check("across a preemption", r, mine);
		}
		pv_clock_mono();
		bad |= sel_check("across a hypercall", r, mine);
	}
	sel_load(null);
	h_say(bad ? "selectors: FAILED\n" : "selectors: every round kept its own selectors\n");
	h_exit(bad);
}
