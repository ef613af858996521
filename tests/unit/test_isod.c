/* test_isod.c - isod's request codec (JSON and hex <-> ctl structs, validation) and its SQLite store (commit order, compaction, a kill mid-commit). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CUnit/CUnit.h>

#include "../../isod/isod.h"

/* ---- helpers ---- */

/* A payload: the op's struct (body bytes of p) then ctl_auth with signer and counter (the signature is not checked here). */
static size_t signed_payload(uint8_t *out, const void *body, size_t n, uint32_t signer, uint64_t counter)
{
	struct ctl_auth a = { .tenant = signer, .counter = counter };

	memcpy(out, body, n);
	memcpy(out + n, &a, sizeof a);
	return n + sizeof a;
}

static char *hexof(const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);

	codec_hex(b, n, h);
	return h;
}

/* {"op": op, "payload": hex} */
static char *op_body(const char *op, const uint8_t *p, size_t n)
{
	char *h = hexof(p, n);
	json_t *j = json_pack("{s:s,s:s}", "op", op, "payload", h);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	free(h);
	return s;
}

/* ---- codec ---- */

static void test_op_names(void)
{
	CU_ASSERT_EQUAL(codec_op_number("T_ADD"), CTL_OP_T_ADD);
	CU_ASSERT_EQUAL(codec_op_number("SVC_SET"), CTL_OP_SVC_SET);
	CU_ASSERT_EQUAL(codec_op_number("T_SAVE"), CTL_OP_T_SAVE);
	CU_ASSERT_EQUAL(codec_op_number("CREATE"), 0);     /* v1 ops are not relayed */
	CU_ASSERT_EQUAL(codec_op_number("STOP"), 0);
	CU_ASSERT_EQUAL(codec_op_number("t_add"), 0);
	CU_ASSERT_EQUAL(codec_payload_len(CTL_OP_SVC_SET), sizeof(struct ctl_svc_req) + sizeof(struct ctl_auth));
	CU_ASSERT_EQUAL(codec_payload_len(CTL_OP_T_DEL), 88);
	CU_ASSERT_EQUAL(codec_payload_len(CTL_OP_HELLO), 0);
	CU_ASSERT_TRUE(codec_state_changing(CTL_OP_T_DESTROY));
	CU_ASSERT_FALSE(codec_state_changing(CTL_OP_SVCS));
	CU_ASSERT_STRING_EQUAL(codec_op_name(CTL_OP_T_LIST), "T_LIST");
	CU_ASSERT_STRING_EQUAL(codec_op_name(999), "?");
}

static void test_hex(void)
{
	uint8_t b[4];
	char h[9];

	CU_ASSERT_EQUAL(codec_unhex("00fFa1", b, sizeof b), 3);
	CU_ASSERT_EQUAL(b[1], 0xff);
	CU_ASSERT_EQUAL(codec_unhex("abc", b, sizeof b), -1);          /* odd */
	CU_ASSERT_EQUAL(codec_unhex("zz", b, sizeof b), -1);
	CU_ASSERT_EQUAL(codec_unhex("0011223344", b, sizeof b), -1);   /* over max */
	CU_ASSERT_EQUAL(codec_unhex("", b, sizeof b), 0);
	codec_hex((const uint8_t *)"\x01\xab", 2, h);
	CU_ASSERT_STRING_EQUAL(h, "01ab");
}

static void test_parse_op(void)
{
	struct ctl_svc_req s = { .name = "web", .count = 3 };
	uint8_t p[1024];
	size_t n = signed_payload(p, &s, sizeof s, 7, 42);
	struct isod_req r;
	const char *st = NULL;
	char err[256], *body = op_body("SVC_SET", p, n);

	CU_ASSERT_EQUAL(codec_parse_op(body, strlen(body), &r, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(r.op, CTL_OP_SVC_SET);
	CU_ASSERT_EQUAL(r.len, n);
	CU_ASSERT_EQUAL(memcmp(r.payload, p, n), 0);
	CU_ASSERT_EQUAL(codec_signer(&r), 7);
	CU_ASSERT_EQUAL(codec_counter(r.payload, r.len), 42);
	free(body);
	/* the same bytes as another op: wrong length */
	body = op_body("T_DEL", p, n);
	CU_ASSERT_EQUAL(codec_parse_op(body, strlen(body), &r, &st, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(st, "BAD_REQUEST");
	free(body);
	body = op_body("CREATE", p, n);
	CU_ASSERT_EQUAL(codec_parse_op(body, strlen(body), &r, &st, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(st, "BAD_REQUEST");
	free(body);
	static const char *const bad_json[] = { "{", "[1,2]", "\"T_ADD\"", "{\"op\":\"T_ADD\",\"op\":\"T_SET\"}", "" };
	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		CU_ASSERT_EQUAL(codec_parse_op(bad_json[i], strlen(bad_json[i]), &r, &st, err, sizeof err), -1);
		CU_ASSERT_STRING_EQUAL(st, "BAD_JSON");
	}
	static const char *const bad_req[] = { "{}", "{\"op\":\"T_DEL\"}", "{\"op\":\"T_DEL\",\"payload\":7}",
					       "{\"op\":\"T_DEL\",\"payload\":\"0g\"}", "{\"op\":1,\"payload\":\"00\"}" };
	for (size_t i = 0; i < sizeof bad_req / sizeof bad_req[0]; i++) {
		CU_ASSERT_EQUAL(codec_parse_op(bad_req[i], strlen(bad_req[i]), &r, &st, err, sizeof err), -1);
		CU_ASSERT_STRING_EQUAL(st, "BAD_REQUEST");
	}
}

static void test_parse_logs(void)
{
	struct ctl_page_req pg = { 0, 0 };
	uint8_t p[256];
	size_t n = signed_payload(p, &pg, sizeof pg, 3, 9);
	char *h = hexof(p, n), err[256];
	struct isod_logreq lr;
	const char *st;
	json_t *j = json_pack("{s:s,s:s,s:i,s:b}", "service", "web", "payload", h, "tail", 5, "follow", 1);
	char *body = json_dumps(j, JSON_COMPACT);

	CU_ASSERT_EQUAL(codec_parse_logs(body, strlen(body), &lr, &st, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(lr.service, "web");
	CU_ASSERT_EQUAL(lr.tail, 5);
	CU_ASSERT_TRUE(lr.follow);
	CU_ASSERT_EQUAL(codec_signer(&lr.svcs), 3);
	free(body);
	json_object_set_new(j, "service", json_string("../etc"));      /* '/' is not a name byte */
	body = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_EQUAL(codec_parse_logs(body, strlen(body), &lr, &st, err, sizeof err), -1);
	free(body);
	json_object_set_new(j, "service", json_string("web"));
	json_object_set_new(j, "tail", json_integer(-1));
	body = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_EQUAL(codec_parse_logs(body, strlen(body), &lr, &st, err, sizeof err), -1);
	free(body);
	pg.start = 5;                                                    /* SVCS must start at 0 */
	n = signed_payload(p, &pg, sizeof pg, 3, 9);
	free(h);
	h = hexof(p, n);
	json_object_set_new(j, "tail", json_integer(1));
	json_object_set_new(j, "payload", json_string(h));
	body = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_EQUAL(codec_parse_logs(body, strlen(body), &lr, &st, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(st, "BAD_REQUEST");
	free(body);
	free(h);
	json_decref(j);
}

static void test_replies(void)
{
	struct ctl_svc_rep sr = { .created = 10, .live = 10, .desired = 10, .first_id = 5, .last_id = 14 };
	json_t *j = codec_reply(CTL_OP_SVC_SET, (const uint8_t *)&sr, sizeof sr);
	uint8_t buf[8 + 2 * sizeof(struct ctl_svc)];
	struct ctl_page_rep pr = { 2, CTL_LIST_END };
	struct ctl_svc s[2] = { { .name = "a", .desired = 3 }, { .name = "b", .args = "80" } };

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "first_id")), 5);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "desired")), 10);
	json_decref(j);
	CU_ASSERT_PTR_NULL(codec_reply(CTL_OP_SVC_SET, (const uint8_t *)&sr, sizeof sr - 1));
	CU_ASSERT_PTR_NULL(codec_reply(CTL_OP_T_LOAD, (const uint8_t *)&sr, sizeof sr));
	j = codec_reply(CTL_OP_T_ADD, NULL, 0);
	CU_ASSERT_TRUE(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	memcpy(buf, &pr, 8);
	memcpy(buf + 8, s, sizeof s);
	j = codec_reply(CTL_OP_SVCS, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_TRUE(json_is_null(json_object_get(j, "next")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "items")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 1), "args")), "80");
	CU_ASSERT_EQUAL(strlen(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0),
								 "image_sha512"))), 128);
	json_decref(j);
	CU_ASSERT_PTR_NULL(codec_reply(CTL_OP_SVCS, buf, sizeof buf - 1));    /* count and length disagree */
	pr.count = 3;
	memcpy(buf, &pr, 8);
	CU_ASSERT_PTR_NULL(codec_reply(CTL_OP_SVCS, buf, sizeof buf));
	/* T_SAVE: bytes, then the total */
	uint8_t sv[5 + 8] = { 1, 2, 3, 4, 5 };
	uint64_t total = 5;
	memcpy(sv + 5, &total, 8);
	j = codec_reply(CTL_OP_T_SAVE, sv, sizeof sv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")), "0102030405");
	json_decref(j);
	total = 6;
	memcpy(sv + 5, &total, 8);
	CU_ASSERT_PTR_NULL(codec_reply(CTL_OP_T_SAVE, sv, sizeof sv));
}

static void test_http_status(void)
{
	CU_ASSERT_EQUAL(codec_http_status(CTL_OK), 200);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_AUTH), 403);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_NOENT), 404);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_REPLAY), 409);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_EXIST), 409);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_QUOTA), 422);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_LIMIT), 503);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_ARG), 400);
	CU_ASSERT_EQUAL(codec_http_status(CTL_E_OP), 500);
}

/* ---- db ---- */

static char dbdir[64];

static struct db *fresh_db(void)
{
	char path[128], err[256];

	strcpy(dbdir, "/tmp/isod-unit.XXXXXX");
	if (!mkdtemp(dbdir))
		return NULL;
	snprintf(path, sizeof path, "%s/isod.db", dbdir);
	return db_open(path, err, sizeof err);
}

static struct db *reopen(struct db *d)
{
	char path[128], err[256];

	db_close(d);
	snprintf(path, sizeof path, "%s/isod.db", dbdir);
	return db_open(path, err, sizeof err);
}

static void rm_db(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dbdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int commit_tenant(struct db *d, uint16_t op, uint32_t tenant, uint64_t counter)
{
	struct ctl_tenant_req t = { .tenant = tenant, .max_vms = 10 };
	uint8_t p[256];

	return db_commit_op(d, op, p, signed_payload(p, &t, sizeof t, 0, counter));
}

static int commit_ref(struct db *d, uint16_t op, uint32_t tenant, uint64_t counter)
{
	struct ctl_tenant_ref t = { .tenant = tenant };
	uint8_t p[256];

	return db_commit_op(d, op, p, signed_payload(p, &t, sizeof t, 0, counter));
}

static int commit_svc(struct db *d, uint16_t op, uint32_t signer, const char *name, uint32_t count, uint64_t counter)
{
	struct ctl_svc_req s = { .count = count };
	uint8_t p[1024];

	snprintf(s.name, sizeof s.name, "%s", name);
	return db_commit_op(d, op, p, signed_payload(p, &s, op == CTL_OP_SVC_SET ? sizeof s : sizeof(struct ctl_svc_ref),
						    signer, counter));
}

static int commit_load(struct db *d, uint32_t signer, uint8_t sha0, uint64_t counter)
{
	struct ctl_tload_req t = { .sha512 = { sha0 }, .name = "img" };
	uint8_t p[256];

	return db_commit_op(d, CTL_OP_T_LOAD, p, signed_payload(p, &t, sizeof t, signer, counter));
}

struct seen {
	int n;
	uint16_t op[32];
	uint64_t counter[32];
};

static int collect(void *ctx, const struct db_op *o)
{
	struct seen *s = ctx;

	if (s->n < 32) {
		s->op[s->n] = o->op;
		s->counter[s->n] = o->counter;
	}
	s->n++;
	return 0;
}

static void expect(struct db *d, const uint16_t *op, const uint64_t *counter, int n)
{
	struct seen s = { 0 };

	CU_ASSERT_EQUAL(db_ops_each(d, collect, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, n);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(s.op[i], op[i]);
		CU_ASSERT_EQUAL(s.counter[i], counter[i]);
	}
}

static void test_db_key(void)
{
	struct db *d = fresh_db();
	uint8_t pk[32], got[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(db_get_opkey(d, got), 1);
	memset(pk, 0xab, sizeof pk);
	CU_ASSERT_EQUAL(db_set_opkey(d, pk), 0);
	d = reopen(d);
	CU_ASSERT_EQUAL(db_get_opkey(d, got), 0);
	CU_ASSERT_EQUAL(memcmp(pk, got, 32), 0);
	CU_ASSERT_EQUAL(db_image_put(d, "ab12", "/x/ab12", 77), 0);
	uint64_t bytes = 0;
	char *p = db_image_get(d, "ab12", &bytes);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(bytes, 77);
	CU_ASSERT_STRING_EQUAL(p ? p : "", "/x/ab12");
	free(p);
	CU_ASSERT_PTR_NULL(db_image_get(d, "cd", &bytes));
	db_close(d);
	rm_db();
}

/* The order the ops were accepted in is kept, and superseded ops go (db.c's rules), across a reopen. */
static void test_db_order_compaction(void)
{
	struct db *d = fresh_db();

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(commit_tenant(d, CTL_OP_T_ADD, 1, 1), 0);           /* alice */
	CU_ASSERT_EQUAL(commit_tenant(d, CTL_OP_T_ADD, 2, 2), 0);           /* bob */
	CU_ASSERT_EQUAL(commit_load(d, 1, 0xaa, 10), 0);
	CU_ASSERT_EQUAL(commit_load(d, 1, 0xaa, 11), 0);                    /* the same image again: not stored */
	CU_ASSERT_EQUAL(commit_load(d, 2, 0xaa, 30), 0);                    /* bob's own copy: stored */
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 1, "web", 5, 12), 0);
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 1, "web", 10, 13), 0); /* supersedes 12 */
	CU_ASSERT_EQUAL(commit_tenant(d, CTL_OP_T_SET, 1, 3), 0);
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 1, "web", 3, 14), 0);  /* after a T_SET: 13 stays */
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 1, "web", 4, 15), 0);  /* supersedes 14 */
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 2, "web", 1, 31), 0);  /* bob's web is another service */
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_SET, 1, "api", 2, 16), 0);
	CU_ASSERT_EQUAL(commit_svc(d, CTL_OP_SVC_DEL, 1, "api", 0, 17), 0);  /* api's SVC_SET goes, the DEL too */
	CU_ASSERT_EQUAL(commit_ref(d, CTL_OP_T_DESTROY, 5, 18), 0);          /* not stored */
	CU_ASSERT_EQUAL(commit_tenant(d, CTL_OP_T_SET, 1, 4), 0);            /* supersedes T_SET 3, keeps 13 and 15 */
	{
		const uint16_t op[] = { CTL_OP_T_ADD, CTL_OP_T_ADD, CTL_OP_T_LOAD, CTL_OP_T_LOAD, CTL_OP_SVC_SET,
					CTL_OP_SVC_SET, CTL_OP_SVC_SET, CTL_OP_T_SET };
		const uint64_t ctr[] = { 1, 2, 10, 30, 13, 15, 31, 4 };
		expect(d, op, ctr, 8);
	}
	CU_ASSERT_EQUAL(commit_ref(d, CTL_OP_T_DEL, 2, 5), 0);               /* bob and all he did go */
	CU_ASSERT_EQUAL(commit_tenant(d, CTL_OP_T_ADD, 2, 6), 0);            /* the id again, from scratch */
	d = reopen(d);
	{
		const uint16_t op[] = { CTL_OP_T_ADD, CTL_OP_T_LOAD, CTL_OP_SVC_SET, CTL_OP_SVC_SET, CTL_OP_T_SET,
					CTL_OP_T_ADD };
		const uint64_t ctr[] = { 1, 10, 13, 15, 4, 6 };
		expect(d, op, ctr, 6);
	}
	CU_ASSERT_EQUAL(db_ops_count(d), 6);
	CU_ASSERT_EQUAL(commit_ref(d, CTL_OP_T_DEL, 0, 7), -1);              /* the operator is not a tenant */
	CU_ASSERT_EQUAL(db_ops_count(d), 6);
	db_close(d);
	rm_db();
}

/* Each signer's counters rise in the stored order (what the kernel needs to accept a replay). */
static int rising(void *ctx, const struct db_op *o)
{
	uint64_t *last = ctx;

	if (o->counter <= last[o->signer])
		return 1;
	last[o->signer] = o->counter;
	return 0;
}

/* Rows by op: [0] T_ADD, [1] SVC_SET. */
static int by_op(void *ctx, const struct db_op *o)
{
	int *n = ctx;

	n[o->op == CTL_OP_SVC_SET]++;
	return 0;
}

/* A process SIGKILLed at an arbitrary point while it commits (the parent kills it as soon as it hears the 20th
 * commit went through) leaves a database that opens, whose counters still rise per signer, and that holds a
 * prefix of the commits, each whole: k T_ADDs and k or k - 1 SVC_SETs. */
static void test_db_kill(void)
{
	struct db *d = fresh_db();
	char path[128], err[256], c;
	int pfd[2], status, n[2] = { 0, 0 };
	pid_t pid;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	db_close(d);
	snprintf(path, sizeof path, "%s/isod.db", dbdir);
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		struct db *k = db_open(path, err, sizeof err);
		for (uint32_t i = 1; k && i <= 150; i++) {
			commit_tenant(k, CTL_OP_T_ADD, i, i);
			commit_svc(k, CTL_OP_SVC_SET, i, "web", i, i);
			if (i == 20 && write(pfd[1], "x", 1) != 1)
				_exit(1);
		}
		for (;;)
			pause();
	}
	close(pfd[1]);
	CU_ASSERT_EQUAL(read(pfd[0], &c, 1), 1);
	kill(pid, SIGKILL);
	close(pfd[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	d = db_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	uint64_t last[256] = { 0 };
	CU_ASSERT_EQUAL(db_ops_each(d, rising, last), 0);
	CU_ASSERT_EQUAL(db_ops_each(d, by_op, n), 0);
	CU_ASSERT_TRUE(n[0] >= 20 && n[0] <= 150);
	CU_ASSERT_TRUE(n[1] == n[0] || n[1] == n[0] - 1);
	db_close(d);
	rm_db();
}

/* ---- logs ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 16];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* Lines go to the service the kernel's @tvm record names (also when the line came first), other tenants' and the
 * kernel's elsewhere; the tail spans a rotation. */
static void test_logs(void)
{
	char dir[] = "/tmp/isod-logs.XXXXXX", path[256], *t;
	size_t n;
	long end;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(logs_init(dir), 0);
	logs_reset();
	logs_line("@tvm id=5 tenant=1 svc=\"web\"");
	logs_line("[vm 5] hello");
	logs_line("[vm 6] early");                       /* before its record: held */
	logs_line("@tvm id=6 tenant=1 svc=\"web\"");
	logs_line("@tvm id=7 tenant=2 svc=\"web\"");       /* bob's web, inside alice's id range */
	logs_line("[vm 7] bob");
	logs_line("@vm id=5 image=\"x\" state=exited status=0 rx_frames=3 tx_frames=4 rx_drops=1");
	snprintf(path, sizeof path, "%s/logs/t1/svc-web.log", dir);
	CU_ASSERT_STRING_EQUAL(read_all(path) ? read_all(path) : "", "vm=5 hello\nvm=6 early\n");
	snprintf(path, sizeof path, "%s/logs/t2/svc-web.log", dir);
	CU_ASSERT_STRING_EQUAL(read_all(path) ? read_all(path) : "", "vm=7 bob\n");
	uint64_t fr[3];
	logs_frames(fr);
	CU_ASSERT_TRUE(fr[0] == 3 && fr[1] == 4 && fr[2] == 1);
	t = logs_tail(1, "web", 1, &n, &end);
	CU_ASSERT_STRING_EQUAL(t ? t : "", "vm=6 early\n");
	free(t);
	t = logs_tail(1, "web", 0, &n, &end);
	CU_ASSERT_EQUAL(n, 0);
	free(t);
	/* past ISOD_LOG_MAX the file rotates to .1; the tail still has the lines before */
	char line[1100];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = 0;
	memcpy(line, "[vm 5] ", 7);
	for (int i = 0; i < 1100; i++)
		logs_line(line);
	logs_line("[vm 6] last");
	snprintf(path, sizeof path, "%s/logs/t1/svc-web.log.1", dir);
	CU_ASSERT_PTR_NOT_NULL(read_all(path));
	t = logs_tail(1, "web", 3, &n, &end);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(strncmp(t, "vm=5 xxx", 8), 0);
	CU_ASSERT_TRUE(n >= 10 && !strcmp(t + n - 10, "vm=6 last\n"));
	free(t);
	logs_reset();
	snprintf(path, sizeof path, "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

int unit_suite_isod(void)
{
	CU_pSuite s = CU_add_suite("isod", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "op names and payload lengths", test_op_names);
	CU_add_test(s, "hex", test_hex);
	CU_add_test(s, "POST /v1/ops bodies", test_parse_op);
	CU_add_test(s, "POST /v1/logs bodies", test_parse_logs);
	CU_add_test(s, "kernel replies as JSON", test_replies);
	CU_add_test(s, "HTTP status by kernel status", test_http_status);
	CU_add_test(s, "db: operator key and images", test_db_key);
	CU_add_test(s, "db: order and compaction, across a reopen", test_db_order_compaction);
	CU_add_test(s, "db: SIGKILL during commits", test_db_kill);
	CU_add_test(s, "logs: attribution by @tvm, tail, rotation", test_logs);
	return 0;
}
