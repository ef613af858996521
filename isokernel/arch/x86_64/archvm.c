/* archvm.c - the VM switch on x86_64: the per-CPU user hierarchy and window, data segment selectors, lazy x87/SSE. */
#include "archvm.h"
#include "cpu.h"
#include "memlayout.h"
#include "pte.h"
#include "pvisa.h"

#define USER_TABLE (PTE_P | PTE_W | PTE_U)
#define WINDOW_PD_SLOT (PV_WIN_BASE >> 21)     /* pd entry of the window: 2 */
_Static_assert(PV_WIN_BASE % (2ull << 20) == 0 && PV_WIN_SIZE == (2ull << 20), "the window is one pd entry");

static uint64_t user_pdpt[MAX_CPUS][512] __attribute__((aligned(4096)));
static uint64_t user_pd[MAX_CPUS][512] __attribute__((aligned(4096)));

void arch_cpu_init(struct arch_cpu *c, unsigned id, uint64_t *pml4)
{
	c->pdpt = user_pdpt[id];
	c->pd = user_pd[id];
	c->installed = c->fpu_owner = 0;
	c->pdpt[0] = KV2P(c->pd) | USER_TABLE;
	pml4[0] = KV2P(c->pdpt) | USER_TABLE;
	write_cr3(read_cr3());
}

/* The selectors the last VM left in ds, es, fs and gs stay in its saved registers (regs.sel: the error slot, unused
 * between quanta) until it runs again; a new VM has null ones. */
__attribute__((hot)) bool arch_vm_install(struct arch_cpu *c, struct arch_vm *v, uint64_t window_pt)
{
	bool switched = false;

	if (c->installed != v) {
		if (c->installed)
			read_data_sels(c->installed->regs.sel);
		load_data_sels(v->regs.sel);
		c->pd[WINDOW_PD_SLOT] = window_pt | USER_TABLE;
		write_cr3(read_cr3());
		c->installed = v;
		switched = true;
	}
	if (c->fpu_owner != v) {
		if (c->fpu_owner)
			fxsave(c->fpu_owner->fx);
		fxrstor(v->fx);
		c->fpu_owner = v;
	}
	return switched;
}

void arch_vm_forget(struct arch_cpu *c, struct arch_vm *v)
{
	if (c->fpu_owner == v)
		c->fpu_owner = 0;
	if (c->installed == v) {
		/* invlpg drops the paging-structure caches too: no walk, cached or speculative, reaches the freed table. */
		c->pd[WINDOW_PD_SLOT] = 0;
		invlpg(PV_WIN_BASE);
		c->installed = 0;
	}
}

void arch_vm_sync(struct arch_cpu *c, struct arch_vm *v)
{
	if (c->fpu_owner == v)
		fxsave(v->fx);
	if (c->installed == v)
		read_data_sels(v->regs.sel);
}
