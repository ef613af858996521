/* virtio_net.h - the physical NIC: a legacy (transitional) virtio-net-pci device on the virtio transport, RX interrupt then polling (NAPI style). */
#ifndef ISO_VIRTIO_NET_H
#define ISO_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ether.h"

#define VNET_MTU_FRAME ETHER_FRAME_MAX   /* largest Ethernet frame sent or received, without FCS */
#define VNET_MIN_FRAME ETHER_HLEN        /* an Ethernet header */

struct vnet_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_dropped;        /* received but not delivered (caller's buffer too small, no taker) */
	uint64_t tx_full;           /* vnet_send refused: every TX buffer in flight */
	uint64_t rx_bad;            /* used-ring entries the device got wrong (bad id or length): ignored */
	uint64_t bounced;           /* bounce mode: frames sent straight back */
	uint64_t irqs;              /* NIC interrupts taken */
	uint64_t polls;             /* looks at the RX ring (in interrupt mode only while it is busy) */
};

/* netbounce=N on the kernel command line: nonzero sends every received frame addressed to the NIC's own MAC straight
 * back (MACs swapped; other frames are switched as usual), and with a NIC the run goes on after the last VM ends,
 * until timeout_ms (so give one). */
extern uint64_t vnet_bounce;
/* net_poll=N: nonzero keeps the NIC polled (no interrupts; the idle loop wakes every 50 us), for comparison. */
extern uint64_t vnet_poll_only;

/* Find and start the device (call once, after the frame allocator is up). 0: present and up;
 * -1: absent (no NIC given: not an error) or it failed to start (said why on the console). */
int vnet_init(void);
bool vnet_present(void);
/* The device's MAC address (6 bytes); all zero when absent. */
const uint8_t *vnet_mac(void);
/* Copy one Ethernet frame (VNET_MIN_FRAME..VNET_MTU_FRAME bytes) into a TX buffer and hand it to the device.
 * 0, or -1 when absent, len is out of range, or every TX buffer is in flight (counted in tx_full). */
int vnet_send(const void *frame, size_t len);
/* TX buffers the device holds now (sent ones reclaimed first): how deep the link's queue is. */
unsigned vnet_tx_inflight(void);
/* Like vnet_send without notifying the device: a batch of vnet_queue calls ends with one vnet_flush. */
int vnet_queue(const void *frame, size_t len);
void vnet_flush(void);
/* Copy out one received frame (without the virtio header): its length, or 0 if none is waiting.
 * A frame longer than cap is dropped (counted in rx_dropped) and the next one is tried. */
int vnet_recv(void *buf, size_t cap);
/* A receiver of frames: ref >= 0 offers the buffer on loan; fn returns true to keep it (the bytes then stay valid
 * until vnet_rx_release(ref)), false when it is done with them (they are valid during the call only). */
typedef bool (*vnet_rx_fn)(void *ctx, const uint8_t *frame, size_t len, int ref);
/* Hand waiting frames to fn (fn may send or queue, not receive); returns how many. In bounce mode frames for the
 * NIC's MAC go back instead of to fn. At most VNET_RX_BUDGET frames a call; in interrupt mode nothing is looked at
 * while the ring is known empty, and the call that finds it empty turns interrupts back on. Buffers are lent
 * while fewer than half the RX buffers are out on loan: the device always keeps the other half. */
unsigned vnet_recv_batch(vnet_rx_fn fn, void *ctx);
/* A lent buffer back to the device (notified at the next vnet_flush); a ref not on loan is ignored. */
void vnet_rx_release(int ref);
struct vnet_stats vnet_stats(void);

/* Called from the scheduler loop: reclaims sent buffers, notifies the device of queued ones. */
void vnet_poll(void);
/* The NIC's interrupt handler (registered with irq_register; interrupts off): no more interrupts until the ring
 * is found empty; it is busy. */
void vnet_irq(void);
/* True if frames wait in the RX ring (one memory read); the next poll takes them. For a spinning idle loop. */
bool vnet_rx_waiting(void);
/* The latest TSC at which the idle loop must poll again: until when the NIC is idle with interrupts on (or absent),
 * now while it is busy, now + 50 us at most in polled mode. */
uint64_t vnet_idle_until(uint64_t now, uint64_t until);
/* True in bounce mode: the run lasts until its timeout even with no VM left. */
bool vnet_bouncing(void);
/* "@net mac=.. rx=.. tx=.. dropped=.. ..." at the end of the run; prints nothing without a NIC. */
void vnet_report(void);

#endif
