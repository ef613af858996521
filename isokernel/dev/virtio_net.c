/* virtio_net.c - legacy virtio-net-pci (I/O BAR0, split rings aligned to 4096): RX interrupt then polling, a bounce mode. */
/*
 * Queue 0 receives, queue 1 transmits. Each buffer is a 2 KiB half of a frame: a 10-byte virtio_net_hdr
 * (no MRG_RXBUF, so always 10 bytes) then up to 1514 bytes of Ethernet frame. With ANY_LAYOUT a buffer is one
 * descriptor; without it (legacy framing rule) the header and the data are two chained descriptors.
 * Receiving is NAPI style when the device has MSI-X: an RX interrupt (vector T_NET) turns interrupts off
 * (avail.flags = NO_INTERRUPT) and marks the ring busy; the scheduler polls it every pass while busy; the pass
 * that finds it empty turns interrupts back on and looks once more (a frame may have landed unannounced), and
 * only then may the idle loop halt. Without MSI-X, or with net_poll=1, interrupts stay off for good and the idle
 * loop wakes every VNET_POLL_US to poll. TX never interrupts: sent buffers are reclaimed when polled.
 * Everything the device writes (used.idx, used ids and lengths) is checked before it indexes anything; a bad
 * entry is counted and skipped.
 */
#include "hot.h"
#include "virtio_net.h"
#include "pci.h"
#include "lapic.h"
#include "frame.h"
#include "memlayout.h"
#include "rand.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"

/* Legacy virtio-pci I/O registers (offsets in BAR0). Device config follows at 20 while MSI-X is off; with MSI-X
 * enabled two vector registers take 20..23 and the device config moves to 24 (virtio 0.9.5 / 1.0 legacy). */
#define VIO_HOST_FEATURES  0x00   /* 32 */
#define VIO_GUEST_FEATURES 0x04   /* 32 */
#define VIO_QUEUE_PFN      0x08   /* 32: ring physical address >> 12 */
#define VIO_QUEUE_NUM      0x0c   /* 16: ring size (read only in legacy) */
#define VIO_QUEUE_SEL      0x0e   /* 16 */
#define VIO_QUEUE_NOTIFY   0x10   /* 16 */
#define VIO_STATUS         0x12   /* 8 */
#define VIO_CONFIG         0x14   /* virtio_net_config: mac[6], status */
#define VIO_MSIX_CONFIG    0x14   /* 16, MSI-X on: vector for configuration changes */
#define VIO_MSIX_QUEUE     0x16   /* 16, MSI-X on: vector of the selected queue */
#define VIO_CONFIG_MSIX    0x18   /* virtio_net_config while MSI-X is on */
#define VIO_NO_VECTOR      0xffff

#define VIO_S_ACK        1
#define VIO_S_DRIVER     2
#define VIO_S_DRIVER_OK  4
#define VIO_S_NEEDS_RESET 0x40
#define VIO_S_FAILED     0x80

#define VIRTIO_NET_F_MAC    (1u << 5)
#define VIRTIO_F_ANY_LAYOUT (1u << 27)

#define VRING_DESC_F_NEXT   1
#define VRING_DESC_F_WRITE  2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1
#define VRING_ALIGN 4096

#define VIRTIO_VENDOR       0x1af4
#define VIRTIO_NET_LEGACY   0x1000    /* transitional virtio-net: has the legacy I/O BAR */
#define VIRTIO_NET_MODERN   0x1041

#define VNET_HDR     10               /* struct virtio_net_hdr without num_buffers */
#define VNET_BUFSZ   2048             /* two buffers per frame */
#define VNET_BUFS    256              /* buffers per queue at most (fewer if the ring is smaller) */
#define VQ_MAX       4096             /* largest ring size accepted (QEMU allows 1024) */
#define VNET_TX_BATCH 8               /* vnet_queue notifies the device at least every this many frames */
#define VNET_POLL_US 50               /* polled mode: idle loop polling period while the NIC is up */
#define VNET_RX_BUDGET 256            /* frames taken per poll at most (then the next pass goes on) */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vring_avail {
	uint16_t flags, idx, ring[];  /* then used_event (unused: no EVENT_IDX) */
};
struct vring_used_elem {
	uint32_t id, len;
};
struct vring_used {
	uint16_t flags, idx;
	struct vring_used_elem ring[];
};
_Static_assert(sizeof(struct vring_desc) == 16, "vring_desc layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "vring_used_elem layout");

struct vq {
	uint16_t index, num, nbuf, chain;        /* queue number, ring size, buffers, descriptors per buffer */
	uint64_t ring_pa;
	uint32_t ring_pages;
	struct vring_desc *desc;
	struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t avail_idx, last_used;           /* our copies of the free-running indexes */
	uint64_t page[VNET_BUFS / 2];            /* physical page holding buffers 2k and 2k+1 */
	uint8_t inflight[VNET_BUFS];             /* buffer k is the device's now */
	uint8_t lent[VNET_BUFS];                 /* RX: buffer k is on loan to the receiver (vnet_rx_fn) */
};

static struct {
	bool up, broken;
	uint16_t tx_unkicked;                    /* frames posted since the device was last notified */
	uint16_t nlent;                          /* RX buffers on loan */
	bool rx_unkicked;                        /* RX buffers given back since the device was last notified */
	bool irq;                                /* RX interrupts through MSI-X (else polled) */
	volatile bool armed;                     /* irq mode: the ring was found empty, interrupts are on */
	uint16_t io, cfg;                        /* BAR0, offset of the device config in it */
	const char *why_polled;                  /* why not interrupt-driven */
	struct pci_dev pci;
	uint8_t mac[6];
	struct vq rx, tx;
	uint16_t txfree[VNET_BUFS], ntxfree;
	uint64_t poll_tsc;                       /* polled mode: VNET_POLL_US in TSC ticks */
} vn;
static struct vnet_stats st;
static uint64_t tx_bad;
uint64_t vnet_bounce, vnet_poll_only;

#ifdef ISO_HOST_TEST
/* tests/unit/test_vnet.c includes this file and plays the device behind these. */
uint8_t vio_inb(uint16_t port);
uint16_t vio_inw(uint16_t port);
uint32_t vio_inl(uint16_t port);
void vio_outb(uint16_t port, uint8_t v);
void vio_outw(uint16_t port, uint16_t v);
void vio_outl(uint16_t port, uint32_t v);
#else
#define vio_inb  inb
#define vio_inw  inw
#define vio_inl  inl
#define vio_outb outb
#define vio_outw outw
#define vio_outl outl
#endif

#define barrier() __asm__ volatile("" ::: "memory")
#ifdef ISO_HOST_TEST
void vio_mfence(void);          /* the fake device may act here: what it wrote becomes visible at a fence */
#define mfence() vio_mfence()
#else
#define mfence()  __asm__ volatile("mfence" ::: "memory")
#endif

/* n physically contiguous zeroed frames, or 0. Frames that do not fit a run are held aside (linked through
 * their first word) and given back at the end; at boot fresh frames come in address order, so this seldom loops. */
static uint64_t alloc_contig(uint32_t n)
{
	uint64_t first = 0, held = 0;
	uint32_t got = 0;

	for (uint32_t tries = 0; got < n && tries < 4096; tries++) {
		uint64_t pa = frame_alloc();
		if (!pa)
			break;
		if (got && pa == first + got * PAGE_SIZE) {
			got++;
			continue;
		}
		while (got) {
			uint64_t f = first + --got * PAGE_SIZE;
			*(uint64_t *)P2V(f) = held;
			held = f;
		}
		first = pa;
		got = 1;
	}
	while (held) {
		uint64_t next = *(uint64_t *)P2V(held);
		frame_free(held);
		held = next;
	}
	if (got < n) {
		while (got)
			frame_free(first + --got * PAGE_SIZE);
		return 0;
	}
	memset(P2V(first), 0, n * PAGE_SIZE);
	return first;
}

static void vq_free(struct vq *q)
{
	for (uint32_t i = 0; i < q->ring_pages; i++)
		frame_free(q->ring_pa + i * PAGE_SIZE);
	for (uint32_t i = 0; i < VNET_BUFS / 2; i++)
		if (q->page[i])
			frame_free(q->page[i]);
	memset(q, 0, sizeof(*q));
}

static uint8_t *buf_va(const struct vq *q, uint32_t k)
{
	return (uint8_t *)P2V(q->page[k / 2]) + (k % 2) * VNET_BUFSZ;
}

/* Select queue index, check its size, allocate and register its ring and buffers. */
static int vq_setup(struct vq *q, uint16_t index, uint16_t chain, const char **why)
{
	vio_outw((uint16_t)(vn.io + VIO_QUEUE_SEL), index);
	uint16_t num = vio_inw((uint16_t)(vn.io + VIO_QUEUE_NUM));
	if (num < chain || num > VQ_MAX || (num & (num - 1))) {
		*why = "queue size is 0, not a power of two, or too large";
		return -1;
	}
	uint64_t used_off = (16ull * num + 6 + 2ull * num + VRING_ALIGN - 1) & ~(uint64_t)(VRING_ALIGN - 1);
	uint32_t pages = (uint32_t)((used_off + 6 + 8ull * num + PAGE_SIZE - 1) / PAGE_SIZE);
	q->index = index;
	q->num = num;
	q->chain = chain;
	q->nbuf = num / chain < VNET_BUFS ? num / chain : VNET_BUFS;
	q->ring_pa = alloc_contig(pages);
	if (!q->ring_pa) {
		*why = "no contiguous memory for a ring";
		return -1;
	}
	q->ring_pages = pages;
	q->desc = P2V(q->ring_pa);
	q->avail = (struct vring_avail *)((uint8_t *)q->desc + 16ull * num);
	q->used = (volatile struct vring_used *)((uint8_t *)q->desc + used_off);
	q->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	for (uint32_t i = 0; i < (q->nbuf + 1u) / 2; i++) {
		q->page[i] = frame_alloc_zero();
		if (!q->page[i]) {
			*why = "no memory for buffers";
			return -1;
		}
	}
	vio_outl((uint16_t)(vn.io + VIO_QUEUE_PFN), (uint32_t)(q->ring_pa >> 12));
	return 0;
}

/* Point buffer k's descriptors at it, once at start (the device never writes descriptors): RX buffers take a
 * whole frame, device-writable; TX ones are readable and tx_post sets their length. Returns the chain's head. */
static uint16_t vq_fill(struct vq *q, uint32_t k, uint32_t data_len, bool writable)
{
	uint16_t head = (uint16_t)(k * q->chain);
	uint64_t pa = V2P(buf_va(q, k));
	uint16_t w = writable ? VRING_DESC_F_WRITE : 0;

	if (q->chain == 1) {
		q->desc[head] = (struct vring_desc){ pa, VNET_HDR + data_len, w, 0 };
	} else {
		q->desc[head] = (struct vring_desc){ pa, VNET_HDR, w | VRING_DESC_F_NEXT, (uint16_t)(head + 1) };
		q->desc[head + 1] = (struct vring_desc){ pa + VNET_HDR, data_len, w, 0 };
	}
	return head;
}

/* Make buffer k available to the device (no notification yet). */
static void vq_post(struct vq *q, uint32_t k, uint16_t head)
{
	q->inflight[k] = 1;
	q->avail->ring[q->avail_idx & (q->num - 1)] = head;
	q->avail_idx++;
	barrier();      /* descriptors and ring entry before the index (x86 keeps stores in order) */
	*(volatile uint16_t *)&q->avail->idx = q->avail_idx;
}

static void vq_kick(struct vq *q)
{
	mfence();       /* our avail.idx store before the load of used.flags */
	if (!(q->used->flags & VRING_USED_F_NO_NOTIFY))
		vio_outw((uint16_t)(vn.io + VIO_QUEUE_NOTIFY), q->index);
}

static void vnet_broken(const char *why)
{
	if (!vn.broken)
		kprintf("isokernel: virtio-net: %s; the NIC is no longer used\n", why);
	vn.broken = true;
}

/* The next used entry: true with *id and *len as the device wrote them (unchecked). */
HOT static bool vq_next_used(struct vq *q, uint32_t *id, uint32_t *len)
{
	if (vn.broken)
		return false;
	uint16_t pending = (uint16_t)(q->used->idx - q->last_used);
	if (pending == 0)
		return false;
	if (pending > q->num) {
		vnet_broken("used index ran ahead of the ring");
		return false;
	}
	barrier();      /* the index before the entries (x86 keeps loads in order) */
	volatile struct vring_used_elem *e = &q->used->ring[q->last_used & (q->num - 1)];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	return true;
}

/* The buffer a used id names, taken back from the device; -1 if no buffer of ours in flight has that head. */
static int vq_buf(struct vq *q, uint32_t id)
{
	if (id >= q->num || id % q->chain)
		return -1;
	uint32_t k = id / q->chain;
	if (k >= q->nbuf || !q->inflight[k])
		return -1;
	q->inflight[k] = 0;
	barrier();      /* the buffer's contents after the used entry */
	return (int)k;
}

/* RX buffer k back to the device: its descriptors still say what vnet_start made them say. */
HOT static void rx_repost(uint32_t k)
{
	vq_post(&vn.rx, k, (uint16_t)(k * vn.rx.chain));
}

/* The next good received frame: true with buffer *k (the frame at buf_va + VNET_HDR) and its length. */
static bool rx_take(uint32_t *k, uint32_t *flen)
{
	uint32_t id, len;

	while (vq_next_used(&vn.rx, &id, &len)) {
		int b = vq_buf(&vn.rx, id);
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

	while (vq_next_used(&vn.tx, &id, &len)) {
		int b = vq_buf(&vn.tx, id);
		if (b < 0)
			tx_bad++;
		else
			vn.txfree[vn.ntxfree++] = (uint16_t)b;
	}
}

/* Queue one frame for sending without notifying the device; swap: exchange its destination and source MACs. */
HOT static int tx_post(const void *frame, size_t len, bool swap)
{
	if (!vn.up || vn.broken || len < VNET_MIN_FRAME || len > VNET_MTU_FRAME)
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
		vn.tx.desc[head].len = (uint32_t)(VNET_HDR + len);
	else
		vn.tx.desc[head + 1].len = (uint32_t)len;
	vq_post(&vn.tx, k, head);
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
	vq_kick(&vn.tx);
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
		vq_kick(&vn.tx);
	vn.tx_unkicked = 0;
	if (vn.up && vn.rx_unkicked)
		vq_kick(&vn.rx);
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
		vq_kick(&vn.rx);
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
	*(volatile uint16_t *)&vn.rx.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vn.armed = false;
}

/* The ring was found empty: interrupts back on, then one more look, since the device may have added a frame after
 * our last look while the flag still said no interrupt. Frames there: interrupts off again, still busy. */
static void rx_arm(void)
{
	*(volatile uint16_t *)&vn.rx.avail->flags = 0;
	mfence();       /* the flag store before the used.idx load: the device does the opposite, with a fence */
	if (vn.rx.used->idx == vn.rx.last_used)
		vn.armed = true;
	else
		rx_irq_off();
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
		vq_kick(&vn.rx);
	if (bounced) {
		st.bounced += bounced;
		vn.tx_unkicked = 1;
		vnet_flush();
	}
	if (empty && vn.irq && !vn.broken)
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
	if (!vn.up || vn.broken || vn.rx.used->idx == vn.rx.last_used)
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
	if (!vn.up || vn.broken)
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
		st.tx_bytes, st.tx_full, st.rx_bad, tx_bad, vn.broken ? 1 : 0, st.bounced, st.irqs, st.polls);
}

/* Back to polling for good: MSI-X off (the device config returns to offset 20). */
static void vnet_polled(const char *why)
{
	if (vn.irq)
		pci_msix_disable(&vn.pci);
	vn.irq = false;
	vn.cfg = VIO_CONFIG;
	vn.why_polled = why;
}

/* MSI-X on: the RX queue signals table entry 0; TX and configuration changes signal nothing. False if the
 * device refused the entry (it reads back VIO_NO_VECTOR). */
static bool vnet_vectors(void)
{
	vio_outw((uint16_t)(vn.io + VIO_MSIX_CONFIG), VIO_NO_VECTOR);
	vio_outw((uint16_t)(vn.io + VIO_QUEUE_SEL), 1);
	vio_outw((uint16_t)(vn.io + VIO_MSIX_QUEUE), VIO_NO_VECTOR);
	vio_outw((uint16_t)(vn.io + VIO_QUEUE_SEL), 0);
	vio_outw((uint16_t)(vn.io + VIO_MSIX_QUEUE), 0);
	return vio_inw((uint16_t)(vn.io + VIO_MSIX_QUEUE)) == 0;
}

/* Reset, negotiate, set up both queues and their vectors, post every RX buffer, DRIVER_OK. */
static int vnet_start(const char **why)
{
	vio_outb((uint16_t)(vn.io + VIO_STATUS), 0);
	vio_outb((uint16_t)(vn.io + VIO_STATUS), VIO_S_ACK);
	vio_outb((uint16_t)(vn.io + VIO_STATUS), VIO_S_ACK | VIO_S_DRIVER);
	uint32_t have = vio_inl((uint16_t)(vn.io + VIO_HOST_FEATURES));
	uint32_t want = have & (VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	vio_outl((uint16_t)(vn.io + VIO_GUEST_FEATURES), want);
	uint16_t chain = (want & VIRTIO_F_ANY_LAYOUT) ? 1 : 2;
	if (vq_setup(&vn.rx, 0, chain, why) != 0 || vq_setup(&vn.tx, 1, chain, why) != 0)
		return -1;
	if (vn.irq && !vnet_vectors())
		vnet_polled("the device refused an MSI-X vector");
	if (want & VIRTIO_NET_F_MAC) {
		for (int i = 0; i < 6; i++)
			vn.mac[i] = vio_inb((uint16_t)(vn.io + vn.cfg + i));
	} else {
		rand_bytes(vn.mac, 6);
		vn.mac[0] = (uint8_t)((vn.mac[0] & 0xfe) | 0x02);     /* unicast, locally administered */
	}
	for (uint32_t k = 0; k < vn.rx.nbuf; k++) {
		vq_fill(&vn.rx, k, VNET_MTU_FRAME, true);
		rx_repost(k);
	}
	for (uint32_t k = 0; k < vn.tx.nbuf; k++) {
		vq_fill(&vn.tx, k, VNET_MTU_FRAME, false);
		vn.txfree[vn.ntxfree++] = (uint16_t)(vn.tx.nbuf - 1 - k);
	}
	vio_outb((uint16_t)(vn.io + VIO_STATUS), VIO_S_ACK | VIO_S_DRIVER | VIO_S_DRIVER_OK);
	if (vio_inb((uint16_t)(vn.io + VIO_STATUS)) & (VIO_S_FAILED | VIO_S_NEEDS_RESET)) {
		*why = "the device refused DRIVER_OK";
		return -1;
	}
	vn.up = true;
	vq_kick(&vn.rx);
	return 0;
}

int vnet_init(void)
{
	static const uint16_t ids[] = { VIRTIO_NET_LEGACY, VIRTIO_NET_MODERN };
	const char *why = NULL;
	bool is_io;

	if (pci_find(VIRTIO_VENDOR, ids, 2, &vn.pci) != 0)
		return -1;
	if (vn.pci.device != VIRTIO_NET_LEGACY) {
		kprintf("isokernel: virtio-net: modern-only device (disable-legacy=on) not supported: no NIC\n");
		return -1;
	}
	uint64_t bar = pci_assign_io(&vn.pci, 0) == 0 ? pci_bar(&vn.pci, 0, &is_io) : 0;
	if (bar == 0 || !is_io || bar > 0xffff - 0x20) {
		kprintf("isokernel: virtio-net: BAR0 is not an I/O BAR or cannot be placed: no NIC\n");
		return -1;
	}
	vn.io = (uint16_t)bar;
	vn.poll_tsc = ns_to_tsc(VNET_POLL_US * 1000ull);
	pci_enable(&vn.pci, true, false, true, false);      /* INTx masked: MSI-X or nothing */
	vn.cfg = VIO_CONFIG;
	vn.why_polled = "net_poll=1";
	if (!vnet_poll_only && pci_msix_route(&vn.pci, 0, T_NET, lapic_id(), &vn.why_polled) == 0) {
		vn.irq = true;
		vn.cfg = VIO_CONFIG_MSIX;
	}
	if (vnet_start(&why) != 0) {
		vio_outb((uint16_t)(vn.io + VIO_STATUS), VIO_S_FAILED);
		vio_outb((uint16_t)(vn.io + VIO_STATUS), 0);              /* reset: the device lets go of the rings */
		vnet_polled(vn.why_polled);
		vq_free(&vn.rx);
		vq_free(&vn.tx);
		kprintf("isokernel: virtio-net: %s: no NIC\n", why);
		vn.up = false;
		return -1;
	}
	uint32_t pages = vn.rx.ring_pages + vn.tx.ring_pages + (vn.rx.nbuf + 1u) / 2 + (vn.tx.nbuf + 1u) / 2;
	kprintf("isokernel: virtio-net %02x:%02x.%u io=%#x mac=%02x:%02x:%02x:%02x:%02x:%02x ring=%u/%u buffers=%u/%u"
		" mem_kib=%u%s%s rx=%s (%s)\n", vn.pci.bus, vn.pci.dev, vn.pci.fn, vn.io, vn.mac[0], vn.mac[1],
		vn.mac[2], vn.mac[3], vn.mac[4], vn.mac[5], vn.rx.num, vn.tx.num, vn.rx.nbuf, vn.tx.nbuf, pages * 4,
		vn.rx.chain == 2 ? " (header apart)" : "", vnet_bounce ? " bounce" : "", vn.irq ? "msix" : "polled",
		vn.irq ? "interrupt, then polling while busy" : vn.why_polled);
	return 0;
}
