/* http.c - isod's HTTP API (isod/API.md) with libmicrohttpd: on DIR/isod.sock and, optionally, loopback TCP. */
/*
 * One thread per connection (libmicrohttpd's), so a follow of a service's log may wait; requests that reach the
 * kernel queue on kernel_lock. Bodies are collected up to their route's limit: a Content-Length over it is answered
 * 413 at once, before the body is read; a chunked body that passes the limit is dropped as it comes and answered 413.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "isod.h"

enum route { R_NONE, R_INFO, R_TENANTS, R_METRICS, R_IMAGES, R_OPS, R_LOGS };

struct body {
	enum route route;
	size_t limit, len;
	char *buf;
	int too_large;
};

static struct MHD_Daemon *unix_d, *tcp_d;
static struct db *db;
static char sock_path[PATH_MAX];

static const struct {
	const char *method, *url;
	enum route route;
	size_t limit;
} routes[] = {
	{ "GET", "/v1/info", R_INFO, 0 },
	{ "GET", "/v1/tenants", R_TENANTS, 0 },
	{ "GET", "/metrics", R_METRICS, 0 },
	{ "POST", "/v1/images", R_IMAGES, ISOD_IMAGE_MAX },
	{ "POST", "/v1/ops", R_OPS, ISOD_BODY_MAX },
	{ "POST", "/v1/logs", R_LOGS, ISOD_BODY_MAX },
};

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type, char *text, size_t n)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* Answer j (its reference is taken). */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (!s)
		return MHD_NO;                  /* out of memory: libmicrohttpd closes the connection */
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return MHD_NO;
	}
	t[n] = '\n';
	return send_text(c, status, "application/json", t, n + 1);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *st, const char *text)
{
	return send_json(c, status, codec_error(st, text));
}

static enum MHD_Result do_images(struct MHD_Connection *c, const struct body *b)
{
	char sha[129], err[256];

	if (images_store(db, (const uint8_t *)b->buf, b->len, sha, err, sizeof err) < 0)
		return send_error(c, b->len == 0 ? 400 : 500, b->len == 0 ? "BAD_REQUEST" : "STORE", err);
	return send_json(c, 200, json_pack("{s:s,s:I}", "sha512", sha, "bytes", (json_int_t)b->len));
}

static enum MHD_Result do_ops(struct MHD_Connection *c, const struct body *b)
{
	struct isod_req r;
	const char *st;
	char err[256];
	unsigned http;
	json_t *j;

	if (codec_parse_op(b->buf, b->len, &r, &st, err, sizeof err) < 0)
		return send_error(c, 400, st, err);
	j = ops_relay(db, &r, &http);
	return send_json(c, http, j);
}

/* A log being followed: the file, read from off on; a rotation (the file shrank) starts it again at 0. */
struct follow {
	char *path;
	int fd;                     /* the client's socket: a hang-up ends the follow */
	long off;
	char *head;                 /* the tail's text, sent first */
	size_t hlen, hoff;
};

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct follow *fw = cls;
	struct stat st;
	FILE *f;
	size_t n = 0;

	(void)pos;
	if (fw->hoff < fw->hlen) {
		n = fw->hlen - fw->hoff < max ? fw->hlen - fw->hoff : max;
		memcpy(buf, fw->head + fw->hoff, n);
		fw->hoff += n;
		return (ssize_t)n;
	}
	if (stat(fw->path, &st) == 0 && st.st_size < fw->off)
		fw->off = 0;
	f = fopen(fw->path, "rb");
	if (f) {
		fseek(f, fw->off, SEEK_SET);
		n = fread(buf, 1, max, f);
		fclose(f);
	}
	if (n) {
		fw->off += (long)n;
		return (ssize_t)n;
	}
	if (fw->fd < 0) {
		struct timespec t = { 0, 200000000L };
		nanosleep(&t, NULL);
		return 0;
	}
	struct pollfd pf = { .fd = fw->fd, .events = POLLRDHUP };   /* not POLLIN: a pipelined request is no hang-up */
	if (poll(&pf, 1, 200) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return MHD_CONTENT_READER_END_WITH_ERROR;          /* the client left */
	return 0;
}

static void follow_free(void *cls)
{
	struct follow *fw = cls;

	free(fw->path);
	free(fw->head);
	free(fw);
}

/* Is service in the SVCS reply? */
static int has_service(const struct ctlc_reply *rep, const char *service)
{
	struct ctl_page_rep pr;

	if (rep->len < sizeof pr)
		return 0;
	memcpy(&pr, rep->data, sizeof pr);
	if ((rep->len - sizeof pr) != (size_t)pr.count * sizeof(struct ctl_svc))
		return 0;
	for (uint32_t i = 0; i < pr.count; i++) {
		struct ctl_svc s;
		memcpy(&s, rep->data + sizeof pr + i * sizeof s, sizeof s);
		if (!strncmp(s.name, service, CTL_NAME_MAX))
			return 1;
	}
	return 0;
}

/* The kernel's SVCS answer proves the signer owns the service: 0, or -1 with the refusal sent in *sent. */
static int prove(struct MHD_Connection *c, const struct isod_logreq *lr, enum MHD_Result *sent)
{
	struct ctlc_reply rep;
	int rc = -1;

	pthread_mutex_lock(&kernel_lock);
	if (!kernel_up()) {
		pthread_mutex_unlock(&kernel_lock);
		*sent = send_error(c, 503, "KERNEL_DOWN", "the kernel is starting or restarting: retry");
		return -1;
	}
	if (ops_send(db, &lr->svcs, &rep) < 0) {
		kernel_lost();
		pthread_mutex_unlock(&kernel_lock);
		*sent = send_error(c, 503, "KERNEL_DOWN", "the kernel connection failed during the request");
		return -1;
	}
	pthread_mutex_unlock(&kernel_lock);
	ops_count(CTL_OP_SVCS, rep.status);
	if (rep.status != CTL_OK)
		*sent = send_error(c, codec_http_status(rep.status), ctl_status_name(rep.status),
				   rep.len ? (const char *)rep.data : ctl_status_text(rep.status));
	else if (!has_service(&rep, lr->service))
		*sent = send_error(c, 404, "NOT_FOUND", "the signer has no service of that name");
	else
		rc = 0;
	ctlc_reply_free(&rep);
	return rc;
}

static enum MHD_Result do_logs(struct MHD_Connection *c, const struct body *b)
{
	struct isod_logreq lr;
	const char *st;
	char err[256], *text;
	enum MHD_Result sent;
	size_t n = 0;
	long end = 0;
	uint32_t tenant;

	if (codec_parse_logs(b->buf, b->len, &lr, &st, err, sizeof err) < 0)
		return send_error(c, 400, st, err);
	if (prove(c, &lr, &sent) < 0)
		return sent;
	tenant = codec_signer(&lr.svcs);
	text = logs_tail(tenant, lr.service, lr.tail, &n, &end);
	if (!text)
		return send_error(c, 500, "E_NOMEM", "reading the log failed");
	if (!lr.follow)
		return send_text(c, 200, "text/plain", text, n);
	/* follow: what the tail gave, then the file from its end on */
	struct follow *fw = malloc(sizeof *fw);
	struct MHD_Response *r;
	if (!fw) {
		free(text);
		return MHD_NO;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	fw->fd = ci ? ci->connect_fd : -1;
	fw->path = logs_path(tenant, lr.service);
	fw->off = end;
	fw->head = text;
	fw->hlen = n;
	fw->hoff = 0;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, follow_read, fw, follow_free);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain");
	sent = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return sent;
}

static enum MHD_Result dispatch(struct MHD_Connection *c, const struct body *b)
{
	unsigned http;
	size_t n;
	char *m;

	switch (b->route) {
	case R_INFO:
		return send_json(c, 200, metrics_info(db));
	case R_TENANTS: {
		json_t *j = metrics_tenants(&http);
		return send_json(c, http, j);
	}
	case R_METRICS:
		m = metrics_text(&n);
		return m ? send_text(c, 200, "text/plain; version=0.0.4", m, n) : MHD_NO;
	case R_IMAGES:
		return do_images(c, b);
	case R_OPS:
		return do_ops(c, b);
	case R_LOGS:
		return do_logs(c, b);
	case R_NONE:
		break;
	}
	return send_error(c, 404, "NOT_FOUND", "no such endpoint (isod/API.md)");
}

static enum route find_route(const char *method, const char *url, size_t *limit, int *wrong_method)
{
	*wrong_method = 0;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (strcmp(routes[i].url, url))
			continue;
		if (strcmp(routes[i].method, method)) {
			*wrong_method = 1;
			continue;
		}
		*limit = routes[i].limit;
		return routes[i].route;
	}
	return R_NONE;
}

/* The first call for a request: its route, and a 413 at once for a declared length over the limit. */
static enum MHD_Result first_call(struct MHD_Connection *c, const char *url, const char *method, void **cls)
{
	struct body *b = calloc(1, sizeof *b);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int wrong;

	if (!b)
		return MHD_NO;
	*cls = b;
	b->route = find_route(method, url, &b->limit, &wrong);
	if (wrong)
		return send_error(c, 405, "BAD_REQUEST", "wrong method for this endpoint (isod/API.md)");
	if (b->route == R_NONE)
		return send_error(c, 404, "NOT_FOUND", "no such endpoint (isod/API.md)");
	if (cl && strtoull(cl, NULL, 10) > b->limit) {
		b->too_large = 1;
		return send_error(c, 413, "TOO_LARGE", b->limit ? "the body is over this endpoint's limit (JSON: 64 KiB; "
				  "images: 2 MiB)" : "this endpoint takes no body");
	}
	return MHD_YES;
}

static void take(struct body *b, const char *data, size_t n)
{
	if (b->too_large || b->len + n > b->limit) {
		b->too_large = 1;
		return;
	}
	char *g = realloc(b->buf, b->len + n + 1);
	if (!g) {
		b->too_large = 1;
		return;
	}
	b->buf = g;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)version;
	if (!b)
		return first_call(c, url, method, con_cls);
	if (*upload_size) {
		take(b, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->too_large)
		return send_error(c, 413, "TOO_LARGE", "the body is over this endpoint's limit");
	if (!b->buf && b->route != R_NONE)
		b->buf = calloc(1, 1);
	return dispatch(c, b);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (b) {
		free(b->buf);
		free(b);
	}
	*con_cls = NULL;
}

static struct MHD_Daemon *start(int fd, const struct sockaddr *addr)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (fd >= 0)
		return MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_LIMIT, 1000,
					MHD_OPTION_CONNECTION_TIMEOUT, 120, MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, addr,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_LIMIT, 1000,
				MHD_OPTION_CONNECTION_TIMEOUT, 120, MHD_OPTION_END);
}

static int unix_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		snprintf(err, errlen, "%s: the socket path must be under %zu bytes", path, sizeof a.sun_path);
		return -1;
	}
	strcpy(a.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 256) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* --listen 127.0.0.1:PORT (loopback only: the API has unsigned reads and image uploads). */
static int parse_listen(const char *s, struct sockaddr_in *a, char *err, size_t errlen)
{
	char host[64];
	unsigned port;
	int n = 0;

	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	if (sscanf(s, "%63[0-9.]:%u%n", host, &port, &n) != 2 || s[n] || port == 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &a->sin_addr) != 1 || (ntohl(a->sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "--listen %s: expected 127.x.y.z:PORT (loopback only)", s);
		return -1;
	}
	a->sin_port = htons((uint16_t)port);
	return 0;
}

int http_start(const struct isod_opts *o, struct db *d, char *err, size_t errlen)
{
	struct sockaddr_in a;
	int fd;

	db = d;
	snprintf(sock_path, sizeof sock_path, "%s/isod.sock", o->state);
	if (o->listen && parse_listen(o->listen, &a, err, errlen) < 0)
		return -1;
	fd = unix_listen(sock_path, err, errlen);
	if (fd < 0)
		return -1;
	unix_d = start(fd, NULL);
	if (!unix_d) {
		snprintf(err, errlen, "libmicrohttpd would not serve %s", sock_path);
		return -1;
	}
	if (o->listen) {
		tcp_d = start(-1, (struct sockaddr *)&a);
		if (!tcp_d) {
			snprintf(err, errlen, "--listen %s: libmicrohttpd would not listen there", o->listen);
			return -1;
		}
	}
	return 0;
}

void http_stop(void)
{
	if (tcp_d)
		MHD_stop_daemon(tcp_d);
	if (unix_d)
		MHD_stop_daemon(unix_d);
	tcp_d = unix_d = NULL;
	unlink(sock_path);
}
