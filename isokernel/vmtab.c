/* vmtab.c - the VM table: slots with generations, a FIFO of freed slots, lifecycle observers. */
#include "vmtab.h"
#include "vm.h"
#include "kprintf.h"

/*
 * A slot is one word: 0 (never used), a live VM's pointer (16-byte aligned: bit 0 clear), or a freed slot: bit 0
 * set, bits 1..31 the generation its next VM gets, bits 32..63 the next slot on the free list.
 */
#define FREE_BIT 1ull
#define NO_SLOT 0xffffffffu

static uint64_t *slots;
static uint32_t cap, top;           /* slots [0, top) have been used */
static uint32_t slot_bits, slot_mask, gen_max;
static uint32_t free_head, free_tail;
static uint32_t live;
static const struct vmtab_observer *obs[VMTAB_OBSERVERS_MAX];
static uint32_t nobs;

void vmtab_init(uint64_t *storage, uint32_t n)
{
	if (n == 0 || n > (1u << 24))
		panic("vmtab: %u slots (1..2^24)", n);
	slots = storage;
	cap = n;
	top = 0;
	for (slot_bits = 0; (1ull << slot_bits) < n; slot_bits++)
		;
	slot_mask = (uint32_t)((1ull << slot_bits) - 1);
	gen_max = (uint32_t)((1ull << (32 - slot_bits)) - 2);   /* never all ones: no id is VMTAB_NONE */
	if (gen_max > 0x7fffffffu)
		gen_max = 0x7fffffffu;
	free_head = free_tail = NO_SLOT;
	live = 0;
	nobs = 0;
}

/* A slot for a new VM and its generation: a never-used one, else the one freed longest ago. */
static bool take_slot(uint32_t *slot, uint32_t *gen)
{
	if (top < cap) {
		*slot = top++;
		*gen = 0;
		return true;
	}
	if (free_head == NO_SLOT)
		return false;
	*slot = free_head;
	*gen = (uint32_t)(slots[free_head] >> 1) & 0x7fffffffu;
	free_head = (uint32_t)(slots[free_head] >> 32);
	if (free_head == NO_SLOT)
		free_tail = NO_SLOT;
	return true;
}

/* Slot s goes to the tail of the free list; the VM that had it had generation gen. */
static void put_slot(uint32_t s, uint32_t gen)
{
	gen = gen >= gen_max ? 0 : gen + 1;
	slots[s] = (uint64_t)NO_SLOT << 32 | (uint64_t)gen << 1 | FREE_BIT;
	if (free_tail == NO_SLOT)
		free_head = s;
	else
		slots[free_tail] = (slots[free_tail] & 0xffffffffu) | (uint64_t)s << 32;
	free_tail = s;
}

static void free_id(struct vm *vm)
{
	uint32_t s = vm->id & slot_mask;

	if (s >= top || slots[s] != (uint64_t)(uintptr_t)vm)
		panic("vmtab: VM %u does not hold its slot", vm->id);
	put_slot(s, vm->id >> slot_bits);
	vm->id = VMTAB_NONE;
}

struct vm *vmtab_get(uint32_t id)
{
	uint32_t s = id & slot_mask;
	uint64_t e;

	if (s >= top || ((e = slots[s]) & FREE_BIT) || !e)
		return NULL;
	return ((struct vm *)(uintptr_t)e)->id == id ? (struct vm *)(uintptr_t)e : NULL;
}

struct vm *vmtab_next(uint32_t *cursor)
{
	for (uint32_t s = *cursor; s < top; s++) {
		uint64_t e = slots[s];
		if (e && !(e & FREE_BIT)) {
			*cursor = s + 1;
			return (struct vm *)(uintptr_t)e;
		}
	}
	*cursor = top;
	return NULL;
}

uint32_t vmtab_count(void)
{
	return live;
}

uint32_t vmtab_cap(void)
{
	return cap;
}

void vmtab_observe(const struct vmtab_observer *o)
{
	if (nobs == VMTAB_OBSERVERS_MAX)
		panic("vmtab: more than %u observers", VMTAB_OBSERVERS_MAX);
	obs[nobs++] = o;
}

/* The first n observers hear that vm ended, the last registered first. */
static void tell_ended(struct vm *vm, uint32_t n)
{
	while (n--)
		if (obs[n]->ended)
			obs[n]->ended(vm);
}

int vmtab_publish(struct vm *vm, struct pv_start_info *si)
{
	uint32_t s, gen;

	if (((uintptr_t)vm & FREE_BIT) || !take_slot(&s, &gen)) {
		vm->id = VMTAB_NONE;
		return -1;
	}
	vm->id = gen << slot_bits | s;
	for (uint32_t i = 0; i < nobs; i++)
		if (obs[i]->created && obs[i]->created(vm, si) != 0) {
			tell_ended(vm, i);
			put_slot(s, gen);
			vm->id = VMTAB_NONE;
			return -1;
		}
	slots[s] = (uint64_t)(uintptr_t)vm;
	live++;
	return 0;
}

void vmtab_retire(struct vm *vm)
{
	tell_ended(vm, nobs);
	free_id(vm);
	live--;
}
