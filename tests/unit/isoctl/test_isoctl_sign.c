/* test_isoctl_sign.c - request building and signing: the fields land where pvisa/ctl.h puts them, and libsodium
 * verifies the signature over exactly "KCTLSIG1" || op || 0 || n || the payload's first n bytes. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/CUnit.h>
#include <sodium.h>

#include "ctlauth.h"
#include "libisoctl.h"

static struct iso_signer signer;
static uint8_t pk[32];

static int setup(void)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(pk, signer.sk);
	signer.tenant = 7;
	return 0;
}

/* The message the kernel checks, built here byte by byte from the spec (not from ctlauth's code). */
static size_t spec_message(uint16_t op, const uint8_t *payload, size_t len, uint8_t *m)
{
	uint32_t n = (uint32_t)(len - 64);

	memcpy(m, "KCTLSIG1", 8);
	m[8] = op & 0xff, m[9] = op >> 8, m[10] = 0, m[11] = 0;
	m[12] = n & 0xff, m[13] = (n >> 8) & 0xff, m[14] = (n >> 16) & 0xff, m[15] = n >> 24;
	memcpy(m + 16, payload, n);
	return 16 + n;
}

static int spec_verify(uint16_t op, const uint8_t *payload, size_t len)
{
	uint8_t m[1024];
	size_t mlen = spec_message(op, payload, len, m);

	return crypto_sign_verify_detached(payload + len - 64, m, mlen, pk);
}

static void test_svc_set_signed(void)
{
	struct ctl_svc_req q, back;
	struct ctl_auth a;
	struct iso_err e;
	uint8_t sha[64], out[sizeof(q) + sizeof(a)];
	size_t len;

	for (int i = 0; i < 64; i++)
		sha[i] = (uint8_t)(i * 3 + 1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 500, 256, 0, "80", &e), 0);
	len = iso_payload(CTL_OP_SVC_SET, &q, sizeof(q), &signer, 0x1122334455667788ull, out);
	CU_ASSERT_EQUAL(len, sizeof(struct ctl_svc_req) + 80);
	memcpy(&back, out, sizeof(back));
	CU_ASSERT_STRING_EQUAL(back.name, "web");
	CU_ASSERT_EQUAL(memcmp(back.image_sha512, sha, 64), 0);
	CU_ASSERT_EQUAL(back.count, 500);
	CU_ASSERT_EQUAL(back.quota_kib, 256);
	CU_ASSERT_STRING_EQUAL(back.args, "80");
	/* Unused bytes are zero: the kernel refuses junk after the NUL. */
	CU_ASSERT_EQUAL(out[3], 0);
	CU_ASSERT_EQUAL(out[31], 0);
	CU_ASSERT_EQUAL(out[112 + 2], 0);
	memcpy(&a, out + sizeof(struct ctl_svc_req), sizeof(a));
	CU_ASSERT_EQUAL(a.tenant, 7);
	CU_ASSERT_EQUAL(a.reserved, 0);
	CU_ASSERT_EQUAL(a.counter, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(spec_verify(CTL_OP_SVC_SET, out, len), 0);
	CU_ASSERT_EQUAL(ctlauth_verify(CTL_OP_SVC_SET, out, len, pk), 0);
}

/* Every byte but the signature is covered: flipping any one fails; so does another op number. */
static void test_covers_every_byte(void)
{
	struct ctl_tenant_req q;
	struct iso_err e;
	uint8_t key[32], out[sizeof(q) + 80];
	size_t len;

	memset(key, 0xab, sizeof(key));
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 3, 20000, 512 * 1024, 1, key, "alice", &e), 0);
	len = iso_payload(CTL_OP_T_ADD, &q, sizeof(q), &signer, 42, out);
	CU_ASSERT_EQUAL(len, 88 + 80);
	CU_ASSERT_EQUAL(spec_verify(CTL_OP_T_ADD, out, len), 0);
	CU_ASSERT_NOT_EQUAL(spec_verify(CTL_OP_T_SET, out, len), 0);
	for (size_t i = 0; i < len; i++) {
		out[i] ^= 0x01;
		CU_ASSERT_NOT_EQUAL(spec_verify(CTL_OP_T_ADD, out, len), 0);
		out[i] ^= 0x01;
	}
	CU_ASSERT_EQUAL(spec_verify(CTL_OP_T_ADD, out, len), 0);
}

static void test_tenant_req(void)
{
	struct ctl_tenant_req q;
	struct iso_err e;
	uint8_t key[32] = { 1 };
	uint8_t zero[32] = { 0 };

	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 500, 1024, 10, NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(q.tenant, 1);
	CU_ASSERT_EQUAL(q.max_vms, 500);
	CU_ASSERT_EQUAL(q.max_mem_kib, 1024);
	CU_ASSERT_EQUAL(q.cpu_share, 10);
	CU_ASSERT_EQUAL(memcmp(q.pubkey, zero, 32), 0);
	CU_ASSERT_EQUAL(q.name[0], 0);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 0, 1, 1, 1, key, "a", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 255, 1, 1, 1, key, "a", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 0, key, "a", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1001, key, "a", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1, key, "Alice", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1, key, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1, key, "abcdefghijklmnopqrstuvwxyz01234", &e), 0);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1, key, "abcdefghijklmnopqrstuvwxyz012345", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tenant(&q, 1, 1, 1, 1, key, NULL, &e), -1);
}

static void test_svc_req_checks(void)
{
	struct ctl_svc_req q;
	struct ctl_svc_ref r;
	struct ctl_tload_req t;
	struct iso_err e;
	uint8_t sha[64] = { 0 };
	char long_args[300];

	memset(long_args, 'a', sizeof(long_args) - 1);
	long_args[sizeof(long_args) - 1] = 0;
	CU_ASSERT_EQUAL(iso_req_svc(&q, "a/b", sha, 1, 0, 0, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "Web.v2_x-y", sha, 1, 0, 0, "", &e), 0);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 4, 0, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 4096, 0, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 64, 128, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 0, 0, "a\nb", &e), -1);
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 0, 0, long_args, &e), -1);
	long_args[255] = 0;
	CU_ASSERT_EQUAL(iso_req_svc(&q, "web", sha, 1, 0, 0, long_args, &e), 0);
	CU_ASSERT_EQUAL(iso_req_svcref(&r, "web", &e), 0);
	CU_ASSERT_STRING_EQUAL(r.name, "web");
	CU_ASSERT_EQUAL(iso_req_svcref(&r, "", &e), -1);
	CU_ASSERT_EQUAL(iso_req_tload(&t, sha, "http", &e), 0);
	CU_ASSERT_STRING_EQUAL(t.name, "http");
	CU_ASSERT_EQUAL(iso_req_tload(&t, sha, "a b", &e), -1);
}

/* The /v1/ops body: the op's name and the payload's bytes, in lowercase hex. */
static void test_op_body(void)
{
	struct ctl_page_req q = { .start = 5, .max = 9 };
	uint8_t out[sizeof(q) + 80], back[sizeof(out)];
	size_t len = iso_payload(CTL_OP_T_LIST, &q, sizeof(q), &signer, 99, out);
	char *body = iso_op_body(CTL_OP_T_LIST, out, len);
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *hex = json_string_value(json_object_get(j, "payload"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "op")), "T_LIST");
	CU_ASSERT_PTR_NOT_NULL_FATAL(hex);
	CU_ASSERT_EQUAL(strlen(hex), 2 * len);
	CU_ASSERT_EQUAL(strspn(hex, "0123456789abcdef"), 2 * len);
	CU_ASSERT_EQUAL(ctlauth_unhex(hex, back, len), 0);
	CU_ASSERT_EQUAL(memcmp(back, out, len), 0);
	CU_ASSERT_EQUAL(spec_verify(CTL_OP_T_LIST, back, len), 0);
	CU_ASSERT_STRING_EQUAL(iso_op_name(CTL_OP_SVC_DEL), "SVC_DEL");
	CU_ASSERT_PTR_NULL(iso_op_name(999));
	CU_ASSERT_PTR_NULL(iso_op_body(999, out, len));
	json_decref(j);
	free(body);
}

/* A key file from keygen loads; its counter file gives rising counters. */
static void test_key_file(void)
{
	char dir[] = "/tmp/isoctl-unit-XXXXXX", base[128], err[256];
	struct iso_signer s;
	struct iso_err e;
	uint64_t c1, c2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/alice", dir);
	CU_ASSERT_EQUAL_FATAL(ctlauth_keygen(base, err, sizeof(err)), 0);
	snprintf(base, sizeof(base), "%s/alice.key", dir);
	CU_ASSERT_EQUAL(iso_signer_load(&s, base, 3, &e), 0);
	CU_ASSERT_EQUAL(s.tenant, 3);
	c1 = ctlauth_next_counter(s.keypath, err, sizeof(err));
	c2 = ctlauth_next_counter(s.keypath, err, sizeof(err));
	CU_ASSERT_TRUE(c1 > 0 && c2 > c1);
	snprintf(base, sizeof(base), "%s/nobody.key", dir);
	CU_ASSERT_EQUAL(iso_signer_load(&s, base, 3, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "nobody.key"));
	snprintf(base, sizeof(base), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(base), 0);
}

int unit_suite_isoctl_sign(void)
{
	CU_pSuite s = CU_add_suite("isoctl_sign", setup, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "SVC_SET: fields in place, signature by the spec", test_svc_set_signed);
	CU_add_test(s, "the signature covers every byte and the op", test_covers_every_byte);
	CU_add_test(s, "T_ADD/T_SET requests and their checks", test_tenant_req);
	CU_add_test(s, "service, image and args checks", test_svc_req_checks);
	CU_add_test(s, "the /v1/ops JSON body", test_op_body);
	CU_add_test(s, "key files and counters", test_key_file);
	return 0;
}
