/* replay.c - a fresh kernel gets every stored op again, in the order they were accepted (db.c says why that works). */
#include <stdio.h>
#include <string.h>

#include "isod.h"

struct replay {
	struct db *db;
	int refused, lost;
};

static int one(void *ctx, const struct db_op *o)
{
	struct replay *rp = ctx;
	struct isod_req r = { .op = o->op, .len = o->len };
	struct ctlc_reply rep;

	if (o->len != codec_payload_len(o->op)) {
		fprintf(stderr, "isod: replay: stored op %lld (%s) has a bad length: skipped\n", (long long)o->seq,
			codec_op_name(o->op));
		rp->refused++;
		return 0;
	}
	memcpy(r.payload, o->payload, o->len);
	if (ops_send(rp->db, &r, &rep) < 0) {
		rp->lost = 1;
		return 1;
	}
	if (rep.status != CTL_OK) {
		rp->refused++;
		fprintf(stderr, "isod: replay: op %lld (%s by signer %u, counter %llu) refused: %s: %s\n", (long long)o->seq,
			codec_op_name(o->op), o->signer, (unsigned long long)o->counter, ctl_status_name(rep.status),
			rep.len ? (const char *)rep.data : "");
	}
	ctlc_reply_free(&rep);
	return 0;
}

int replay_all(struct db *d)
{
	struct replay rp = { .db = d };

	if (db_ops_each(d, one, &rp) < 0)
		return -1;
	return rp.lost ? -1 : rp.refused;
}
