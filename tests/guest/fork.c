/* fork.c - fork(): the child has its own id, address and random bytes, a copy of the parent's registers and memory. */
/* Parent and child both run this after the fork and each ends with "ok: fork"; each prints "fork: role=R id=N
 * ip=A mac=M arc4=HEX kern=HEX" for tests/system/test_fork.sh to compare (the two must differ everywhere). Checked
 * here: fork's results, the start info in each (the child's new, the parent's unchanged), memory written before the
 * fork read back by both and written after it by both without the other seeing it (data, bss, heap, stack, a word
 * and a kernel write across a page boundary), x87/SSE state and MXCSR, a data segment selector, a sleep after it,
 * and the frames queued for the parent before the fork: the parent's alone. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "guest.h"
#include "pvisa_guest.h"

#define NFRAMES 3
#define FRAME_LEN 60

static int data_word = 1234;                                   /* data: an image copy-on-write page */
static uint64_t bss_word;                                      /* bss */
static uint8_t straddle[2 * 4096] __attribute__((aligned(4096)));   /* bss, two pages */

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static char *ntoa(uint32_t a, char *b)
{
	sprintf(b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A UDP datagram from this VM to itself (the switch delivers it to its own queue), payload byte k. */
static void self_frame(uint8_t *f, uint8_t k)
{
	const struct pv_start_info *si = pv_start_info();
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memset(f, 0, FRAME_LEN);
	memcpy(f, si->mac, 6);
	memcpy(f + 6, si->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = FRAME_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++)
		ip[12 + i] = ip[16 + i] = (uint8_t)(si->ipv4 >> (24 - 8 * i));
	c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = udp[2] = 0x30;
	udp[5] = FRAME_LEN - 34;
	udp[8] = k;
}

static int frames_waiting(void)
{
	uint8_t f[PV_FRAME_MAX];
	int n = 0;
	long r;

	while ((r = pv_net_recv((long)f, sizeof(f))) > 0) {
		CHECK(r == FRAME_LEN && f[42] == n, "frame %d: %ld bytes, payload %u", n, r, f[42]);
		n++;
	}
	return n;
}

static uint16_t get_fs(void)
{
	uint16_t s;

	__asm__ volatile("mov %%fs, %0" : "=r"(s));
	return s;
}

static uint32_t get_mxcsr(void)
{
	uint32_t m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m;
}

int main(void)
{
	const struct pv_start_info *si = pv_start_info();
	uint32_t id0 = si->vm_id, ip0 = si->ipv4;
	uint8_t mac0[6], f[FRAME_LEN], kern[16], kern_after[16];
	uint64_t *heap = malloc(64), stack_word = 77, mine;
	uint32_t mx = (get_mxcsr() & ~0x6000u) | 0x2000u;          /* round down */
	volatile double x = 1.0 / 3.0;
	char arc_hex[33], kern_hex[33], ipbuf[16];
	uint8_t arc[16];
	long t0, t1;
	pid_t r;

	memcpy(mac0, si->mac, 6);
	CHECK(heap != NULL, "malloc");
	*heap = 55;
	bss_word = 66;
	memcpy(straddle + 4092, "ABCDEFGH", 8);
	(void)arc4random();                                          /* arc4random has bytes drawn before the fork */
	for (uint8_t k = 0; k < NFRAMES; k++) {
		self_frame(f, k);
		CHECK(pv_net_send((long)f, FRAME_LEN) == FRAME_LEN, "send frame %u", k);
	}
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	__asm__ volatile("mov %0, %%fs" : : "r"((uint16_t)0x1b));

	r = fork();

	CHECK(r >= 0, "fork: %d errno %d", (int)r, errno);
	CHECK(get_fs() == 0x1b, "fs 0x%x after the fork", get_fs());
	CHECK(get_mxcsr() == mx, "mxcsr 0x%x after the fork, 0x%x before", get_mxcsr(), mx);
	CHECK(x == 1.0 / 3.0, "an x87/SSE value changed");
	__asm__ volatile("mov %0, %%fs" : : "r"((uint16_t)0));
	CHECK(data_word == 1234 && bss_word == 66 && *heap == 55 && stack_word == 77 &&
	      memcmp(straddle + 4092, "ABCDEFGH", 8) == 0, "memory written before the fork");
	if (r == 0) {
		CHECK(si->vm_id != id0 && (uint32_t)getpid() == si->vm_id, "child id %u, parent's %u", si->vm_id, id0);
		CHECK(si->ipv4 != ip0 && si->ipv4 != 0 && memcmp(si->mac, mac0, 6) != 0, "the child's address");
		CHECK(frames_waiting() == 0, "the child has frames queued for the parent");
	} else {
		CHECK((uint32_t)r != id0 && si->vm_id == id0 && si->ipv4 == ip0 && memcmp(si->mac, mac0, 6) == 0,
		      "the parent's identity after the fork (child %d)", (int)r);
		CHECK(frames_waiting() == NFRAMES, "the parent lost its queued frames");
	}
	errno = 0;
	CHECK(wait(NULL) == -1 && errno == ECHILD, "wait: errno %d", errno);

	/* Each writes its own values, then sleeps while the other writes its: neither sees the other's. */
	mine = r == 0 ? 1000 + si->vm_id : 2000 + si->vm_id;
	data_word = (int)mine;
	bss_word = mine;
	*heap = mine;
	stack_word = mine;
	memcpy(straddle + 4092, &mine, 8);
	CHECK(guest_random(straddle + 4090, 16) == 0, "a kernel write across the page boundary");
	memcpy(kern, straddle + 4090, 16);
	arc4random_buf(arc, sizeof(arc));
	t0 = (long)(guest_clock_ns() / 1000000);
	usleep(100000);
	t1 = (long)(guest_clock_ns() / 1000000);
	memcpy(kern_after, straddle + 4090, 16);
	CHECK(t1 - t0 >= 100, "slept %ld ms of 100", t1 - t0);
	CHECK(data_word == (int)mine && bss_word == mine && *heap == mine && stack_word == mine,
	      "the other VM's writes showed (data %d bss %lu heap %lu stack %lu, mine %lu)", data_word,
	      (unsigned long)bss_word, (unsigned long)*heap, (unsigned long)stack_word, (unsigned long)mine);
	CHECK(memcmp(kern, kern_after, 16) == 0, "the bytes across the page boundary changed");
	hex(arc, sizeof(arc), arc_hex);
	hex(kern, sizeof(kern), kern_hex);
	printf("fork: role=%s id=%u ip=%s mac=%02x%02x%02x%02x%02x%02x arc4=%s kern=%s ret=%d\n",
	       r == 0 ? "child" : "parent", si->vm_id, ntoa(si->ipv4, ipbuf), si->mac[0], si->mac[1],
	       si->mac[2], si->mac[3], si->mac[4], si->mac[5], arc_hex, kern_hex, (int)r);
	return check_done("fork");
}
