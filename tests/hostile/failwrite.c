/* failwrite.c - hostile: a hypercall that fails writes nothing. A buffer that begins in writable memory and runs
 * into the guard gap or read-only data gets PV_EFAULT with the writable part untouched, and a net_recv_batch whose
 * descriptors cannot be written back takes no frame off the queue (PVISA.md, pointer rules). */
#include "hostile.h"
#include "byteorder.h"

#define CANARY 0xc5u

static uint8_t fw_frame[1514];
static const struct pv_frame fw_ro_desc[1] __attribute__((aligned(4096))) = { { (uint64_t)fw_frame, 0, 1514 } };

/* [p, p+n) still holds the canary; 1 (and a line) if not. */
static int fw_untouched(const char *what, const volatile uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != CANARY) {
			h_say("failwrite: ");
			h_say(what);
			h_say(" failed but wrote at ");
			h_hex((uint64_t)&p[i]);
			h_say("\n");
			return 1;
		}
	return 0;
}

static void fw_fill(volatile uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = CANARY;
}

/* An ARP request for the VM's own address: the switch answers it into the VM's own queue. */
static void fw_queue_arp_reply(void)
{
	const struct pv_start_info *si = pv_start_info();
	uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	for (int i = 0; i < 6; i++)
		f[6 + i] = f[22 + i] = si->mac[i];
	f[12] = 0x08, f[13] = 0x06, f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = 1;
	be32_put(f + 28, si->ipv4);
	be32_put(f + 38, si->ipv4);
	h_expect("net_send of an ARP request", pv_net_send((long)f, sizeof(f)), sizeof(f));
}

static int fw_recv_batch(void)
{
	int bad = 0;

	fw_queue_arp_reply();
	fw_fill(fw_frame, sizeof(fw_frame));
	/* The descriptors are read-only (rodata): their len cannot be set, so the kernel must refuse before it takes a
	 * frame or writes one into the (writable) buffer they name. */
	bad |= h_expect("net_recv_batch with read-only descriptors", pv_net_recv_batch((long)fw_ro_desc, 1), PV_EFAULT);
	bad |= fw_untouched("net_recv_batch", fw_frame, sizeof(fw_frame));
	bad |= h_expect("the frame is still queued", pv_net_recv((long)fw_frame, sizeof(fw_frame)), 42);
	return bad;
}

int main(void)
{
	const struct pv_start_info *si = pv_start_info();
	volatile uint8_t *top = (volatile uint8_t *)si->heap_end;
	int bad = 0;

	fw_fill(top - 16, 16);
	bad |= h_expect("random across the heap's end", pv_random((long)(top - 8), 16), PV_EFAULT);
	bad |= fw_untouched("random(heap_end - 8, 16)", top - 8, 8);
	bad |= h_expect("meminfo across the heap's end", pv_meminfo((long)(top - 16)), PV_EFAULT);
	bad |= fw_untouched("meminfo(heap_end - 16)", top - 16, 16);
	bad |= fw_recv_batch();
	h_say(bad ? "failwrite: FAILED\n" : "failwrite: every failed call left memory and the queue as they were\n");
	h_exit(bad);
}
