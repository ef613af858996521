/* bind.c - the address binding table: address numbers of the plan bound to VMs, a FIFO of released ones. */
#include "hot.h"
#include "bind.h"
#include "kprintf.h"
#include "netplan.h"

/*
 * A slot: 0 (free, never released), a VM pointer (bound; 16-byte aligned), the pointer | IN_FIFO (bound by a claim
 * while its number waited in the FIFO: passed over when it comes out), or IN_FIFO alone (released, waiting). Every
 * number is in the FIFO at most once, so cap places hold it.
 */
#define IN_FIFO 1ull
#define PTR_MASK (~(uint64_t)15)

struct bind_stats bind_stats;
static uint64_t *slots;
static uint32_t *fifo;
static uint32_t cap, top;          /* numbers >= top have never been released nor taken by bind_take */
static uint32_t fifo_head, fifo_len;
static uint32_t base_ip, mask;
static bind_miss_fn miss_fn;
static void *miss_ctx;

void bind_init(uint32_t net_ip, uint32_t net_bits, uint64_t *slot_storage, uint32_t *fifo_storage, uint32_t n)
{
	mask = netplan_mask(net_bits);
	base_ip = net_ip & mask;
	slots = slot_storage;
	fifo = fifo_storage;
	cap = n;
	top = 0;
	fifo_head = fifo_len = 0;
	for (uint32_t i = 0; i < n; i++)
		slots[i] = 0;
	miss_fn = NULL;
	miss_ctx = NULL;
	bind_stats = (struct bind_stats){ 0 };
}

void bind_plan(uint32_t a, struct bind_addr *out)
{
	netplan_mac(a, out->mac);
	out->ip = netplan_ipv4(base_ip, a);
}

uint32_t bind_netmask(void)
{
	return mask;
}

uint32_t bind_gateway(void)
{
	return netplan_gateway(base_ip);
}

HOT bool bind_mac_number(const uint8_t *mac, uint32_t *a)
{
	return netplan_mac_slot(mac, a) && *a < cap;
}

HOT bool bind_ip_number(uint32_t ip, uint32_t *a)
{
	*a = netplan_ipv4_slot(base_ip, ip);
	return (ip & mask) == base_ip && *a < cap;
}

HOT struct vm *bind_vm(uint32_t a)
{
	return a < cap ? (struct vm *)(uintptr_t)(slots[a] & PTR_MASK) : NULL;
}

HOT struct vm *bind_by_mac(const uint8_t *mac)
{
	uint32_t a;

	return bind_mac_number(mac, &a) ? bind_vm(a) : NULL;
}

struct vm *bind_by_ip(uint32_t ip)
{
	uint32_t a;

	return bind_ip_number(ip, &a) ? bind_vm(a) : NULL;
}

/* The oldest released number that is still free, or false. */
static bool fifo_pop(uint32_t *a)
{
	while (fifo_len) {
		uint32_t f = fifo[fifo_head];
		fifo_head = fifo_head + 1 == cap ? 0 : fifo_head + 1;
		fifo_len--;
		if (slots[f] == IN_FIFO) {
			*a = f;
			return true;
		}
		slots[f] &= ~IN_FIFO;      /* claimed while it waited: bound, and out of the FIFO now */
	}
	return false;
}

int bind_take(struct vm *vm, uint32_t *a)
{
	if (((uintptr_t)vm & ~PTR_MASK) || !vm)
		panic("bind: VM pointer %p not aligned", (void *)vm);
	while (top < cap && slots[top])
		top++;                     /* claimed before their turn */
	if (top < cap)
		*a = top++;
	else if (!fifo_pop(a))
		return -1;
	slots[*a] = (uint64_t)(uintptr_t)vm;
	return 0;
}

int bind_claim(struct vm *vm, uint32_t a)
{
	if (a >= cap || (slots[a] & PTR_MASK))
		return -1;
	slots[a] = (uint64_t)(uintptr_t)vm | (slots[a] & IN_FIFO);
	return 0;
}

void bind_release(struct vm *vm, uint32_t a)
{
	if (a >= cap || (slots[a] & PTR_MASK) != (uint64_t)(uintptr_t)vm)
		panic("bind: VM does not hold address number %u", a);
	if (slots[a] & IN_FIFO) {
		slots[a] = IN_FIFO;        /* its place in the FIFO is kept */
		return;
	}
	slots[a] = IN_FIFO;
	fifo[(fifo_head + fifo_len) % cap] = a;
	fifo_len++;
}

void bind_set_miss(bind_miss_fn fn, void *ctx)
{
	miss_fn = fn;
	miss_ctx = ctx;
}

bool bind_miss(uint32_t a, const uint8_t *frame, size_t len)
{
	struct bind_addr to;

	bind_stats.misses++;
	if (!miss_fn)
		return false;
	bind_plan(a, &to);
	if (!miss_fn(miss_ctx, &to, frame, len))
		return false;
	bind_stats.misses_taken++;
	return true;
}
