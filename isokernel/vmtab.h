/* vmtab.h - the VM table: ids allocated and freed (never reused soon), O(1) lookup by id, iteration, observers. */
#ifndef ISO_VMTAB_H
#define ISO_VMTAB_H

#include <stdint.h>
#include <stdbool.h>

struct vm;
struct pv_start_info;

/*
 * An id is a slot of the table and the slot's generation: id = gen << slot_bits | slot, slot_bits the fewest that
 * hold cap slots. Slots never used are taken first (a fresh kernel numbers its VMs 0, 1, 2, ...), then freed
 * slots in the order they were freed, each with its generation one higher: an id that named an ended VM names
 * no VM until the slot's generation wraps (2^(32 - slot_bits) - 1 reuses of that slot, each after every other
 * free slot). An id says nothing else: not the VM's address (net/bind.h), nor its place in any order.
 * Memory: 8 bytes per slot (a VM pointer, or the free list's link and the generation), allocated by the caller.
 */
#define VMTAB_NONE 0xffffffffu     /* never an id */

/* slots: cap entries of storage (8 bytes each; cap <= 2^24). Forgets every VM and observer. */
void vmtab_init(uint64_t *slots, uint32_t cap);
/* The live VM with this id, or NULL (never one that ended, even if its slot holds another VM now). O(1). */
struct vm *vmtab_get(uint32_t id);
/* Iteration in slot order: the first live VM at or after *cursor (start at 0), *cursor moved past it; NULL at the
 * end. VMs created or ended between calls are seen or not, never twice. */
struct vm *vmtab_next(uint32_t *cursor);
/* Live VMs now. */
uint32_t vmtab_count(void);
uint32_t vmtab_cap(void);

/*
 * Lifecycle observers (the switch, later others): told of each VM that becomes live and each that ends, so
 * vm.c names none of them. created() gets si, the start info to fill in its part of, for a VM made from an image;
 * NULL for a restored one (its parts are restored already). It returns 0, or -1 to refuse the VM (then the
 * observers already told hear ended(), in reverse order, and the VM is not made). ended() runs in reverse order
 * of registration.
 */
struct vmtab_observer {
	int (*created)(struct vm *vm, struct pv_start_info *si);
	void (*ended)(struct vm *vm);
};
#define VMTAB_OBSERVERS_MAX 8
/* Register an observer (kept by pointer; panics past VMTAB_OBSERVERS_MAX). */
void vmtab_observe(const struct vmtab_observer *o);
/* Give vm an id (vm->id), tell the observers, and make it findable: 0, or -1 when every slot is taken or an observer
 * refused (then vm has no id: VMTAB_NONE). A VM is whole before it is published: nothing finds it half-made. */
int vmtab_publish(struct vm *vm, struct pv_start_info *si);
/* Tell the observers vm ends, and free its id. */
void vmtab_retire(struct vm *vm);

#endif
