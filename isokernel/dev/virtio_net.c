/* virtio_net.c - the NIC on the virtio transport (virtio.c): legacy virtio-net-pci, RX interrupt then polling, a bounce mode. */
/*
 * Queue 0 receives, queue 1 transmits. Each buffer is a 2 KiB half of a frame: a 10-byte virtio_net_hdr
 * (no MRG_RXBUF, so always 10 bytes) then up to 1514 bytes of Ethernet frame. With ANY_LAYOUT a buffer is one
 * descriptor; without it (legacy framing rule) the header and the data are two chained descriptors.
 * Receiving is NAPI style when the device has MSI-X: an RX interrupt (a vector from irq_register) turns interrupts off
 * (avail.flags = NO_INTERRUPT) and marks the ring busy; the scheduler polls it every pass while busy; the pass
 * that finds it empty turns interrupts back on and looks once more (a frame may have landed unannounced), and
 * only then may the idle loop halt. Without MSI-X, or with net_poll=1, interrupts stay off for good and the idle
 * loop wakes every VNET_POLL_US to poll. TX never interrupts: sent buffers are reclaimed when polled.
 * Everything the device writes (used.idx, used ids and lengths) is checked before it indexes anything; a bad
 * entry is counted and skipped (virtio.c checks the index, this file the ids and lengths).
 */
#include "hot.h"
#include "virtio_net.h"
#include "virtio.h"
#include "irq.h"
#include "frame.h"
#include "memlayout.h"
#include "rand.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"

#define VIRTIO_NET_F_MAC    (1u << 5)

#define VIRTIO_NET_LEGACY   0x1000    /* transitional virtio-net: has the legacy I/O BAR */
#define VIRTIO_NET_MODERN   0x1041

#define VNET_HDR     10               /* struct virtio_net_hdr without num_buffers */
#define VNET_BUFSZ   2048             /* two buffers per frame */
#define VNET_BUFS    256              /* buffers per queue at most (fewer if the ring is smaller) */
#define VNET_TX_BATCH 8               /* vnet_queue notifies the device at least every this many frames */
#define VNET_POLL_US 50               /* polled mode: idle loop polling period while the NIC is up */
#define VNET_RX_BUDGET 256            /* frames taken per poll at most (then the next pass goes on) */

/* One queue of the NIC: the ring (virtio.c) and its buffers, 2 KiB halves of pages. */
struct vnq {
	struct vq q;
	uint16_t nbuf, chain;                    /* buffers, descriptors per buffer */
	uint64_t page[VNET_BUFS / 2];            /* physical page holding buffers 2k and 2k+1 */
	uint8_t inflight[VNET_BUFS];             /* buffer k is the device's now */
	uint8_t lent[VNET_BUFS];                 /* RX: buffer k is on loan to the receiver (vnet_rx_fn) */
};

static struct {
	bool up;
	uint16_t tx_unkicked;                    /* frames posted since the device was last notified */
	uint16_t nlent;                          /* RX buffers on loan */
	bool rx_unkicked;                        /* RX buffers given back since the device was last notified */
	bool irq;                                /* RX interrupts through MSI-X (else polled) */
	volatile bool armed;                     /* irq mode: the ring was found empty, interrupts are on */
	const char *why_polled;                  /* why not interrupt-driven */
	struct vio_dev dev;
	uint8_t mac[6];
	struct vnq rx, tx;
	uint16_t txfree[VNET_BUFS], ntxfree;
	uint64_t poll_tsc;                       /* polled mode: VNET_POLL_US in TSC ticks */
} vn;
static struct vnet_stats st;
static uint64_t tx_bad;
uint64_t vnet_bounce, vnet_poll_only;

static void vnq_free(struct vnq *b)
{
	vq_free(&b->q);
	for (uint32_t i = 0; i < VNET_BUFS / 2; i++)
		if (b->page[i])
			frame_free(b->page[i]);
	memset(b, 0, sizeof(*b));
}

static uint8_t *buf_va(const struct vnq *q, uint32_t k)
{
	return (uint8_t *)P2V(q->page[k / 2]) + (k % 2) * VNET_BUFSZ;
}

/* Set up queue index and its buffers (the ring through virtio.c). */
static int vnq_setup(struct vnq *b, uint16_t index, uint16_t chain, const char **why)
{
	if (vq_init(&b->q, &vn.dev, index, chain, why) != 0)
		return -1;
	b->chain = chain;
	b->nbuf = b->q.num / chain < VNET_BUFS ? b->q.num / chain : VNET_BUFS;
	for (uint32_t i = 0; i < (b->nbuf + 1u) / 2; i++) {
		b->page[i] = frame_alloc_zero();
		if (!b->page[i]) {
			*why = "no memory for buffers";
			return -1;
		}
	}
	return 0;
}

/* Point buffer k's descriptors at it, once at start (the device never writes descriptors): RX buffers take a
 * whole frame, device-writable; TX ones are readable and tx_post sets their length. Returns the chain's head. */
static uint16_t vnq_fill(struct vnq *b, uint32_t k, uint32_t data_len, bool writable)
{
	uint16_t head = (uint16_t)(k * b->chain);
	uint64_t pa = V2P(buf_va(b, k));
	uint16_t w = writable ? VRING_DESC_F_WRITE : 0;

	if (b->chain == 1) {
		b->q.desc[head] = (struct vring_desc){ pa, VNET_HDR + data_len, w, 0 };
	} else {
		b->q.desc[head] = (struct vring_desc){ pa, VNET_HDR, w | VRING_DESC_F_NEXT, (uint16_t)(head + 1) };
		b->q.desc[head + 1] = (struct vring_desc){ pa + VNET_HDR, data_len, w, 0 };
	}
	return head;
}

/* Make buffer k available to the device (no notification yet). */
HOT static void vnq_post(struct vnq *b, uint32_t k, uint16_t head)
{
	b->inflight[k] = 1;
	vq_post(&b->q, head);
}

/* The buffer a used id names, taken back from the device; -1 if no buffer of ours in flight has that head. */
static int vnq_buf(struct vnq *b, uint32_t id)
{
	if (id >= b->q.num || id % b->chain)
		return -1;
	uint32_t k = id / b->chain;
	if (k >= b->nbuf || !b->inflight[k])
		return -1;
	b->inflight[k] = 0;
	return (int)k;
}

/* RX buffer k back to the device: its descriptors still say what vnet_start made them say. */
HOT static void rx_repost(uint32_t k)
{
	vnq_post(&vn.rx, k, (uint16_t)(k * vn.rx.chain));
}

/* The next good received frame: true with buffer *k (the frame at buf_va + VNET_HDR) and its length. */
static bool rx_take(uint32_t *k, uint32_t *flen)
{
	uint32_t id, len;

	while (vq_next_used(&vn.rx.q, &id, &len)) {
		int b = vnq_buf(&vn.rx, id);
		if (b < 0) {
			st.rx_bad++;
			continue;
		}
		if (len < VNET_HDR || len > VNET_HDR + VNET_MTU_FRAME) {
			st.rx_bad++;
			rx_repost((uint32_t)b);
			continue;
		}
		if (len - VNET_HDR < VNET_MIN_FRAME) {
			st.rx_dropped++;
			rx_repost((uint32_t)b);
			continue;
		}
		*k = (uint32_t)b;
		*flen = len - VNET_HDR;
		st.rx_frames++;
		st.rx_bytes += *flen;
		return true;
	}
	return false;
}

HOT static void tx_reclaim(void)
{
	uint32_t id, len;

	while (vq_next_used(&vn.tx.q, &id, &len)) {
		int b = vnq_buf(&vn.tx, id);
		if (b < 0)
			tx_bad++;
		else
			vn.txfree[vn.ntxfree++] = (uint16_t)b;
	}
}

/* Queue one frame for sending without notifying the device; swap: exchange its destination and source MACs. */
HOT static int tx_post(const void *frame, size_t len, bool swap)
{
	if (!vn.up || vn.dev.broken || len < VNET_MIN_FRAME || len > VNET_MTU_FRAME)
		return -1;
	if (!vn.ntxfree)
		tx_reclaim();
	if (!vn.ntxfree) {
		st.tx_full++;
		return -1;
	}
	uint32_t k = vn.txfree[--vn.ntxfree];
	uint8_t *b = buf_va(&vn.tx, k);          /* the header stays as allocated: all zero, never written */
	uint16_t head = (uint16_t)(k * vn.tx.chain);
	memcpy(b + VNET_HDR, frame, len);
	if (swap) {
		memcpy(b + VNET_HDR, (const uint8_t *)frame + 6, 6);
		memcpy(b + VNET_HDR + 6, frame, 6);
	}
	if (vn.tx.chain == 1)
		vn.tx.q.desc[head].len = (uint32_t)(VNET_HDR + len);
	else
		vn.tx.q.desc[head + 1].len = (uint32_t)len;
	vnq_post(&vn.tx, k, head);
	st.tx_frames++;
	st.tx_bytes += len;
	return 0;
}

HOT unsigned vnet_tx_inflight(void)
{
	if (!vn.up)
		return 0;
	tx_reclaim();
	return (unsigned)(vn.tx.nbuf - vn.ntxfree);
}

int vnet_send(const void *frame, size_t len)
{
	if (tx_post(frame, len, false) != 0)
		return -1;
	vq_kick(&vn.tx.q);
	vn.tx_unkicked = 0;
	return 0;
}

HOT int vnet_queue(const void *frame, size_t len)
{
	if (tx_post(frame, len, false) != 0)
		return -1;
	if (++vn.tx_unkicked >= VNET_TX_BATCH)
		vnet_flush();
	return 0;
}

HOT void vnet_flush(void)
{
	if (vn.up && vn.tx_unkicked)
		vq_kick(&vn.tx.q);
	vn.tx_unkicked = 0;
	if (vn.up && vn.rx_unkicked)
		vq_kick(&vn.rx.q);
	vn.rx_unkicked = false;
}

HOT void vnet_rx_release(int ref)
{
	uint32_t k = (uint32_t)ref;

	if (ref < 0 || k >= vn.rx.nbuf || !vn.rx.lent[k])
		return;
	vn.rx.lent[k] = 0;
	vn.nlent--;
	rx_repost(k);
	vn.rx_unkicked = true;
}

/* Buffer k offered on loan, or -1 while half the RX buffers are out. */
static int rx_offer(uint32_t k)
{
	return vn.nlent < vn.rx.nbuf / 2 ? (int)k : -1;
}

int vnet_recv(void *buf, size_t cap)
{
	uint32_t k, len;
	int got = 0;
	bool reposted = false;

	if (!vn.up)
		return 0;
	while (!got && rx_take(&k, &len)) {
		if (len > cap) {
			st.rx_dropped++;
		} else {
			memcpy(buf, buf_va(&vn.rx, k) + VNET_HDR, len);
			got = (int)len;
		}
		rx_repost(k);
		reposted = true;
	}
	if (reposted)
		vq_kick(&vn.rx.q);
	return got;
}

/* Bounce mode takes a frame from the RX ring only when a TX buffer is free: while TX is full the rest wait
 * there (back-pressure), switched frames too (they are the minority in a bounce run). */
static bool rx_room(void)
{
	if (!vnet_bounce)
		return true;
	if (!vn.ntxfree)
		tx_reclaim();
	return vn.ntxfree > 0;
}

/* Bounce mode: a frame addressed to the NIC's own MAC goes straight back with its MACs swapped (the bare
 * path, no VM involved); every other frame goes to fn (the switch) as usual. */
static bool bounce_this(const uint8_t *frame)
{
	return vnet_bounce && memcmp(frame, vn.mac, 6) == 0;
}

static void rx_irq_off(void)
{
	vq_irq(&vn.rx.q, false);
	vn.armed = false;
}

/* The ring was found empty: interrupts back on, then one more look, since the device may have added a frame after
 * our last look while the flag still said no interrupt. Frames there: interrupts off again, still busy. */
static void rx_arm(void)
{
	vn.armed = !vq_arm(&vn.rx.q);
}

HOT unsigned vnet_recv_batch(vnet_rx_fn fn, void *ctx)
{
	uint32_t k, len;
	unsigned n = 0, bounced = 0, kept = 0;
	bool empty = false;

	if (!vn.up || (vn.irq && vn.armed))
		return 0;              /* armed: nothing arrived since the ring was found empty (an interrupt says) */
	st.polls++;
	while (n + bounced < VNET_RX_BUDGET && rx_room()) {
		if (!rx_take(&k, &len)) {
			empty = true;
			break;
		}
		const uint8_t *f = buf_va(&vn.rx, k) + VNET_HDR;
		if (bounce_this(f)) {
			tx_post(f, len, true);
			bounced++;
		} else {
			int ref = rx_offer(k);
			n++;
			if (fn(ctx, f, len, ref) && ref >= 0) {
				vn.rx.lent[k] = 1;
				vn.nlent++;
				kept++;
				continue;
			}
		}
		rx_repost(k);
	}
	if (n + bounced > kept)
		vq_kick(&vn.rx.q);
	if (bounced) {
		st.bounced += bounced;
		vn.tx_unkicked = 1;
		vnet_flush();
	}
	if (empty && vn.irq && !vn.dev.broken)
		rx_arm();
	return n;
}

void vnet_irq(void)
{
	st.irqs++;
	if (vn.irq)
		rx_irq_off();           /* and the ring is busy: the scheduler polls it until it is empty */
}

bool vnet_rx_waiting(void)
{
	if (!vn.up || !vq_used_waiting(&vn.rx.q))
		return false;
	if (vn.irq)
		rx_irq_off();           /* the next poll takes them, no interrupt needed */
	return true;
}

void vnet_poll(void)
{
	if (!vn.up)
		return;
	tx_reclaim();
	vnet_flush();
}

uint64_t vnet_idle_until(uint64_t now, uint64_t until)
{
	if (!vn.up || vn.dev.broken)
		return until;
	if (vn.irq)
		return vn.armed ? until : now;        /* busy: poll again at once */
	return until <= now + vn.poll_tsc ? until : now + vn.poll_tsc;
}

bool vnet_bouncing(void)
{
	return vn.up && vnet_bounce;
}

bool vnet_present(void)
{
	return vn.up;
}

const uint8_t *vnet_mac(void)
{
	return vn.mac;
}

struct vnet_stats vnet_stats(void)
{
	return st;
}

void vnet_report(void)
{
	if (!vn.up)
		return;
	kprintf("@net mac=%02x:%02x:%02x:%02x:%02x:%02x rx=%lu tx=%lu dropped=%lu rx_bytes=%lu tx_bytes=%lu"
		" tx_full=%lu rx_bad=%lu tx_bad=%lu broken=%d bounced=%lu irqs=%lu polls=%lu\n", vn.mac[0], vn.mac[1],
		vn.mac[2], vn.mac[3], vn.mac[4], vn.mac[5], st.rx_frames, st.tx_frames, st.rx_dropped, st.rx_bytes,
		st.tx_bytes, st.tx_full, st.rx_bad, tx_bad, vn.dev.broken ? 1 : 0, st.bounced, st.irqs, st.polls);
}

/* Back to polling for good: MSI-X off (the device config returns to offset 20). */
static void vnet_polled(const char *why)
{
	vio_msix_off(&vn.dev);
	vn.irq = false;
	vn.why_polled = why;
}

/* MSI-X on: the RX queue signals table entry 0; TX and configuration changes signal nothing. False if the
 * device refused the entry. */
static bool vnet_vectors(void)
{
	vio_config_vector(&vn.dev, VIO_NO_VECTOR);
	vio_queue_vector(&vn.dev, 1, VIO_NO_VECTOR);
	return vio_queue_vector(&vn.dev, 0, 0);
}

/* Reset, negotiate, set up both queues and their vectors, post every RX buffer, DRIVER_OK. */
static int vnet_start(const char **why)
{
	uint32_t want = vio_negotiate(&vn.dev, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	uint16_t chain = (want & VIRTIO_F_ANY_LAYOUT) ? 1 : 2;
	if (vnq_setup(&vn.rx, 0, chain, why) != 0 || vnq_setup(&vn.tx, 1, chain, why) != 0)
		return -1;
	if (vn.irq && !vnet_vectors())
		vnet_polled("the device refused an MSI-X vector");
	if (want & VIRTIO_NET_F_MAC) {
		for (int i = 0; i < 6; i++)
			vn.mac[i] = vio_cfg8(&vn.dev, (uint16_t)i);
	} else {
		rand_bytes(vn.mac, 6);
		vn.mac[0] = (uint8_t)((vn.mac[0] & 0xfe) | 0x02);     /* unicast, locally administered */
	}
	for (uint32_t k = 0; k < vn.rx.nbuf; k++) {
		vnq_fill(&vn.rx, k, VNET_MTU_FRAME, true);
		rx_repost(k);
	}
	for (uint32_t k = 0; k < vn.tx.nbuf; k++) {
		vnq_fill(&vn.tx, k, VNET_MTU_FRAME, false);
		vn.txfree[vn.ntxfree++] = (uint16_t)(vn.tx.nbuf - 1 - k);
	}
	if (vio_driver_ok(&vn.dev, why) != 0)
		return -1;
	vn.up = true;
	vq_kick(&vn.rx.q);
	return 0;
}

static void vnet_irq_handler(void *ctx)
{
	(void)ctx;
	vnet_irq();
}

/* Interrupt-driven when there is MSI-X and a vector for it (and not net_poll=1); else polled, with the reason. */
static void vnet_route(void)
{
	static int vector = -1;

	vn.why_polled = "net_poll=1";
	if (vnet_poll_only)
		return;
	if (vector < 0)
		vector = irq_register(-1, vnet_irq_handler, NULL, "nic");
	if (vector < 0) {
		vn.why_polled = "no free interrupt vector";
		return;
	}
	vn.irq = vio_msix(&vn.dev, 0, (uint8_t)vector, &vn.why_polled) == 0;
}

int vnet_init(void)
{
	const char *why = NULL;

	if (vio_find(&vn.dev, "virtio-net", VIRTIO_NET_LEGACY, VIRTIO_NET_MODERN) != 0)
		return -1;
	vn.poll_tsc = ns_to_tsc(VNET_POLL_US * 1000ull);
	vnet_route();
	if (vnet_start(&why) != 0) {
		vio_fail(&vn.dev);
		vnet_polled(vn.why_polled);
		vnq_free(&vn.rx);
		vnq_free(&vn.tx);
		kprintf("isokernel: virtio-net: %s: no NIC\n", why);
		vn.up = false;
		return -1;
	}
	uint32_t pages = vn.rx.q.ring_pages + vn.tx.q.ring_pages + (vn.rx.nbuf + 1u) / 2 + (vn.tx.nbuf + 1u) / 2;
	kprintf("isokernel: virtio-net %02x:%02x.%u io=%#x mac=%02x:%02x:%02x:%02x:%02x:%02x ring=%u/%u buffers=%u/%u"
		" mem_kib=%u%s%s rx=%s (%s)\n", vn.dev.pci.bus, vn.dev.pci.dev, vn.dev.pci.fn, vn.dev.io, vn.mac[0],
		vn.mac[1], vn.mac[2], vn.mac[3], vn.mac[4], vn.mac[5], vn.rx.q.num, vn.tx.q.num, vn.rx.nbuf, vn.tx.nbuf,
		pages * 4, vn.rx.chain == 2 ? " (header apart)" : "", vnet_bounce ? " bounce" : "",
		vn.irq ? "msix" : "polled", vn.irq ? "interrupt, then polling while busy" : vn.why_polled);
	return 0;
}
