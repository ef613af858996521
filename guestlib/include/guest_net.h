/* guest_net.h - the VM's network: one netstack built from the start info, and the event loop that drives it (C99). */
/*
 * A network service creates its sockets on guest_net_stack() (netstack.h API, callbacks included), then
 * calls guest_net_run(), which feeds received frames to the stack, runs its timers and idles in between
 * until guest_net_stop() or the limit of guest_net_stop_after(). Link with `guest-cc --net`.
 */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include <stdint.h>
#include "netstack.h"

/* Frames taken per net_recv_batch call, each into a PV_FRAME_MAX buffer. The first GUEST_NET_RX_FIRST buffers are
 * static (they share the data page every program touches); the rest are malloc'd once GUEST_NET_RX_GROW_AFTER
 * batches have come back full (a request and its ACK fill two now and then: that is not busy), so an idle or
 * lightly loaded VM never touches them (per-VM memory) while a busy one makes fewer hypercalls. */
#define GUEST_NET_RX_BATCH 8
#define GUEST_NET_RX_FIRST 2
#define GUEST_NET_RX_GROW_AFTER 64
/* Frames sent while a receive batch goes through the stack leave together in one net_send_batch, packed into
 * GUEST_NET_TX_BYTES bytes (at most GUEST_NET_TX_BATCH frames; fuller: it goes out early). The area is malloc'd
 * with the receive buffers, so only a busy VM has it; elsewhere each frame is one net_send. */
#define GUEST_NET_TX_BATCH 32
#define GUEST_NET_TX_BYTES 4096
/* net_send retries (each after a yield) while the VM's send budget is spent, before the frame is dropped. */
#define GUEST_NET_TX_RETRIES 8

/* What the glue counted (the stack's own figures: ns_get_stats). */
struct guest_net_stats {
	uint64_t rx_frames, rx_batches;      /* frames handed to ns_input, net_recv_batch calls that gave some */
	uint64_t tx_frames, tx_retries;      /* frames sent, net_send calls answered PV_EAGAIN */
	uint64_t tx_dropped;                 /* frames given up (retries spent, or another error) */
	uint64_t wakeups;                    /* idle calls */
};

/* The stack of this VM, created at the first call with the start info's MAC, IPv4, netmask and gateway and
 * the tunables of cfg (its address fields are ignored; NULL: defaults). Later calls return the same stack and
 * ignore cfg. NULL if the VM has no network (no IPv4 address) or no memory. */
struct ns_stack *guest_net_open(const struct ns_config *cfg);

/* guest_net_open(NULL). */
struct ns_stack *guest_net_stack(void);

/* The event loop: returns 0 once guest_net_stop() was called (or its time limit passed), -1 without a stack. */
int guest_net_run(void);

/* End guest_net_run() after the current event; callable from socket callbacks. */
void guest_net_stop(void);

/* End guest_net_run() once ns nanoseconds from now have passed (a time limit, or a linger after the last
 * request so queued replies still go out). An earlier limit already set is kept. */
void guest_net_stop_after(uint64_t ns);

/* The glue's counters. */
const struct guest_net_stats *guest_net_stats(void);

/* Dotted-quad text of a host-order IPv4 address into buf (16 bytes); returns buf. */
char *guest_net_ntoa(uint32_t ip, char buf[16]);

#endif
