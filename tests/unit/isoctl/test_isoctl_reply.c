/* test_isoctl_reply.c - decoding isod's replies: OK, refusals with the kernel's status, and malformed JSON. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "libisoctl.h"

static struct iso_err e;

static int op(long http, const char *body, json_t **reply)
{
	return iso_decode_op(http, body, strlen(body), reply, &e);
}

static void test_ok_and_refusals(void)
{
	struct ctl_svc_rep r;
	json_t *rep;

	CU_ASSERT_EQUAL(op(200, "{\"status\":\"OK\",\"reply\":{\"created\":500,\"ended\":0,\"live\":500,"
				"\"desired\":500,\"first_id\":17,\"last_id\":516}}", &rep), 0);
	CU_ASSERT_EQUAL(iso_dec_svc_rep(rep, &r, &e), 0);
	CU_ASSERT_EQUAL(r.created, 500);
	CU_ASSERT_EQUAL(r.first_id, 17);
	CU_ASSERT_EQUAL(r.last_id, 516);
	json_decref(rep);
	CU_ASSERT_EQUAL(op(200, "{\"status\":\"OK\"}", &rep), 0);
	CU_ASSERT_TRUE(json_is_object(rep));
	json_decref(rep);
	CU_ASSERT_EQUAL(op(422, "{\"status\":\"E_QUOTA\",\"error\":\"over the tenant's quota: 501 VMs > 500\"}", &rep),
			1);
	CU_ASSERT_PTR_NULL(rep);
	CU_ASSERT_STRING_EQUAL(e.status, "E_QUOTA");
	CU_ASSERT_STRING_EQUAL(e.text, "over the tenant's quota: 501 VMs > 500");
	/* No text: the kernel's own for that status. */
	CU_ASSERT_EQUAL(op(403, "{\"status\":\"E_AUTH\"}", &rep), 1);
	CU_ASSERT_STRING_EQUAL(e.text, ctl_status_text(CTL_E_AUTH));
	CU_ASSERT_EQUAL(op(503, "{\"status\":\"KERNEL_DOWN\",\"error\":\"the kernel is restarting\"}", &rep), 1);
	CU_ASSERT_STRING_EQUAL(e.status, "KERNEL_DOWN");
	/* A 200 whose status is not OK is still a refusal. */
	CU_ASSERT_EQUAL(op(200, "{\"status\":\"E_REPLAY\",\"error\":\"old\"}", &rep), 1);
	CU_ASSERT_STRING_EQUAL(e.status, "E_REPLAY");
}

static void test_malformed(void)
{
	static const struct { long http; const char *body; } bad[] = {
		{ 200, "" }, { 200, "[]" }, { 200, "{\"status\":\"OK\",\"reply\":5}" }, { 200, "{\"status\":1}" },
		{ 200, "{\"status\":\"OK\"" }, { 500, "<html>oops</html>" }, { 403, "{\"status\":\"e auth\"}" },
		{ 403, "{\"status\":\"E_AUTHXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\"}" }, { 403, "{}" }, { 0, "{}" },
		{ 200, "{\"status\":\"OK\",\"status\":\"OK\"}" },
	};
	json_t *rep;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = op(bad[i].http, bad[i].body, &rep);
		CU_ASSERT_TRUE(r == -1 || (r == 1 && bad[i].http == 200));
		CU_ASSERT_PTR_NULL(rep);
	}
	/* Control bytes in a refusal's text do not reach the terminal. */
	CU_ASSERT_EQUAL(op(400, "{\"status\":\"E_ARG\",\"error\":\"a\\u001b[2Jb\"}", &rep), 1);
	CU_ASSERT_PTR_NULL(strchr(e.text, 0x1b));
}

static void test_tenants(void)
{
	const char *body = "{\"tenants\":[{\"id\":1,\"name\":\"alice\",\"max_vms\":20000,\"max_mem_kib\":524288,"
			   "\"cpu_share\":1,\"live_vms\":500,\"mem_kib\":1000,\"cpu_ns\":123456789012,\"services\":1,"
			   "\"images\":1,\"image_bytes\":40000,\"refused\":{\"auth\":2,\"replay\":1,\"quota\":3}},"
			   "{\"id\":2,\"name\":\"bob\",\"max_vms\":10,\"max_mem_kib\":1024,\"cpu_share\":5}]}";
	struct ctl_tenant_info *t;
	json_t *root;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(iso_decode(200, body, strlen(body), &root, &e), 0);
	CU_ASSERT_EQUAL_FATAL(iso_dec_tenants(root, &t, &n, &e), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(t[0].tenant, 1);
	CU_ASSERT_STRING_EQUAL(t[0].name, "alice");
	CU_ASSERT_EQUAL(t[0].max_mem_kib, 524288);
	CU_ASSERT_EQUAL(t[0].cpu_ns, 123456789012ull);
	CU_ASSERT_EQUAL(t[0].refused_quota, 3);
	CU_ASSERT_EQUAL(t[1].cpu_share, 5);
	CU_ASSERT_EQUAL(t[1].live_vms, 0);
	free(t);
	json_decref(root);
}

static void test_tenants_bad(void)
{
	static const char *const bad[] = {
		"{}", "{\"tenants\":{}}", "{\"tenants\":[1]}",
		"{\"tenants\":[{\"id\":255,\"name\":\"a\",\"max_vms\":1,\"max_mem_kib\":1,\"cpu_share\":1}]}",
		"{\"tenants\":[{\"id\":1,\"name\":\"a\",\"max_vms\":-1,\"max_mem_kib\":1,\"cpu_share\":1}]}",
		"{\"tenants\":[{\"id\":1,\"name\":\"a\",\"max_vms\":4294967296,\"max_mem_kib\":1,\"cpu_share\":1}]}",
		"{\"tenants\":[{\"id\":1,\"name\":\"0123456789012345678901234567890123\",\"max_vms\":1,"
		"\"max_mem_kib\":1,\"cpu_share\":1}]}",
		"{\"tenants\":[{\"id\":1,\"name\":\"a\",\"max_vms\":1,\"max_mem_kib\":1}]}",
		"{\"tenants\":[{\"id\":1,\"name\":\"a\",\"max_vms\":1,\"max_mem_kib\":1,\"cpu_share\":1,\"refused\":3}]}",
		"{\"tenants\":[{\"id\":1.5,\"name\":\"a\",\"max_vms\":1,\"max_mem_kib\":1,\"cpu_share\":1}]}",
	};
	struct ctl_tenant_info *t;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *root;
		CU_ASSERT_EQUAL_FATAL(iso_decode(200, bad[i], strlen(bad[i]), &root, &e), 0);
		CU_ASSERT_EQUAL(iso_dec_tenants(root, &t, &n, &e), -1);
		CU_ASSERT_PTR_NULL(t);
		CU_ASSERT_EQUAL(n, 0);
		json_decref(root);
	}
}

static const char sha_hex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
			      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void test_pages(void)
{
	char body[2048];
	const json_t *items;
	struct ctl_svc s;
	struct iso_vm v;
	uint32_t next;
	json_t *rep;

	snprintf(body, sizeof(body), "{\"status\":\"OK\",\"reply\":{\"next\":null,\"items\":[{\"name\":\"web\","
		 "\"image_sha512\":\"%s\",\"image\":3,\"desired\":500,\"live\":499,\"quota_kib\":256,\"guar_kib\":32,"
		 "\"args\":\"80\"}]}}", sha_hex);
	CU_ASSERT_EQUAL_FATAL(op(200, body, &rep), 0);
	CU_ASSERT_EQUAL_FATAL(iso_dec_page(rep, &items, &next, &e), 0);
	CU_ASSERT_EQUAL(next, CTL_LIST_END);
	CU_ASSERT_EQUAL_FATAL(iso_dec_svc(json_array_get(items, 0), &s, &e), 0);
	CU_ASSERT_STRING_EQUAL(s.name, "web");
	CU_ASSERT_EQUAL(s.image_sha512[1], 0x11);
	CU_ASSERT_EQUAL(s.image_sha512[63], 0xff);
	CU_ASSERT_EQUAL(s.live, 499);
	CU_ASSERT_STRING_EQUAL(s.args, "80");
	json_decref(rep);

	CU_ASSERT_EQUAL_FATAL(op(200, "{\"status\":\"OK\",\"reply\":{\"next\":77,\"items\":[{\"id\":17,\"image\":3,"
				 "\"state\":\"blocked\",\"hypercalls\":9,\"cpu_ns\":5000000,\"priv_kib\":24,\"rx_frames\":12,"
				 "\"tx_frames\":11,\"rx_drops\":0,\"service\":1},{\"id\":18,\"state\":2,\"rx_frames\":0,"
				 "\"reserved\":[2,0,0]},{\"id\":19,\"image\":\"web\",\"state\":\"running\",\"rx_frames\":5,"
				 "\"service\":\"web\"}]}}", &rep), 0);
	CU_ASSERT_EQUAL_FATAL(iso_dec_page(rep, &items, &next, &e), 0);
	CU_ASSERT_EQUAL(next, 77);
	CU_ASSERT_EQUAL_FATAL(iso_dec_vm(json_array_get(items, 0), &v, &e), 0);
	CU_ASSERT_EQUAL(v.v.id, 17);
	CU_ASSERT_EQUAL(v.v.state, CTL_VM_BLOCKED);
	CU_ASSERT_EQUAL(v.v.rx_frames, 12);
	CU_ASSERT_TRUE(iso_vm_in_svc(&v, &s, 0));
	CU_ASSERT_EQUAL_FATAL(iso_dec_vm(json_array_get(items, 1), &v, &e), 0);
	CU_ASSERT_EQUAL(v.v.state, CTL_VM_RUNNING);
	CU_ASSERT_EQUAL(v.svc, 2);
	CU_ASSERT_FALSE(iso_vm_in_svc(&v, &s, 0));
	CU_ASSERT_EQUAL_FATAL(iso_dec_vm(json_array_get(items, 2), &v, &e), 0);
	CU_ASSERT_TRUE(iso_vm_in_svc(&v, &s, 0));
	json_decref(rep);
}

static void test_items_bad(void)
{
	static const char *const vms[] = {
		"{}", "{\"id\":1,\"state\":\"sleeping\",\"rx_frames\":0}", "{\"id\":1,\"state\":4,\"rx_frames\":0}",
		"{\"id\":1,\"state\":1}", "{\"id\":1,\"state\":1,\"rx_frames\":0,\"reserved\":[300]}",
		"{\"id\":1,\"state\":1,\"rx_frames\":0,\"service\":-1}", "[]",
	};
	static const char *const svcs[] = {
		"{\"name\":\"web\",\"image_sha512\":\"00\",\"desired\":1,\"live\":1}",
		"{\"name\":\"w b\",\"image_sha512\":\"%s\",\"desired\":1,\"live\":1}",
		"{\"name\":\"web\",\"image_sha512\":\"%s\",\"live\":1}",
		"{\"name\":\"web\",\"image_sha512\":\"%s\",\"desired\":1,\"live\":1,\"args\":\"\\u0007\"}",
	};
	struct ctl_svc s;
	struct iso_vm v;
	char body[512];
	const json_t *items;
	uint32_t next;

	for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++) {
		json_t *j = json_loads(vms[i], 0, NULL);
		CU_ASSERT_EQUAL(iso_dec_vm(j, &v, &e), -1);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		snprintf(body, sizeof(body), svcs[i], sha_hex);
		json_t *j = json_loads(body, 0, NULL);
		CU_ASSERT_EQUAL(iso_dec_svc(j, &s, &e), -1);
		json_decref(j);
	}
	json_t *j = json_loads("{\"next\":-1,\"items\":[]}", 0, NULL);
	CU_ASSERT_EQUAL(iso_dec_page(j, &items, &next, &e), -1);
	json_decref(j);
	j = json_loads("{\"next\":null}", 0, NULL);
	CU_ASSERT_EQUAL(iso_dec_page(j, &items, &next, &e), -1);
	json_decref(j);
}

static void test_upload_and_image(void)
{
	char body[512];
	struct ctl_image img;
	uint8_t sha[64];
	uint64_t bytes;
	json_t *j;

	snprintf(body, sizeof(body), "{\"sha512\":\"%s\",\"bytes\":40960}", sha_hex);
	CU_ASSERT_EQUAL_FATAL(iso_decode(200, body, strlen(body), &j, &e), 0);
	CU_ASSERT_EQUAL(iso_dec_upload(j, sha, &bytes, &e), 0);
	CU_ASSERT_EQUAL(bytes, 40960);
	CU_ASSERT_EQUAL(sha[2], 0x22);
	json_decref(j);
	j = json_loads("{\"sha512\":\"ABCD\",\"bytes\":1}", 0, NULL);
	CU_ASSERT_EQUAL(iso_dec_upload(j, sha, &bytes, &e), -1);
	json_decref(j);
	j = json_loads("{\"id\":4,\"instances\":0,\"text_pages\":3,\"data_pages\":1,\"bss_pages\":2,"
		       "\"shared_bytes\":16384,\"name\":\"http\"}", 0, NULL);
	CU_ASSERT_EQUAL(iso_dec_image(j, &img, &e), 0);
	CU_ASSERT_EQUAL(img.id, 4);
	CU_ASSERT_EQUAL(img.shared_bytes, 16384);
	CU_ASSERT_STRING_EQUAL(img.name, "http");
	json_decref(j);
	j = json_loads("{\"name\":\"http\"}", 0, NULL);
	CU_ASSERT_EQUAL(iso_dec_image(j, &img, &e), -1);
	json_decref(j);
}

/* A log line's JSON: "vm=ID TEXT" names the VM (0 too); anything else, or bytes that are not UTF-8, still a line. */
static void test_log_json(void)
{
	static const struct { const char *in; long long vm; const char *line; } cases[] = {
		{ "vm=0 http listening", 0, "http listening" }, { "vm=4294967295 x", 4294967295ll, "x" },
		{ "vm=4294967296 x", -1, "vm=4294967296 x" }, { "vm= x", -1, "vm= x" }, { "vm=1x y", -1, "vm=1x y" },
		{ "kernel says hi", -1, "kernel says hi" }, { "vm=7 ", 7, "" }, { "vm=12", -1, "vm=12" },
		{ "vm=3 caf\xff\xfe", 3, "caf??" }, { "vm=3 caf\xc3\xa9", 3, "caf\xc3\xa9" }, { "", -1, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = iso_log_json(cases[i].in, strlen(cases[i].in));
		json_t *vm = json_object_get(j, "vm");
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "line")), cases[i].line);
		if (cases[i].vm < 0) {
			CU_ASSERT_PTR_NULL(vm);
		} else {
			CU_ASSERT_EQUAL(json_integer_value(vm), cases[i].vm);
		}
		json_decref(j);
	}
}

int unit_suite_isoctl_reply(void)
{
	CU_pSuite s = CU_add_suite("isoctl_reply", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "OK replies and refusals by status", test_ok_and_refusals);
	CU_add_test(s, "malformed replies are failures, not crashes", test_malformed);
	CU_add_test(s, "GET /v1/tenants", test_tenants);
	CU_add_test(s, "tenants out of range or of the wrong type", test_tenants_bad);
	CU_add_test(s, "SVCS and T_LIST pages", test_pages);
	CU_add_test(s, "bad services and VMs", test_items_bad);
	CU_add_test(s, "the image upload and T_LOAD replies", test_upload_and_image);
	CU_add_test(s, "log lines as JSON", test_log_json);
	return 0;
}
