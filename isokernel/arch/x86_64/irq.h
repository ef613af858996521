/* irq.h - device interrupt vectors: a driver registers its handler, trap.c dispatches to it and names no driver. */
#ifndef ISO_IRQ_H
#define ISO_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* Vectors handed to devices (MSI/MSI-X messages to this CPU's LAPIC): above T_TIMER, below the masked 8259s. */
#define T_IRQ_FIRST 33
#define T_IRQ_LAST  0xdf

/* A device's interrupt handler: runs with interrupts off on the kernel stack (the interrupt came from ring 3 or
 * woke the idle loop's hlt), before the EOI. Keep it short: note the work for the main loop's next pass. */
typedef void (*irq_fn)(void *ctx);

/* Registers fn (with ctx) for vector (T_IRQ_FIRST..T_IRQ_LAST), or for the lowest free one when vector < 0;
 * name says what interrupts (trap_name). The vector, or -1: out of range, taken, or none free. */
int irq_register(int vector, irq_fn fn, void *ctx, const char *name);
/* Runs vector's handler, then the EOI: false if no handler is registered for it (nothing done). */
bool irq_dispatch(uint64_t vector);
/* The name given with the vector's handler, or NULL. */
const char *irq_name(uint64_t vector);

#endif
