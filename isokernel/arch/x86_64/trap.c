/* trap.c - dispatch of every IDT vector: ring 3 to vm_trap, ring-0 timer to the scheduler, devices to their registered handlers (irq.c), exceptions panic. */
#include <stdint.h>
#include "arch.h"
#include "cpu.h"
#include "kprintf.h"
#include "lapic.h"
#include "irq.h"
#include "memlayout.h"

uint64_t arch_timer_irqs;

#define KSTACK_CANARY 0x5afe57ac4b0770a1ull   /* boot.S writes it just below the kernel stack */
extern uint64_t kstack_canary;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP",
	"#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27",
	"#HV", "#VC", "#SX", "#31",
};

const char *trap_name(uint64_t vector)
{
	if (vector < 32)
		return exc_names[vector];
	if (vector == T_SYSCALL)
		return "syscall";
	if (irq_name(vector))
		return irq_name(vector);
	return vector == T_TIMER ? "timer" : vector == T_SPURIOUS ? "spurious" : "IRQ";
}

void trap_dump(const struct trapframe *tf)
{
	kprintf("isokernel: trap %s (vector %lu) error=%#lx cpl=%lu\n", trap_name(tf->vector), tf->vector,
		tf->error, tf->cs & 3);
	kprintf("isokernel:  rip=%016lx cs=%lx rflags=%lx rsp=%016lx ss=%lx\n", tf->rip, tf->cs, tf->rflags,
		tf->rsp, tf->ss);
	kprintf("isokernel:  cr2=%016lx cr3=%016lx\n", read_cr2(), read_cr3());
	kprintf("isokernel:  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("isokernel:  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("isokernel:  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("isokernel:  r13=%016lx r14=%016lx r15=%016lx\n", tf->r13, tf->r14, tf->r15);
}

/* Follows the frame-pointer chain of a kernel trap while it stays inside the kernel image. */
static void trap_backtrace(const struct trapframe *tf)
{
	uint64_t rbp = tf->rbp;

	kprintf("isokernel:  backtrace: %016lx", tf->rip);
	for (int depth = 0; depth < 12; depth++) {
		if (rbp < KERNEL_VMA || rbp > ~0ull - 16 || (rbp & 7))
			break;
		const uint64_t *frame = (const uint64_t *)rbp;
		kprintf(" %016lx", frame[1]);
		rbp = frame[0];
	}
	kprintf("\n");
}

static void trap_panic(const struct trapframe *tf)
{
	trap_dump(tf);
	if ((tf->cs & 3) == 0)
		trap_backtrace(tf);
	panic("%s (vector %lu) in %s: error=%#lx rip=%#lx cr2=%#lx rsp=%#lx", trap_name(tf->vector), tf->vector,
	      (tf->cs & 3) ? "ring 3" : "the kernel", tf->error, tf->rip, read_cr2(), tf->rsp);
}

/* A trap or interrupt taken in ring 0. */
static void trap_kernel(struct trapframe *tf)
{
	if (tf->vector == T_TIMER) {
		sched_timer_irq();
		return;
	}
	if (tf->vector < 32)
		trap_panic(tf);
	if (tf->vector != T_SPURIOUS)
		kprintf("isokernel: stray interrupt vector %lu ignored\n", tf->vector);
}

void trap(struct trapframe *tf)
{
	if (kstack_canary != KSTACK_CANARY)
		panic("kernel stack overflow (trap %s at rip=%#lx)", trap_name(tf->vector), tf->rip);
	if (tf->vector == T_TIMER) {
		lapic_timer_fired();
		lapic_eoi();
		arch_timer_irqs++;
	}
	/* A device's interrupt: its handler notes the work, the main loop does it (from ring 3, the VM goes on). */
	bool device = irq_dispatch(tf->vector);
	if (tf->vector == T_NMI) {
		kprintf("isokernel: NMI at rip=%#lx ignored\n", tf->rip);
		return;
	}
	if (tf->vector == T_DF || tf->vector == T_MC)
		trap_panic(tf);
	if ((tf->cs & 3) == 3)
		vm_trap(tf);
	if (!device)
		trap_kernel(tf);
}
