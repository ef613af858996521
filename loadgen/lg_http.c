/* lg_http.c - loadgen's HTTP/1.1 clients: one host netstack per VM (gateway address), a keep-alive pool per VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lg.h"
#include "netstack.h"

#define HDR_MAX 4096

enum { HC_CONNECTING, HC_IDLE, HC_BUSY };

struct hconn {
	struct ns_sock *s;
	struct hvm *owner;
	struct lg_slot *sl;         /* the request it carries (HC_BUSY, HC_CONNECTING) */
	struct hconn *next;         /* the owner's idle list */
	int state, close_after;
	size_t hlen;
	long long body_left;        /* -1: still in the header */
	char hdr[HDR_MAX];
};

struct hvm {
	struct ns_stack *st;
	struct hconn *idle;
	uint32_t vm, nconn;
};

static struct hvm *vms;
static uint32_t max_conns;

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return lg_now();
}

static void env_send(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	lg_send_frame(frame, len);
}

static uint32_t env_random(void *ctx)
{
	static uint64_t x = 88172645463325252ull;

	(void)ctx;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 16);
}

void http_init(void)
{
	vms = calloc(G.nvms, sizeof *vms);
	if (!vms)
		lg_die("out of memory");
	max_conns = G.rate ? 64 : G.conc + 1;
	if (max_conns > 4096)
		max_conns = 4096;
}

int http_has_stack(uint32_t vm)
{
	return vms && vms[vm].st;
}

static struct hvm *vm_stack(uint32_t vm)
{
	static const struct ns_env env = { NULL, env_now, env_send, env_random };
	struct hvm *h = &vms[vm];
	struct ns_config cfg;

	if (h->st)
		return h;
	memset(&cfg, 0, sizeof cfg);
	memcpy(cfg.mac, G.mac, 6);
	cfg.ipv4 = G.gw;
	cfg.netmask = G.net_bits ? ~0u << (32 - G.net_bits) : 0;
	cfg.max_socks = (uint16_t)(max_conns + 4);
	cfg.tcp_rcvbuf = 65535;
	cfg.rto_min_ms = 200;
	cfg.msl_ms = 1000;
	h->st = ns_create(&env, &cfg);
	if (!h->st)
		lg_die("cannot create a netstack for VM %u", vm);
	h->vm = vm;
	return h;
}

void http_frame(uint32_t vm, const uint8_t *frame, size_t len)
{
	struct hvm *h = vm_stack(vm);

	ns_input(h->st, frame, len);
}

void http_timers(uint64_t now)
{
	static uint64_t next;
	uint32_t i;

	if (now < next)
		return;
	next = now + 1000000u;
	for (i = 0; i < G.nvms; i++)
		if (vms[i].st && ns_next_deadline(vms[i].st) <= now)
			ns_timers(vms[i].st, now);
}

static void conn_free(struct hconn *c)
{
	struct hconn **p;

	for (p = &c->owner->idle; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	c->owner->nconn--;
	free(c);
}

/* Ends the connection's request (if any) and the connection. */
static void conn_end(struct hconn *c, int res, int abort)
{
	if (c->sl) {
		struct lg_slot *sl = c->sl;

		c->sl = NULL;
		lg_complete(sl, res);
	}
	if (abort)
		ns_abort(c->s);
	else
		ns_close(c->s);
	conn_free(c);
}

static void send_request(struct hconn *c)
{
	char req[512];
	uint32_t ip = lg_vm_ip(c->owner->vm);
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u\r\n\r\n", G.http_path, ip >> 24,
			 (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);

	c->state = HC_BUSY;
	c->hlen = 0;
	c->body_left = -1;
	c->close_after = 0;
	if (ns_send(c->s, req, (size_t)n) != n)
		conn_end(c, LG_FAIL, 1);
}

/* The header is complete: status 200 and a Content-Length, or the answer is wrong. */
static int parse_header(struct hconn *c)
{
	char *p, *line;
	int status;

	c->hdr[c->hlen] = 0;
	if (sscanf(c->hdr, "HTTP/1.%*1d %3d", &status) != 1 || status != 200)
		return -1;
	for (line = strstr(c->hdr, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
		p = line + 2;
		if (!strncasecmp(p, "Content-Length:", 15))
			c->body_left = strtoll(p + 15, NULL, 10);
		else if (!strncasecmp(p, "Connection:", 11) && strstr(p, "close") && strstr(p, "close") < strstr(p, "\r\n"))
			c->close_after = 1;
	}
	return c->body_left >= 0 ? 0 : -1;
}

/* Bytes of the response: header up to CRLFCRLF, then exactly Content-Length bytes. */
static int take(struct hconn *c, const char *b, size_t n)
{
	while (n) {
		if (c->body_left < 0) {
			char *end;

			if (c->hlen == HDR_MAX - 1)
				return -1;
			c->hdr[c->hlen++] = *b++, n--;
			c->hdr[c->hlen] = 0;
			end = c->hlen >= 4 ? strstr(c->hdr + c->hlen - 4, "\r\n\r\n") : NULL;
			if (end && parse_header(c) < 0)
				return -1;
			if (!end)
				continue;
		} else {
			size_t k = (long long)n < c->body_left ? n : (size_t)c->body_left;

			if (!c->body_left)
				return -1;      /* bytes beyond the body: nothing was asked for */
			c->body_left -= (long long)k, b += k, n -= k;
		}
		if (c->body_left == 0 && n)
			return -1;
	}
	return 0;
}

/* One response finished: the request is answered; the connection goes back to the pool or is closed. */
static int response_done(struct hconn *c)
{
	struct lg_slot *sl = c->sl;

	c->sl = NULL;
	lg_complete(sl, LG_OK);
	if (c->close_after) {
		conn_end(c, LG_OK, 0);
		return -1;
	}
	c->state = HC_IDLE;
	c->next = c->owner->idle;
	c->owner->idle = c;
	return 0;
}

static void on_event(struct ns_sock *s, unsigned ev, void *arg)
{
	struct hconn *c = arg;
	char buf[4096];
	int n;

	(void)s;
	if ((ev & NS_EV_WRITABLE) && c->state == HC_CONNECTING)
		send_request(c);
	while (c->state != HC_CONNECTING) {
		n = ns_recv(c->s, buf, sizeof buf);
		if (n == NS_EAGAIN)
			break;
		if (n <= 0 || c->state == HC_IDLE) {   /* EOF, an error, or bytes nobody asked for */
			conn_end(c, LG_FAIL, n > 0);
			return;
		}
		if (take(c, buf, (size_t)n) < 0) {
			conn_end(c, LG_WRONG, 1);
			return;
		}
		if (c->body_left == 0 && response_done(c) < 0)
			return;
	}
	if (ev & NS_EV_CLOSED)
		conn_end(c, LG_FAIL, 0);
}

int http_issue(struct lg_slot *sl)
{
	struct hvm *h = vm_stack(sl->vm);
	struct hconn *c = h->idle;

	if (c) {
		h->idle = c->next;
		c->sl = sl;
		sl->conn = c;
		send_request(c);
		return 0;
	}
	if (h->nconn >= max_conns || !(c = calloc(1, sizeof *c)))
		return -1;
	c->owner = h;
	c->sl = sl;
	c->state = HC_CONNECTING;
	c->s = ns_tcp_connect(h->st, lg_vm_ip(sl->vm), G.port, 0, 65535, on_event, c);
	if (!c->s) {
		free(c);
		return -1;
	}
	h->nconn++;
	sl->conn = c;
	return 0;
}

/* The request timed out (the caller counts it): drop its connection. */
void http_timeout(struct lg_slot *sl)
{
	struct hconn *c = sl->conn;

	if (!c || c->sl != sl)
		return;
	c->sl = NULL;
	ns_abort(c->s);
	conn_free(c);
}
