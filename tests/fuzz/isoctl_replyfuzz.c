/* isoctl_replyfuzz.c - libFuzzer harness of isoctl's reply decoding (isoctl/reply.c): isod's JSON is input too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libisoctl.h"

/* The first byte picks the HTTP status; the rest is the body, decoded as every reply isoctl reads, and as log text. */
static const long statuses[] = { 200, 201, 400, 403, 404, 409, 413, 422, 500, 503, 0, 99, 600, 204 };

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "isoctl_replyfuzz: %s failed\n", #c); abort(); } } while (0)

static void check_err(int r, const struct iso_err *e)
{
	CHECK(memchr(e->status, 0, sizeof(e->status)) && memchr(e->text, 0, sizeof(e->text)));
	if (r == 1)
		CHECK(e->status[0] != 0);
	for (const char *p = e->text; r == 1 && *p; p++)
		CHECK(*p >= 0x20 && *p < 0x7f);
}

static void items(const json_t *reply)
{
	const json_t *list;
	struct iso_err e;
	uint32_t next;

	if (iso_dec_page(reply, &list, &next, &e) != 0)
		return;
	for (size_t i = 0; i < json_array_size(list); i++) {
		struct ctl_svc s;
		struct iso_vm v;
		if (iso_dec_svc(json_array_get(list, i), &s, &e) == 0) {
			CHECK(s.name[CTL_NAME_MAX - 1] == 0 && s.args[CTL_ARGS_MAX - 1] == 0);
			CHECK(iso_check_name("service", s.name, &e) == 0);
		}
		if (iso_dec_vm(json_array_get(list, i), &v, &e) == 0) {
			CHECK(v.v.state >= CTL_VM_RUNNABLE && v.v.state <= CTL_VM_BLOCKED);
			CHECK(v.svc_name[CTL_NAME_MAX - 1] == 0);
			(void)iso_vm_in_svc(&v, &s, 0);
		}
	}
}

static void every_decoder(const json_t *j)
{
	struct ctl_tenant_info *t;
	struct ctl_svc_rep rep;
	struct ctl_image img;
	struct iso_err e;
	uint8_t sha[64];
	uint64_t bytes;
	size_t n;

	if (iso_dec_tenants(j, &t, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			CHECK(t[i].tenant <= CTL_TENANT_MAX && t[i].name[CTL_NAME_MAX - 1] == 0);
		free(t);
	} else {
		CHECK(t == NULL && n == 0);
	}
	(void)iso_dec_svc_rep(j, &rep, &e);
	if (iso_dec_image(j, &img, &e) == 0)
		CHECK(img.name[CTL_NAME_MAX - 1] == 0);
	(void)iso_dec_upload(j, sha, &bytes, &e);
	items(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iso_err e;
	json_t *root, *reply;
	long http;
	int r;

	if (size < 1)
		return 0;
	/* The same bytes as a line of isod's log text (a VM's output: untrusted): always a JSON line. */
	root = iso_log_json((const char *)data + 1, size - 1);
	CHECK(root && json_is_string(json_object_get(root, "line")));
	json_decref(root);
	http = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	r = iso_decode(http, (const char *)data + 1, size - 1, &root, &e);
	CHECK(r >= -1 && r <= 1 && (r == 0) == (root != NULL));
	check_err(r, &e);
	if (root) {
		every_decoder(root);
		json_decref(root);
	}
	r = iso_decode_op(http, (const char *)data + 1, size - 1, &reply, &e);
	CHECK(r >= -1 && r <= 1 && (r == 0) == (reply != NULL));
	check_err(r, &e);
	if (reply) {
		CHECK(json_is_object(reply));
		every_decoder(reply);
		json_decref(reply);
	}
	return 0;
}

#ifndef ISOFUZZ_LIBFUZZER
/* Without libFuzzer: ISOCTLFUZZ_RUNS inputs (default 20000) from ISOCTLFUZZ_SEED: seeds with random bytes changed. */
static const char *const seeds[] = {
	"{\"status\":\"OK\",\"reply\":{\"next\":null,\"items\":[{\"id\":17,\"state\":\"running\",\"rx_frames\":3,"
	"\"service\":1}]}}",
	"{\"status\":\"E_QUOTA\",\"error\":\"over the quota\"}",
	"{\"tenants\":[{\"id\":1,\"name\":\"alice\",\"max_vms\":5,\"max_mem_kib\":1024,\"cpu_share\":1,"
	"\"refused\":{\"auth\":1}}]}",
	"{\"status\":\"OK\",\"reply\":{\"created\":5,\"live\":5,\"desired\":5,\"first_id\":1,\"last_id\":5}}",
};

int main(void)
{
	static uint8_t in[4096];
	const char *r = getenv("ISOCTLFUZZ_RUNS"), *s = getenv("ISOCTLFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 20000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("isoctl_replyfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		const char *b = seeds[(size_t)rand() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t n = strlen(b) + 1;
		in[0] = (uint8_t)rand();
		memcpy(in + 1, b, n - 1);
		for (int m = rand() % 4; m >= 0; m--)
			in[1 + (size_t)rand() % (n - 1)] = (uint8_t)(rand() % 4 ? "{}[]\":,0123456789-ntu\\"[rand() % 22] : rand());
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("isoctl_replyfuzz: ok\n");
	return 0;
}
#endif
