/* netplan.h - the VM address plan: slot i of a network gets MAC 02:00:<i, 4 bytes> and IPv4 base + 2 + i, and back. */
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

#endif
