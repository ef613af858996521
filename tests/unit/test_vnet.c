/* test_vnet.c - CUnit suite for the virtio-net driver and the virtio transport (virtio_net.c, virtio.c, included here) against a fake legacy device. */
/* The fake device answers the driver's port I/O (vio_inb, vio_outb and the rest), reads its rings in the host arena and writes
 * used entries, good ones and wrong ones (ids out of range or not in flight, lengths out of bounds, an index that
 * runs ahead): the driver must count them and never index with them. With MSI-X on (pci_msix_route below) its
 * device config moves from offset 20 to 24, the vector registers appear at 20/22, and it raises the RX queue's
 * interrupt (counted in dev.irqs; the test delivers it with vnet_irq) when it adds a used entry while the driver's
 * avail.flags allow. vio_mfence lets it add a frame exactly at the driver's fence (the interrupt re-enable race). */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "../../isokernel/dev/virtio.c"
#include "../../isokernel/dev/virtio_net.c"

#define ARENA_PAGES 400
#define IO 0xc000

/* The device's side: registers, and how far it has read each avail ring. */
static struct {
	uint32_t host_features, guest_features;
	uint16_t sel, qnum[2], seen[2], used[2];
	uint32_t pfn[2];
	uint8_t status;
	unsigned kicks[2];
	uint16_t flags_used;        /* written to used.flags at setup */
	bool has_msix, msix_on, refuse_vector;
	uint16_t qvec[2], cfgvec;
	unsigned irqs, routes;      /* interrupts raised; pci_msix_route calls */
	const uint8_t *race_frame;  /* added, unannounced, at the next fence after the driver turns RX interrupts on */
	uint32_t race_len;
} dev;
static const uint8_t dev_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

static uint16_t dev_cfg(void)
{
	return dev.msix_on ? VIO_CONFIG_MSIX : VIO_CONFIG;
}

uint8_t vio_inb(uint16_t port)
{
	if (port == IO + VIO_STATUS)
		return dev.status;
	if (port >= IO + dev_cfg() && port < IO + dev_cfg() + 6)
		return dev_mac[port - IO - dev_cfg()];
	return 0xff;
}

uint16_t vio_inw(uint16_t port)
{
	if (dev.msix_on && port == IO + VIO_MSIX_CONFIG)
		return dev.cfgvec;
	if (dev.msix_on && port == IO + VIO_MSIX_QUEUE)
		return dev.sel < 2 ? dev.qvec[dev.sel] : VIO_NO_VECTOR;
	return port == IO + VIO_QUEUE_NUM && dev.sel < 2 ? dev.qnum[dev.sel] : 0xffff;
}

/* The table has 3 entries (QEMU's virtio-net-pci default); a refusing device takes none. */
static uint16_t dev_vector(uint16_t v)
{
	return dev.refuse_vector || v >= 3 ? VIO_NO_VECTOR : v;
}

uint32_t vio_inl(uint16_t port)
{
	return port == IO + VIO_HOST_FEATURES ? dev.host_features : 0xffffffffu;
}

void vio_outb(uint16_t port, uint8_t v)
{
	if (port == IO + VIO_STATUS) {
		dev.status = v;
		if (v == 0) {
			memset(dev.pfn, 0, sizeof(dev.pfn));
			dev.qvec[0] = dev.qvec[1] = dev.cfgvec = VIO_NO_VECTOR;
		}
	}
}

void vio_outw(uint16_t port, uint16_t v)
{
	if (port == IO + VIO_QUEUE_SEL)
		dev.sel = v;
	if (port == IO + VIO_QUEUE_NOTIFY && v < 2)
		dev.kicks[v]++;
	if (dev.msix_on && port == IO + VIO_MSIX_CONFIG)
		dev.cfgvec = dev_vector(v);
	if (dev.msix_on && port == IO + VIO_MSIX_QUEUE && dev.sel < 2)
		dev.qvec[dev.sel] = dev_vector(v);
}

void vio_outl(uint16_t port, uint32_t v)
{
	if (port == IO + VIO_GUEST_FEATURES)
		dev.guest_features = v;
	if (port == IO + VIO_QUEUE_PFN && dev.sel < 2)
		dev.pfn[dev.sel] = v;
}

/* What virtio_net.c needs besides the device. */
int pci_find(uint16_t vendor, const uint16_t *ids, int n, struct pci_dev *out)
{
	(void)ids, (void)n;
	*out = (struct pci_dev){ .bus = 0, .dev = 3, .fn = 0, .vendor = vendor, .device = VIRTIO_NET_LEGACY };
	return 0;
}
int pci_assign_io(const struct pci_dev *d, int i) { (void)d, (void)i; return 0; }
uint64_t pci_bar(const struct pci_dev *d, int i, bool *is_io) { (void)d, (void)i; *is_io = true; return IO; }
void pci_enable(const struct pci_dev *d, bool io, bool mem, bool master, bool intx) { (void)d, (void)io, (void)mem, (void)master, (void)intx; }
void rand_bytes(void *buf, size_t len) { memset(buf, 0x5a, len); }
uint64_t ns_to_tsc(uint64_t ns) { return ns; }
uint8_t lapic_id(void) { return 0; }
#define NIC_VECTOR 40
int irq_register(int vector, irq_fn fn, void *ctx, const char *name)
{
	(void)ctx;
	CU_ASSERT(vector < 0 && fn == vnet_irq_handler && strcmp(name, "nic") == 0);
	return NIC_VECTOR;
}
int pci_msix_route(const struct pci_dev *d, uint16_t entry, uint8_t vector, uint8_t apic_id, const char **why)
{
	(void)d, (void)apic_id;
	dev.routes++;
	CU_ASSERT(entry == 0 && vector == NIC_VECTOR);
	if (!dev.has_msix) {
		*why = "no MSI-X capability";
		return -1;
	}
	dev.msix_on = true;
	return 0;
}
void pci_msix_disable(const struct pci_dev *d) { (void)d; dev.msix_on = false; }

static struct vring_desc *dev_desc(int q) { return P2V((uint64_t)dev.pfn[q] << 12); }
static struct vring_avail *dev_avail(int q) { return (void *)((uint8_t *)dev_desc(q) + 16ull * dev.qnum[q]); }
static struct vring_used *dev_usedring(int q)
{
	uint64_t off = (16ull * dev.qnum[q] + 6 + 2ull * dev.qnum[q] + 4095) & ~4095ull;
	return (void *)((uint8_t *)dev_desc(q) + off);
}

/* Take the next buffer the driver made available on queue q: its head, or -1. */
static int dev_take(int q)
{
	struct vring_avail *a = dev_avail(q);
	if (dev.seen[q] == a->idx)
		return -1;
	return a->ring[dev.seen[q]++ % dev.qnum[q]];
}

static void dev_used(int q, uint32_t id, uint32_t len)
{
	struct vring_used *u = dev_usedring(q);
	u->ring[dev.used[q] % dev.qnum[q]] = (struct vring_used_elem){ id, len };
	u->idx = ++dev.used[q];
	if (dev.msix_on && dev.qvec[q] != VIO_NO_VECTOR && !(dev_avail(q)->flags & VRING_AVAIL_F_NO_INTERRUPT))
		dev.irqs++;
}

static int dev_rx(const uint8_t *frame, uint32_t len);

/* A fence in the driver: a pending race frame lands now, as if the device had looked at avail.flags just before
 * the driver cleared NO_INTERRUPT (so: no interrupt), its used entry becoming visible only now. */
void vio_mfence(void)
{
	if (!dev.race_frame || !dev.pfn[0] || dev_avail(0)->flags != 0)
		return;
	const uint8_t *f = dev.race_frame;
	dev.race_frame = NULL;
	dev_avail(0)->flags = VRING_AVAIL_F_NO_INTERRUPT;     /* what the device saw */
	unsigned irqs = dev.irqs;
	dev_rx(f, dev.race_len);
	dev.irqs = irqs;
	dev_avail(0)->flags = 0;
}

/* Deliver a frame into the next RX buffer (through its descriptor chain); returns the head. */
static int dev_rx(const uint8_t *frame, uint32_t len)
{
	int head = dev_take(0);
	CU_ASSERT_FATAL(head >= 0);
	uint8_t bytes[VNET_HDR + VNET_MTU_FRAME] = { 0 };
	memcpy(bytes + VNET_HDR, frame, len);
	uint32_t off = 0, d = (uint32_t)head;
	for (int hop = 0; hop < 2 && off < VNET_HDR + len; hop++) {
		struct vring_desc *e = &dev_desc(0)[d];
		CU_ASSERT_FATAL(e->flags & VRING_DESC_F_WRITE);
		uint32_t n = VNET_HDR + len - off < e->len ? VNET_HDR + len - off : e->len;
		memcpy(P2V(e->addr), bytes + off, n);
		off += n;
		if (!(e->flags & VRING_DESC_F_NEXT))
			break;
		d = e->next;
	}
	CU_ASSERT_EQUAL(off, VNET_HDR + len);
	dev_used(0, (uint32_t)head, VNET_HDR + len);
	return head;
}

/* Read the next TX buffer (header checked zero) into out; its frame length, or -1 if none. Completes it. */
static int dev_tx(uint8_t *out)
{
	int head = dev_take(1);
	if (head < 0)
		return -1;
	uint8_t bytes[VNET_HDR + VNET_MTU_FRAME + 16];
	uint32_t off = 0, d = (uint32_t)head;
	for (int hop = 0; hop < 2; hop++) {
		struct vring_desc *e = &dev_desc(1)[d];
		CU_ASSERT_FATAL(!(e->flags & VRING_DESC_F_WRITE) && off + e->len <= sizeof(bytes));
		memcpy(bytes + off, P2V(e->addr), e->len);
		off += e->len;
		if (!(e->flags & VRING_DESC_F_NEXT))
			break;
		d = e->next;
	}
	static const uint8_t zero[VNET_HDR];
	CU_ASSERT(off >= VNET_HDR && memcmp(bytes, zero, VNET_HDR) == 0);
	memcpy(out, bytes + VNET_HDR, off - VNET_HDR);
	dev_used(1, (uint32_t)head, 0);
	return (int)(off - VNET_HDR);
}

static uint64_t free_before;

/* A fresh driver and device: ring sizes rxn/txn, features. */
static void start(uint16_t rxn, uint16_t txn, uint32_t features)
{
	host_arena_free();
	host_arena_new(ARENA_PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + ARENA_PAGES * PAGE_SIZE);
	free_before = frame_free_count();
	memset(&vn, 0, sizeof(vn));
	memset(&st, 0, sizeof(st));
	memset(&dev, 0, sizeof(dev));
	tx_bad = 0;
	vnet_bounce = 0;
	vnet_poll_only = 0;
	dev.qnum[0] = rxn;
	dev.qnum[1] = txn;
	dev.host_features = features;
}

static void frame_of(uint8_t *f, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 13);
}

static void test_init(void)
{
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT | (1u << 16));
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT(vnet_present());
	CU_ASSERT_EQUAL(dev.guest_features, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL(dev.status, VIO_S_ACK | VIO_S_DRIVER | VIO_S_DRIVER_OK);
	CU_ASSERT(memcmp(vnet_mac(), dev_mac, 6) == 0);
	CU_ASSERT(dev.pfn[0] && dev.pfn[1]);
	CU_ASSERT_EQUAL(dev_avail(0)->idx, 256);          /* every RX buffer posted */
	CU_ASSERT_EQUAL(dev_avail(1)->idx, 0);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, VRING_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT(dev.kicks[0] >= 1);
	/* No MAC feature: a random, unicast, locally administered address. */
	start(256, 256, VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT_EQUAL(vnet_mac()[0] & 3, 2);
}

static void test_init_refused(void)
{
	uint16_t bad[] = { 0, 100, 8192 };
	for (unsigned i = 0; i < 3; i++) {
		start(256, bad[i], VIRTIO_F_ANY_LAYOUT);
		CU_ASSERT_EQUAL(vnet_init(), -1);
		CU_ASSERT(!vnet_present());
		CU_ASSERT_EQUAL(dev.status, 0);                 /* reset: the device holds no ring */
		CU_ASSERT_EQUAL(frame_free_count(), free_before);
		CU_ASSERT_EQUAL(vnet_send("0123456789abcdef", 16), -1);
	}
}

static void check_rx_tx(uint16_t n, uint32_t features)
{
	uint8_t f[VNET_MTU_FRAME], out[VNET_MTU_FRAME + 16];
	uint32_t sizes[] = { 14, 60, 1000, 1514 };

	start(n, n, features);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	for (int round = 0; round < 3 * n; round++) {
		uint32_t len = sizes[round % 4];
		frame_of(f, len, (uint8_t)round);
		dev_rx(f, len);
		CU_ASSERT_EQUAL_FATAL(vnet_recv(out, sizeof(out)), (int)len);
		CU_ASSERT(memcmp(out, f, len) == 0);
		CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 0);
		CU_ASSERT_EQUAL_FATAL(vnet_send(f, len), 0);
		CU_ASSERT_EQUAL(dev_tx(out), (int)len);
		CU_ASSERT(memcmp(out, f, len) == 0);
	}
	struct vnet_stats s = vnet_stats();
	CU_ASSERT_EQUAL(s.rx_frames, 3u * n);
	CU_ASSERT_EQUAL(s.tx_frames, 3u * n);
	CU_ASSERT_EQUAL(s.rx_bad + s.rx_dropped + s.tx_full + tx_bad, 0);
}

static void test_rx_tx(void)
{
	check_rx_tx(256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	check_rx_tx(1024, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);     /* 256 buffers in a larger ring */
	check_rx_tx(64, VIRTIO_NET_F_MAC);                               /* header apart: 2 descriptors each */
}

static void test_rx_bad_entries(void)
{
	uint8_t f[64], out[2048];

	start(256, 256, VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	frame_of(f, 64, 1);
	dev_used(0, 256, 74);                   /* id past the ring */
	dev_used(0, 0xffffffffu, 74);
	dev_rx(f, 64);
	CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 64);
	CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(vnet_stats().rx_bad, 2);
	/* Lengths: under the header, past the buffer: counted, the buffer goes back to the device. */
	uint16_t avail = dev_avail(0)->idx;
	dev_used(0, (uint32_t)dev_take(0), 9);
	dev_used(0, (uint32_t)dev_take(0), VNET_HDR + VNET_MTU_FRAME + 1);
	dev_used(0, (uint32_t)dev_take(0), 0xffffffffu);
	dev_used(0, (uint32_t)dev_take(0), VNET_HDR + 13);          /* a runt: dropped, not bad */
	CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(vnet_stats().rx_bad, 5);
	CU_ASSERT_EQUAL(vnet_stats().rx_dropped, 1);
	CU_ASSERT_EQUAL(dev_avail(0)->idx, (uint16_t)(avail + 4));
	/* A frame longer than the caller's buffer is dropped; the next one is delivered. */
	dev_rx(f, 64);
	dev_rx(f, 20);
	CU_ASSERT_EQUAL(vnet_recv(out, 32), 20);
	CU_ASSERT_EQUAL(vnet_stats().rx_dropped, 2);
	/* Chained mode: an id naming the second descriptor of a chain. */
	start(256, 256, 0);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	dev_take(0);
	dev_used(0, 1, 74);
	CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(vnet_stats().rx_bad, 1);
}

static void test_used_index_runs_ahead(void)
{
	uint8_t out[2048];

	start(256, 256, VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	dev_usedring(0)->idx = 257;
	CU_ASSERT_EQUAL(vnet_recv(out, sizeof(out)), 0);
	CU_ASSERT(vn.dev.broken);
	CU_ASSERT_EQUAL(vnet_send(out, 60), -1);
	vnet_poll();
}

static void test_tx_full_and_bad(void)
{
	uint8_t f[100], out[2048];

	start(256, 256, VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	frame_of(f, 100, 7);
	CU_ASSERT_EQUAL(vnet_send(f, VNET_MIN_FRAME - 1), -1);
	CU_ASSERT_EQUAL(vnet_send(f, VNET_MTU_FRAME + 1), -1);
	unsigned kicks = dev.kicks[1];
	for (int i = 0; i < VNET_BUFS - 1; i++)
		CU_ASSERT_EQUAL(vnet_queue(f, 100), 0);
	/* vnet_queue tells the device itself every VNET_TX_BATCH frames; vnet_flush tells it of the rest */
	CU_ASSERT_EQUAL(dev.kicks[1], kicks + (VNET_BUFS - 1) / VNET_TX_BATCH);
	CU_ASSERT_EQUAL(vnet_queue(f, 100), 0);
	CU_ASSERT_EQUAL(vnet_send(f, 100), -1);
	CU_ASSERT_EQUAL(vnet_stats().tx_full, 1);
	kicks = dev.kicks[1];
	vnet_flush();
	CU_ASSERT_EQUAL(dev.kicks[1], kicks + (VNET_BUFS % VNET_TX_BATCH != 0));
	uint16_t head = dev_avail(1)->ring[dev.seen[1] % 256];
	CU_ASSERT_EQUAL(dev_tx(out), 100);
	dev_used(1, head, 0);                    /* bad ids complete nothing: a buffer already back, */
	dev_used(1, 300, 0);                     /* past the ring, */
	dev_used(1, 0xffffffffu, 0);
	CU_ASSERT_EQUAL(vnet_send(f, 100), 0);
	CU_ASSERT_EQUAL(vnet_send(f, 100), -1);
	CU_ASSERT_EQUAL(tx_bad, 3);
	/* The device says it does not want kicks: none. */
	dev_usedring(1)->flags = VRING_USED_F_NO_NOTIFY;
	CU_ASSERT_EQUAL(dev_tx(out), 100);
	kicks = dev.kicks[1];
	CU_ASSERT_EQUAL(vnet_send(f, 100), 0);
	CU_ASSERT_EQUAL(dev.kicks[1], kicks);
}

/* What the switch would have been handed: count and the first bytes of the last frame. */
static struct { unsigned n; uint8_t last[60]; } switched;
static bool to_switch(void *ctx, const uint8_t *frame, size_t len, int ref)
{
	(void)ctx, (void)ref;
	switched.n++;
	memcpy(switched.last, frame, len < 60 ? len : 60);
	return false;
}

static void test_bounce(void)
{
	uint8_t f[60], out[2048];

	start(256, 64, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	vnet_bounce = 1;
	memset(&switched, 0, sizeof(switched));
	CU_ASSERT(vnet_bouncing());
	/* More frames than TX buffers: the rest wait in the RX ring, none is lost. Every 4th frame is for another
	 * MAC: it goes to the switch, not back. */
	for (int i = 0; i < 256; i++) {
		frame_of(f, 60, (uint8_t)i);
		memcpy(f, dev_mac, 6);
		f[5] ^= i % 4 == 3;
		dev_rx(f, 60);
	}
	int got = 0;
	for (int pass = 0; pass < 8; pass++) {
		vnet_poll();
		vnet_recv_batch(to_switch, NULL);
		for (int n; (n = dev_tx(out)) >= 0; got++) {
			int seq = got + got / 3;            /* the bounced ones: 0 1 2 4 5 6 8 ... */
			frame_of(f, 60, (uint8_t)seq);
			memcpy(f, dev_mac, 6);
			CU_ASSERT_EQUAL(n, 60);
			CU_ASSERT(memcmp(out, f + 6, 6) == 0 && memcmp(out + 6, f, 6) == 0 &&
				  memcmp(out + 12, f + 12, 48) == 0);
		}
	}
	CU_ASSERT_EQUAL(got, 192);
	CU_ASSERT_EQUAL(switched.n, 64);
	frame_of(f, 60, 255);
	memcpy(f, dev_mac, 6);
	f[5] ^= 1;
	CU_ASSERT(memcmp(switched.last, f, 60) == 0);
	CU_ASSERT_EQUAL(vnet_stats().tx_full, 0);
	CU_ASSERT_EQUAL(vnet_stats().rx_frames, 256);
	CU_ASSERT_EQUAL(vnet_stats().bounced, 192);
	/* Bounce off: everything goes to the switch. */
	vnet_bounce = 0;
	dev_rx(f, 60);
	memcpy(f, dev_mac, 6);
	dev_rx(f, 60);
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 2);
	CU_ASSERT_EQUAL(dev_tx(out), -1);
}

/* A receiver that keeps every buffer it is offered on loan. */
static struct { unsigned n, kept; int refs[16]; const uint8_t *frames[16]; } keeper;
static bool keep_all(void *ctx, const uint8_t *frame, size_t len, int ref)
{
	(void)ctx, (void)len;
	keeper.n++;
	if (ref < 0 || keeper.kept == 16)
		return false;
	keeper.refs[keeper.kept] = ref;
	keeper.frames[keeper.kept++] = frame;
	return true;
}

/* Buffers the device holds on queue q (made available, not yet taken). */
static unsigned dev_held(int q)
{
	return (uint16_t)(dev_avail(q)->idx - dev.seen[q]);
}

static void test_rx_loans(void)
{
	uint8_t f[60];

	start(16, 16, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	memset(&keeper, 0, sizeof(keeper));
	CU_ASSERT_EQUAL(dev_held(0), 16);
	/* 12 frames: the first 8 (half the buffers) are lent and stay out of the ring, the other 4 go back. */
	for (int i = 0; i < 12; i++) {
		frame_of(f, 60, (uint8_t)i);
		dev_rx(f, 60);
	}
	CU_ASSERT_EQUAL(vnet_recv_batch(keep_all, NULL), 12);
	CU_ASSERT_EQUAL(keeper.n, 12);
	CU_ASSERT_EQUAL_FATAL(keeper.kept, 8);
	CU_ASSERT_EQUAL(dev_held(0), 8);
	/* The device fills every buffer it still has: a lent frame is not overwritten. */
	for (int i = 0; i < 8; i++) {
		frame_of(f, 60, (uint8_t)(100 + i));
		dev_rx(f, 60);
	}
	CU_ASSERT_EQUAL(vnet_recv_batch(keep_all, NULL), 8);
	CU_ASSERT_EQUAL(keeper.kept, 8);                     /* none offered: half are out */
	for (int i = 0; i < 8; i++) {
		frame_of(f, 60, (uint8_t)i);
		CU_ASSERT(memcmp(keeper.frames[i], f, 60) == 0);
	}
	/* Given back: the device has them again, told at the next flush; twice, or a ref never lent, is ignored. */
	unsigned kicks = dev.kicks[0];
	vnet_rx_release(keeper.refs[0]);
	vnet_rx_release(keeper.refs[1]);
	CU_ASSERT_EQUAL(dev_held(0), 10);
	vnet_rx_release(keeper.refs[0]);
	vnet_rx_release(-1);
	vnet_rx_release(16);
	vnet_rx_release(1000);
	CU_ASSERT_EQUAL(dev_held(0), 10);
	CU_ASSERT_EQUAL(dev.kicks[0], kicks);
	vnet_flush();
	CU_ASSERT_EQUAL(dev.kicks[0], kicks + 1);
	vnet_flush();
	CU_ASSERT_EQUAL(dev.kicks[0], kicks + 1);
	/* Two out of eight lent now: two more may be. */
	for (int i = 0; i < 3; i++) {
		frame_of(f, 60, (uint8_t)(200 + i));
		dev_rx(f, 60);
	}
	CU_ASSERT_EQUAL(vnet_recv_batch(keep_all, NULL), 3);
	CU_ASSERT_EQUAL(keeper.kept, 10);
	CU_ASSERT_EQUAL(dev_held(0), 8);
}

static void test_msix_setup(void)
{
	/* MSI-X: the MAC comes from offset 24, RX on entry 0, TX and config changes on none. */
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	dev.has_msix = true;
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT(vn.irq && dev.msix_on);
	CU_ASSERT(memcmp(vnet_mac(), dev_mac, 6) == 0);
	CU_ASSERT_EQUAL(dev.qvec[0], 0);
	CU_ASSERT_EQUAL(dev.qvec[1], VIO_NO_VECTOR);
	CU_ASSERT_EQUAL(dev.cfgvec, VIO_NO_VECTOR);
	CU_ASSERT_EQUAL(dev_avail(1)->flags, VRING_AVAIL_F_NO_INTERRUPT);     /* TX never interrupts */
	/* The device refuses the vector: polled, MSI-X off again, the MAC from offset 20. */
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	dev.has_msix = dev.refuse_vector = true;
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT(!vn.irq && !dev.msix_on);
	CU_ASSERT(memcmp(vnet_mac(), dev_mac, 6) == 0);
	CU_ASSERT_STRING_EQUAL(vn.why_polled, "the device refused an MSI-X vector");
	/* No MSI-X capability: polled. net_poll=1: polled without asking. */
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT(!vn.irq && dev.routes == 1);
	CU_ASSERT_STRING_EQUAL(vn.why_polled, "no MSI-X capability");
	CU_ASSERT_EQUAL(vnet_idle_until(1000, 1000000), 1000 + VNET_POLL_US * 1000);
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	dev.has_msix = true;
	vnet_poll_only = 1;
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT(!vn.irq && !dev.msix_on && dev.routes == 0);
	CU_ASSERT(memcmp(vnet_mac(), dev_mac, 6) == 0);
}

/* An interrupt-mode driver whose ring has been found empty once (interrupts on). */
static void start_armed(void)
{
	start(256, 256, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	dev.has_msix = true;
	memset(&switched, 0, sizeof(switched));
	CU_ASSERT_EQUAL_FATAL(vnet_init(), 0);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, VRING_AVAIL_F_NO_INTERRUPT);    /* busy until first found empty */
	CU_ASSERT_EQUAL(vnet_idle_until(5, 1000), 5);
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 0);
	CU_ASSERT(vn.armed);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, 0);
}

static void test_irq_then_poll(void)
{
	uint8_t f[60];

	start_armed();
	/* Armed: the ring is not looked at, the idle loop may sleep until its deadline. */
	uint64_t polls = vnet_stats().polls;
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 0);
	CU_ASSERT_EQUAL(vnet_stats().polls, polls);
	CU_ASSERT_EQUAL(vnet_idle_until(5, 1000), 1000);
	/* A frame: one interrupt; the handler turns interrupts off; a second frame raises none. */
	frame_of(f, 60, 1);
	dev_rx(f, 60);
	CU_ASSERT_EQUAL(dev.irqs, 1);
	vnet_irq();
	CU_ASSERT_EQUAL(vnet_stats().irqs, 1);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, VRING_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT_EQUAL(vnet_idle_until(5, 1000), 5);                        /* busy: poll at once */
	dev_rx(f, 60);
	CU_ASSERT_EQUAL(dev.irqs, 1);
	/* The poll takes both, finds the ring empty, re-arms. */
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 2);
	CU_ASSERT_EQUAL(switched.n, 2);
	CU_ASSERT(vn.armed);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, 0);
	CU_ASSERT_EQUAL(vnet_idle_until(5, 1000), 1000);
	dev_rx(f, 60);
	CU_ASSERT_EQUAL(dev.irqs, 2);
	/* A spinning idle loop sees the frame without the interrupt (it stays pending with interrupts off). */
	CU_ASSERT(vnet_rx_waiting());
	CU_ASSERT(!vn.armed);
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 1);
	CU_ASSERT(!vnet_rx_waiting());
	CU_ASSERT(vn.armed);
	vnet_irq();                      /* the late interrupt: harmless, the next pass polls an empty ring */
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 0);
	CU_ASSERT(vn.armed);
	CU_ASSERT_EQUAL(switched.n, 3);
}

static void test_irq_rearm_race(void)
{
	uint8_t f[60], g[60];

	start_armed();
	frame_of(f, 60, 1);
	frame_of(g, 60, 2);
	dev_rx(f, 60);
	vnet_irq();
	/* While the driver takes f and turns interrupts back on, g lands unannounced: the second look finds it. */
	dev.race_frame = g;
	dev.race_len = 60;
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 1);
	CU_ASSERT_PTR_NULL(dev.race_frame);
	CU_ASSERT_EQUAL(dev.irqs, 1);                                        /* no interrupt for g */
	CU_ASSERT(!vn.armed);
	CU_ASSERT_EQUAL(dev_avail(0)->flags, VRING_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT_EQUAL(vnet_idle_until(5, 1000), 5);                        /* the idle loop must not sleep */
	CU_ASSERT_EQUAL(vnet_recv_batch(to_switch, NULL), 1);
	CU_ASSERT(memcmp(switched.last, g, 60) == 0);
	CU_ASSERT(vn.armed);
	CU_ASSERT_EQUAL(vnet_stats().rx_frames, 2);
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

int unit_suite_vnet(void)
{
	CU_pSuite s = CU_add_suite("vnet", NULL, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "init: features, MAC, rings, RX buffers posted", test_init);
	CU_add_test(s, "init refused (queue size 0, not a power of two, too big): reset, memory back", test_init_refused);
	CU_add_test(s, "frames in and out, one or two descriptors per buffer", test_rx_tx);
	CU_add_test(s, "bad used ids and lengths counted, never used", test_rx_bad_entries);
	CU_add_test(s, "a used index running ahead stops the NIC", test_used_index_runs_ahead);
	CU_add_test(s, "TX full, bad TX ids, NO_NOTIFY honoured", test_tx_full_and_bad);
	CU_add_test(s, "MSI-X: config at 24, RX vector, fallbacks (refused, absent, net_poll=1)", test_msix_setup);
	CU_add_test(s, "interrupt, then polling while busy, re-armed when empty", test_irq_then_poll);
	CU_add_test(s, "re-arm race: a frame landing as interrupts come back on is found", test_irq_rearm_race);
	CU_add_test(s, "bounce: frames to the NIC MAC back with MACs swapped, others switched, back-pressure when TX is full", test_bounce);
	CU_add_test(s, "RX buffers lent to the receiver until half are out, given back once", test_rx_loans);
	return 0;
}
