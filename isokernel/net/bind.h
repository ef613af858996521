/* bind.h - the address binding tables: which VM a MAC or IPv4 address of the VM networks (tenant 0's, each tenant's
 * block) names, and a miss hook. */
#ifndef ISO_BIND_H
#define ISO_BIND_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct vm;

/*
 * The VM network is net_ip/net_bits: the gateway is base + 1, and address number a (0 <= a < cap) is the pair
 * MAC 02:00:<a, 4 bytes big-endian>, IPv4 base + 2 + a (the address plan). A VM is bound to one address number:
 * a new VM gets the next free one (numbers never used first, so a fresh kernel gives VM i number i; then those
 * released longest ago), a restored VM claims the one it had. Lookups are an array index: the switch's per-frame
 * path. Memory: 12 bytes per address number (a VM pointer, a place in the FIFO of released numbers), allocated by
 * the caller.
 */
struct bind_addr {
	uint8_t mac[6];
	uint32_t ip;
};

/* slots, fifo: cap entries each. Forgets every binding; the miss hook goes back to the default (none). */
void bind_init(uint32_t net_ip, uint32_t net_bits, uint64_t *slots, uint32_t *fifo, uint32_t cap);
/* The plan: address number a as MAC and IPv4; the network's mask and gateway. */
void bind_plan(uint32_t a, struct bind_addr *out);
uint32_t bind_netmask(void);
uint32_t bind_gateway(void);
/* The address number of a MAC / an IPv4 address in the plan, or false when it is not one. */
bool bind_mac_number(const uint8_t *mac, uint32_t *a);
bool bind_ip_number(uint32_t ip, uint32_t *a);

/* The VM bound to address number a, or NULL. */
struct vm *bind_vm(uint32_t a);
/* The VM a MAC (6 bytes) / an IPv4 address names, or NULL. */
struct vm *bind_by_mac(const uint8_t *mac);
struct vm *bind_by_ip(uint32_t ip);
/* A free address number, taken for vm: 0, or -1 when every one is bound. */
int bind_take(struct vm *vm, uint32_t *a);
/* Bind address number a (one a saved VM had) to vm: 0, or -1 if it is outside the plan or bound. */
int bind_claim(struct vm *vm, uint32_t a);
/* vm gives address number a back (it must hold it). */
void bind_release(struct vm *vm, uint32_t a);

/*
 * Tenants (lib/netplan.h): tenant 0 is the network above; tenant t (1..254) has its own plan, block 10.t.0.0/16 and
 * MACs 06:<t>:<a>, with its own numbers (0 .. NETPLAN_TENANT_SLOTS - 1, given in the same order) and its own
 * table, made page by page as the tenant's VMs are bound (bind.c). Each call below with a tenant t does what the
 * call without it does in tenant t's plan (t 0: the same); past 254 it finds nothing and binds nothing.
 */
void bind_tplan(unsigned t, uint32_t a, struct bind_addr *out);
uint32_t bind_tnetmask(unsigned t);
uint32_t bind_tgateway(unsigned t);
bool bind_tip_number(unsigned t, uint32_t ip, uint32_t *a);
struct vm *bind_tvm(unsigned t, uint32_t a);
int bind_ttake(unsigned t, struct vm *vm, uint32_t *a);
int bind_tclaim(unsigned t, struct vm *vm, uint32_t a);
void bind_trelease(unsigned t, struct vm *vm, uint32_t a);
bool bind_tmiss(unsigned t, uint32_t a, const uint8_t *frame, size_t len);
/* The tenant and number of a MAC of any plan (02:00:<a> tenant 0's, 06:<t>:<a> tenant t's), or false. */
bool bind_mac_owner(const uint8_t *mac, unsigned *t, uint32_t *a);
/* The tenant and number an IPv4 address names seen from outside: in 10.t.0.0/16 tenant t's while it has VMs bound,
 * else tenant 0's plan (false when it is neither). */
bool bind_ip_owner(uint32_t ip, unsigned *t, uint32_t *a);
/* VMs bound in tenant t's plan; are any bound in a tenant's (1..254) plan? */
uint32_t bind_tenant_vms(unsigned t);
bool bind_tenants_bound(void);

/*
 * The miss hook: a frame came (from outside or from a VM) for an address of the plan that no VM holds (a
 * destination MAC, or the IPv4 an ARP request asks for). The hook gets the address and the frame (valid only
 * during the call: it copies what it keeps) and returns true if it took the frame; false, or no hook (the
 * default), and the switch drops the frame and counts it.
 */
typedef bool (*bind_miss_fn)(void *ctx, const struct bind_addr *to, const uint8_t *frame, size_t len);
void bind_set_miss(bind_miss_fn fn, void *ctx);
/* Ask the hook about a frame for address number a: true if it took it. Counted in bind_stats. */
bool bind_miss(uint32_t a, const uint8_t *frame, size_t len);

/*
 * Reservations (a summoned service's dormant instances, isokernel/summon.c), in a tenant's plan (1..254) only.
 * bind_treserve: count consecutive numbers never used (at or above every number given so far, none bound or
 * released) marked reserved: no take() gives them, ARP for them is answered (net/vswitch.c), and they count as the
 * tenant's addresses in use for routing; 8 bytes each (the slot page). 0, or -1 (no such run, or no memory).
 * bind_tunreserve: the numbers of [first, first + count) still reserved go back (released, none may be bound).
 * A reserved number is bound by bind_tclaim and stays reserved when its VM releases it.
 * bind_tgive_next: the next bind_ttake in plan t gives reserved, unbound number a without binding it (the VM made
 * for a first frame is bound by bind_tclaim once ready; until then frames for a still go to the miss hook, and
 * its release without a claim does nothing). BIND_NONE cancels.
 */
#define BIND_NONE 0xffffffffu
int bind_treserve(unsigned t, uint32_t count, uint32_t *first);
void bind_tunreserve(unsigned t, uint32_t first, uint32_t count);
bool bind_treserved(unsigned t, uint32_t a);
void bind_tgive_next(unsigned t, uint32_t a);

struct bind_stats {
	uint64_t misses, misses_taken;
};
extern struct bind_stats bind_stats;

#endif
