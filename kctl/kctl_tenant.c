/* kctl_tenant.c - kctl's tenant-mode commands: requests signed with hostlib/ctlauth (pvisa/ctl.h "Tenants"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "kctl.h"
#include "ctlauth.h"

/* The signer: its key file, tenant id, and where to keep a copy of each signed request (--save-req). */
static struct {
	const char *keypath, *tenant, *save_req;
	uint8_t sk[64];
	uint32_t id;
} sg;

/* Take --key, --tenant and --save-req out of argv (the rest keep their order); *argc shrinks. */
static void take_signer_opts(int *argc, char **argv)
{
	int o = 1;

	sg.keypath = getenv("KCTL_KEY");
	sg.tenant = getenv("KCTL_TENANT");
	for (int i = 1; i < *argc; i++) {
		const char **dst = !strcmp(argv[i], "--key") ? &sg.keypath : !strcmp(argv[i], "--tenant") ? &sg.tenant
				 : !strcmp(argv[i], "--save-req") ? &sg.save_req : NULL;
		if (dst && i + 1 < *argc)
			*dst = argv[++i];
		else if (dst)
			die_with(K_USAGE, "%s needs a value", argv[i]);
		else
			argv[o++] = argv[i];
	}
	*argc = o;
}

/* Every tenant (TENANTS pages); *n of them. */
static struct ctl_tenant_info *all_tenants(uint32_t *n, struct reply *r)
{
	return all_pages(CTL_OP_TENANTS, "tenants", sizeof(struct ctl_tenant_info), n, r);
}

/* A tenant id: a number, or a tenant's name (TENANTS). */
static uint32_t tenant_id(const char *s, struct reply *r)
{
	uint32_t n, id = UINT32_MAX;
	struct ctl_tenant_info *v;

	if (*s && strspn(s, "0123456789") == strlen(s))
		return (uint32_t)num(s, "tenant", CTL_TENANT_MAX);
	v = all_tenants(&n, r);
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, s))
			id = v[i].tenant;
	free(v);
	if (id == UINT32_MAX)
		die_with(K_KERNEL, "no tenant named %s (kctl tenants)", s);
	return id;
}

/* Read the key; the signer's tenant (operator: 0 unless --tenant says otherwise). */
static void load_signer(int operator, struct reply *r)
{
	char err[512];

	if (!sg.keypath)
		die_with(K_USAGE, "a signed request needs --key FILE (or $KCTL_KEY)");
	if (ctlauth_init() != 0 || ctlauth_read_key(sg.keypath, sg.sk, err, sizeof(err)) != 0)
		die_with(K_USAGE, "%s", ctlauth_init() != 0 ? "libsodium failed to start" : err);
	if (!sg.tenant && !operator)
		die_with(K_USAGE, "a tenant's request needs --tenant ID|NAME (or $KCTL_TENANT)");
	sg.id = sg.tenant ? tenant_id(sg.tenant, r) : 0;
}

/* op, 0, len (le16, le16, le32), then the payload: what `send` sends again. */
static void save_request(uint16_t op, const uint8_t *p, uint32_t len)
{
	FILE *f = fopen(sg.save_req, "wb");
	uint8_t h[8] = { (uint8_t)op, (uint8_t)(op >> 8), 0, 0, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
			 (uint8_t)(len >> 24) };

	if (!f || fwrite(h, 1, sizeof(h), f) != sizeof(h) || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die_with(K_USAGE, "%s: %s", sg.save_req, strerror(errno));
}

/* Sign body (body bytes in buf, room for ctl_auth after it); the payload's length. */
static uint32_t sign(uint16_t op, uint8_t *buf, size_t body)
{
	char err[512];
	uint64_t counter = ctlauth_next_counter(sg.keypath, err, sizeof(err));
	uint32_t len;

	if (!counter)
		die_with(K_USAGE, "%s", err);
	len = (uint32_t)ctlauth_sign(op, buf, body, sg.id, counter, sg.sk);
	if (sg.save_req)
		save_request(op, buf, len);
	return len;
}

/* Sign q (body bytes) for op, send it, read the reply (errors: exit 1). */
static void signed_call(uint16_t op, const void *q, size_t body, struct reply *r, const char *what, uint32_t want)
{
	uint8_t buf[512 + sizeof(struct ctl_auth)];

	memcpy(buf, q, body);
	call(op, buf, sign(op, buf, body), r, what, want);
}

static int cmd_keygen(int argc, char **argv, struct reply *r)
{
	char err[512];

	(void)r;
	if (argc != 2)
		die_with(K_USAGE, "usage: kctl keygen NAME");
	if (ctlauth_init() != 0 || ctlauth_keygen(argv[1], err, sizeof(err)) != 0)
		die_with(K_USAGE, "keygen: %s", err);
	printf("wrote %s.key (secret) and %s.pub\n", argv[1], argv[1]);
	return K_OK;
}

/* --max-vms, --max-mem, --cpu-share (and --pubkey for T_ADD) into q, from argv[from]. */
static void quota_opts(int argc, char **argv, int from, struct ctl_tenant_req *q, const char **pub)
{
	for (int i = from; i < argc; i += 2) {
		if (i + 1 >= argc)
			die_with(K_USAGE, "%s needs a value", argv[i]);
		if (!strcmp(argv[i], "--max-vms"))
			q->max_vms = (uint32_t)num(argv[i + 1], "--max-vms", UINT32_MAX);
		else if (!strcmp(argv[i], "--max-mem"))
			q->max_mem_kib = num(argv[i + 1], "--max-mem (KiB)", UINT64_MAX >> 1);
		else if (!strcmp(argv[i], "--cpu-share"))
			q->cpu_share = (uint32_t)num(argv[i + 1], "--cpu-share", 1000);
		else if (pub && !strcmp(argv[i], "--pubkey"))
			*pub = argv[i + 1];
		else
			die_with(K_USAGE, "unknown option %s", argv[i]);
	}
}

static int cmd_tenant_add(int argc, char **argv, struct reply *r)
{
	struct ctl_tenant_req q = { 0, 1000, 262144, 100, 0, { 0 }, { 0 } };
	const char *pub = NULL;
	char err[512];

	take_signer_opts(&argc, argv);
	if (argc < 3)
		die_with(K_USAGE, "usage: kctl tenant-add ID NAME --pubkey FILE.pub [--max-vms N (1000)] [--max-mem KiB "
			 "(262144)] [--cpu-share N (100)] --key operator.key");
	q.tenant = (uint32_t)num(argv[1], "ID", CTL_TENANT_MAX);
	if (strlen(argv[2]) >= CTL_NAME_MAX)
		die_with(K_USAGE, "NAME: at most %u bytes", CTL_NAME_MAX - 1);
	strcpy(q.name, argv[2]);
	quota_opts(argc, argv, 3, &q, &pub);
	if (!pub)
		die_with(K_USAGE, "tenant-add needs --pubkey FILE.pub");
	if (ctlauth_init() != 0 || ctlauth_read_pub(pub, q.pubkey, err, sizeof(err)) != 0)
		die_with(K_USAGE, "%s", err);
	load_signer(1, r);
	signed_call(CTL_OP_T_ADD, &q, sizeof(q), r, "tenant-add", 0);
	printf("tenant %u (%s) admitted: max_vms %u, max_mem %" PRIu64 " KiB, cpu_share %u\n", q.tenant, q.name, q.max_vms,
	       q.max_mem_kib, q.cpu_share);
	return K_OK;
}

static int cmd_tenant_set(int argc, char **argv, struct reply *r)
{
	struct ctl_tenant_req q;
	struct ctl_tenant_info *v;
	uint32_t n, i;

	memset(&q, 0, sizeof(q));
	take_signer_opts(&argc, argv);
	if (argc < 2)
		die_with(K_USAGE, "usage: kctl tenant-set ID|NAME [--max-vms N] [--max-mem KiB] [--cpu-share N] --key operator.key");
	q.tenant = tenant_id(argv[1], r);
	v = all_tenants(&n, r);
	for (i = 0; i < n && v[i].tenant != q.tenant; i++)
		;
	if (i == n)
		die_with(K_KERNEL, "no tenant %u", q.tenant);
	q.max_vms = v[i].max_vms;
	q.max_mem_kib = v[i].max_mem_kib;
	q.cpu_share = v[i].cpu_share;
	free(v);
	quota_opts(argc, argv, 2, &q, NULL);
	load_signer(1, r);
	signed_call(CTL_OP_T_SET, &q, sizeof(q), r, "tenant-set", 0);
	printf("tenant %u: max_vms %u, max_mem %" PRIu64 " KiB, cpu_share %u\n", q.tenant, q.max_vms, q.max_mem_kib,
	       q.cpu_share);
	return K_OK;
}

static int cmd_tenant_del(int argc, char **argv, struct reply *r)
{
	struct ctl_tenant_ref q = { 0, 0 };
	struct ctl_svc_rep sr;

	take_signer_opts(&argc, argv);
	if (argc != 2)
		die_with(K_USAGE, "usage: kctl tenant-del ID|NAME --key operator.key");
	q.tenant = tenant_id(argv[1], r);
	load_signer(1, r);
	signed_call(CTL_OP_T_DEL, &q, sizeof(q), r, "tenant-del", sizeof(sr));
	memcpy(&sr, r->p, sizeof(sr));
	printf("tenant %u removed: %u VMs ended\n", q.tenant, sr.ended);
	return K_OK;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int cmd_tload(int argc, char **argv, struct reply *r)
{
	struct ctl_tload_req q;
	struct ctl_image im;
	uint64_t size;
	char shahex[129];
	uint8_t *b;

	memset(&q, 0, sizeof(q));
	take_signer_opts(&argc, argv);
	if (!(argc == 2 || (argc == 4 && !strcmp(argv[2], "--name"))))
		die_with(K_USAGE, "usage: kctl tload IMG [--name NAME] --key FILE --tenant ID|NAME");
	load_signer(0, r);
	b = read_file(argv[1], &size);
	snprintf(q.name, sizeof(q.name), "%s", argc == 4 ? argv[3] : image_name(argv[1]));
	crypto_hash_sha512(q.sha512, b, size);
	upload(CTL_BLOB_IMAGE, q.name, b, size, r);
	uint8_t buf[sizeof(q) + sizeof(struct ctl_auth)];
	memcpy(buf, &q, sizeof(q));
	load_or_abort(CTL_OP_T_LOAD, buf, sign(CTL_OP_T_LOAD, buf, sizeof(q)), r, "tload");
	if (r->h.len < sizeof(im))
		die_with(K_CONN, "tload: reply of %u bytes", r->h.len);
	memcpy(&im, r->p, sizeof(im));
	hex(q.sha512, 64, shahex);
	printf("image %u: %s (%" PRIu64 " bytes, %" PRIu64 " shared) sha512 %s\n", im.id, im.name, size, im.shared_bytes,
	       shahex);
	free(b);
	return K_OK;
}

/* IMG: 128 hex digits (a SHA-512), else a file hashed. */
static void image_sha(const char *s, uint8_t sha[64])
{
	uint64_t size;
	uint8_t *b;

	if (strlen(s) == 128 && ctlauth_unhex(s, sha, 64) == 0)
		return;
	b = read_file(s, &size);
	crypto_hash_sha512(sha, b, size);
	free(b);
}

static void print_svc_rep(const char *what, const char *name, const struct reply *r)
{
	struct ctl_svc_rep sr;

	memcpy(&sr, r->p, sizeof(sr));
	printf("%s %s: created %u, ended %u, live %u, desired %u", what, name, sr.created, sr.ended, sr.live, sr.desired);
	if (sr.created)
		printf(", ids %u..%u", sr.first_id, sr.last_id);
	printf("\n");
}

/* Take svc-set's --summon, --keep-state and --reclaim-after SECONDS out of argv into q (the rest keep their order). */
static void take_summon_opts(int *argc, char **argv, struct ctl_svc_req *q)
{
	int o = 1;

	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--summon"))
			q->flags |= CTL_SVC_SUMMON;
		else if (!strcmp(argv[i], "--keep-state"))
			q->flags |= CTL_SVC_KEEP_STATE;
		else if (!strcmp(argv[i], "--reclaim-after") && i + 1 < *argc)
			q->reclaim_s = (uint32_t)num(argv[++i], "--reclaim-after SECONDS", 86400u * 366);
		else if (!strcmp(argv[i], "--reclaim-after"))
			die_with(K_USAGE, "--reclaim-after needs a value");
		else
			argv[o++] = argv[i];
	}
	*argc = o;
}

static int cmd_svc_set(int argc, char **argv, struct reply *r)
{
	static struct ctl_svc_req q;

	memset(&q, 0, sizeof(q));
	take_signer_opts(&argc, argv);
	take_summon_opts(&argc, argv, &q);
	if (argc < 4 || argc % 2)
		die_with(K_USAGE, "usage: kctl svc-set NAME IMG|SHA512 N [--args ARGS] [--quota KiB] [--guarantee KiB] "
			 "[--summon [--reclaim-after SECONDS] [--keep-state]] --key FILE --tenant ID|NAME");
	if (strlen(argv[1]) >= CTL_NAME_MAX)
		die_with(K_USAGE, "NAME: at most %u bytes", CTL_NAME_MAX - 1);
	strcpy(q.name, argv[1]);
	q.count = (uint32_t)num(argv[3], "N", UINT32_MAX);
	vm_opts(argc, argv, 4, "svc-set", q.args, &q.quota_kib, &q.guar_kib);
	image_sha(argv[2], q.image_sha512);
	load_signer(0, r);
	signed_call(CTL_OP_SVC_SET, &q, sizeof(q), r, "svc-set", sizeof(struct ctl_svc_rep));
	print_svc_rep("service", q.name, r);
	return K_OK;
}

static int cmd_svc_del(int argc, char **argv, struct reply *r)
{
	struct ctl_svc_ref q;

	memset(&q, 0, sizeof(q));
	take_signer_opts(&argc, argv);
	if (argc != 2 || strlen(argv[1]) >= CTL_NAME_MAX)
		die_with(K_USAGE, "usage: kctl svc-del NAME --key FILE --tenant ID|NAME");
	strcpy(q.name, argv[1]);
	load_signer(0, r);
	signed_call(CTL_OP_SVC_DEL, &q, sizeof(q), r, "svc-del", sizeof(struct ctl_svc_rep));
	print_svc_rep("deleted service", q.name, r);
	return K_OK;
}

/* Every page of a signed SVCS or T_LIST: entries of size esz, *n of them (malloc'd). */
static uint8_t *signed_pages(uint16_t op, size_t esz, uint32_t *n, struct reply *r, const char *what)
{
	struct ctl_page_req q = { 0, 0 };
	struct ctl_page_rep pr;
	uint8_t *v = NULL;

	*n = 0;
	do {
		signed_call(op, &q, sizeof(q), r, what, sizeof(pr));
		memcpy(&pr, r->p, sizeof(pr));
		if (r->h.len != sizeof(pr) + pr.count * esz)
			die_with(K_CONN, "%s: reply of %u bytes for %u entries", what, r->h.len, pr.count);
		v = realloc(v, (*n + pr.count + 1) * esz);
		memcpy(v + *n * esz, r->p + sizeof(pr), pr.count * esz);
		*n += pr.count;
		q.start = pr.next;
	} while (pr.next != CTL_LIST_END && pr.count);
	return v;
}

static int json_flag(int argc, char **argv, const char *usage)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");

	if (argc != 1 && !json)
		die_with(K_USAGE, "usage: %s", usage);
	return json;
}

/* " flags=.. reclaim_s=.. dormant=.. starting=.. saved=.." for a summoned service, else "". */
static const char *summon_fields(const struct ctl_svc *v)
{
	static char b[160];

	if (!(v->flags & CTL_SVC_SUMMON))
		return "";
	snprintf(b, sizeof(b), " flags=%u reclaim_s=%u dormant=%u starting=%u saved=%u", v->flags, v->reclaim_s,
		 v->dormant, v->starting, v->saved);
	return b;
}

static int cmd_svcs(int argc, char **argv, struct reply *r)
{
	struct ctl_svc *v;
	uint32_t n;
	int json;

	take_signer_opts(&argc, argv);
	json = json_flag(argc, argv, "kctl svcs [--json] --key FILE --tenant ID|NAME");
	load_signer(0, r);
	v = (struct ctl_svc *)signed_pages(CTL_OP_SVCS, sizeof(*v), &n, r, "svcs");
	if (json)
		printf("[");
	for (uint32_t i = 0; i < n; i++) {
		char shahex[129];
		hex(v[i].image_sha512, 64, shahex);
		if (json)
			printf("%s\n  {\"name\": \"%s\", \"image\": %u, \"sha512\": \"%s\", \"desired\": %u, \"live\": %u, "
			       "\"quota_kib\": %u, \"guar_kib\": %u, \"flags\": %u, \"reclaim_s\": %u, \"dormant\": %u, "
			       "\"starting\": %u, \"saved\": %u}", i ? "," : "", v[i].name, v[i].image, shahex, v[i].desired,
			       v[i].live, v[i].quota_kib, v[i].guar_kib, v[i].flags, v[i].reclaim_s, v[i].dormant,
			       v[i].starting, v[i].saved);
		else
			printf("%s image=%u desired=%u live=%u quota_kib=%u%s args=\"%s\"\n", v[i].name, v[i].image,
			       v[i].desired, v[i].live, v[i].quota_kib, summon_fields(&v[i]), v[i].args);
	}
	if (json)
		printf("\n]\n");
	free(v);
	return K_OK;
}

static int cmd_tlist(int argc, char **argv, struct reply *r)
{
	struct ctl_vm *v;
	struct ctl_svc *sv;
	uint32_t n, ns;
	int json;

	take_signer_opts(&argc, argv);
	json = json_flag(argc, argv, "kctl tlist [--json] --key FILE --tenant ID|NAME");
	load_signer(0, r);
	sv = (struct ctl_svc *)signed_pages(CTL_OP_SVCS, sizeof(*sv), &ns, r, "svcs");
	v = (struct ctl_vm *)signed_pages(CTL_OP_T_LIST, sizeof(*v), &n, r, "tlist");
	printf(json ? "[" : "%-8s %-9s %-16s %10s %8s\n", "id", "state", "service", "cpu_ms", "priv_kib");
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = v[i].reserved[0];
		const char *svc = k && k <= ns ? sv[k - 1].name : "-";
		const char *st = v[i].state == CTL_VM_RUNNABLE ? "runnable" : v[i].state == CTL_VM_RUNNING ? "running"
			       : v[i].state == CTL_VM_BLOCKED ? "blocked" : "?";
		if (json)
			printf("%s\n  {\"id\": %u, \"image\": %u, \"state\": \"%s\", \"service\": \"%s\", \"cpu_ns\": %" PRIu64
			       ", \"priv_kib\": %u}", i ? "," : "", v[i].id, v[i].image, st, svc, v[i].cpu_ns, v[i].priv_kib);
		else
			printf("%-8u %-9s %-16s %10.3f %8u\n", v[i].id, st, svc, (double)v[i].cpu_ns / 1e6, v[i].priv_kib);
	}
	if (json)
		printf("\n]\n");
	free(v);
	free(sv);
	return K_OK;
}

static int cmd_tdestroy(int argc, char **argv, struct reply *r)
{
	int bad = 0;

	take_signer_opts(&argc, argv);
	if (argc < 2)
		die_with(K_USAGE, "usage: kctl tdestroy ID... --key FILE --tenant ID|NAME");
	for (int i = 1; i < argc; i++)
		num(argv[i], "ID", UINT32_MAX);
	load_signer(0, r);
	for (int i = 1; i < argc; i++) {
		struct ctl_vm_req q = { (uint32_t)num(argv[i], "ID", UINT32_MAX), 0 };
		uint8_t buf[sizeof(q) + sizeof(struct ctl_auth)];
		memcpy(buf, &q, sizeof(q));
		uint32_t len = sign(CTL_OP_T_DESTROY, buf, sizeof(q));
		recv_reply(send_req(CTL_OP_T_DESTROY, buf, len, NULL, 0), CTL_OP_T_DESTROY, r);
		if (r->h.status != CTL_OK) {
			fprintf(stderr, "kctl: tdestroy %u: %s: %s\n", q.id, ctl_status_name(r->h.status), (char *)r->p);
			bad++;
		}
	}
	printf("destroyed %d of %d VMs\n", argc - 1 - bad, argc - 1);
	return bad ? K_KERNEL : K_OK;
}

static int cmd_tsave(int argc, char **argv, struct reply *r)
{
	struct ctl_vm_req q;
	uint8_t buf[sizeof(q) + sizeof(struct ctl_auth)];

	take_signer_opts(&argc, argv);
	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "--end")))
		die_with(K_USAGE, "usage: kctl tsave ID FILE [--end] --key FILE --tenant ID|NAME");
	q = (struct ctl_vm_req){ (uint32_t)num(argv[1], "ID", UINT32_MAX), argc == 4 ? CTL_SAVE_END : 0 };
	load_signer(0, r);
	memcpy(buf, &q, sizeof(q));
	save_stream(CTL_OP_T_SAVE, buf, sign(CTL_OP_T_SAVE, buf, sizeof(q)), q.id, q.flags, argv[2], r);
	return K_OK;
}

static int cmd_tfork(int argc, char **argv, struct reply *r)
{
	struct ctl_fork_req q;
	uint8_t buf[sizeof(q) + sizeof(struct ctl_auth)];

	take_signer_opts(&argc, argv);
	fork_args(argc, argv, "kctl tfork ID [-n N] --key FILE --tenant ID|NAME", &q);
	load_signer(0, r);
	memcpy(buf, &q, sizeof(q));
	recv_reply(send_req(CTL_OP_T_FORK, buf, sign(CTL_OP_T_FORK, buf, sizeof(q)), NULL, 0), CTL_OP_T_FORK, r);
	return fork_result(r, q.vm, q.count);
}

static int cmd_tenants(int argc, char **argv, struct reply *r)
{
	int json = json_flag(argc, argv, "kctl tenants [--json]");
	uint32_t n;
	struct ctl_tenant_info *v = all_tenants(&n, r);

	if (json)
		printf("[");
	for (uint32_t i = 0; i < n; i++) {
		const struct ctl_tenant_info *t = &v[i];
		if (json)
			printf("%s\n  {\"id\": %u, \"name\": \"%s\", \"max_vms\": %u, \"max_mem_kib\": %" PRIu64 ", \"cpu_share\": %u, "
			       "\"live_vms\": %u, \"mem_kib\": %" PRIu64 ", \"cpu_ns\": %" PRIu64 ", \"services\": %u, \"images\": %u, "
			       "\"image_bytes\": %" PRIu64 ", \"refused\": {\"auth\": %" PRIu64 ", \"replay\": %" PRIu64
			       ", \"quota\": %" PRIu64 "}}", i ? "," : "", t->tenant, t->name, t->max_vms, t->max_mem_kib,
			       t->cpu_share, t->live_vms, t->mem_kib, t->cpu_ns, t->services, t->images, t->image_bytes,
			       t->refused_auth, t->refused_replay, t->refused_quota);
		else
			printf("%u %s max_vms=%u max_mem_kib=%" PRIu64 " cpu_share=%u live_vms=%u mem_kib=%" PRIu64
			       " services=%u images=%u image_bytes=%" PRIu64 " refused_auth=%" PRIu64 " refused_replay=%" PRIu64
			       " refused_quota=%" PRIu64 "\n", t->tenant, t->name, t->max_vms, t->max_mem_kib, t->cpu_share,
			       t->live_vms, t->mem_kib, t->services, t->images, t->image_bytes, t->refused_auth,
			       t->refused_replay, t->refused_quota);
	}
	if (json)
		printf("\n]\n");
	free(v);
	return K_OK;
}

static int cmd_send(int argc, char **argv, struct reply *r)
{
	uint64_t size;
	uint8_t *b;
	uint16_t op;
	uint32_t len;

	if (argc != 2)
		die_with(K_USAGE, "usage: kctl send FILE (written by --save-req)");
	b = read_file(argv[1], &size);
	if (size < 8)
		die_with(K_USAGE, "%s: not a saved request", argv[1]);
	op = (uint16_t)(b[0] | b[1] << 8);
	len = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	if (len != size - 8)
		die_with(K_USAGE, "%s: not a saved request (length %u, file %" PRIu64 " bytes)", argv[1], len, size);
	recv_reply(send_req(op, b + 8, len, NULL, 0), op, r);
	check(r, "send", 0);
	printf("op %u: %s\n", op, ctl_status_name(r->h.status));
	free(b);
	return K_OK;
}

kctl_cmd_fn *kctl_tenant_cmd(const char *name)
{
	static const struct { const char *name; kctl_cmd_fn *fn; } cmds[] = {
		{ "keygen", cmd_keygen }, { "tenant-add", cmd_tenant_add }, { "tenant-set", cmd_tenant_set },
		{ "tenant-del", cmd_tenant_del }, { "tload", cmd_tload }, { "svc-set", cmd_svc_set },
		{ "svc-del", cmd_svc_del }, { "svcs", cmd_svcs }, { "tlist", cmd_tlist }, { "tdestroy", cmd_tdestroy },
		{ "tsave", cmd_tsave }, { "tenants", cmd_tenants }, { "send", cmd_send }, { "tfork", cmd_tfork },
	};

	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(name, cmds[k].name))
			return cmds[k].fn;
	return NULL;
}
