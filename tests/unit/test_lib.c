/* test_lib.c - CUnit suite for lib/: big-endian access, the Internet checksum, frame sizes and the address plan. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "pvisa.h"
#include "byteorder.h"
#include "ether.h"
#include "inet_csum.h"
#include "netplan.h"
#include "../../netstack/ns_test.h"      /* nt_csum: the harness's plain RFC 1071 loop, the reference here */

_Static_assert(ETHER_FRAME_MAX == PV_FRAME_MAX && ETHER_HLEN == PV_FRAME_MIN, "lib/ether.h agrees with the ABI");
_Static_assert(ETHER_FRAME_MAX == ETHER_HLEN + ETHER_MTU && ETHER_ARP_LEN == ETHER_HLEN + ARP_IPV4_LEN,
               "frame sizes add up");

/* Pseudo-random bytes, with long runs of 0xff (carries). */
static void fill(uint8_t *p, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	if (n >= 600) {
		memset(p + 200, 0xff, 64);
		memset(p + 400, 0xff, 200);
	}
}

/* ---- byte order ---- */

/* Known values at every alignment; a store writes exactly its bytes and reads back. */
static void test_byteorder(void)
{
	uint8_t b[16];

	for (size_t off = 0; off < 8; off++) {
		memset(b, 0xaa, sizeof(b));
		be16_put(b + off, 0x1234);
		CU_ASSERT(b[off] == 0x12 && b[off + 1] == 0x34);
		CU_ASSERT_EQUAL(be16_get(b + off), 0x1234);
		be32_put(b + off + 2, 0xdeadbeefu);
		CU_ASSERT(b[off + 2] == 0xde && b[off + 3] == 0xad && b[off + 4] == 0xbe && b[off + 5] == 0xef);
		CU_ASSERT_EQUAL(be32_get(b + off + 2), 0xdeadbeefu);
		CU_ASSERT(b[off + 6] == 0xaa && (off == 0 || b[off - 1] == 0xaa));
	}
	static const uint8_t v[] = { 0x80, 0x01, 0xff, 0x00 };
	CU_ASSERT_EQUAL(be16_get(v), 0x8001);
	CU_ASSERT_EQUAL(be16_get(v + 2), 0xff00);
	CU_ASSERT_EQUAL(be32_get(v), 0x8001ff00u);
	for (uint32_t x = 1; x; x <<= 1) {
		be32_put(b, x);
		CU_ASSERT_EQUAL(be32_get(b), x);
	}
}

/* ---- the checksum ---- */

/* Vectors worked by hand: RFC 1071's example, odd lengths (the odd byte is the high byte of a word), a real IPv4
 * header (checksum b861), and the running sum folded in. */
static void test_csum_vectors(void)
{
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd3[] = { 0x01, 0x02, 0x03 };
	static const uint8_t ip[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                              0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint8_t h[20];

	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, rfc, sizeof(rfc))), (uint16_t)~0xddf2);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, rfc, 0)), 0xffff);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, odd3, 1)), (uint16_t)~0x0100);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, odd3, 3)), (uint16_t)~0x0402);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0x0100, odd3, 3)), (uint16_t)~0x0502);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, ip, 20)), 0);
	CU_ASSERT(inet_csum_ipv4_ok(ip, 20));
	memcpy(h, ip, 20);
	be16_put(h + 10, 0);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_hdr20(0, h)), 0xb861);
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_add(0, h, 20)), 0xb861);
	/* The pseudo-header: the same as summing its 12 bytes. */
	uint8_t ph[12] = { 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7, 0, 17, 0x00, 0x5f };
	CU_ASSERT_EQUAL(inet_csum_fold(inet_csum_pseudo(0xc0a80001u, 0xc0a800c7u, 17, 0x5f)),
	                nt_csum(ph, sizeof(ph), 0));
}

/* inet_csum_add against the plain RFC 1071 loop: every length 0..600 (odd and even, several 32-byte rounds) at every
 * alignment 0..15, with running sums that carry; and sums chained over even splits equal the sum of the whole. */
static void test_csum_reference(void)
{
	static uint8_t buf[640];
	static const uint32_t sums[] = { 0, 1, 0xffff, 0x1fffe, 0xfffffff0u, 0xffffffffu };

	fill(buf, sizeof(buf), 12345);
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len + off <= 600; len++)
			for (size_t k = 0; k < sizeof(sums) / sizeof(sums[0]); k++)
				if (inet_csum_fold(inet_csum_add(sums[k], buf + off, len)) != nt_csum(buf + off, len, sums[k])) {
					CU_FAIL("inet_csum_add differs from the reference");
					return;
				}
	for (size_t off = 0; off < 8; off++)
		for (size_t a = 0; a <= 200; a += 2)
			for (size_t b = 0; a + b + off <= 400; b += 7) {
				uint32_t c = inet_csum_add(inet_csum_add(0xfffffff0u, buf + off, a), buf + off + a, b);
				if (inet_csum_fold(c) != nt_csum(buf + off, a + b, 0xfffffff0u)) {
					CU_FAIL("chained inet_csum_add differs from the sum of the whole");
					return;
				}
			}
	CU_PASS("all lengths, alignments and chains agree");
}

/* inet_csum_copy sums like inet_csum_add and copies exactly len bytes: every length 0..600 at source and destination
 * alignments 0..7, the bytes around the copy untouched. */
static void test_csum_copy(void)
{
	static uint8_t src[640], dst[640];

	fill(src, sizeof(src), 777);
	for (size_t so = 0; so < 8; so++)
		for (size_t d0 = 0; d0 < 8; d0++)
			for (size_t len = 0; len + so <= 600 && len + d0 + 16 <= sizeof(dst); len++) {
				uint8_t *d = dst + 8 + d0;
				memset(dst, 0x5a, sizeof(dst));
				uint32_t c = inet_csum_copy(0xfffffff0u, d, src + so, len);
				if (inet_csum_fold(c) != nt_csum(src + so, len, 0xfffffff0u) ||
				    memcmp(d, src + so, len) != 0 || d[-1] != 0x5a || d[len] != 0x5a) {
					CU_FAIL("inet_csum_copy differs from memcpy and the reference sum");
					return;
				}
			}
	CU_PASS("all lengths and alignments agree");
}

/* inet_csum_fold folds every carry: against the reference fold at the edges. */
static void test_csum_fold(void)
{
	static const uint32_t v[] = { 0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0x1ffff, 0xfffeffffu, 0xffff0000u,
	                              0xfffffffeu, 0xffffffffu, 0x8000ffffu };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t s = v[i];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		CU_ASSERT_EQUAL(inet_csum_fold(v[i]), (uint16_t)~s);
	}
}

/* inet_csum_ipv4_ok: right headers of every length 20..60 pass, any one flipped bit fails, all zeros fail (a sum of
 * zero is not all ones); inet_csum_hdr20 equals inet_csum_add over 20 bytes. */
static void test_csum_ipv4_ok(void)
{
	uint8_t h[60];

	for (size_t hl = 20; hl <= 60; hl += 4) {
		fill(h, sizeof(h), (uint32_t)hl);
		h[0] = (uint8_t)(0x40 | hl / 4);
		be16_put(h + 10, 0);
		CU_ASSERT_EQUAL(inet_csum_hdr20(7, h), inet_csum_add(7, h, 20));
		be16_put(h + 10, inet_csum_fold(inet_csum_add(0, h, hl)));
		CU_ASSERT_FATAL(inet_csum_ipv4_ok(h, hl));
		for (size_t bit = 0; bit < hl * 8; bit++) {
			h[bit / 8] ^= (uint8_t)(1u << bit % 8);
			if (inet_csum_ipv4_ok(h, hl)) {
				CU_FAIL("a header with a flipped bit passes");
				return;
			}
			h[bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
	}
	memset(h, 0, sizeof(h));
	CU_ASSERT_FALSE(inet_csum_ipv4_ok(h, 20));
	memset(h, 0xff, sizeof(h));
	CU_ASSERT_TRUE(inet_csum_ipv4_ok(h, 20));      /* ten words of -0: their sum is -0, all ones */
}

/* ---- the address plan ---- */

/* The default plan, byte for byte as the kernel, isorun and loadgen have always given it. */
static void test_plan_default(void)
{
	uint8_t mac[6];
	static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0, 0 }, mac258[6] = { 0x02, 0, 0, 0, 0x01, 0x02 };

	CU_ASSERT_EQUAL(NETPLAN_DEFAULT_BASE, 0x0a000000u);
	CU_ASSERT_EQUAL(netplan_mask(NETPLAN_DEFAULT_BITS), 0xff000000u);
	CU_ASSERT_EQUAL(netplan_gateway(NETPLAN_DEFAULT_BASE), 0x0a000001u);
	CU_ASSERT_EQUAL(netplan_ipv4(NETPLAN_DEFAULT_BASE, 0), 0x0a000002u);
	CU_ASSERT_EQUAL(netplan_ipv4(NETPLAN_DEFAULT_BASE, 258), 0x0a000104u);
	netplan_mac(0, mac);
	CU_ASSERT(memcmp(mac, mac0, 6) == 0);
	netplan_mac(258, mac);
	CU_ASSERT(memcmp(mac, mac258, 6) == 0);
	netplan_mac(0x12345678u, mac);
	CU_ASSERT(mac[2] == 0x12 && mac[3] == 0x34 && mac[4] == 0x56 && mac[5] == 0x78);
	CU_ASSERT_EQUAL(netplan_slots(8), (1u << 24) - 3);
	CU_ASSERT_EQUAL(netplan_slots(30), 1);
	CU_ASSERT_EQUAL(netplan_slots(1), (1ull << 31) - 3);
}

/* Every prefix 1..30: slot -> address -> slot at the first and last slots; the base, the gateway, the broadcast
 * address, the addresses just outside the network (both sides) and address 0 give a slot >= netplan_slots. */
static void test_plan_round_trip(void)
{
	for (unsigned bits = 1; bits <= 30; bits++) {
		uint64_t n = netplan_slots(bits), size = 1ull << (32 - bits);
		uint32_t bases[] = { 0, (uint32_t)(0x0a000000u & netplan_mask(bits)), (uint32_t)(0u - size) };
		for (size_t k = 0; k < 3; k++) {
			uint32_t base = bases[k];
			uint32_t edge[] = { 0, 1, (uint32_t)n / 2, (uint32_t)n - 1 };
			for (size_t e = 0; e < 4; e++) {
				uint32_t ip = netplan_ipv4(base, edge[e]);
				CU_ASSERT_EQUAL((ip & netplan_mask(bits)), base);
				CU_ASSERT_EQUAL(netplan_ipv4_slot(base, ip), edge[e]);
			}
			uint32_t outside[] = { base, netplan_gateway(base), (uint32_t)(base + size - 1), (uint32_t)(base + size),
			                       base - 1, 0, 0xffffffffu };
			for (size_t o = 0; o < 7; o++)
				CU_ASSERT(netplan_ipv4_slot(base, outside[o]) >= n);
		}
	}
}

/* MAC -> slot: the plan's prefix is required; any 32-bit slot round-trips. */
static void test_plan_mac(void)
{
	static const uint32_t slots[] = { 0, 1, 255, 256, 65535, 0x00ffffffu, 0x7fffffffu, 0xffffffffu };
	uint8_t mac[6];
	uint32_t s;

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		netplan_mac(slots[i], mac);
		CU_ASSERT(netplan_mac_slot(mac, &s) && s == slots[i]);
	}
	static const uint8_t gw[6] = NETPLAN_GATEWAY_MAC, other[6] = { 0x03, 0x00, 0, 0, 0, 1 },
	                     bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CU_ASSERT_FALSE(netplan_mac_slot(gw, &s));
	CU_ASSERT_FALSE(netplan_mac_slot(other, &s));
	CU_ASSERT_FALSE(netplan_mac_slot(bc, &s));
}

int unit_suite_lib(void)
{
	CU_pSuite s = CU_add_suite("lib", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "byte order: be16/be32 get and put at every alignment", test_byteorder);
	CU_add_test(s, "checksum: RFC 1071, odd lengths, a real IPv4 header, the pseudo-header", test_csum_vectors);
	CU_add_test(s, "checksum: word-at-a-time sum equals the RFC 1071 byte-pair sum", test_csum_reference);
	CU_add_test(s, "checksum: copy and sum in one pass equals memcpy and the sum", test_csum_copy);
	CU_add_test(s, "checksum: fold at the carry edges", test_csum_fold);
	CU_add_test(s, "checksum: IPv4 header check, every flipped bit caught", test_csum_ipv4_ok);
	CU_add_test(s, "plan: the default network, byte for byte", test_plan_default);
	CU_add_test(s, "plan: slot <-> IPv4 for every prefix, addresses outside give no slot", test_plan_round_trip);
	CU_add_test(s, "plan: slot <-> MAC, other MACs give no slot", test_plan_mac);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
