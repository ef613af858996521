/* db.c - isod's durable state in SQLite (WAL): the operator's key, the accepted ops in order (compacted), images. */
/*
 * ops rows: seq (acceptance order), op, signer (ctl_auth.tenant), counter, subject, payload (the signed bytes as
 * the kernel took them). subject names what the op acts on: "t<id>" (T_ADD, T_SET, T_DEL: the tenant),
 * "i<sha512 hex>" (T_LOAD), "s<name>" (SVC_SET, SVC_DEL: the signer's service). Replaying the rows in seq order
 * on a fresh kernel rebuilds the state: each signer's counters rise in seq order, which is all the kernel asks.
 * What a commit compacts, in the same transaction as its insert:
 *   T_SET      drops the tenant's earlier T_SETs (the last one sets every quota field);
 *   T_DEL      drops every row about the tenant (the operator's T_ADD/T_SETs of it, and the tenant's own ops) and
 *              is not stored itself: the id may be admitted again, from scratch;
 *   T_LOAD     of an image the signer already loaded is not stored again (content-addressed: same image);
 *   SVC_SET    drops the service's earlier SVC_SETs after the tenant's last T_SET (before it they stay: a scale
 *              down accepted over a lowered quota must not become, on replay, a creation over that quota);
 *   SVC_DEL    drops all of the service's SVC_SETs and is not stored itself;
 *   T_DESTROY  is not stored: VM ids are one boot's, and a service comes back with its desired count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "isod.h"

struct db {
	sqlite3 *s;
};

/* The SQL below names ops by number. */
_Static_assert(CTL_OP_T_SET == 15 && CTL_OP_T_LOAD == 17 && CTL_OP_SVC_SET == 18, "op numbers in db.c's SQL");

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS ops(seq INTEGER PRIMARY KEY AUTOINCREMENT, op INTEGER NOT NULL,"
	" signer INTEGER NOT NULL, counter INTEGER NOT NULL, subject TEXT NOT NULL, payload BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS ops_subject ON ops(subject);"
	"CREATE TABLE IF NOT EXISTS images(sha512 TEXT PRIMARY KEY, path TEXT NOT NULL, bytes INTEGER NOT NULL);";

struct db *db_open(const char *path, char *err, size_t errlen)
{
	struct db *d = calloc(1, sizeof *d);
	char *msg = NULL;

	if (!d)
		return NULL;
	if (sqlite3_open_v2(path, &d->s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK || sqlite3_exec(d->s, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(d->s));
		sqlite3_free(msg);
		sqlite3_close(d->s);
		free(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->s, 5000);
	return d;
}

void db_close(struct db *d)
{
	if (d) {
		sqlite3_close(d->s);
		free(d);
	}
}

static sqlite3_stmt *prep(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(d->s, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "isod: db: %s: %s\n", sql, sqlite3_errmsg(d->s));
		return NULL;
	}
	return st;
}

/* Run a prepared statement to its end and free it: 0 or -1. */
static int run(struct db *d, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "isod: db: %s\n", sqlite3_errmsg(d->s));
		return -1;
	}
	return 0;
}

int db_get_opkey(struct db *d, uint8_t pk[32])
{
	sqlite3_stmt *st = prep(d, "SELECT value FROM meta WHERE key='operator_pub'");
	int rc = -1;

	if (!st)
		return -1;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_bytes(st, 0) == 32) {
			memcpy(pk, sqlite3_column_blob(st, 0), 32);
			rc = 0;
		}
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_set_opkey(struct db *d, const uint8_t pk[32])
{
	sqlite3_stmt *st = prep(d, "INSERT OR REPLACE INTO meta(key, value) VALUES('operator_pub', ?)");

	if (st)
		sqlite3_bind_blob(st, 1, pk, 32, SQLITE_TRANSIENT);
	return run(d, st);
}

/* The subject of an op's payload (see the top of the file). */
static void subject(uint16_t op, const uint8_t *p, char *out, size_t n)
{
	struct ctl_tenant_req tr;
	struct ctl_tenant_ref tf;
	struct ctl_tload_req tl;
	struct ctl_svc_ref sv;

	switch (op) {
	case CTL_OP_T_ADD: case CTL_OP_T_SET:
		memcpy(&tr, p, sizeof tr);
		snprintf(out, n, "t%u", tr.tenant);
		return;
	case CTL_OP_T_DEL:
		memcpy(&tf, p, sizeof tf);
		snprintf(out, n, "t%u", tf.tenant);
		return;
	case CTL_OP_T_LOAD:
		memcpy(&tl, p, sizeof tl);
		out[0] = 'i';
		codec_hex(tl.sha512, 64, out + 1);
		return;
	case CTL_OP_SVC_SET: case CTL_OP_SVC_DEL:
		memcpy(&sv, p, sizeof sv);      /* ctl_svc_req starts with the name, as ctl_svc_ref */
		snprintf(out, n, "s%.*s", (int)strnlen(sv.name, CTL_NAME_MAX), sv.name);
		return;
	}
	snprintf(out, n, "-");
}

static sqlite3_stmt *prep_bind(struct db *d, const char *sql, uint32_t signer, const char *subj, int ints)
{
	sqlite3_stmt *st = prep(d, sql);

	if (!st)
		return NULL;
	if (ints >= 1)
		sqlite3_bind_int64(st, 1, signer);
	if (subj)
		sqlite3_bind_text(st, ints + 1, subj, -1, SQLITE_TRANSIENT);
	return st;
}

/* The deletions op implies, and whether it is stored itself (1) or not (0); -1 on error. */
static int compact(struct db *d, uint16_t op, uint32_t signer, const char *subj)
{
	char t[16];

	snprintf(t, sizeof t, "t%u", signer);
	switch (op) {
	case CTL_OP_T_SET:
		return run(d, prep_bind(d, "DELETE FROM ops WHERE op=15 AND subject=?", 0, subj, 0)) ? -1 : 1;
	case CTL_OP_T_DEL: {
		uint32_t who = (uint32_t)strtoul(subj + 1, NULL, 10);
		if (who == 0)
			return -1;
		sqlite3_stmt *st = prep(d, "DELETE FROM ops WHERE (signer=0 AND subject=?) OR signer=?");
		if (st) {
			sqlite3_bind_text(st, 1, subj, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, who);
		}
		return run(d, st) ? -1 : 0;
	}
	case CTL_OP_T_LOAD: {
		sqlite3_stmt *st = prep_bind(d, "SELECT 1 FROM ops WHERE op=17 AND signer=? AND subject=?", signer, subj, 1);
		int have = st && sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		return st ? !have : -1;
	}
	case CTL_OP_SVC_SET: {
		sqlite3_stmt *st = prep_bind(d, "DELETE FROM ops WHERE op=18 AND signer=?1 AND subject=?2 AND seq > "
					 "(SELECT coalesce(max(seq), 0) FROM ops WHERE op=15 AND signer=0 AND subject=?3)",
					 signer, subj, 1);
		if (st)
			sqlite3_bind_text(st, 3, t, -1, SQLITE_TRANSIENT);
		return run(d, st) ? -1 : 1;
	}
	case CTL_OP_SVC_DEL:
		return run(d, prep_bind(d, "DELETE FROM ops WHERE op=18 AND signer=? AND subject=?", signer, subj, 1)) ? -1 : 0;
	case CTL_OP_T_DESTROY:
		return 0;
	}
	return 1;
}

static int insert(struct db *d, uint16_t op, uint32_t signer, uint64_t counter, const char *subj, const uint8_t *p,
		  size_t len)
{
	sqlite3_stmt *st = prep(d, "INSERT INTO ops(op, signer, counter, subject, payload) VALUES(?, ?, ?, ?, ?)");

	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, op);
	sqlite3_bind_int64(st, 2, signer);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)counter);
	sqlite3_bind_text(st, 4, subj, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 5, p, (int)len, SQLITE_TRANSIENT);
	return run(d, st);
}

int db_commit_op(struct db *d, uint16_t op, const uint8_t *payload, size_t len)
{
	struct ctl_auth a;
	char subj[2 + 128 + 1];
	int keep;

	if (len < sizeof a)
		return -1;
	memcpy(&a, payload + len - sizeof a, sizeof a);
	subject(op, payload, subj, sizeof subj);
	if (sqlite3_exec(d->s, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	keep = compact(d, op, a.tenant, subj);
	if (keep < 0 || (keep && insert(d, op, a.tenant, a.counter, subj, payload, len) < 0) ||
	    sqlite3_exec(d->s, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(d->s, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int db_ops_each(struct db *d, int (*fn)(void *ctx, const struct db_op *op), void *ctx)
{
	sqlite3_stmt *st = prep(d, "SELECT seq, op, signer, counter, payload FROM ops ORDER BY seq");
	int rc = 0;

	if (!st)
		return -1;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		struct db_op o = {
			.seq = sqlite3_column_int64(st, 0),
			.op = (uint16_t)sqlite3_column_int(st, 1),
			.signer = (uint32_t)sqlite3_column_int64(st, 2),
			.counter = (uint64_t)sqlite3_column_int64(st, 3),
			.payload = sqlite3_column_blob(st, 4),
			.len = (size_t)sqlite3_column_bytes(st, 4),
		};
		rc = fn(ctx, &o);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_ops_count(struct db *d)
{
	sqlite3_stmt *st = prep(d, "SELECT count(*) FROM ops");
	int n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int db_image_put(struct db *d, const char *sha_hex, const char *path, uint64_t bytes)
{
	sqlite3_stmt *st = prep(d, "INSERT OR REPLACE INTO images(sha512, path, bytes) VALUES(?, ?, ?)");

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, sha_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)bytes);
	return run(d, st);
}

char *db_image_get(struct db *d, const char *sha_hex, uint64_t *bytes)
{
	sqlite3_stmt *st = prep(d, "SELECT path, bytes FROM images WHERE sha512=?");
	char *path = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, sha_hex, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		path = strdup((const char *)sqlite3_column_text(st, 0));
		*bytes = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return path;
}
