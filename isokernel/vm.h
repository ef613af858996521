/* vm.h - the VM structure (all a VM costs the kernel besides its page-table page) and its life cycle. */
#ifndef ISO_VM_H
#define ISO_VM_H

#include <stdint.h>
#include "archvm.h"
#include "vmspace.h"
#include "timerq.h"

struct vsw_port;
struct image;

/* VM_SAVED (vm_end only): its state was saved and it lives on as another VM; no @vm record, not counted as ended. */
enum vm_state { VM_RUNNABLE = 1, VM_RUNNING, VM_BLOCKED, VM_EXITED, VM_FAILED, VM_FAULTED, VM_SAVED };

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
	struct vsw_port *net;        /* its port on the switch: address, receive queue, counters (net/vswitch.c) */
	uint64_t cpu_tsc;            /* TSC ticks spent running */
	uint32_t pending;            /* PV_PEND_* bits not yet delivered */
	uint32_t hypercalls;
	uint32_t id;                 /* vmtab.h: VMTAB_NONE until published */
	uint16_t tx_budget;          /* frames it may still send this quantum */
	uint8_t state;
	uint8_t idle_hook;           /* nonzero: its next idle() tells the idle hook first (hcall.h; a summoned VM) */
	uint16_t con_done;           /* bytes of an unfinished console_write already written (hcall.c) */
	uint16_t tenant;             /* owner: 0 the host's own (no tenants), 1..CTL_TENANT_MAX a tenant (pvisa/ctl.h) */
	uint16_t svc;                /* its tenant's service (service.c: slot + 1), 0: none */
	uint32_t svc_seq;            /* its place in its service's creation order (scaling down ends the newest) */
};

/* Five VMs per slab page (4096 - 72 bytes of slab header): keep the structure within 800 bytes. */
_Static_assert(sizeof(struct vm) <= 800, "struct vm grew past 5 per page");

/* Make a VM of tenant (0: none) from a loaded image: address space (guar_pages of its quota reserved), start info,
 * registers, an id and an address (vmtab.h); runnable, not yet queued. NULL when memory for it and its guarantee
 * cannot be had, or the VM table or the addresses are full. */
struct vm *vm_create(const struct image *img, const char *args, uint32_t quota_pages, uint32_t guar_pages,
		     uint16_t tenant);
/* End a VM: log "@vm ..." with its state and reason (none for VM_SAVED), free everything it owned. */
void vm_end(struct vm *vm, enum vm_state how, int status, const char *reason);
/* For a restore (vmstate.c): a VM structure with nothing else (clean x87/SSE state, no id); making it live with
 * the parts restored into it (0, or -1 when the VM table is full or an observer refused it); freeing one that was
 * never made live (its parts already freed). */
struct vm *vm_blank(void);
int vm_publish_restored(struct vm *vm);
void vm_discard(struct vm *vm);
/* The rflags a VM runs with: the guest controls only the arithmetic flags and DF; IF is always on. */
static inline uint64_t vm_guest_rflags(uint64_t f)
{
	return (f & 0xcd5) | 0x202;
}
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
/* Set up the VM cache (vmtab_init first). */
void vm_init(void);

#endif
