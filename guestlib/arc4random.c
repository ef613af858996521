/* arc4random.c - arc4random, arc4random_buf and arc4random_uniform on the kernel's generator, fork-safe. */
/* newlib 3.3's own (a ChaCha20 state seeded once by getentropy) has no fork detection in this build
 * (_ARC4RANDOM_FORKDETECT is not defined for x86_64-elf): a forked VM would repeat its parent's stream. These draw
 * from the random hypercall (ChaCha20 with fast key erasure in the kernel) through a small buffer that is dropped
 * when the VM's id is not the one it was filled under (a fork, from inside or from outside) and whose bytes are
 * erased as they are handed out. guestlib's libguest.a comes before libc.a, so a program gets these. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "pvisa_guest.h"

#define RB_BYTES 128

static uint8_t rb_buf[RB_BYTES];
static unsigned rb_have;              /* unread bytes at the end of rb_buf */
static uint32_t rb_owner;             /* the VM id they were drawn under */

void __guest_random_forked(void);
void __guest_random_forked(void)
{
	memset(rb_buf, 0, sizeof(rb_buf));
	rb_have = 0;
}

static void rb_fill(void)
{
	if (guest_random(rb_buf, sizeof(rb_buf)) != 0)
		abort();                      /* as newlib's does when getentropy fails */
	rb_have = RB_BYTES;
	rb_owner = pv_start_info()->vm_id;
}

void arc4random_buf(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (rb_have && rb_owner != pv_start_info()->vm_id)
		__guest_random_forked();
	while (n) {
		if (!rb_have)
			rb_fill();
		size_t k = n < rb_have ? n : rb_have;
		uint8_t *src = rb_buf + RB_BYTES - rb_have;
		memcpy(p, src, k);
		memset(src, 0, k);
		rb_have -= (unsigned)k;
		p += k;
		n -= k;
	}
}

uint32_t arc4random(void)
{
	uint32_t v;

	arc4random_buf(&v, sizeof(v));
	return v;
}

/* Uniform in [0, bound) without modulo bias: values below 2^32 mod bound are drawn again. */
uint32_t arc4random_uniform(uint32_t bound)
{
	uint32_t r, min;

	if (bound < 2)
		return 0;
	min = -bound % bound;
	do
		r = arc4random();
	while (r < min);
	return r % bound;
}
