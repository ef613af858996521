/* percpu.h - struct cpu: what each CPU keeps (its VM, its quantum, its policy queue, the arch part); one CPU still. */
#ifndef ISO_PERCPU_H
#define ISO_PERCPU_H

#include <stdint.h>
#include <stdbool.h>
#include "archvm.h"

struct vm;

struct cpu {
	struct vm *current;          /* the VM on this CPU; NULL while the kernel chooses or idles */
	void *rq;                    /* the scheduling policy's state for this CPU */
	uint64_t slice_start;        /* TSC when the running VM's CPU time was last charged */
	uint64_t quantum_end;        /* TSC its quantum ends; 0 while no quantum runs (a stale timer tick is harmless) */
	/* Instrumentation (kst.sched_pass, timer_delivery, net_delivery): a few TSC reads per pass, always on. */
	uint64_t pass_entry;         /* kernel entry of a VM whose quantum ran out (0: this pass is not one) */
	const struct vm *pass_vm;    /* that VM */
	uint64_t wake_tsc;           /* the idle loop woke up (0: this pass did not come from idling) */
	bool woke_by_timer, woke_by_net;
	struct arch_cpu arch;        /* the installed window, the FPU owner, the user hierarchy */
};

extern struct cpu cpus[MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	return &cpus[arch_cpu_id()];
}

#endif
