/* test_tenant.c - CUnit suite for the tenant table (tenant.c) and signed-request checks (ctl_auth.c), signing with libsodium. */
#include <string.h>
#include <CUnit/CUnit.h>
#include <sodium.h>
#include "host.h"
#include "ctl.h"
#include "tenant.h"
#include "ctl_auth.h"

static uint8_t op_pk[32], op_sk[64], a_pk[32], a_sk[64], b_pk[32], b_sk[64];
static char why[256];

/* The signed message built independently of the kernel: domain, op le16, 0 le16, n le32, payload[0..n). */
static uint32_t sign(uint16_t op, uint8_t *p, uint32_t body, uint32_t tenant, uint64_t counter, const uint8_t sk[64])
{
	struct ctl_auth a = { tenant, 0, counter, { 0 } };
	uint32_t n = body + 16;
	uint8_t m[16 + 512];

	memcpy(p + body, &a, sizeof(a));
	memcpy(m, "KCTLSIG1", 8);
	m[8] = (uint8_t)op, m[9] = (uint8_t)(op >> 8), m[10] = m[11] = 0;
	m[12] = (uint8_t)n, m[13] = (uint8_t)(n >> 8), m[14] = (uint8_t)(n >> 16), m[15] = (uint8_t)(n >> 24);
	memcpy(m + 16, p, n);
	crypto_sign_detached(p + n, NULL, m, 16 + n, sk);
	return body + (uint32_t)sizeof(a);
}

static uint16_t check(uint16_t op, const uint8_t *p, uint32_t len, uint32_t body, struct ctl_signed *s)
{
	return ctl_auth_check(op, p, len, body, s, why, sizeof(why));
}

static void setup(void)
{
	tenant_reset();
	tenant_set_operator(op_pk);
	CU_ASSERT_EQUAL(tenant_add(1, "alice", a_pk, 10, 10000, 100), 0);
	CU_ASSERT_EQUAL(tenant_add(2, "bob", b_pk, 10, 10000, 100), 0);
}

/* A T_LOAD of alice's with counter c, in p; its length. */
static uint32_t alice_tload(uint8_t *p, uint64_t c)
{
	struct ctl_tload_req q;

	memset(&q, 0, sizeof(q));
	memset(q.sha512, 0xab, sizeof(q.sha512));
	strcpy(q.name, "web.elf");
	memcpy(p, &q, sizeof(q));
	return sign(CTL_OP_T_LOAD, p, sizeof(q), 1, c, a_sk);
}

static void test_good_and_commit(void)
{
	uint8_t p[512];
	struct ctl_signed s = { 99, 0 };
	uint32_t len;

	setup();
	len = alice_tload(p, 1000);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, sizeof(struct ctl_tload_req), &s), CTL_OK);
	CU_ASSERT_EQUAL(s.signer, 1);
	CU_ASSERT_EQUAL(s.counter, 1000);
	CU_ASSERT_EQUAL(tenant_get(1)->last_counter, 0);          /* checking alone moves nothing */
	ctl_auth_commit(&s);
	CU_ASSERT_EQUAL(tenant_get(1)->last_counter, 1000);
	CU_ASSERT_EQUAL(tenant_get(2)->last_counter, 0);          /* per signer */
}

static void test_exact_lengths(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	uint32_t len, body = sizeof(struct ctl_tload_req);

	setup();
	len = alice_tload(p, 5);
	CU_ASSERT_EQUAL(len, body + 80);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len - 1, body, &s), CTL_E_LEN);     /* truncated signature */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len - 64, body, &s), CTL_E_LEN);    /* no signature */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, body, body, &s), CTL_E_LEN);        /* no trailer */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len + 1, body, &s), CTL_E_LEN);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, 0, body, &s), CTL_E_LEN);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_OK);
	CU_ASSERT_EQUAL(tenant_get(1)->refused[TENANT_REF_AUTH], 0);
}

static void test_reserved(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), len;
	struct ctl_auth a;

	setup();
	len = alice_tload(p, 5);
	memcpy(&a, p + body, sizeof(a));
	a.reserved = 1;
	memcpy(p + body, &a, sizeof(a));
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_ARG);
}

static void test_bad_signature(void)
{
	uint8_t p[512], q[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), len;

	setup();
	len = alice_tload(p, 7);
	for (uint32_t bit = 0; bit < len * 8; bit += 7) {
		memcpy(q, p, len);
		q[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		uint16_t st = check(CTL_OP_T_LOAD, q, len, body, &s);
		/* every flipped bit is refused: E_ARG (reserved), E_AUTH (tenant, signature) */
		CU_ASSERT(st == CTL_E_AUTH || st == CTL_E_ARG);
	}
	CU_ASSERT(tenant_get(1)->refused[TENANT_REF_AUTH] > 100);
	CU_ASSERT_EQUAL(tenant_get(1)->last_counter, 0);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_OK);
}

static void test_wrong_key(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), len;
	struct ctl_tload_req q;

	setup();
	memset(&q, 0, sizeof(q));
	strcpy(q.name, "x");
	memcpy(p, &q, sizeof(q));
	len = sign(CTL_OP_T_LOAD, p, body, 2, 9, a_sk);            /* claims bob, signed by alice */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_AUTH);
	CU_ASSERT_EQUAL(tenant_get(2)->refused[TENANT_REF_AUTH], 1);
	len = sign(CTL_OP_T_LOAD, p, body, 7, 9, a_sk);            /* no tenant 7 */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_AUTH);
	len = sign(CTL_OP_T_LOAD, p, body, 300, 9, a_sk);          /* beyond the table */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_AUTH);
	len = sign(CTL_OP_T_LOAD, p, body, 1, 9, op_sk);           /* alice's id, the operator's key */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_AUTH);
}

static void test_op_is_signed(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	struct ctl_page_req q = { 0, 0 };
	uint32_t len;

	setup();
	memcpy(p, &q, sizeof(q));
	len = sign(CTL_OP_SVCS, p, sizeof(q), 1, 3, a_sk);
	CU_ASSERT_EQUAL(check(CTL_OP_SVCS, p, len, sizeof(q), &s), CTL_OK);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LIST, p, len, sizeof(q), &s), CTL_E_AUTH);   /* same layout, other op */
}

static void test_replay_and_reorder(void)
{
	uint8_t p1[512], p2[512], p3[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), l1, l2, l3;

	setup();
	l1 = alice_tload(p1, 100);
	l2 = alice_tload(p2, 200);
	l3 = alice_tload(p3, 150);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p2, l2, body, &s), CTL_OK);
	ctl_auth_commit(&s);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p2, l2, body, &s), CTL_E_REPLAY);      /* the same again */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p1, l1, body, &s), CTL_E_REPLAY);      /* an older one, late */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p3, l3, body, &s), CTL_E_REPLAY);
	CU_ASSERT_EQUAL(tenant_get(1)->refused[TENANT_REF_REPLAY], 3);
	CU_ASSERT_EQUAL(tenant_get(1)->last_counter, 200);                        /* refusals move nothing */
	l3 = alice_tload(p3, 201);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p3, l3, body, &s), CTL_OK);
}

static void test_refused_op_keeps_counter(void)
{
	uint8_t p1[512], p2[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), l1, l2;

	setup();
	l1 = alice_tload(p1, 500);
	l2 = alice_tload(p2, 400);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p1, l1, body, &s), CTL_OK);       /* the op then fails: no commit */
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p2, l2, body, &s), CTL_OK);       /* so a lower counter still passes */
	ctl_auth_commit(&s);
	CU_ASSERT_EQUAL(tenant_get(1)->last_counter, 400);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p1, l1, body, &s), CTL_OK);
}

static void test_operator_limits(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	struct ctl_tenant_req t;
	struct ctl_svc_ref r;
	uint32_t len;

	setup();
	memset(&t, 0, sizeof(t));
	t.tenant = 3;
	memcpy(p, &t, sizeof(t));
	len = sign(CTL_OP_T_ADD, p, sizeof(t), 0, 1, op_sk);
	CU_ASSERT_EQUAL(check(CTL_OP_T_ADD, p, len, sizeof(t), &s), CTL_OK);
	CU_ASSERT_EQUAL(s.signer, 0);
	len = sign(CTL_OP_T_ADD, p, sizeof(t), 1, 1, a_sk);          /* a tenant may not admit */
	CU_ASSERT_EQUAL(check(CTL_OP_T_ADD, p, len, sizeof(t), &s), CTL_E_AUTH);
	len = sign(CTL_OP_T_SET, p, sizeof(t), 1, 1, a_sk);
	CU_ASSERT_EQUAL(check(CTL_OP_T_SET, p, len, sizeof(t), &s), CTL_E_AUTH);
	memset(&r, 0, sizeof(r));
	strcpy(r.name, "web");
	memcpy(p, &r, sizeof(r));
	len = sign(CTL_OP_SVC_DEL, p, sizeof(r), 0, 2, op_sk);       /* the operator may not touch services */
	CU_ASSERT_EQUAL(check(CTL_OP_SVC_DEL, p, len, sizeof(r), &s), CTL_E_AUTH);
	CU_ASSERT_EQUAL(tenant_get(0)->refused[TENANT_REF_AUTH], 1);
	for (uint16_t op = CTL_OP_T_ADD; op <= CTL_OP_T_SAVE; op++) {
		bool admin = op <= CTL_OP_T_DEL;
		CU_ASSERT_EQUAL(ctl_auth_op_allowed(op, true), admin);
		CU_ASSERT_EQUAL(ctl_auth_op_allowed(op, false), !admin);
	}
	CU_ASSERT(!ctl_auth_op_allowed(CTL_OP_TENANTS, false) && !ctl_auth_op_allowed(CTL_OP_CREATE, true));
}

static void test_no_tenant_mode(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	uint32_t len;

	tenant_reset();
	CU_ASSERT(!tenant_mode());
	len = alice_tload(p, 1);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, sizeof(struct ctl_tload_req), &s), CTL_E_AUTH);
	CU_ASSERT_EQUAL(tenant_set_operator_hex("00"), -1);
	CU_ASSERT(!tenant_mode());
	char hex[80];
	memset(hex, 'a', 64);
	hex[64] = 0;
	CU_ASSERT_EQUAL(tenant_set_operator_hex(hex), 0);
	CU_ASSERT(tenant_mode() && tenant_get(0)->pubkey[31] == 0xaa);
	hex[10] = 'g';
	CU_ASSERT_EQUAL(tenant_set_operator_hex(hex), -1);
	hex[10] = 'a', hex[64] = 'a', hex[65] = 0;
	CU_ASSERT_EQUAL(tenant_set_operator_hex(hex), -1);                   /* 65 digits */
}

static void test_quota_fits(void)
{
	struct tenant *t;

	setup();
	t = tenant_get(1);
	for (int i = 0; i < 8; i++)
		tenant_charge_vm(1, 1024, +1);
	CU_ASSERT_EQUAL(t->live_vms, 8);
	CU_ASSERT_EQUAL(tenant_mem_kib(t), 8192);
	CU_ASSERT(tenant_fits(t, 2, 1808));                  /* exactly up to both quotas */
	CU_ASSERT(!tenant_fits(t, 3, 0));                    /* all or nothing: 3 more VMs do not fit */
	CU_ASSERT(!tenant_fits(t, 1, 1809));
	tenant_charge_image(1, 1, +1);                       /* one byte costs a KiB */
	CU_ASSERT_EQUAL(tenant_mem_kib(t), 8193);
	CU_ASSERT(!tenant_fits(t, 0, 1808));
	tenant_charge_image(1, 1, -1);
	CU_ASSERT_EQUAL(t->images, 0);
	tenant_charge_vm(0, 1024, +1);                       /* the host's own VMs charge nobody */
	CU_ASSERT_EQUAL(tenant_get(0)->live_vms, 0);
	CU_ASSERT_EQUAL(tenant_get(2)->live_vms, 0);
}

static void test_quota_lowered(void)
{
	struct tenant *t;
	struct ctl_tenant_info e;

	setup();
	t = tenant_get(1);
	for (int i = 0; i < 8; i++)
		tenant_charge_vm(1, 512, +1);
	tenant_set(1, 5, 1000, 7);
	CU_ASSERT_EQUAL(t->live_vms, 8);                     /* nothing ended */
	CU_ASSERT(!tenant_fits(t, 1, 0));
	CU_ASSERT(tenant_fits(t, 0, 0) == false);            /* over quota already: nothing more at all */
	for (int i = 0; i < 4; i++)
		tenant_charge_vm(1, 512, -1);
	CU_ASSERT(!tenant_fits(t, 1, 0));                    /* 4 + 1 VMs fit, 2048 + 512 KiB do not */
	tenant_set(1, 5, 4096, 7);
	CU_ASSERT(tenant_fits(t, 1, 512));
	tenant_info(1, 5, &e);
	CU_ASSERT(e.tenant == 1 && e.max_vms == 5 && e.max_mem_kib == 4096 && e.cpu_share == 7 && e.live_vms == 4 &&
		  e.mem_kib == 2048 && e.cpu_ns == 5 && !strcmp(e.name, "alice"));
}

static void test_add_del(void)
{
	uint8_t p[512];
	struct ctl_signed s;
	uint32_t body = sizeof(struct ctl_tload_req), len, cursor = 1, n = 0;

	setup();
	CU_ASSERT_EQUAL(tenant_add(1, "carol", b_pk, 1, 1, 1), -1);       /* id taken */
	CU_ASSERT_EQUAL(tenant_add(3, "alice", b_pk, 1, 1, 1), -1);       /* name taken */
	CU_ASSERT_EQUAL(tenant_add(0, "op", b_pk, 1, 1, 1), -1);
	CU_ASSERT_EQUAL(tenant_add(CTL_TENANT_MAX + 1, "x", b_pk, 1, 1, 1), -1);
	CU_ASSERT_EQUAL(tenant_add(CTL_TENANT_MAX, "last", b_pk, 1, 1, 1), 0);
	while (tenant_next(&cursor))
		n++;
	CU_ASSERT_EQUAL(n, 3);
	len = alice_tload(p, 50);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_OK);
	ctl_auth_commit(&s);
	tenant_del(1);
	CU_ASSERT_PTR_NULL(tenant_get(1));
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_AUTH);   /* removed: unknown */
	CU_ASSERT_EQUAL(tenant_add(1, "alice", a_pk, 1, 1, 1), 0);
	CU_ASSERT_EQUAL(check(CTL_OP_T_LOAD, p, len, body, &s), CTL_E_REPLAY); /* re-admitted: old requests stay dead */
	tenant_del(0);
	CU_ASSERT_PTR_NOT_NULL(tenant_get(0));                               /* the operator is not removable */
}

static void test_names(void)
{
	CU_ASSERT(tenant_name_ok("alice") && tenant_name_ok("a-b_9"));
	CU_ASSERT(!tenant_name_ok("") && !tenant_name_ok("Alice") && !tenant_name_ok("a.b") && !tenant_name_ok("a b"));
	char longname[CTL_NAME_MAX + 1];
	memset(longname, 'a', CTL_NAME_MAX);
	longname[CTL_NAME_MAX] = 0;
	CU_ASSERT(!tenant_name_ok(longname));
	longname[CTL_NAME_MAX - 1] = 0;
	CU_ASSERT(tenant_name_ok(longname));
	CU_ASSERT(tenant_bytes() <= 160);
}

int unit_suite_tenant(void)
{
	CU_pSuite s;

	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(op_pk, op_sk);
	crypto_sign_keypair(a_pk, a_sk);
	crypto_sign_keypair(b_pk, b_sk);
	s = CU_add_suite("tenant", NULL, NULL);
	if (!s)
		return -1;
	CU_add_test(s, "a good request passes; only a commit moves the counter", test_good_and_commit);
	CU_add_test(s, "payload length exactly the op's struct + 80", test_exact_lengths);
	CU_add_test(s, "ctl_auth.reserved not 0", test_reserved);
	CU_add_test(s, "any flipped bit is refused", test_bad_signature);
	CU_add_test(s, "another tenant's key, unknown tenants", test_wrong_key);
	CU_add_test(s, "the op is signed", test_op_is_signed);
	CU_add_test(s, "replayed and reordered requests", test_replay_and_reorder);
	CU_add_test(s, "a refused op leaves the counter", test_refused_op_keeps_counter);
	CU_add_test(s, "the operator's ops and the tenants'", test_operator_limits);
	CU_add_test(s, "no opkey: nothing signed passes; opkey parsing", test_no_tenant_mode);
	CU_add_test(s, "quotas: all or nothing", test_quota_fits);
	CU_add_test(s, "quota lowered below use ends nothing, refuses more", test_quota_lowered);
	CU_add_test(s, "admit, remove, re-admit", test_add_del);
	CU_add_test(s, "tenant names", test_names);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
