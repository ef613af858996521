/* isodfuzz.c - libFuzzer harness of isod's request parsing: JSON bodies, hex payloads -> ctl payloads, kernel replies -> JSON (isod/codec.c). */
/*
 * The first input byte picks what the rest is: a POST /v1/ops body, a POST /v1/logs body, a kernel reply to an op
 * (second byte), or raw payload bytes that the harness wraps as {"op": <op>, "payload": "<hex>"}. Checks beyond "no
 * crash, no sanitizer report": an accepted op has exactly its op's payload length and a relayed op's name; wrapped
 * bytes are accepted exactly when their length is the op's, and come back byte for byte; a reply's JSON dumps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../isod/isod.h"

static const uint16_t ops[] = { CTL_OP_T_ADD, CTL_OP_T_SET, CTL_OP_T_DEL, CTL_OP_T_LOAD, CTL_OP_SVC_SET,
				CTL_OP_SVC_DEL, CTL_OP_SVCS, CTL_OP_T_LIST, CTL_OP_T_DESTROY, CTL_OP_T_SAVE };
#define NOPS (sizeof ops / sizeof ops[0])

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "isodfuzz: check failed: %s\n", what);
		abort();
	}
}

static void fuzz_ops(const uint8_t *p, size_t n)
{
	struct isod_req r;
	const char *st = NULL;
	char err[256];

	if (codec_parse_op((const char *)p, n, &r, &st, err, sizeof err) == 0) {
		check(r.op && codec_payload_len(r.op) == r.len, "an accepted op has its payload length");
		check(strcmp(codec_op_name(r.op), "?") != 0, "an accepted op has a name");
		(void)codec_signer(&r);
	} else {
		check(st && (!strcmp(st, "BAD_JSON") || !strcmp(st, "BAD_REQUEST")), "a refusal names its status");
	}
}

static void fuzz_logs(const uint8_t *p, size_t n)
{
	struct isod_logreq lr;
	const char *st = NULL;
	char err[256];

	if (codec_parse_logs((const char *)p, n, &lr, &st, err, sizeof err) == 0) {
		size_t k = strlen(lr.service);
		check(k > 0 && k < CTL_NAME_MAX && !strchr(lr.service, '/'), "a service name is a file name part");
		check(lr.svcs.op == CTL_OP_SVCS && lr.svcs.len == codec_payload_len(CTL_OP_SVCS), "logs carry an SVCS");
	}
}

static void fuzz_reply(uint16_t op, const uint8_t *p, size_t n)
{
	json_t *j = codec_reply(op, p, n);

	if (j) {
		char *s = json_dumps(j, JSON_COMPACT);
		check(s != NULL, "a reply dumps");
		free(s);
		json_decref(j);
	}
}

static void fuzz_wrapped(uint16_t op, const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_t *j;
	char *body;
	struct isod_req r;
	const char *st;
	char err[256];

	codec_hex(p, n, hex);
	j = json_pack("{s:s,s:s}", "op", codec_op_name(op), "payload", hex);
	body = json_dumps(j, JSON_COMPACT);
	int rc = codec_parse_op(body, strlen(body), &r, &st, err, sizeof err);
	check((rc == 0) == (n == codec_payload_len(op)), "a wrapped payload is accepted iff its length is the op's");
	if (rc == 0)
		check(r.op == op && r.len == n && !memcmp(r.payload, p, n), "the payload comes back byte for byte");
	free(body);
	free(hex);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	switch (data[0] % 4) {
	case 0: fuzz_ops(data + 1, size - 1); break;
	case 1: fuzz_logs(data + 1, size - 1); break;
	case 2: fuzz_reply(ops[data[1] % NOPS], data + 2, size - 2); break;
	case 3: fuzz_wrapped(ops[data[1] % NOPS], data + 2, size - 2); break;
	}
	return 0;
}

#ifndef ISODFUZZ_LIBFUZZER
/* Without libFuzzer: ISODFUZZ_RUNS inputs (default 20000) from ISODFUZZ_SEED: valid bodies with bytes flipped,
 * cut or inserted, and random bytes. */
static const char *const seeds[] = {
	"\x00{\"op\":\"T_DEL\",\"payload\":\"0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"}",
	"\x01{\"service\":\"web\",\"payload\":\"00\",\"tail\":5,\"follow\":true}",
	"\x00{\"op\":\"SVC_SET\",\"payload\":\"\"}",
	"\x00[]",
};

int main(void)
{
	static uint8_t in[8192];
	const char *r = getenv("ISODFUZZ_RUNS"), *s = getenv("ISODFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 20000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("isodfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		size_t n;
		if (k % 2) {
			const char *sd = seeds[(size_t)rand() % (sizeof seeds / sizeof seeds[0])];
			n = 1 + strlen(sd + 1);
			memcpy(in, sd, n);
			for (int m = rand() % 4; m >= 0; m--)
				in[(size_t)rand() % n] = (uint8_t)rand();
			if (rand() % 3 == 0)
				n = (size_t)rand() % n + 1;
		} else {
			n = (size_t)rand() % 1200;
			for (size_t i = 0; i < n; i++)
				in[i] = (uint8_t)rand();
		}
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("isodfuzz: ok\n");
	return 0;
}
#endif
