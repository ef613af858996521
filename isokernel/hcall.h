/* hcall.h - the hypercall dispatch table: the core's calls and those a subsystem registers (numbers: pvisa.h PV_CALLS). */
#ifndef ISO_HCALL_H
#define ISO_HCALL_H

#include <stdint.h>
#include "pvisa.h"

struct vm;
struct trapframe;

/* A handler's result for the VM, or HC_SWITCH when the VM must not be resumed now (it ended, blocked or yielded). */
#define HC_SWITCH (-1000)
/* A handler: tf is the entry frame; it reads the call's arguments with arch_hc_arg0/1 (archvm.h). */
typedef long (*hc_fn)(struct vm *vm, const struct trapframe *tf);

/* Handle call nr (a PV_SYS_* number) with fn. Panics if nr is out of range or already handled. A number nobody
 * registers returns PV_ENOSYS. */
void hcall_register(enum pv_call_nr nr, hc_fn fn);
/* The VM leaves the CPU inside its hypercall: its registers go from the entry frame to the VM, where the scheduler
 * resumes it from (a call that returns at once never copies them). */
void hcall_park(struct vm *vm, const struct trapframe *tf);
/* The idle hook: called at the start of idle() of a VM whose vm->idle_hook is nonzero (it clears it if it wants no
 * more), before idle() looks at the pending events, so what it queues is delivered by that call. One hook (a
 * summoned VM's readiness, isokernel/summon.c); NULL: none. */
typedef void (*hc_idle_hook_fn)(struct vm *vm);
void hcall_set_idle_hook(hc_idle_hook_fn fn);

#endif
