/* lapic.h - the local APIC (xAPIC, MMIO through the direct map): EOI and the one-shot timer on T_TIMER. */
#ifndef ISO_LAPIC_H
#define ISO_LAPIC_H

#include <stdint.h>

extern uint64_t lapic_hz;     /* timer ticks per second (after the divide-by-16) */

void lapic_init(void);
/* Fires T_TIMER once after ns (at least 1 tick, at most 2^32-1 ticks: ~68 s on QEMU). */
void lapic_timer_arm_ns(uint64_t ns);
void lapic_timer_stop(void);
void lapic_eoi(void);

#endif
