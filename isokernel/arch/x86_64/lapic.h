/* lapic.h - the local APIC (xAPIC, MMIO through the direct map): EOI, the one-shot timer on T_TIMER, its id. */
#ifndef ISO_LAPIC_H
#define ISO_LAPIC_H

#include <stdint.h>
#include <stdbool.h>

extern uint64_t lapic_hz;     /* timer ticks per second (after the divide-by-16) */

void lapic_init(void);
/* Fires T_TIMER once after ns (at least 1 tick, at most 2^32-1 ticks: ~68 s on QEMU). */
void lapic_timer_arm_ns(uint64_t ns);
void lapic_timer_stop(void);
/* The timer interrupt came (trap.c; it may come a little before the TSC says it is due). */
void lapic_timer_fired(void);
void lapic_eoi(void);
/* This CPU's APIC id (the destination of MSI messages). */
uint8_t lapic_id(void);

#endif
