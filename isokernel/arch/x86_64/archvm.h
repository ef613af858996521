/* archvm.h - what the arch layer keeps per VM (registers, x87/SSE state) and per CPU (the user hierarchy, the installed
 * window, the FPU owner), the VM switch, and the hypercall register convention. */
#ifndef ISO_ARCHVM_H
#define ISO_ARCHVM_H

#include <stdint.h>
#include <stdbool.h>
#include "trapframe.h"

#define MAX_CPUS 1      /* one CPU still; per-CPU state is indexed by arch_cpu_id() */

/* A VM's machine state, between its quanta. The generic struct vm embeds it as an anonymous member too (vm.h), so
 * vm->fx and vm->regs name the same bytes as vm->arch.fx and vm->arch.regs. */
#define ARCH_VM_FIELDS                                                                                      \
	uint8_t fx[512] __attribute__((aligned(16)));   /* x87/SSE state, FXSAVE format (AVX is not in the ISA) */ \
	struct trapframe regs;                          /* registers; regs.sel: its ds, es, fs, gs (archvm.c) */
struct arch_vm {
	ARCH_VM_FIELDS
};

/* Per-CPU: PML4[0] -> pdpt -> pd, and pd[2] maps the installed VM's window; which VM's x87/SSE state the CPU holds
 * (lazy switch: saved only when another VM needs the FPU, or arch_vm_sync). */
struct arch_cpu {
	uint64_t *pdpt, *pd;
	struct arch_vm *installed;     /* whose window and data selectors are loaded */
	struct arch_vm *fpu_owner;     /* whose x87/SSE state is in the CPU */
};

static inline unsigned arch_cpu_id(void)
{
	return 0;
}

/* Install CPU id's user hierarchy at pml4[0] (replacing the boot identity map). */
void arch_cpu_init(struct arch_cpu *c, unsigned id, uint64_t *pml4);
/* Make v the VM this CPU runs: its window (page table window_pt, physical), data selectors and x87/SSE state. True
 * when another VM's window was installed before (a VM switch). */
bool arch_vm_install(struct arch_cpu *c, struct arch_vm *v, uint64_t window_pt);
/* v is ending: its window table is about to be freed (no walk may reach it any more), its FPU state is dropped. */
void arch_vm_forget(struct arch_cpu *c, struct arch_vm *v);
/* Store v's x87/SSE state from the CPU into v->fx if the CPU holds it, and its data selectors into v->regs.sel if its
 * window is installed (v stays the owner and the installed VM: nothing is reloaded). */
void arch_vm_sync(struct arch_cpu *c, struct arch_vm *v);

/* The hypercall convention: number in rax, arguments in rdi, rsi; the result in rax. */
static inline uint64_t arch_hc_nr(const struct trapframe *tf) { return tf->rax; }
static inline uint64_t arch_hc_arg0(const struct trapframe *tf) { return tf->rdi; }
static inline uint64_t arch_hc_arg1(const struct trapframe *tf) { return tf->rsi; }
/* A VM leaving the CPU inside a hypercall: its registers from the entry frame. */
static inline void arch_vm_park(struct arch_vm *v, const struct trapframe *tf) { tf_copy(&v->regs, tf); }
/* The result a parked VM sees when it resumes (idle's pending set, yield's 0). */
static inline void arch_set_retval(struct arch_vm *v, uint64_t r) { v->regs.rax = r; }
/* A parked VM makes the same hypercall again when it resumes (rip back on the 2-byte syscall; rax still names it). */
static inline void arch_hc_restart(struct arch_vm *v) { v->regs.rip -= 2; }

#endif
