/* cowtlb.c - hostile: a hypercall that writes into a data page the VM had only read (copy-on-write, still shared)
 * must be seen by the VM's next read: the kernel's private copy may not hide behind the old frame's TLB entry. */
#include "hostile.h"

/* Initialised data: copy-on-write from the image, one page each, read before the kernel writes them. */
static volatile uint8_t cow_rand[4096] __attribute__((aligned(4096))) = { 0x5a, 0x5a, 0x5a, 0x5a };
static volatile struct pv_meminfo cow_mi[4096 / sizeof(struct pv_meminfo)] __attribute__((aligned(4096))) = {
	{ .quota_bytes = 0x5a5a5a5a }
};

/* Reads the page's first 16 bytes (the TLB now maps the shared frame); returns their xor-fold. */
static uint64_t cow_touch(const volatile uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 4 ^ p[i];
	return v;
}

int main(void)
{
	int bad = 0;
	uint64_t before = cow_touch(cow_rand);

	bad |= h_expect("random into a read data page", pv_random((long)cow_rand, 16), 16);
	if (cow_touch(cow_rand) == before) {
		h_say("cowtlb: random()'s bytes are not visible: the old shared frame is still mapped\n");
		bad = 1;
	}
	(void)cow_touch((const volatile uint8_t *)cow_mi);
	bad |= h_expect("meminfo into a read data page", pv_meminfo((long)cow_mi), 0);
	if (cow_mi[0].quota_bytes != pv_start_info()->mem_quota) {
		h_say("cowtlb: meminfo()'s result is not visible: quota_bytes reads ");
		h_hex(cow_mi[0].quota_bytes);
		h_say("\n");
		bad = 1;
	}
	h_say(bad ? "cowtlb: FAILED\n" : "cowtlb: the kernel's writes into read COW pages are visible at once\n");
	h_exit(bad);
}
