/* fork.h - fork: a live VM's copy-on-write child with its own id, address and entropy (pv_fork, FORK, T_FORK). */
#ifndef ISO_FORK_H
#define ISO_FORK_H

#include <stdint.h>
#include <stdbool.h>
#include "ctl.h"
#include "ctl_ops.h"

struct vm;

/*
 * fork_vm: make a child of parent (a live VM, the current one inside its hypercall or any other from the main loop)
 * and return it, queued as the parent is: runnable, or idle until the parent's deadline (the same time left). NULL
 * when it cannot be made, with *status saying why; nothing is left behind then.
 *
 * The child has a copy of the parent's registers (the caller parks a VM inside a hypercall first: hcall_park) and
 * its x87/SSE state and data segment selectors; its memory is the parent's, every page shared copy-on-write by both
 * (vms_clone: the parent's private pages become copy-on-write too; neither sees the other's writes, nothing is
 * zeroed); its pending events but PV_PEND_NET_RX (the frames queued for the parent stay the parent's: the child's
 * receive queue starts empty); its quota and guarantee (reserved anew: the child fails for lack of memory never
 * within it) and its tenant and service (charged by the VM observers: service.c). Its own: a new id, CPU time and
 * hypercall count from 0, and, unless same_address, a new address of its tenant's plan (bind_ttake / bind_take:
 * MAC and IPv4). The child's start page is its own copy, rewritten with its id and address before it runs: the
 * guest re-reads it (PVISA.md "fork").
 *
 * same_address: the child keeps the parent's MAC and IPv4 and is NOT bound: frames for that address still reach the
 * parent only (ARP, the switch), the child may send from it (its port's address: vsw_port_alias). For process pools,
 * whose switch hook picks the member a new flow goes to.
 *
 * *status: CTL_OK, or CTL_E_QUOTA (the tenant's VM or memory quota), CTL_E_LIMIT (the VM table or the tenant's
 * addresses are full), CTL_E_NOMEM (kernel memory: the VM structure, the page table, the guarantee, the start page).
 * Counted: kst.forks for each child, kst.fork_refused for each refusal, kst.fork_cycles its TSC ticks (kst.create_tsc too).
 */
struct vm *fork_vm(struct vm *parent, bool same_address, uint16_t *status);

/* Register the fork hypercall (PV_SYS_fork). After the VM table, switch and services are set up. */
void fork_init(void);

/* FORK and T_FORK (ctl_tenant.c has checked the length, the signature and count 1..CTL_FORK_MAX): q->count children of
 * VM q->vm, FORK_STEP per main-loop pass; tenant > 0 (T_FORK): only the signer's own VMs (others are E_NOENT). The
 * reply is struct ctl_fork_rep, then the reason when nothing was made (that status: E_NOENT, E_QUOTA, E_LIMIT,
 * E_NOMEM); when some were made, CTL_OK with stopped_by the status that ended it early (0 if none). */
#define FORK_STEP 128u
uint16_t fork_op(uint32_t tenant, const struct ctl_fork_req *q, struct ctl_out *o);

#endif
