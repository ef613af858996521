/* arch_weak.c - weak stand-ins for the generic kernel's hooks, so the architecture layer links and boots alone. */
#include "arch.h"
#include "kprintf.h"

__attribute__((weak)) void vm_trap(struct trapframe *tf)
{
	trap_dump(tf);
	panic("vm_trap not linked: %s from ring 3 at rip=%#lx", trap_name(tf->vector), tf->rip);
}

__attribute__((weak)) void hcall_entry(struct trapframe *tf)
{
	trap_dump(tf);
	panic("hcall_entry not linked: syscall rax=%#lx from rip=%#lx", tf->rax, tf->rip);
}

/* Without a scheduler a ring-0 timer tick has nothing to do: it is dismissed (trap.c counts it). */
__attribute__((weak)) void sched_timer_irq(void)
{
}
