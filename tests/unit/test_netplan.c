/* test_netplan.c - CUnit suite for the address plan (lib/netplan.h): tenant 0's plan as it was, each tenant's block
 * (10.t.0.0/16, MACs 06:<t>:<slot>), round trips and the borders of both. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "netplan.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Tenant 0's plan did not move: slot i is 10.0.0.2 + i and 02:00:<i>, for every slot a /8 has. */
static void test_tenant0_unchanged(void)
{
	static const uint32_t slots[] = { 0, 1, 253, 254, 65532, 65533, 65534, 1048575, 16777212 };
	uint8_t mac[6], mac2[6];
	uint32_t s;

	for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		CU_ASSERT_EQUAL(netplan_ipv4(NETPLAN_DEFAULT_BASE, slots[i]), NETPLAN_DEFAULT_BASE + 2 + slots[i]);
		CU_ASSERT_EQUAL(netplan_ipv4_slot(NETPLAN_DEFAULT_BASE, netplan_ipv4(NETPLAN_DEFAULT_BASE, slots[i])),
				slots[i]);
		netplan_mac(slots[i], mac);
		netplan_tenant_mac(0, slots[i], mac2);
		CU_ASSERT(memcmp(mac, mac2, 6) == 0);
		CU_ASSERT(mac[0] == 0x02 && mac[1] == 0x00);
		CU_ASSERT(netplan_mac_slot(mac, &s) && s == slots[i]);
		CU_ASSERT_FALSE(netplan_mac_tenant(mac, &(unsigned){ 0 }, &s));   /* never a tenant's */
	}
	CU_ASSERT(netplan_slots(NETPLAN_DEFAULT_BITS) > 16777212 - 1);
	CU_ASSERT_EQUAL(netplan_gateway(NETPLAN_DEFAULT_BASE), IP(10, 0, 0, 1));
}

/* Every tenant, every border slot: MAC and IPv4 there and back. */
static void test_tenant_round_trips(void)
{
	static const uint32_t slots[] = { 0, 1, 252, 253, 254, 255, 256, 4096, 65531, 65532 };
	uint8_t mac[6];
	uint32_t s;
	unsigned t2;

	for (unsigned t = 1; t <= NETPLAN_TENANT_MAX; t++) {
		CU_ASSERT_EQUAL(netplan_tenant_base(t), IP(10, t, 0, 0));
		CU_ASSERT_EQUAL(netplan_gateway(netplan_tenant_base(t)), IP(10, t, 0, 1));
		for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			uint32_t ip = netplan_ipv4(netplan_tenant_base(t), slots[i]);
			CU_ASSERT_EQUAL(ip >> 16, (0x0au << 8) | t);
			CU_ASSERT(netplan_ipv4_tenant(ip, &t2, &s) && t2 == t && s == slots[i]);
			netplan_tenant_mac(t, slots[i], mac);
			CU_ASSERT(mac[0] == NETPLAN_TENANT_MAC0 && mac[1] == t);
			CU_ASSERT(netplan_mac_tenant(mac, &t2, &s) && t2 == t && s == slots[i]);
			CU_ASSERT_FALSE(netplan_mac_slot(mac, &s));                /* never tenant 0's */
		}
	}
	netplan_tenant_mac(7, NETPLAN_TENANT_SLOTS - 1, mac);           /* the last slot: 10.7.255.254 */
	CU_ASSERT_EQUAL(netplan_ipv4(netplan_tenant_base(7), NETPLAN_TENANT_SLOTS - 1), IP(10, 7, 255, 254));
	CU_ASSERT_EQUAL(NETPLAN_TENANT_SLOTS, netplan_slots(NETPLAN_TENANT_BITS));
}

/* What is not a tenant slot: the base, the gateway, the broadcast, tenants 0 and 255, outside 10/8; MACs past the
 * slots, of tenant 0 or 255 under the tenant prefix, or of another prefix. */
static void test_tenant_borders(void)
{
	static const uint32_t not_slots[] = { IP(10, 1, 0, 0), IP(10, 1, 0, 1), IP(10, 1, 255, 255), IP(10, 254, 0, 1),
					      IP(10, 254, 255, 255), IP(10, 0, 0, 2), IP(10, 0, 255, 254),
					      IP(10, 255, 0, 2), IP(11, 1, 0, 2), IP(9, 1, 0, 2), IP(172, 16, 0, 2), 0,
					      0xffffffffu };
	uint8_t mac[6];
	uint32_t s;
	unsigned t;

	for (unsigned i = 0; i < sizeof(not_slots) / sizeof(not_slots[0]); i++)
		CU_ASSERT_FALSE(netplan_ipv4_tenant(not_slots[i], &t, &s));
	CU_ASSERT(netplan_ipv4_tenant(IP(10, 1, 0, 2), &t, &s) && t == 1 && s == 0);
	CU_ASSERT(netplan_ipv4_tenant(IP(10, 254, 255, 254), &t, &s) && t == 254 && s == NETPLAN_TENANT_SLOTS - 1);
	netplan_tenant_mac(3, NETPLAN_TENANT_SLOTS, mac);                /* one past the last */
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
	netplan_tenant_mac(3, 0xffffffffu, mac);
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
	memcpy(mac, (uint8_t[]){ NETPLAN_TENANT_MAC0, 0, 0, 0, 0, 1 }, 6);  /* tenant 0 under the tenant prefix */
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
	mac[1] = 255;
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
	memcpy(mac, (uint8_t[])NETPLAN_GATEWAY_MAC, 6);                    /* the gateway: nobody's slot */
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
	CU_ASSERT_FALSE(netplan_mac_slot(mac, &s));
	memcpy(mac, (uint8_t[]){ 0x07, 1, 0, 0, 0, 1 }, 6);                 /* multicast bit: not the plan's */
	CU_ASSERT_FALSE(netplan_mac_tenant(mac, &t, &s));
}

/* Two tenants' slots never share a MAC or an IPv4; tenant 0's MACs never meet a tenant's. */
static void test_tenants_apart(void)
{
	uint8_t a[6], b[6];

	for (unsigned t = 0; t <= NETPLAN_TENANT_MAX; t += 17)
		for (unsigned u = t + 1; u <= NETPLAN_TENANT_MAX; u += 31)
			for (uint32_t s = 0; s < 3; s++) {
				netplan_tenant_mac(t, s, a);
				netplan_tenant_mac(u, s, b);
				CU_ASSERT(memcmp(a, b, 6) != 0);
				if (t)
					CU_ASSERT_NOT_EQUAL(netplan_ipv4(netplan_tenant_base(t), s),
							    netplan_ipv4(netplan_tenant_base(u), s));
			}
}

int unit_suite_netplan(void)
{
	CU_pSuite s = CU_add_suite("netplan", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "tenant 0's plan as before: 10.0.0.2 + i, 02:00:<i>", test_tenant0_unchanged);
	CU_add_test(s, "every tenant's block: MAC and IPv4 round trips at the border slots", test_tenant_round_trips);
	CU_add_test(s, "not a tenant's slot: base, gateway, broadcast, tenants 0/255, other nets, odd MACs",
		    test_tenant_borders);
	CU_add_test(s, "two tenants' addresses never coincide", test_tenants_apart);
	return 0;
}
