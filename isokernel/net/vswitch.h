/* vswitch.h - the virtual switch: per-VM receive queues, anti-spoofing, ARP answered by the kernel, VMs found by
 * address through the binding table (bind.h). */
#ifndef ISO_VSWITCH_H
#define ISO_VSWITCH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "ether.h"

struct vm;
struct vmstate_io;
struct vmst_in;

/* One queued frame (kernel memory, from a bounded pool). */
struct vsw_buf {
	struct vsw_buf *next;
	const uint8_t *frame;         /* data, or the NIC's RX buffer lent for the frame (vnet_rx_fn) */
	uint32_t src;                 /* the sending VM's id, or VSW_SRC_HOST (the NIC, the switch's ARP, a restore) */
	int16_t ref;                  /* the NIC's loan to give back when the frame goes, or -1 */
	uint16_t len;
	uint16_t pair;                /* from a VM: its (receiver, sender) record in vswitch.c; 0 otherwise */
	uint8_t data[ETHER_FRAME_MAX];
};
#define VSW_SRC_HOST 0xffffffffu      /* VMTAB_NONE: never a VM's id */

/* A VM's port on the switch: its address, its receive queue and its counters (one per live VM, 48 bytes of slab;
 * vm->net). Only vswitch.c writes it. */
struct vsw_port {
	struct vsw_buf *rxq_tail;     /* received frames waiting, a ring: rxq_tail->next is the oldest */
	uint32_t addr;                /* its address number (bind.h) */
	uint32_t rx_frames, tx_frames;         /* frames the switch queued for it / took from it */
	uint32_t rx_drops, tx_spoofed;         /* frames for it dropped / frames it forged, dropped */
	uint32_t tx_held;             /* its frames waiting in other VMs' queues */
	uint16_t nic_inflight;        /* its frames in the NIC's TX ring */
	uint8_t rxq_len;              /* <= VSW_RXQ_MAX */
	uint8_t unbound;              /* a fork's child that shares its parent's address (fork.h, same_address): it sends
				       * from addr but the binding names the parent, so no frame finds it by address */
};

/* What the switch needs from outside the net layer: the uplink (the NIC; dev/virtio_net.c in the kernel) and the
 * scheduler's wake-up. Given once to vsw_init. */
typedef bool (*vsw_rx_fn)(void *ctx, const uint8_t *frame, size_t len, int ref);
struct vsw_ops {
	bool (*nic_present)(void);
	int (*nic_send)(const void *f, size_t len);          /* post a frame and tell the device: 0, or -1 (full) */
	int (*nic_queue)(const void *f, size_t len);         /* post only (nic_flush tells the device) */
	void (*nic_flush)(void);
	unsigned (*nic_tx_inflight)(void);                   /* frames posted and not yet sent */
	/* Each waiting frame to fn; ref >= 0 offers the buffer on loan (fn returns true to keep it until
	 * nic_rx_release(ref)). */
	unsigned (*nic_recv_batch)(vsw_rx_fn fn, void *ctx);
	void (*nic_rx_release)(int ref);
	/* An event for vm (sched_notify). */
	void (*notify)(struct vm *vm, uint64_t bits, bool immediate);
};

/* Drops are counted by reason, never silent. */
struct vsw_stats {
	uint64_t from_nic, from_vm, to_nic, to_vm, vm_to_vm, arp_answered;
	uint64_t drop_spoofed, drop_bad_len, drop_ethertype, drop_rxq_full, drop_pool_empty, drop_no_dest, drop_nic_full;
	uint64_t drop_malformed;      /* ARP not for IPv4 over Ethernet; IPv4 header bad (version, length, checksum) */
	uint64_t drop_share;          /* the sending VM has its share waiting: of the receiver's queue, or of the pool */
	uint64_t drop_quota;          /* the sending VM's pinned frames would take it past its memory quota */
	uint64_t drop_nic_spoofed;    /* from the NIC with a VM's MAC or IPv4 as its source */
	uint64_t nic_busy;            /* not a drop: a VM's frame refused (PV_EAGAIN: the VM keeps it), the TX ring being
				       * full or holding VSW_NIC_INFLIGHT of the VM's frames */
	uint64_t cross_tenant;        /* not a drop: a VM's frame for another tenant's address (a MAC of its plan, an ARP
				       * request for its live VM's IPv4), sent to the uplink instead of switched */
};
extern struct vsw_stats vsw_stats;

/*
 * Sharing. A VM's receive queue holds VSW_RXQ_MAX frames. A sending VM may add one while it has fewer frames
 * waiting there than the queue has room left (alone: half the queue); past that, its frame pushes out the
 * oldest frame there if that one's sender holds more than one frame more than it (vswitch.c push_out): the
 * senders holding most lose first, so any number of flooders (below VSW_RXQ_MAX of them) leave a place to a
 * sender that holds few. The switch counts each sender's frames per queue (O(1), no walk through the queue).
 * Frames from outside (the NIC, the switch's ARP answers) are held to the queue's limit only. The pool is
 * shared too: a queue may grow only while it is shorter than the frames still free, and with n VMs holding
 * frames in queues, a sending VM may hold fewer than 1 / (n + 1) of the frames free, and at most VSW_HELD_MAX.
 * A VM's frames waiting in queues and in the NIC's TX ring count against its memory quota (vm->mem.pinned_bufs,
 * two frames a page): a frame past it is dropped (to a VM) or refused (to the link).
 * A VM sends at most VSW_TX_BUDGET frames per quantum (net/nethc.c refills vm->tx_budget at each dispatch and spends it),
 * VSW_NIC_BUDGET of them to the NIC, and while other VMs have frames in the NIC's TX ring, at most
 * VSW_NIC_INFLIGHT of its own wait there (a quarter of it: a flooder cannot keep the ring full, nor more than
 * that many frames ahead of another VM's). Past these the VM is told PV_EAGAIN (it keeps the frame) and its
 * turn at sending ends.
 */
#define VSW_RXQ_MAX 64        /* frames one VM may have waiting */
#define VSW_POOL_MAX 8192     /* frames queued in all */
#define VSW_HELD_MAX (VSW_POOL_MAX / 8)
#define VSW_TX_BUDGET 256     /* frames one VM may send per quantum */
#define VSW_NIC_BUDGET 32
#define VSW_NIC_INFLIGHT 64
#define VSW_SPARE_MAX 64      /* buffers of delivered frames kept for the next (VSW_SPARE_MAX / 2 pages) */
#define VSW_NIC_RING 256      /* TX buffers tracked (the driver has at most VNET_BUFS = 256) */
#define VSW_NIC_COST (VSW_TX_BUDGET / VSW_NIC_BUDGET)   /* budget units a frame to the NIC takes */

/* The switch over an initialised binding table (bind_init) and VM table (vmtab_init): it observes the VM table,
 * giving each new VM a port and an address (written into its start info), and freeing both when it ends. */
void vsw_init(bool immediate, const struct vsw_ops *ops);
/* The VM's address (MAC, IPv4; netmask and gateway are the network's). */
void vsw_vm_addr(const struct vm *vm, uint8_t mac[6], uint32_t *ip);
/* A frame a VM sends (already copied into kernel memory): 0 taken (sent, switched, or dropped and counted),
 * PV_EAGAIN not taken (the link is busy; the VM's budget for this quantum is spent), or PV_EINVAL (length). */
int vsw_from_vm(struct vm *vm, const uint8_t *f, size_t len);
/* A frame from outside (len checked by the caller: PV_FRAME_MIN..PV_FRAME_MAX) into vm's queue, as the NIC's are
 * (copied; the queue's and the pool's bounds apply, drops counted): true if queued. For frames the kernel held for
 * a VM (a summoned VM's first frames, isokernel/summon.c). */
bool vsw_inject(struct vm *vm, const uint8_t *f, size_t len);
/* Take frames from the NIC and switch them (called from the scheduler loop). */
void vsw_poll(void);
/* The VM's oldest queued frame (NULL if none) and its removal. */
struct vsw_buf *vsw_peek(const struct vm *vm);
void vsw_pop(struct vm *vm);
void vsw_report(void);
/* Forget the frames the NIC has sent since the switch last looked (their senders' counts and pins). */
void vsw_tx_done(void);

/* What the switch holds, for tests and reports: frames queued, spare buffers, buffers the slab gave, its pages,
 * VMs holding frames in queues, (receiver, sender) records, frames tracked in the NIC's TX ring. */
struct vsw_census {
	uint64_t queued, spare, buf_objs, buf_pages, holders, pairs, nic_tracked;
};
void vsw_census(struct vsw_census *c);
/* Frames VM id src has waiting in VM id dst's queue. */
uint32_t vsw_held_in(uint32_t dst, uint32_t src);

/* The network part of a VM's saved state (pvisa/vmstate.h, VMST_NET): its address, queued frames and counters.
 * Restore makes the port of a VM not yet published (the address is claimed when it is); discard frees it when the
 * restore fails. 0, or -1 (save: io stopped; restore: why set). */
int vsw_state_save(const struct vm *vm, const struct vmstate_io *out);
int vsw_state_restore(struct vm *vm, struct vmst_in *in, const char **why);
void vsw_state_discard(struct vm *vm);
/* For a fork that keeps the parent's address (isokernel/fork.h): give child, not yet published, a port of its own with
 * parent's address, unbound (publishing it binds nothing; its end releases nothing). 0, or -1 (no memory). Free it
 * with vsw_state_discard if the child is never published. */
int vsw_port_alias(struct vm *child, const struct vm *parent);

#endif
