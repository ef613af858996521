/* virtio.c - the legacy virtio-PCI transport (I/O BAR0, rings aligned to 4096) and split virtqueues for every virtio driver. */
#include "hot.h"
#include "virtio.h"
#include "pci.h"
#include "lapic.h"
#include "frame.h"
#include "memlayout.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"

#ifdef ISO_HOST_TEST
/* tests/unit/test_vnet.c includes this file and plays the device behind these. */
uint8_t vio_inb(uint16_t port);
uint16_t vio_inw(uint16_t port);
uint32_t vio_inl(uint16_t port);
void vio_outb(uint16_t port, uint8_t v);
void vio_outw(uint16_t port, uint16_t v);
void vio_outl(uint16_t port, uint32_t v);
void vio_mfence(void);          /* the fake device may act here: what it wrote becomes visible at a fence */
#define mfence() vio_mfence()
#else
#define vio_inb  inb
#define vio_inw  inw
#define vio_inl  inl
#define vio_outb outb
#define vio_outw outw
#define vio_outl outl
#define mfence()  __asm__ volatile("mfence" ::: "memory")
#endif
#define barrier() __asm__ volatile("" ::: "memory")

static uint16_t reg(const struct vio_dev *d, uint16_t off)
{
	return (uint16_t)(d->io + off);
}

int vio_find(struct vio_dev *d, const char *name, uint16_t legacy_id, uint16_t modern_id)
{
	const uint16_t ids[] = { legacy_id, modern_id };
	bool is_io;

	d->name = name;
	if (pci_find(VIRTIO_VENDOR, ids, 2, &d->pci) != 0)
		return -1;
	if (d->pci.device != legacy_id) {
		kprintf("isokernel: %s: modern-only device (disable-legacy=on) not supported: not used\n", name);
		return -1;
	}
	uint64_t bar = pci_assign_io(&d->pci, 0) == 0 ? pci_bar(&d->pci, 0, &is_io) : 0;
	if (bar == 0 || !is_io || bar > 0xffff - 0x20) {
		kprintf("isokernel: %s: BAR0 is not an I/O BAR or cannot be placed: not used\n", name);
		return -1;
	}
	d->io = (uint16_t)bar;
	d->cfg = VIO_CONFIG;
	pci_enable(&d->pci, true, false, true, false);      /* INTx masked: MSI-X or nothing */
	return 0;
}

uint32_t vio_negotiate(struct vio_dev *d, uint32_t want)
{
	vio_outb(reg(d, VIO_STATUS), 0);
	vio_outb(reg(d, VIO_STATUS), VIO_S_ACK);
	vio_outb(reg(d, VIO_STATUS), VIO_S_ACK | VIO_S_DRIVER);
	want &= vio_inl(reg(d, VIO_HOST_FEATURES));
	vio_outl(reg(d, VIO_GUEST_FEATURES), want);
	return want;
}

int vio_driver_ok(struct vio_dev *d, const char **why)
{
	vio_outb(reg(d, VIO_STATUS), VIO_S_ACK | VIO_S_DRIVER | VIO_S_DRIVER_OK);
	if (vio_inb(reg(d, VIO_STATUS)) & (VIO_S_FAILED | VIO_S_NEEDS_RESET)) {
		*why = "the device refused DRIVER_OK";
		return -1;
	}
	return 0;
}

void vio_fail(struct vio_dev *d)
{
	vio_outb(reg(d, VIO_STATUS), VIO_S_FAILED);
	vio_outb(reg(d, VIO_STATUS), 0);              /* reset: the device lets go of the rings */
	vio_msix_off(d);
}

int vio_msix(struct vio_dev *d, uint16_t entry, uint8_t vector, const char **why)
{
	if (pci_msix_route(&d->pci, entry, vector, lapic_id(), why) != 0)
		return -1;
	d->msix = true;
	d->cfg = VIO_CONFIG_MSIX;
	return 0;
}

/* MSI-X off: the device config returns to offset 20. */
void vio_msix_off(struct vio_dev *d)
{
	if (d->msix)
		pci_msix_disable(&d->pci);
	d->msix = false;
	d->cfg = VIO_CONFIG;
}

bool vio_queue_vector(struct vio_dev *d, uint16_t queue, uint16_t entry)
{
	vio_outw(reg(d, VIO_QUEUE_SEL), queue);
	vio_outw(reg(d, VIO_MSIX_QUEUE), entry);
	return vio_inw(reg(d, VIO_MSIX_QUEUE)) == entry;
}

bool vio_config_vector(struct vio_dev *d, uint16_t entry)
{
	vio_outw(reg(d, VIO_MSIX_CONFIG), entry);
	return vio_inw(reg(d, VIO_MSIX_CONFIG)) == entry;
}

uint8_t vio_cfg8(const struct vio_dev *d, uint16_t off)
{
	return vio_inb(reg(d, (uint16_t)(d->cfg + off)));
}

uint32_t vio_cfg32(const struct vio_dev *d, uint16_t off)
{
	return vio_inl(reg(d, (uint16_t)(d->cfg + off)));
}

void vio_broken(struct vio_dev *d, const char *why)
{
	if (!d->broken)
		kprintf("isokernel: %s: %s; the device is no longer used\n", d->name, why);
	d->broken = true;
}

/* n physically contiguous zeroed frames, or 0. Frames that do not fit a run are held aside (linked through
 * their first word) and given back at the end; at boot fresh frames come in address order, so this seldom loops. */
uint64_t vio_alloc_contig(uint32_t n)
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

int vq_init(struct vq *q, struct vio_dev *d, uint16_t index, uint16_t min, const char **why)
{
	vio_outw(reg(d, VIO_QUEUE_SEL), index);
	uint16_t num = vio_inw(reg(d, VIO_QUEUE_NUM));
	if (num < min || num > VQ_MAX || (num & (num - 1))) {
		*why = "queue size is 0, not a power of two, or too large";
		return -1;
	}
	uint64_t used_off = (16ull * num + 6 + 2ull * num + VRING_ALIGN - 1) & ~(uint64_t)(VRING_ALIGN - 1);
	uint32_t pages = (uint32_t)((used_off + 6 + 8ull * num + PAGE_SIZE - 1) / PAGE_SIZE);
	uint64_t pa = vio_alloc_contig(pages);
	if (!pa) {
		*why = "no contiguous memory for a ring";
		return -1;
	}
	*q = (struct vq){ .dev = d, .index = index, .num = num, .ring_pages = pages, .ring_pa = pa };
	q->desc = P2V(pa);
	q->avail = (struct vring_avail *)((uint8_t *)q->desc + 16ull * num);
	q->used = (volatile struct vring_used *)((uint8_t *)q->desc + used_off);
	q->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vio_outl(reg(d, VIO_QUEUE_PFN), (uint32_t)(pa >> 12));
	return 0;
}

void vq_free(struct vq *q)
{
	for (uint32_t i = 0; i < q->ring_pages; i++)
		frame_free(q->ring_pa + i * PAGE_SIZE);
	memset(q, 0, sizeof(*q));
}

HOT void vq_post(struct vq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx & (q->num - 1)] = head;
	q->avail_idx++;
	barrier();      /* descriptors and ring entry before the index (x86 keeps stores in order) */
	*(volatile uint16_t *)&q->avail->idx = q->avail_idx;
}

HOT void vq_kick(struct vq *q)
{
	mfence();       /* our avail.idx store before the load of used.flags */
	if (!(q->used->flags & VRING_USED_F_NO_NOTIFY))
		vio_outw(reg(q->dev, VIO_QUEUE_NOTIFY), q->index);
}

HOT bool vq_next_used(struct vq *q, uint32_t *id, uint32_t *len)
{
	if (q->dev->broken)
		return false;
	uint16_t pending = (uint16_t)(q->used->idx - q->last_used);
	if (pending == 0)
		return false;
	if (pending > q->num) {
		vio_broken(q->dev, "used index ran ahead of the ring");
		return false;
	}
	barrier();      /* the index before the entries (x86 keeps loads in order) */
	volatile struct vring_used_elem *e = &q->used->ring[q->last_used & (q->num - 1)];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	barrier();      /* the buffer's contents after the used entry */
	return true;
}

bool vq_used_waiting(const struct vq *q)
{
	return !q->dev->broken && q->used->idx != q->last_used;
}

void vq_irq(struct vq *q, bool on)
{
	*(volatile uint16_t *)&q->avail->flags = on ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
}

bool vq_arm(struct vq *q)
{
	vq_irq(q, true);
	mfence();       /* the flag store before the used.idx load: the device does the opposite, with a fence */
	if (q->used->idx == q->last_used)
		return false;
	vq_irq(q, false);
	return true;
}
