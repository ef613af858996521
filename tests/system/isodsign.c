/* isodsign.c - the isod system test's signer: makes key pairs and prints signed ops as POST /v1/ops bodies (hostlib/ctlauth). */
/*
 *   isodsign keygen NAME                          NAME.key, NAME.pub
 *   isodsign [-c COUNTER] KEY SIGNER OP ARGS...   {"op":"OP","payload":"<hex>"} on stdout, where ARGS are
 *     T_ADD ID MAX_VMS MAX_MEM_KIB CPU_SHARE PUBFILE NAME     T_SET ID MAX_VMS MAX_MEM_KIB CPU_SHARE
 *     T_DEL ID        T_LOAD SHA512HEX NAME        SVC_SET NAME SHA512HEX COUNT QUOTA_KIB GUAR_KIB [ARGS]
 *     SVC_DEL NAME    SVCS START    T_LIST START    T_DESTROY VMID    T_SAVE VMID
 *   The counter is ctlauth_next_counter(KEY) unless -c gives one. For the logs endpoint, -s SERVICE wraps an SVCS
 *   payload as {"service":..,"payload":..,"tail":N}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ctl.h"
#include "ctlauth.h"

static void die(const char *m)
{
	fprintf(stderr, "isodsign: %s\n", m);
	exit(2);
}

static unsigned long num(const char *s)
{
	char *e;
	unsigned long v = strtoul(s, &e, 0);

	if (!*s || *e)
		die("expected a number");
	return v;
}

static void need(int argc, int n)
{
	if (argc < n)
		die("too few arguments for the op (see the top of isodsign.c)");
}

static void sha(const char *hex, uint8_t out[64])
{
	if (ctlauth_unhex(hex, out, 64) < 0)
		die("a sha512 is 128 hex digits");
}

/* The op's struct from the arguments after OP: its size. */
static size_t body(uint16_t op, int argc, char **a, uint8_t *p)
{
	char err[256];

	switch (op) {
	case CTL_OP_T_ADD: case CTL_OP_T_SET: {
		struct ctl_tenant_req t = { 0 };
		need(argc, op == CTL_OP_T_ADD ? 6 : 4);
		t.tenant = (uint32_t)num(a[0]);
		t.max_vms = (uint32_t)num(a[1]);
		t.max_mem_kib = num(a[2]);
		t.cpu_share = (uint32_t)num(a[3]);
		if (op == CTL_OP_T_ADD) {
			if (ctlauth_read_pub(a[4], t.pubkey, err, sizeof err) < 0)
				die(err);
			snprintf(t.name, sizeof t.name, "%s", a[5]);
		}
		memcpy(p, &t, sizeof t);
		return sizeof t;
	}
	case CTL_OP_T_DEL: {
		struct ctl_tenant_ref t = { 0 };
		need(argc, 1);
		t.tenant = (uint32_t)num(a[0]);
		memcpy(p, &t, sizeof t);
		return sizeof t;
	}
	case CTL_OP_T_LOAD: {
		struct ctl_tload_req t = { 0 };
		need(argc, 2);
		sha(a[0], t.sha512);
		snprintf(t.name, sizeof t.name, "%s", a[1]);
		memcpy(p, &t, sizeof t);
		return sizeof t;
	}
	case CTL_OP_SVC_SET: {
		struct ctl_svc_req s = { 0 };
		need(argc, 5);
		snprintf(s.name, sizeof s.name, "%s", a[0]);
		sha(a[1], s.image_sha512);
		s.count = (uint32_t)num(a[2]);
		s.quota_kib = (uint32_t)num(a[3]);
		s.guar_kib = (uint32_t)num(a[4]);
		if (argc > 5)
			snprintf(s.args, sizeof s.args, "%s", a[5]);
		memcpy(p, &s, sizeof s);
		return sizeof s;
	}
	case CTL_OP_SVC_DEL: {
		struct ctl_svc_ref s = { 0 };
		need(argc, 1);
		snprintf(s.name, sizeof s.name, "%s", a[0]);
		memcpy(p, &s, sizeof s);
		return sizeof s;
	}
	case CTL_OP_SVCS: case CTL_OP_T_LIST: {
		struct ctl_page_req pg = { 0, 0 };
		need(argc, 1);
		pg.start = (uint32_t)num(a[0]);
		memcpy(p, &pg, sizeof pg);
		return sizeof pg;
	}
	case CTL_OP_T_DESTROY: case CTL_OP_T_SAVE: {
		struct ctl_vm_req v = { 0 };
		need(argc, 1);
		v.id = (uint32_t)num(a[0]);
		memcpy(p, &v, sizeof v);
		return sizeof v;
	}
	}
	die("unknown op");
	return 0;
}

static uint16_t op_number(const char *name)
{
#define CTL_O_MATCH(n, num, req, rep) if (!strcmp(name, #n)) return num;
	CTL_OPS(CTL_O_MATCH)
#undef CTL_O_MATCH
	die("unknown op");
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t p[1024], sk[64];
	char err[256], hex[2 * sizeof p + 1];
	uint64_t counter = 0;
	const char *service = NULL;
	int i = 1;

	if (ctlauth_init() < 0)
		die("libsodium");
	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		if (ctlauth_keygen(argv[2], err, sizeof err) < 0)
			die(err);
		return 0;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-c"))
			counter = num(argv[i + 1]);
		else if (!strcmp(argv[i], "-s"))
			service = argv[i + 1];
		else
			die("options: -c COUNTER, -s SERVICE");
	}
	if (argc - i < 3)
		die("usage: isodsign [-c COUNTER] [-s SERVICE] KEY SIGNER OP ARGS... | isodsign keygen NAME");
	if (ctlauth_read_key(argv[i], sk, err, sizeof err) < 0)
		die(err);
	if (!counter && !(counter = ctlauth_next_counter(argv[i], err, sizeof err)))
		die(err);
	uint16_t op = op_number(argv[i + 2]);
	size_t n = body(op, argc - i - 3, argv + i + 3, p);
	n = ctlauth_sign(op, p, n, (uint32_t)num(argv[i + 1]), counter, sk);
	ctlauth_hex(p, n, hex);
	json_t *j = service ? json_pack("{s:s,s:s,s:i}", "service", service, "payload", hex, "tail", 1000)
			    : json_pack("{s:s,s:s}", "op", argv[i + 2], "payload", hex);
	char *s = json_dumps(j, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(j);
	return 0;
}
