/* netplan.h - the VM address plan: slot i of a network gets MAC 02:00:<i, 4 bytes> and IPv4 base + 2 + i, and back;
 * tenant t's block (10.t.0.0/16, MACs 06:<t>:<i, 4 bytes>). */
/*
 * Header-only and freestanding (no libc): the kernel's switch, isorun, loadgen and the tests derive addresses from
 * it, so they agree by construction. A network is its base address (host byte order, host bits zero) and prefix
 * length; in it, base + 1 is the gateway (the world outside: loadgen, a tap) and slots 0, 1, 2, ... take base + 2,
 * base + 3, ... up to the address below the broadcast address. A slot is a position in the plan, not necessarily a
 * VM's id: whoever owns VMs maps slots to VMs (today the kernel uses a VM's id as its slot).
 *
 * Limits: a /bits network has netplan_slots(bits) slots (2^(32 - bits) - 3: base, gateway and broadcast are not
 * slots); bits is 1..30 (a /31 or /32 has none). A MAC names any 32-bit slot. netplan_ipv4_slot gives an address
 * outside the slots of its network a slot >= netplan_slots(bits), so a caller that checks "slot < count", for any
 * count <= netplan_slots(bits), needs no other test.
 */
#ifndef LIB_NETPLAN_H
#define LIB_NETPLAN_H

#include <stdbool.h>
#include <stdint.h>
#include "byteorder.h"

#define NETPLAN_DEFAULT_BASE 0x0a000000u   /* 10.0.0.0/8: the gateway 10.0.0.1, slot i at 10.0.0.2 + i */
#define NETPLAN_DEFAULT_BITS 8u
#define NETPLAN_FIRST        2u            /* the host part of slot 0 */
#define NETPLAN_MAC_PREFIX0  0x02          /* locally administered unicast ... */
#define NETPLAN_MAC_PREFIX1  0x00          /* ... then the slot, big-endian */

/* The MAC the host tools (loadgen, the test injectors) use when they play the gateway; not a slot's. */
#define NETPLAN_GATEWAY_MAC { 0x02, 0xfe, 0x00, 0x00, 0x00, 0x01 }

/* The netmask of a /bits network (bits 0..32). */
static inline uint32_t netplan_mask(unsigned bits)
{
	return bits ? ~0u << (32 - bits) : 0;
}

/* How many slots a /bits network (1..30) has. */
static inline uint64_t netplan_slots(unsigned bits)
{
	return (1ull << (32 - bits)) - 3;
}

static inline uint32_t netplan_gateway(uint32_t base)
{
	return base + 1;
}

/* Slot's IPv4 address (host order); slot < netplan_slots(bits). */
static inline uint32_t netplan_ipv4(uint32_t base, uint32_t slot)
{
	return base + NETPLAN_FIRST + slot;
}

/* The slot an IPv4 address names: >= netplan_slots(bits) when it names none (outside the network, the base, the
 * gateway or the broadcast address). */
static inline uint32_t netplan_ipv4_slot(uint32_t base, uint32_t ip)
{
	return ip - base - NETPLAN_FIRST;
}

static inline void netplan_mac(uint32_t slot, uint8_t mac[6])
{
	mac[0] = NETPLAN_MAC_PREFIX0;
	mac[1] = NETPLAN_MAC_PREFIX1;
	be32_put(mac + 2, slot);
}

/* Is mac one of the plan's, and which slot's? */
static inline bool netplan_mac_slot(const uint8_t *mac, uint32_t *slot)
{
	*slot = be32_get(mac + 2);
	return mac[0] == NETPLAN_MAC_PREFIX0 && mac[1] == NETPLAN_MAC_PREFIX1;
}

/*
 * Tenants (pvisa/ctl.h: tenant 0 is the host's own, 1..NETPLAN_TENANT_MAX are tenants). Tenant 0 keeps the plan
 * above unchanged (its network is whatever --subnet / net_ip, net_bits say; by default 10.0.0.0/8). Tenant t
 * (1..254) has its own block, fixed:
 *
 *   network 10.t.0.0/16, gateway 10.t.0.1, slot i (0 <= i < NETPLAN_TENANT_SLOTS = 65533) at 10.t.0.2 + i,
 *   i.e. 10.t.0.2 .. 10.t.255.254; MAC 06:<t>:<i, 4 bytes big-endian> (locally administered unicast).
 *
 * The MACs of two tenants (and of tenant 0, 02:00:...) never coincide, so a frame's destination MAC alone says
 * whose address it is. The IPv4 blocks lie inside tenant 0's default 10.0.0.0/8: tenant 0's slots 65533 and up
 * (10.1.0.0 and above) are the same numbers as tenant blocks. Where both could apply (an address seen from
 * outside, e.g. an ARP request from the uplink), the tenant's block wins while that tenant has VMs bound
 * (isokernel/net/bind.c); a VM resolves addresses only in its own tenant's plan.
 */
#define NETPLAN_TENANT_MAX   254u
#define NETPLAN_TENANT_BITS  16u
#define NETPLAN_TENANT_SLOTS 65533u        /* netplan_slots(16) */
#define NETPLAN_TENANT_MAC0  0x06          /* a tenant's MAC: 06:<t>:<slot> */

/* Tenant t's (1..254) network base, host order: 10.t.0.0. */
static inline uint32_t netplan_tenant_base(unsigned t)
{
	return NETPLAN_DEFAULT_BASE | (uint32_t)t << 16;
}

/* Slot's MAC in tenant t's plan (t 0: the plan above, 02:00:...). */
static inline void netplan_tenant_mac(unsigned t, uint32_t slot, uint8_t mac[6])
{
	mac[0] = t ? NETPLAN_TENANT_MAC0 : NETPLAN_MAC_PREFIX0;
	mac[1] = t ? (uint8_t)t : NETPLAN_MAC_PREFIX1;
	be32_put(mac + 2, slot);
}

/* Is mac one of a tenant block's (t 1..254), and whose, which slot? (Tenant 0's: netplan_mac_slot.) Slots past
 * NETPLAN_TENANT_SLOTS are not the plan's. */
static inline bool netplan_mac_tenant(const uint8_t *mac, unsigned *t, uint32_t *slot)
{
	*t = mac[1];
	*slot = be32_get(mac + 2);
	return mac[0] == NETPLAN_TENANT_MAC0 && *t >= 1 && *t <= NETPLAN_TENANT_MAX && *slot < NETPLAN_TENANT_SLOTS;
}

/* Is ip in a tenant's block (t 1..254) and a slot's there (not the base, gateway or broadcast)? */
static inline bool netplan_ipv4_tenant(uint32_t ip, unsigned *t, uint32_t *slot)
{
	*t = (ip >> 16) & 0xff;
	*slot = netplan_ipv4_slot(netplan_tenant_base(*t), ip);
	return (ip >> 24) == (NETPLAN_DEFAULT_BASE >> 24) && *t >= 1 && *t <= NETPLAN_TENANT_MAX &&
	       *slot < NETPLAN_TENANT_SLOTS;
}

#endif
