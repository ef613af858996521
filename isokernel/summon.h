/* summon.h - summoned services: dormant instances that cost an address each, a VM made by the first frame for one,
 * reclaimed (ended, or saved and released) when idle. */
#ifndef ISO_SUMMON_H
#define ISO_SUMMON_H

#include <stdint.h>
#include <stdbool.h>
#include "ctl.h"
#include "ctl_ops.h"

/*
 * A service pushed by SVC_SET with CTL_SVC_SUMMON reserves count consecutive address numbers of its tenant's plan
 * (net/bind.h bind_treserve), one per instance; nothing else exists for a dormant instance (8 bytes of the binding
 * table's slot page). The first frame for a dormant instance's address (an IPv4 TCP SYN, UDP datagram or ICMP echo
 * request; ARP is answered by the switch) reaches the binding table's miss hook here: the kernel makes the
 * instance's VM (the service's image, arguments and memory: service.c svc_spawn), holds that frame and any that
 * follow, and delivers them when the VM is ready: at its first idle() (pvisa/PVISA.md "Summoned services"). A VM
 * not ready within summon_ready_ms is ended and its held frames dropped. Summoning is limited by token buckets per
 * tenant (summon_rate per second) and per source IPv4 (summon_src_rate), and by SUMMON_STARTING_MAX VMs starting
 * at once; held frames by SUMMON_HOLD_PER per instance and SUMMON_HOLD_MAX in all.
 * With reclaim_s > 0, a summoned VM that has had no frame (received or sent) for reclaim_s seconds and is idle
 * with no deadline and nothing queued is ended (its instance dormant again), or with CTL_SVC_KEEP_STATE saved into
 * kernel memory (isokernel/vmstate.c) and released: its next frame restores it and is delivered to it.
 */
#define SUMMON_STARTING_MAX 256u    /* VMs made by a first frame and not yet ready, in the kernel */
#define SUMMON_HOLD_PER     16u     /* frames held for one starting VM */
#define SUMMON_HOLD_MAX     1024u   /* frames held in all */
#define SUMMON_TICK_MS      100u    /* how often ready deadlines and idle VMs are looked at */

/* Kernel options (main.c): ready deadline (ms), summons per second per tenant and per source IPv4 (burst: one
 * second's worth). */
extern uint64_t summon_ready_ms, summon_rate, summon_src_rate;

/* Register the miss hook, the idle hook, the VM-table observer and the main-loop source. svc_init calls it. */
void summon_init(void);
/* Service slot of tenant (just made by SVC_SET; ctl_tenant.c checked flags, count 1..65,533, reclaim_s) becomes summoned: its q->count addresses reserved. CTL_OK, or
 * E_LIMIT / E_NOMEM (reason written; nothing kept). */
uint16_t summon_add(uint32_t slot, uint16_t tenant, const struct ctl_svc_req *q, struct ctl_out *o);
/* Service slot goes (its VMs have ended): saved states and reservations freed. Nothing if it is not summoned. */
void summon_del(uint32_t slot);
/* SVCS: the per-state counts of service slot into e (nothing if it is not summoned). */
void summon_entry(uint32_t slot, struct ctl_svc *e);

#endif
