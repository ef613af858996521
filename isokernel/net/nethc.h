/* nethc.h - the network subsystem's entry points into the core: its hypercalls and its main-loop sources. */
#ifndef ISO_NETHC_H
#define ISO_NETHC_H

/* Register the network hypercalls (net_send, net_recv and their batches), the NIC and the switch as event sources of
 * the main loop (the per-quantum send budget is sched_dispatch_hook, bound at link time). After vnet_init and
 * vsw_init, before sched_init. */
void nethc_init(void);

#endif
