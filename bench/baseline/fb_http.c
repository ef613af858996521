/* fb_http.c - forkbench's HTTP/1.1 client: keep-alive GETs over a connection pool per instance, responses checked. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fb.h"

#define FB_HTTP_EVENTS 256
#define FB_HTTP_HEAD   512
static const char fb_http_req[] = "GET / HTTP/1.1\r\nHost: forkbench\r\n\r\n";

enum { HC_CLOSED, HC_CONNECTING, HC_IDLE, HC_BUSY };

/* One client connection: conns i*per .. i*per+per-1 belong to instance i (per = ceil(concurrency / N)). */
struct fb_hconn {
	int fd, state, slot;
	int have_head;
	size_t hlen;
	uint64_t body_len, body_got;
	char head[FB_HTTP_HEAD];
};

struct fb_http {
	int ep, port;
	long n, per;
	uint64_t body;
	struct fb_hconn *c;
	unsigned char buf[65536];
};

static char fb_http_body_byte(uint64_t i)
{
	static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";

	return i % 64 == 63 ? '\n' : pat[i % 64];
}

/* Closes a connection with a reset (no TIME_WAIT left behind); a request on it fails. */
static void fb_hconn_close(struct fb_http *h, struct fb_engine *e, long ci, int failed)
{
	struct fb_hconn *c = &h->c[ci];
	struct linger lg = { 1, 0 };

	if (c->state == HC_CLOSED)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c->fd);
	c->state = HC_CLOSED;
	if (c->slot >= 0 && failed)
		fb_engine_answer(e, c->slot, FB_ERR, fb_now_ns());
	c->slot = -1;
}

/* Sends the request on a connected connection; 0 ok, -1 failed (closed; the caller reports the failure). */
static int fb_hconn_request(struct fb_http *h, struct fb_engine *e, long ci)
{
	struct fb_hconn *c = &h->c[ci];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)ci };

	if (c->state == HC_CONNECTING && epoll_ctl(h->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -1;
	c->state = HC_BUSY;
	c->have_head = 0;
	c->hlen = 0;
	c->body_len = c->body_got = 0;
	if (send(c->fd, fb_http_req, sizeof fb_http_req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof fb_http_req - 1)) {
		c->slot = -1;                    /* the engine counts the failure from our return value */
		fb_hconn_close(h, e, ci, 0);
		return -1;
	}
	return 0;
}

/* Opens connection CI to instance I (non-blocking connect); 0 ok (connecting or connected), -1 failed. */
static int fb_hconn_open(struct fb_http *h, long ci, long i)
{
	struct fb_hconn *c = &h->c[ci];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h->port),
	                          .sin_addr.s_addr = htonl(fb_addr(i)) };
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)ci };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if ((connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(h->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		close(c->fd);
		return -1;
	}
	c->state = HC_CONNECTING;
	return 0;
}

/* The engine's send: an idle connection of the instance, else a closed one opened; 1 if all are busy. */
static int fb_http_send(void *ctx, struct fb_engine *e, int slot, long target)
{
	struct fb_http *h = ctx;
	long first = target * h->per, ci = -1;

	for (long j = 0; j < h->per && ci < 0; j++)
		if (h->c[first + j].state == HC_IDLE)
			ci = first + j;
	for (long j = 0; j < h->per && ci < 0; j++)
		if (h->c[first + j].state == HC_CLOSED)
			ci = first + j;
	if (ci < 0)
		return 1;
	e->slots[slot].conn = ci;
	h->c[ci].slot = slot;
	if (h->c[ci].state == HC_IDLE)
		return fb_hconn_request(h, e, ci);
	if (fb_hconn_open(h, ci, target) < 0) {
		h->c[ci].slot = -1;
		return -1;
	}
	return 0;
}

/* The response head is complete in c->head: status 200 and Content-Length as configured; 0 ok, -1 not. */
static int fb_http_head(const struct fb_http *h, struct fb_hconn *c)
{
	const char *p = c->head;
	unsigned long long len;

	if (strncmp(p, "HTTP/1.1 200 ", 13) != 0)
		return -1;
	for (p = strchr(p, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		if (strncasecmp(p + 1, "content-length:", 15) == 0 && sscanf(p + 16, " %llu", &len) == 1) {
			c->body_len = len;
			return len == h->body ? 0 : -1;
		}
	return -1;
}

/* Feeds received bytes to connection CI's response; 1 complete, 0 more to come, -1 wrong. */
static int fb_http_feed(struct fb_http *h, struct fb_hconn *c, const unsigned char *p, size_t len)
{
	size_t k = 0;

	while (!c->have_head && k < len) {
		if (c->hlen + 1 >= FB_HTTP_HEAD)
			return -1;
		c->head[c->hlen++] = (char)p[k++];
		c->head[c->hlen] = '\0';
		if (c->hlen >= 4 && memcmp(c->head + c->hlen - 4, "\r\n\r\n", 4) == 0) {
			if (fb_http_head(h, c) < 0)
				return -1;
			c->have_head = 1;
		}
	}
	if (!c->have_head)
		return 0;
	if (len - k > c->body_len - c->body_got)
		return -1;                       /* more than the response: nothing was pipelined */
	for (; k < len; k++, c->body_got++)
		if ((char)p[k] != fb_http_body_byte(c->body_got))
			return -1;
	return c->body_got == c->body_len;
}

/* Connection CI is readable: the response so far, or its end. */
static void fb_http_readable(struct fb_http *h, struct fb_engine *e, long ci)
{
	struct fb_hconn *c = &h->c[ci];

	for (;;) {
		ssize_t n = recv(c->fd, h->buf, sizeof h->buf, 0);
		int rc;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || c->state != HC_BUSY) {        /* EOF, error, or bytes nobody asked for */
			fb_hconn_close(h, e, ci, 1);
			return;
		}
		rc = fb_http_feed(h, c, h->buf, (size_t)n);
		if (rc < 0) {
			fb_hconn_close(h, e, ci, 1);
			return;
		}
		if (rc == 1) {
			int slot = c->slot;
			c->state = HC_IDLE;
			c->slot = -1;
			fb_engine_answer(e, slot, FB_OK, fb_now_ns());
		}
	}
}

static void fb_http_poll(void *ctx, struct fb_engine *e, int ms)
{
	struct fb_http *h = ctx;
	struct epoll_event evs[FB_HTTP_EVENTS];
	int n = epoll_wait(h->ep, evs, FB_HTTP_EVENTS, ms);

	for (int i = 0; i < n; i++) {
		long ci = (long)evs[i].data.u64;
		struct fb_hconn *c = &h->c[ci];

		if (c->state == HC_CONNECTING) {
			int err = 0, slot = c->slot;
			socklen_t el = sizeof err;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)
				fb_hconn_close(h, e, ci, 1);
			else if (fb_hconn_request(h, e, ci) < 0 && slot >= 0)
				fb_engine_answer(e, slot, FB_ERR, fb_now_ns());
			continue;
		}
		if (c->state != HC_CLOSED)
			fb_http_readable(h, e, ci);
	}
}

static void fb_http_drop(void *ctx, struct fb_engine *e, int slot)
{
	struct fb_http *h = ctx;
	long ci = e->slots[slot].conn;

	if (ci >= 0 && h->c[ci].slot == slot) {
		h->c[ci].slot = -1;
		fb_hconn_close(h, e, ci, 0);
	}
}

int fb_http_load(long n, const struct fb_opts *o, struct fb_rep *r)
{
	struct fb_http *h = calloc(1, sizeof *h);
	struct fb_transport t = { h, fb_http_send, fb_http_poll, fb_http_drop };
	struct fb_engine e;
	int rc = -1;

	if (h == NULL)
		return -1;
	h->port = o->http_port;
	h->n = n;
	h->per = (o->conc + n - 1) / n;
	h->body = (uint64_t)o->body;
	h->c = calloc((size_t)(n * h->per), sizeof *h->c);
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->c == NULL || h->ep < 0 || fb_engine_init(&e, n, o) < 0) {
		fprintf(stderr, "forkbench: out of memory\n");
		goto out;
	}
	for (long i = 0; i < n * h->per; i++)
		h->c[i].slot = -1;
	rc = fb_engine_run(&e, &t, o, r);
	for (long i = 0; i < n * h->per; i++)
		fb_hconn_close(h, &e, i, 0);
	fb_engine_free(&e);
out:
	if (h->ep >= 0)
		close(h->ep);
	free(h->c);
	free(h);
	return rc;
}
