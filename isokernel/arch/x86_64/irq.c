/* irq.c - the table of device interrupt handlers (vector -> handler, context, name) and their dispatch. */
#include <stddef.h>
#include "irq.h"
#include "lapic.h"

static struct irq_slot {
	irq_fn fn;
	void *ctx;
	const char *name;
} irqs[T_IRQ_LAST - T_IRQ_FIRST + 1];

static int irq_free_vector(void)
{
	for (int v = T_IRQ_FIRST; v <= T_IRQ_LAST; v++)
		if (!irqs[v - T_IRQ_FIRST].fn)
			return v;
	return -1;
}

int irq_register(int vector, irq_fn fn, void *ctx, const char *name)
{
	if (vector < 0)
		vector = irq_free_vector();
	if (!fn || vector < T_IRQ_FIRST || vector > T_IRQ_LAST || irqs[vector - T_IRQ_FIRST].fn)
		return -1;
	irqs[vector - T_IRQ_FIRST] = (struct irq_slot){ fn, ctx, name };
	return vector;
}

bool irq_dispatch(uint64_t vector)
{
	if (vector < T_IRQ_FIRST || vector > T_IRQ_LAST || !irqs[vector - T_IRQ_FIRST].fn)
		return false;
	const struct irq_slot *s = &irqs[vector - T_IRQ_FIRST];
	s->fn(s->ctx);
	lapic_eoi();
	return true;
}

const char *irq_name(uint64_t vector)
{
	if (vector < T_IRQ_FIRST || vector > T_IRQ_LAST)
		return NULL;
	return irqs[vector - T_IRQ_FIRST].name;
}
