/* ops.c - a client's signed op: relayed to the kernel (T_LOAD's image first), committed if it changes state, answered in JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isod.h"

static unsigned long per_op[CTL_NOPS], per_status[CTL_NSTATUS];
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

void ops_count(uint16_t op, unsigned status)
{
	pthread_mutex_lock(&count_lock);
	if (op < CTL_NOPS)
		per_op[op]++;
	if (status < CTL_NSTATUS)
		per_status[status]++;
	pthread_mutex_unlock(&count_lock);
}

void ops_counters(unsigned long po[CTL_NOPS], unsigned long ps[CTL_NSTATUS])
{
	pthread_mutex_lock(&count_lock);
	memcpy(po, per_op, sizeof per_op);
	memcpy(ps, per_status, sizeof per_status);
	pthread_mutex_unlock(&count_lock);
}

static void abort_upload(void)
{
	struct ctlc_reply r;

	if (ctlc_call(CTL_OP_ABORT, NULL, 0, NULL, 0, &r) == 0)
		ctlc_reply_free(&r);
}

int ops_send(struct db *d, const struct isod_req *r, struct ctlc_reply *rep)
{
	if (r->op == CTL_OP_T_LOAD) {
		struct ctl_tload_req tl;
		memcpy(&tl, r->payload, sizeof tl);
		int u = images_upload(d, tl.sha512, tl.name, rep);
		if (u == -2)
			return -1;
		if (u < 0) {
			abort_upload();
			return ctlc_connected() ? 0 : -1;
		}
		ctlc_reply_free(rep);
	}
	if (ctlc_call(r->op, r->payload, (uint32_t)r->len, NULL, 0, rep) < 0)
		return -1;
	if (r->op == CTL_OP_T_LOAD && rep->status != CTL_OK)
		abort_upload();
	return 0;
}

/* The error body of a refused reply: its reason text, or the status's description. */
static json_t *refusal(const struct ctlc_reply *rep, unsigned *http)
{
	*http = codec_http_status(rep->status);
	if (rep->own) {
		*http = 404;
		return codec_error("NOT_FOUND", (const char *)rep->data);
	}
	return codec_error(ctl_status_name(rep->status), rep->len ? (const char *)rep->data : ctl_status_text(rep->status));
}

static json_t *accepted(struct db *d, const struct isod_req *r, const struct ctlc_reply *rep, unsigned *http)
{
	json_t *reply = codec_reply(r->op, rep->data, rep->len);

	if (!reply) {
		*http = 500;
		return codec_error("E_LEN", "the kernel's reply has the wrong length for the op");
	}
	if (codec_state_changing(r->op) && db_commit_op(d, r->op, r->payload, r->len) < 0) {
		json_decref(reply);
		*http = 500;
		return codec_error("DB", "the kernel accepted the op but isod could not store it: retry with a new counter");
	}
	*http = 200;
	return json_pack("{s:s,s:o}", "status", "OK", "reply", reply);
}

json_t *ops_relay(struct db *d, const struct isod_req *r, unsigned *http)
{
	struct ctlc_reply rep;
	json_t *j;

	pthread_mutex_lock(&kernel_lock);
	if (!kernel_up()) {
		pthread_mutex_unlock(&kernel_lock);
		*http = 503;
		return codec_error("KERNEL_DOWN", "the kernel is starting or restarting: retry");
	}
	if (ops_send(d, r, &rep) < 0) {
		kernel_lost();
		pthread_mutex_unlock(&kernel_lock);
		*http = 503;
		return codec_error("KERNEL_DOWN", "the kernel connection failed during the request: retry with a new counter");
	}
	ops_count(r->op, rep.status);
	j = rep.status == CTL_OK ? accepted(d, r, &rep, http) : refusal(&rep, http);
	pthread_mutex_unlock(&kernel_lock);
	ctlc_reply_free(&rep);
	return j;
}
