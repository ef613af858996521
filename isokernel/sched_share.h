/* sched_share.h - the CPU-share policy: deficit round robin over tenants by weight, round robin inside a tenant. */
#ifndef ISO_SCHED_SHARE_H
#define ISO_SCHED_SHARE_H

#include <stdint.h>
#include <stdbool.h>
#include "vm.h"
#include "sched_policy.h"
#include "sched_rr.h"

/*
 * Off until the first sched_set_share (sched.h): until then every operation is round robin's (sched_rr.c), behind one test
 * of sched_share_on in pick. On (it stays on): each tenant (0..SCHED_SHARE_TENANTS - 1; vm->tenant) has a FIFO of its
 * runnable VMs, and the tenants with runnable VMs take turns in a ring. A tenant's turn lasts while its deficit (TSC
 * ticks) is positive; each VM it runs is charged the CPU time it used (vm->cpu_tsc, from its pick to the next pick),
 * and when the deficit is spent the tenant goes to the back of the ring with share * quantum more. A tenant keeps
 * its place while the VM it picked runs (its FIFO may be empty then) and leaves the ring at the first pick that finds
 * its FIFO empty. So over time each
 * busy tenant gets CPU in proportion to its share, and its VMs share that round robin. A tenant that comes back
 * after an idle spell keeps a debt but brings no more than one turn's credit. Shares are 1..SCHED_SHARE_MAX; a tenant
 * given none, or 0 (gone), runs at share 1 until its VMs end. Idle VMs wait in round robin's deadline heap. Immediate
 * wake-ups (net_immediate) join their tenant's FIFO at the tail like any other.
 */
#define SCHED_SHARE_TENANTS 255        /* tenant ids 0..254 (pvisa/ctl.h CTL_TENANT_MAX) */
#define SCHED_SHARE_MAX     1000u

extern bool sched_share_on;

/* A tenant's share (1..SCHED_SHARE_MAX; 0: none set or gone) as the policy uses it. */
uint32_t sched_share_of(unsigned tenant);
/* TSC ticks tenant's deficit holds now on CPU q's state (tests, reports). */
int64_t sched_share_deficit(const void *q, unsigned tenant);

/* The policy's operations (sched_policy.h says what each does). Those on every scheduler pass but pick are round
 * robin's own, on or off: runnable VMs go into round robin's FIFO, which the first pick after moves into their
 * tenants' FIFOs (so round robin pays one test per pass, in pick); idle VMs are round robin's either way. */
void *sched_share_init(unsigned cpu, struct tq_node **storage, uint32_t cap, uint64_t quantum);
#define sched_share_enqueue       sched_rr_enqueue
#define sched_share_block         sched_rr_block
#define sched_share_wake          sched_rr_wake
#define sched_share_tick          sched_rr_tick
#define sched_share_next_deadline sched_rr_next_deadline
struct vm *sched_share_pick(void *q, uint64_t now);
void sched_share_remove(void *q, struct vm *vm);
struct vm *sched_share_any(const void *q);

#endif
