/* test_summonlim.c - CUnit suite for the pure parts of summoning (isokernel/summon_lim.c): which frames summon a
 * dormant instance, and the token buckets that limit summons per tenant and per source. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "summon_lim.h"
#include "byteorder.h"
#include "ether.h"

/* An IPv4 frame of protocol proto with l4 bytes of transport header (zero), ihl words of IP header. */
static size_t ipv4(uint8_t *f, uint8_t proto, unsigned ihl, size_t l4)
{
	size_t len = 14 + ihl * 4 + l4;

	memset(f, 0, 1514);
	be16_put(f + 12, ETHER_TYPE_IPV4);
	f[14] = (uint8_t)(0x40 | ihl);
	be16_put(f + 16, (uint16_t)(len - 14));
	f[23] = proto;
	return len;
}

static void test_first_frames(void)
{
	uint8_t f[1514];
	size_t len;

	len = ipv4(f, 17, 5, 8);                                  /* UDP */
	CU_ASSERT(summon_first_frame(f, len));
	CU_ASSERT_FALSE(summon_first_frame(f, len - 1));          /* its header cut */
	len = ipv4(f, 6, 5, 20);                                  /* TCP: SYN only */
	f[14 + 20 + 13] = 0x02;
	CU_ASSERT(summon_first_frame(f, len));
	f[14 + 20 + 13] = 0x12;                                   /* SYN-ACK */
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	f[14 + 20 + 13] = 0x10;                                   /* ACK */
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	f[14 + 20 + 13] = 0x04;                                   /* RST */
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	len = ipv4(f, 6, 7, 20);                                  /* IP options move the TCP header */
	f[14 + 28 + 13] = 0x02;
	CU_ASSERT(summon_first_frame(f, len));
	CU_ASSERT_FALSE(summon_first_frame(f, 14 + 28 + 13));
	len = ipv4(f, 1, 5, 8);                                   /* ICMP echo request, not reply */
	f[34] = 8;
	CU_ASSERT(summon_first_frame(f, len));
	f[34] = 0;
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	len = ipv4(f, 17, 5, 8);                                  /* fragments: MF, or an offset */
	be16_put(f + 20, 0x2000);
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	be16_put(f + 20, 0x0010);
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	be16_put(f + 20, 0x4000);                                 /* DF alone is fine */
	CU_ASSERT(summon_first_frame(f, len));
	len = ipv4(f, 47, 5, 8);                                  /* another protocol */
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	len = ipv4(f, 17, 5, 8);
	be16_put(f + 12, ETHER_TYPE_ARP);
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	be16_put(f + 12, ETHER_TYPE_IPV4);
	f[14] = 0x44;                                             /* a header length below 20 */
	CU_ASSERT_FALSE(summon_first_frame(f, len));
	CU_ASSERT_FALSE(summon_first_frame(f, 20));               /* shorter than an IPv4 header */
}

static void test_buckets(void)
{
	struct summon_bucket b = { 0, false };
	unsigned n = 0;

	while (summon_bucket_take(&b, 50, 0))                     /* a burst of one second's worth */
		n++;
	CU_ASSERT_EQUAL(n, 50);
	CU_ASSERT_FALSE(summon_bucket_take(&b, 50, 10000000));    /* 10 ms: half a token */
	CU_ASSERT(summon_bucket_take(&b, 50, 10000000));          /* 20 ms: one */
	CU_ASSERT_FALSE(summon_bucket_take(&b, 50, 0));
	n = 0;
	for (int i = 0; i < 1000; i++)                            /* 1 s in steps of 1 ms: 50 more */
		n += summon_bucket_take(&b, 50, 1000000);
	CU_ASSERT(n >= 49 && n <= 50);
	n = 0;
	summon_bucket_take(&b, 50, 5000000000ull);                /* unused for a second: full, never more */
	while (summon_bucket_take(&b, 50, 0))
		n++;
	CU_ASSERT_EQUAL(n, 49);
	CU_ASSERT_FALSE(summon_bucket_take(&b, 0, 1000000000ull)); /* rate 0: nothing */
	b = (struct summon_bucket){ 0, false };
	CU_ASSERT(summon_bucket_take(&b, UINT64_MAX, 999999999));  /* large rates and gaps do not overflow */
	CU_ASSERT(summon_bucket_take(&b, UINT64_MAX, 999999999));
	CU_ASSERT(b.milli <= (uint64_t)SUMMON_RATE_MAX * 1000);
}

int unit_suite_summonlim(void)
{
	CU_pSuite s = CU_add_suite("summonlim", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "first frames: TCP SYN, UDP, ICMP echo request; not ACKs, fragments, cut headers", test_first_frames);
	CU_add_test(s, "token buckets: a second's burst, refilled by time, capped", test_buckets);
	return 0;
}
