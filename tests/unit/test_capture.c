/* test_capture.c - CUnit suite for packet capture (net/capture.c): the capture= word, the VM filter, the records, bounded drops. */
/* The console's capture port is played by tests/unit/host/host_capture.c (a buffer with a room the test sets). The
 * capture's state is the kernel's (static, set once by the command line), so the tests run in order: bad words, a
 * filtered capture, drops, the end record, then capture=all. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "capture.h"
#include "rtc.h"
#include "pvisa.h"

static uint8_t frame[PV_FRAME_MAX];

/* The k-th record in the port's buffer: its header and where its body starts; false past the end. */
static bool rec_at(size_t k, struct rl_cap_hdr *h, const uint8_t **body)
{
	size_t off = 0;

	for (;;) {
		if (off + sizeof(*h) > host_cap_len)
			return false;
		memcpy(h, host_cap_buf + off, sizeof(*h));
		if (!k--) {
			*body = host_cap_buf + off + sizeof(*h);
			return true;
		}
		off += sizeof(*h) + h->len;
	}
}

static size_t nrecs(void)
{
	struct rl_cap_hdr h;
	const uint8_t *b;
	size_t n = 0;

	while (rec_at(n, &h, &b))
		n++;
	return n;
}

static void test_bad_words(void)
{
	CU_ASSERT_EQUAL(capture_word(""), -1);
	CU_ASSERT_EQUAL(capture_word("x"), -1);
	CU_ASSERT_EQUAL(capture_word(".5"), -1);
	CU_ASSERT_EQUAL(capture_word("4294967295"), -1);      /* RL_CAP_OUTSIDE is nobody's id */
	CU_ASSERT_EQUAL(capture_word("12345678901"), -1);
	CU_ASSERT_EQUAL(capture_word("-1"), -1);
	CU_ASSERT_FALSE(capture_on);
}

/* Ids 3, 5, 7: a frame is taken when either side is one of them, with its ids, length, bytes and wall time. */
static void test_filter(void)
{
	struct rl_cap_hdr h;
	const uint8_t *b;

	CU_ASSERT_EQUAL(capture_word("3.5,7"), 0);
	CU_ASSERT_TRUE(capture_on);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 1);
	rtc_wall_ns_at_boot = 1700000000000000000ull;
	host_now_ns = 12345;
	capture_frame(3, 9, frame, 60);                    /* from 3 */
	capture_frame(9, 10, frame, 60);                   /* neither: not taken */
	capture_frame(CAPTURE_OUTSIDE, 7, frame, PV_FRAME_MAX);   /* from outside to 7 */
	capture_frame(5, CAPTURE_OUTSIDE, frame, PV_FRAME_MIN);   /* 5 to the NIC */
	capture_frame(4, CAPTURE_OUTSIDE, frame, 60);      /* not taken */
	CU_ASSERT_EQUAL(nrecs(), 3);
	CU_ASSERT_TRUE_FATAL(rec_at(0, &h, &b));
	CU_ASSERT_EQUAL(h.magic, RL_CAP_MAGIC);
	CU_ASSERT_EQUAL(h.kind, RL_CAP_FRAME);
	CU_ASSERT_EQUAL(h.src, 3);
	CU_ASSERT_EQUAL(h.dst, 9);
	CU_ASSERT_EQUAL(h.len, 60);
	CU_ASSERT_EQUAL(h.wall_ns, 1700000000000012345ull);
	CU_ASSERT_EQUAL(memcmp(b, frame, 60), 0);
	CU_ASSERT_TRUE_FATAL(rec_at(1, &h, &b));
	CU_ASSERT_EQUAL(h.src, CAPTURE_OUTSIDE);
	CU_ASSERT_EQUAL(h.dst, 7);
	CU_ASSERT_EQUAL(h.len, PV_FRAME_MAX);
	CU_ASSERT_EQUAL(memcmp(b, frame, PV_FRAME_MAX), 0);
	CU_ASSERT_TRUE_FATAL(rec_at(2, &h, &b));
	CU_ASSERT_EQUAL(h.src, 5);
	CU_ASSERT_EQUAL(h.len, PV_FRAME_MIN);
}

/* A full port: the frame is dropped and counted, nothing half-written; a closed one the same; records of bad
 * lengths (runts, oversized: not frames) are neither kept nor counted. The end record counts the rest. */
static void test_drops_and_end(void)
{
	struct rl_cap_end e;
	struct rl_cap_hdr h;
	const uint8_t *b;
	size_t before = host_cap_len;

	host_cap_room = host_cap_len + sizeof(struct rl_cap_hdr) + 59;   /* one byte short of a 60-byte frame */
	capture_frame(3, 4, frame, 60);
	CU_ASSERT_EQUAL(host_cap_len, before);
	host_cap_room = sizeof(host_cap_buf);
	host_cap_open = 0;
	capture_frame(3, 4, frame, 60);
	host_cap_open = 1;
	capture_frame(3, 4, frame, PV_FRAME_MIN - 1);
	capture_frame(3, 4, frame, PV_FRAME_MAX + 1);
	CU_ASSERT_EQUAL(host_cap_len, before);
	capture_finish();
	CU_ASSERT_EQUAL(nrecs(), 4);
	CU_ASSERT_TRUE_FATAL(rec_at(3, &h, &b));
	CU_ASSERT_EQUAL(h.kind, RL_CAP_END);
	CU_ASSERT_EQUAL_FATAL(h.len, sizeof(e));
	memcpy(&e, b, sizeof(e));
	CU_ASSERT_EQUAL(e.frames, 3);
	CU_ASSERT_EQUAL(e.drops, 2);                       /* full, closed; the bad lengths are no frames */
}

/* At most RL_CAP_MAX_IDS ids in all (3 so far); then capture=all takes every frame. */
static void test_limits_and_all(void)
{
	CU_ASSERT_EQUAL(capture_word("10.11.12.13.14.15.16.17.18.19.20.21.22"), 0);     /* 16 */
	CU_ASSERT_EQUAL(capture_word("23"), -1);
	host_cap_len = 0;
	capture_frame(100, 101, frame, 60);
	CU_ASSERT_EQUAL(nrecs(), 0);
	CU_ASSERT_EQUAL(capture_word("all"), 0);
	capture_frame(100, 101, frame, 60);
	CU_ASSERT_EQUAL(nrecs(), 1);
}

int unit_suite_capture(void)
{
	CU_pSuite s = CU_add_suite("capture", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "bad capture= words refused", test_bad_words);
	CU_add_test(s, "filter by VM id, record contents", test_filter);
	CU_add_test(s, "full or closed port: dropped and counted; end record", test_drops_and_end);
	CU_add_test(s, "id limit, capture=all", test_limits_and_all);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
