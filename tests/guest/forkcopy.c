/* forkcopy.c - copies across page boundaries without pause, so a fork from outside (FORK) lands inside a copy. */
/* For argv[1] milliseconds: fill a 12 KiB source with a pattern of this VM's id and the round, copy it with one
 * `rep movsb` to a destination that straddles three pages (an interrupt, hence a fork, can stop the copy midway:
 * rcx, rsi and rdi say where), compare. A child goes on from where its parent was, in its own copy of both
 * buffers, with its own id from its next round: any page the two still wrote in common would show as a mismatch in
 * one of them. Then "forkcopy: id=N rounds=R" and "ok: forkcopy". */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "guest.h"

#define LEN (12 * 1024)

static uint8_t src[LEN];
static uint8_t dst[LEN + 4096] __attribute__((aligned(4096)));

static void rep_movsb(void *d, const void *s, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

int main(int argc, char **argv)
{
	long long ms = argc == 2 ? guest_arg_num(argv[1], 600000) : -1;
	uint64_t end, rounds = 0;

	if (ms < 0) {
		fprintf(stderr, "usage: forkcopy MILLISECONDS\n");
		return 2;
	}
	end = guest_clock_ns() + (uint64_t)ms * 1000000;
	while (guest_clock_ns() < end && check_failures == 0) {
		uint32_t id = (uint32_t)getpid();
		for (size_t i = 0; i < LEN; i++)
			src[i] = (uint8_t)(id * 31 + rounds + i / 4096);
		rep_movsb(dst + 2000, src, LEN);
		for (size_t i = 0; i < LEN; i += 512)
			CHECK(dst[2000 + i] == (uint8_t)(id * 31 + rounds + i / 4096) && dst[2000 + i] == src[i],
			      "round %lu byte %zu: 0x%x, want 0x%x", (unsigned long)rounds, i, dst[2000 + i],
			      (uint8_t)(id * 31 + rounds + i / 4096));
		rounds++;
	}
	printf("forkcopy: id=%u rounds=%lu\n", (unsigned)getpid(), (unsigned long)rounds);
	return check_done("forkcopy");
}
