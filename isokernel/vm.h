/* vm.h - the VM structure (all a VM costs the kernel besides its page-table page) and its life cycle. */
#ifndef ISO_VM_H
#define ISO_VM_H

#include <stdint.h>
#include "archvm.h"
#include "vmspace.h"
#include "timerq.h"

struct vsw_buf;

enum vm_state { VM_RUNNABLE = 1, VM_RUNNING, VM_BLOCKED, VM_EXITED, VM_FAILED, VM_FAULTED };

/*
 * One VM. There is no per-VM kernel stack: the kernel is event driven, and a VM's registers live
 * here between its quanta. fx is its x87/SSE state, regs its registers: the arch layer's part (archvm.h), named
 * either way (vm->arch for the arch layer's calls, vm->fx and vm->regs for the rest).
 */
struct vm {
	union {
		struct arch_vm arch;
		struct { ARCH_VM_FIELDS };
	};
	struct vmspace mem;
	struct tq_node timer;        /* queued while idle with a deadline */
	struct vm *rq_next;          /* run queue link */
	struct vsw_buf *rxq_tail;    /* received frames waiting, a ring: rxq_tail->next is the oldest (vswitch.c) */
	uint64_t cpu_tsc;            /* TSC ticks spent running */
	uint32_t pending;            /* PV_PEND_* bits not yet delivered */
	uint32_t hypercalls;
	uint32_t id;
	uint32_t rx_frames, tx_frames;         /* frames the switch queued for it / took from it (vswitch.c) */
	uint32_t rx_drops, tx_spoofed;         /* frames for it dropped / frames it forged, dropped */
	uint32_t tx_held;            /* its frames waiting in other VMs' queues (vswitch.c) */
	uint16_t tx_budget;          /* frames it may still send this quantum */
	uint8_t rxq_len;             /* <= VSW_RXQ_MAX (vswitch.c asserts it fits) */
	uint8_t state;
	uint16_t nic_inflight;       /* its frames in the NIC's TX ring (vswitch.c) */
	uint16_t con_done;           /* bytes of an unfinished console_write already written (hcall.c) */
};

/* Five VMs per slab page (4096 - 72 bytes of slab header): keep the structure within 800 bytes. */
_Static_assert(sizeof(struct vm) <= 800, "struct vm grew past 5 per page");

/* Make a VM from a loaded image: address space (guar_pages of its quota reserved), start info, registers. NULL when
 * memory for it and its guarantee cannot be had, or id is taken or past the table. */
struct vm *vm_create(const struct image *img, uint32_t id, const char *args, uint32_t quota_pages,
		     uint32_t guar_pages);
/* End a VM: log "@vm ..." with its state and reason, free everything it owned. */
void vm_end(struct vm *vm, enum vm_state how, int status, const char *reason);
/* End the VM as faulted with a formatted reason. */
void vm_kill(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Return to the VM in ring 3 (registers sanitised first). */
void vm_resume(struct vm *vm) __attribute__((noreturn));
/* Back to vm after a hypercall that kept the CPU, with result r; tf is the hypercall's entry frame, which
 * holds the VM's registers (vm->regs is stale until the VM leaves the CPU). */
void vm_hcall_return(struct vm *vm, struct trapframe *tf, long r) __attribute__((noreturn));
/* Kernel entry from ring 3 through an exception or interrupt (arch trap() calls it). */
void vm_trap(struct trapframe *tf) __attribute__((noreturn));
/* Kernel bytes one VM structure takes (slab share). */
uint64_t vm_struct_bytes(void);
uint64_t vm_slab_bytes(void);
/* table: cap slots, the VMs by id (shared with the switch, which looks frames' addresses up in it). */
void vm_init(struct vm **table, uint32_t cap);

#endif
