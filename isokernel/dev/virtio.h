/* virtio.h - the legacy virtio-PCI transport (I/O BAR0) and split virtqueues, shared by every virtio driver. */
/*
 * A driver finds its device (vio_find), resets it and negotiates features (vio_negotiate), sets up its queues
 * (vq_init: a ring in contiguous frames, registered with the device), optionally routes MSI-X (vio_msix and the
 * vector registers), says DRIVER_OK (vio_driver_ok), then posts buffers (vq_post), notifies the device (vq_kick)
 * and takes back what the device used (vq_next_used). Buffers themselves, and what a used id means, belong to the
 * driver. Everything the device writes is checked before it indexes anything: a used index that runs ahead of the
 * ring marks the device broken (vio_broken) and no queue of it is looked at again.
 */
#ifndef ISO_VIRTIO_H
#define ISO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include "pci.h"

/* Legacy virtio-pci I/O registers (offsets in BAR0). Device config follows at 20 while MSI-X is off; with MSI-X
 * enabled two vector registers take 20..23 and the device config moves to 24 (virtio 0.9.5 / 1.0 legacy). */
#define VIO_HOST_FEATURES  0x00   /* 32 */
#define VIO_GUEST_FEATURES 0x04   /* 32 */
#define VIO_QUEUE_PFN      0x08   /* 32: ring physical address >> 12 */
#define VIO_QUEUE_NUM      0x0c   /* 16: ring size (read only in legacy) */
#define VIO_QUEUE_SEL      0x0e   /* 16 */
#define VIO_QUEUE_NOTIFY   0x10   /* 16 */
#define VIO_STATUS         0x12   /* 8 */
#define VIO_CONFIG         0x14   /* device config while MSI-X is off */
#define VIO_MSIX_CONFIG    0x14   /* 16, MSI-X on: vector for configuration changes */
#define VIO_MSIX_QUEUE     0x16   /* 16, MSI-X on: vector of the selected queue */
#define VIO_CONFIG_MSIX    0x18   /* device config while MSI-X is on */
#define VIO_NO_VECTOR      0xffff

#define VIO_S_ACK         1
#define VIO_S_DRIVER      2
#define VIO_S_DRIVER_OK   4
#define VIO_S_NEEDS_RESET 0x40
#define VIO_S_FAILED      0x80

#define VIRTIO_F_ANY_LAYOUT (1u << 27)

#define VRING_DESC_F_NEXT          1
#define VRING_DESC_F_WRITE         2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1
#define VRING_ALIGN                4096

#define VIRTIO_VENDOR 0x1af4
#define VQ_MAX        4096        /* largest ring size accepted (QEMU allows 1024) */

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

/* One virtio-pci function. */
struct vio_dev {
	struct pci_dev pci;
	const char *name;             /* "virtio-net", for messages */
	uint16_t io;                  /* BAR0 */
	uint16_t cfg;                 /* offset of the device config in BAR0 (VIO_CONFIG or VIO_CONFIG_MSIX) */
	bool msix;                    /* MSI-X enabled (vio_msix) */
	bool broken;                  /* the device wrote something impossible: no queue of it is used again */
};

/* One split virtqueue: the ring and our copies of its free-running indexes. */
struct vq {
	struct vio_dev *dev;
	uint16_t index, num;          /* queue number, ring size */
	uint16_t avail_idx, last_used;
	uint32_t ring_pages;
	uint64_t ring_pa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	volatile struct vring_used *used;
};

/* Find the first function with the legacy (transitional) device id and take it: BAR0 placed, I/O decoding and bus
 * mastering on, INTx masked. 0, or -1: absent (nothing said), a modern-only device or a BAR that cannot be placed
 * (said why on the console). */
int vio_find(struct vio_dev *d, const char *name, uint16_t legacy_id, uint16_t modern_id);
/* Reset (the device lets go of every ring), then ACK and DRIVER; the features both sides have of want, told to the
 * device. */
uint32_t vio_negotiate(struct vio_dev *d, uint32_t want);
/* DRIVER_OK: 0, or -1 with *why if the device refused it. */
int vio_driver_ok(struct vio_dev *d, const char **why);
/* Give up on the device: FAILED, then reset, MSI-X off (rings may be freed after this). */
void vio_fail(struct vio_dev *d);
/* Route MSI-X table entry `entry` to `vector` on this CPU and enable MSI-X (the config moves to 24). 0, or -1 with
 * *why (MSI-X left off). */
int vio_msix(struct vio_dev *d, uint16_t entry, uint8_t vector, const char **why);
void vio_msix_off(struct vio_dev *d);
/* Point queue `queue` (or the config-change interrupt: vio_config_vector) at MSI-X entry `entry` (VIO_NO_VECTOR:
 * none); false if the device refused it (it reads back VIO_NO_VECTOR). */
bool vio_queue_vector(struct vio_dev *d, uint16_t queue, uint16_t entry);
bool vio_config_vector(struct vio_dev *d, uint16_t entry);
/* Device config, byte offset off (little-endian, legacy: the guest's order). */
uint8_t vio_cfg8(const struct vio_dev *d, uint16_t off);
uint32_t vio_cfg32(const struct vio_dev *d, uint16_t off);
/* The device did something impossible: say it once, and use it no more. */
void vio_broken(struct vio_dev *d, const char *why);

/* n physically contiguous zeroed frames, or 0. */
uint64_t vio_alloc_contig(uint32_t n);

/* Set up queue `index` of d: its size read and checked (a power of two, min..VQ_MAX), the ring allocated
 * (contiguous, zeroed), interrupts off (avail.flags), its address told to the device. 0, or -1 with *why (nothing
 * kept). */
int vq_init(struct vq *q, struct vio_dev *d, uint16_t index, uint16_t min, const char **why);
/* The ring's frames back (after a reset or vio_fail only: the device must not hold it). */
void vq_free(struct vq *q);
/* The descriptor chain at head made available to the device (it is not told yet: vq_kick). */
void vq_post(struct vq *q, uint16_t head);
/* Tell the device of what was posted, unless it said it does not want to be told. */
void vq_kick(struct vq *q);
/* The next used entry: true with *id and *len as the device wrote them (unchecked: the driver checks them). */
bool vq_next_used(struct vq *q, uint32_t *id, uint32_t *len);
/* Entries waiting in the used ring (one memory read; no check). */
bool vq_used_waiting(const struct vq *q);
/* Interrupts from this queue on or off (avail.flags; the device may still send one it had decided on). */
void vq_irq(struct vq *q, bool on);
/* Interrupts on, then one more look: true if entries wait (interrupts then off again). For drivers that take
 * their interrupt only when a ring was found empty. */
bool vq_arm(struct vq *q);

#endif
