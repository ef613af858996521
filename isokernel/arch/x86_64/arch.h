/* arch.h - the x86_64 architecture layer: bring-up, ring transitions, and the hooks the generic kernel provides. */
#ifndef ISO_ARCH_H
#define ISO_ARCH_H

#include <stdint.h>
#include "trapframe.h"
#include "rtc.h"
#include "archvm.h"
#include "cpu.h"
#include "lapic.h"

/* Brings the CPU up: serial, multiboot magic check, CPU features, GDT/TSS, IDT, syscall MSRs,
 * PICs masked, TSC and LAPIC timer calibrated, RTC read. Interrupts stay disabled. */
void arch_init(uint32_t magic, uint32_t mbi_phys);
/* "kvm", "tcg" or "unknown", from the CPUID hypervisor leaf. */
const char *arch_accel(void);
/* Writes code to the isa-debug-exit port (QEMU exits with (code << 1) | 1), then Bochs' shutdown port. */
void power_off(int code) __attribute__((noreturn));
/* Marks the 2 MiB direct-map page(s) covering [pa, pa+len) uncached (PCD|PWT) for MMIO. */
void arch_dmap_uncached(uint64_t pa, uint64_t len);

/* The kernel PML4 (virtual address; physical = KV2P(kernel_pml4)). PML4[0] is the boot identity
 * map until the generic kernel installs the user hierarchy there; 256 = direct map, 511 = image. */
extern uint64_t *kernel_pml4;
/* The kernel image (kernel.ld): physical [KERNEL_PHYS, KV2P(_kernel_end)) holds text, data, bss. */
extern char _kernel_start[], _kernel_end[];
/* Top of the one kernel stack: boot stack, TSS.rsp0 and syscall stack. */
extern char kstack_top[];
/* CR4.SMAP is on: kernel accesses to user pages (U=1) fault unless bracketed by stac()/clac(). */
extern int arch_smap;
/* Timer interrupts taken (ring 0 and ring 3). */
extern uint64_t arch_timer_irqs;

static inline void stac(void) { if (arch_smap) __asm__ volatile("stac" ::: "memory"); }
static inline void clac(void) { if (arch_smap) __asm__ volatile("clac" ::: "memory"); }

/* The per-CPU one-shot timer (T_TIMER after ns), and stopping it. */
static inline void arch_timer_arm_ns(uint64_t ns) { lapic_timer_arm_ns(ns); }
static inline void arch_timer_stop(void) { lapic_timer_stop(); }
/* Interrupts already pending are taken here, in ring 0, then masked again. */
static inline void arch_irq_window(void) { irq_window(); }
/* Halt until an interrupt (taken here), then mask interrupts again. */
static inline void arch_halt(void) { sti_hlt(); cli(); }
/* A spin-wait hint. */
static inline void arch_relax(void) { pause(); }
/* Reload the address space (drops every non-global TLB entry). */
static inline void arch_tlb_flush(void) { write_cr3(read_cr3()); }

/* Drops the TLB entry of user address va (and the paging-structure caches): after any change to a present PTE. */
void arch_flush_page(uint64_t va);

/* Enters ring 3 (or any frame) with every register from *tf; the caller sanitises cs, ss, rflags, rip. */
void user_return(const struct trapframe *tf) __attribute__((noreturn));
/* Back to ring 3 after a hypercall with sysret: every register from *tf but rax; the caller checks tf->rip and
 * sanitises tf->rflags (entry.S). */
void hcall_return(struct trapframe *tf, uint64_t rax) __attribute__((noreturn));
/* Name of an exception vector ("#PF"), "IRQ" for 32..255, "syscall" for T_SYSCALL. */
const char *trap_name(uint64_t vector);
/* Prints every register of tf as kernel log lines. */
void trap_dump(const struct trapframe *tf);

/* Provided by the generic kernel (weak defaults in arch_weak.c). Called with interrupts off on the
 * kernel stack. vm_trap: any trap or interrupt from ring 3 (timer already EOIed); hcall_entry: a
 * syscall from ring 3 (tf->vector == T_SYSCALL); sched_timer_irq: a timer interrupt in ring 0. */
void vm_trap(struct trapframe *tf) __attribute__((noreturn));
void hcall_entry(struct trapframe *tf) __attribute__((noreturn));
void sched_timer_irq(void);

/* Arch-internal (called from arch_init and the entry stubs). */
void gdt_init(void);
void idt_init(void);
void trap(struct trapframe *tf);
void syscall_entry(void);

#endif
