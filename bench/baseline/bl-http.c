/* bl-http.c - baseline HTTP/1.1 service (a host process, like examples/http.c): usage: bl-http ADDR PORT [BODY BYTES]. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "bl_serve.h"

/* The same contract as examples/http.c: GET/HEAD of any path answer 200 with a generated text body (lines of 63
 * characters and a newline), keep-alive (HTTP/1.0 only with "Connection: keep-alive"), pipelining, a request
 * body is skipped (Content-Length), chunked requests and malformed heads get 400 and a close, other methods 405.
 * One process, one thread, epoll: what a user writes for a small service. */

#define HTTP_BACKLOG   64
#define HTTP_HEAD_MAX  8192        /* longest request head (request line + headers) */
#define HTTP_CHUNK     65536       /* body bytes per write */
#define HTTP_EVENTS    64

struct http_conn {
	int fd;
	int out_armed;                 /* EPOLLOUT is wanted: a response is waiting for buffer space */
	size_t in_len;
	uint64_t skip;                 /* request body bytes still to drop */
	/* response */
	int pending, close_after;
	size_t hdr_len, hdr_sent;
	uint64_t body_off, body_left;
	char hdr[192];
	char in[HTTP_HEAD_MAX];
};

static uint64_t http_body_size = 64;
static char http_pat[HTTP_CHUNK + 64];   /* the body pattern from offset 0; period 64 */
static int http_ep;

static void http_pattern_init(void)
{
	static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";

	for (size_t i = 0; i < sizeof http_pat; i++)
		http_pat[i] = i % 64 == 63 ? '\n' : pat[i % 64];
}

/* The end of the request head in c->in (just past the empty line), or 0 if it has not come yet. */
static size_t http_head_end(const struct http_conn *c)
{
	for (size_t i = 0; i + 1 < c->in_len; i++) {
		if (c->in[i] == '\n' && c->in[i + 1] == '\n')
			return i + 2;
		if (c->in[i] == '\n' && c->in[i + 1] == '\r' && i + 2 < c->in_len && c->in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Header NAME's value in the head's lines (NUL-terminated, lowercased names not required); NULL if absent. */
static const char *http_header(char *head, const char *name)
{
	size_t n = strlen(name);

	for (char *l = strchr(head, '\n'); l != NULL; l = strchr(l, '\n')) {
		l++;
		if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
	}
	return NULL;
}

/* Whether the header value V (up to its line's end) contains WORD, case-insensitively. */
static int http_value_has(const char *v, const char *word)
{
	size_t n = strlen(word);

	for (; *v != '\0' && *v != '\r' && *v != '\n'; v++)
		if (strncasecmp(v, word, n) == 0)
			return 1;
	return 0;
}

/* The request line "METHOD TARGET HTTP/1.x": the method's length (*mlen) and x, or -1 when malformed. */
static int http_request_line(const char *h, size_t *mlen)
{
	size_t m = strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-"), t;

	if (m == 0 || h[m] != ' ')
		return -1;
	t = strcspn(h + m + 1, " \r\n\t");
	if (t == 0 || h[m + 1 + t] != ' ')
		return -1;
	h += m + 1 + t + 1;
	if (strncmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') || (h[8] != '\r' && h[8] != '\n'))
		return -1;
	*mlen = m;
	return h[7] - '0';
}

/* Parses the head in c->in[0..len) and prepares the response; returns the status. */
static int http_request(struct http_conn *c, size_t len)
{
	char head[HTTP_HEAD_MAX + 1];
	const char *v;
	int minor, status = 200, keep = 0, close_req = 0, head_only = 0;
	size_t mlen;

	memcpy(head, c->in, len);
	head[len] = '\0';
	minor = http_request_line(head, &mlen);
	if (minor < 0) {
		status = 400;
	} else {
		head_only = mlen == 4 && memcmp(head, "HEAD", 4) == 0;
		if (!head_only && !(mlen == 3 && memcmp(head, "GET", 3) == 0))
			status = 405;
		if (http_header(head, "transfer-encoding"))
			status = 400;
		if ((v = http_header(head, "content-length")) != NULL) {
			char *end;
			errno = 0;
			c->skip = strtoull(v, &end, 10);
			if (*v < '0' || *v > '9' || errno != 0 || (*end != '\r' && *end != '\n'))
				status = 400;
		}
		if ((v = http_header(head, "connection")) != NULL) {
			close_req = http_value_has(v, "close");
			keep = http_value_has(v, "keep-alive");
		}
	}
	if (status != 200)
		c->skip = 0;
	c->close_after = status != 200 || close_req || (minor == 0 && !keep);
	c->body_off = 0;
	c->body_left = status == 200 && !head_only ? http_body_size : 0;
	c->hdr_sent = 0;
	c->pending = 1;
	if (status == 400)
		c->hdr_len = (size_t)snprintf(c->hdr, sizeof c->hdr,
		                              "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	else if (status == 405)
		c->hdr_len = (size_t)snprintf(c->hdr, sizeof c->hdr, "HTTP/1.1 405 Method Not Allowed\r\n"
		                              "Allow: GET, HEAD\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	else
		c->hdr_len = (size_t)snprintf(c->hdr, sizeof c->hdr,
		                              "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\nContent-Type: text/plain\r\n%s\r\n",
		                              (unsigned long long)http_body_size, c->close_after ? "Connection: close\r\n" :
		                              minor == 0 ? "Connection: keep-alive\r\n" : "");
	return status;
}

static void http_close(struct http_conn *c)
{
	close(c->fd);                        /* also leaves the epoll set */
	free(c);
}

/* A blocked response waits for EPOLLOUT only (no reading meanwhile: backpressure); otherwise EPOLLIN. */
static void http_want_out(struct http_conn *c, int on)
{
	struct epoll_event ev = { .events = on ? EPOLLOUT : EPOLLIN, .data.ptr = c };

	if (c->out_armed != on && epoll_ctl(http_ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->out_armed = on;
}

/* Writes the pending response as far as the socket takes it: 1 done, 0 blocked, -1 the connection failed. */
static int http_pump(struct http_conn *c)
{
	while (c->hdr_sent < c->hdr_len || c->body_left > 0) {
		size_t hl = c->hdr_len - c->hdr_sent;
		struct iovec iov[2] = {
			{ c->hdr + c->hdr_sent, hl },          /* the head and the body go out in one segment */
			{ http_pat + c->body_off % 64, c->body_left < HTTP_CHUNK ? (size_t)c->body_left : HTTP_CHUNK },
		};
		struct msghdr mh = { .msg_iov = hl ? iov : iov + 1, .msg_iovlen = hl ? 2 : 1 };
		ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if ((size_t)n <= hl) {
			c->hdr_sent += (size_t)n;
			continue;
		}
		c->hdr_sent = c->hdr_len;
		c->body_off += (uint64_t)n - hl;
		c->body_left -= (uint64_t)n - hl;
	}
	c->pending = 0;
	return 1;
}

/* Serves what c->in holds, one request at a time; returns -1 if the connection is to be closed. */
static int http_serve(struct http_conn *c)
{
	while (!c->pending) {
		size_t end;

		if (c->skip > 0) {
			size_t n = c->in_len < c->skip ? c->in_len : (size_t)c->skip;
			memmove(c->in, c->in + n, c->in_len - n);
			c->in_len -= n;
			c->skip -= n;
			if (c->skip > 0)
				return 0;
		}
		while (c->in_len > 0 && (c->in[0] == '\r' || c->in[0] == '\n')) {   /* empty lines before a request */
			memmove(c->in, c->in + 1, --c->in_len);
		}
		end = http_head_end(c);
		if (end == 0 && c->in_len < sizeof c->in)
			return 0;
		if (end == 0) {                                     /* head too long: 400 */
			http_request(c, 0);
			end = c->in_len;
		} else {
			http_request(c, end);
		}
		memmove(c->in, c->in + end, c->in_len - end);
		c->in_len -= end;
		int r = http_pump(c);
		if (r < 0 || (r == 1 && c->close_after))
			return -1;
		http_want_out(c, r == 0);
	}
	return 0;
}

static void http_conn_event(struct http_conn *c, unsigned events)
{
	if (c->pending) {
		int r = http_pump(c);
		if (r < 0 || (r == 1 && c->close_after)) {
			http_close(c);
			return;
		}
		http_want_out(c, r == 0);
		if (r == 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			http_close(c);
			return;
		}
		if (n > 0)
			c->in_len += (size_t)n;
	}
	if (http_serve(c) < 0)
		http_close(c);
}

static void http_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct http_conn *c;
		struct epoll_event ev;
		int one = 1;

		if (fd < 0)
			return;
		c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* replies are complete: no Nagle wait */
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(http_ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			http_close(c);
	}
}

int main(int argc, char **argv)
{
	long long port = argc > 2 ? bl_arg(argv[2], 65535) : -1;
	long long size = argc > 3 ? bl_arg(argv[3], 1LL << 40) : 64;
	struct epoll_event ev, evs[HTTP_EVENTS];
	int lfd;

	bl_ready_init();
	if (argc < 3 || argc > 4 || port <= 0 || size < 0) {
		fprintf(stderr, "usage: %s ADDR PORT [BODY BYTES (64)]\n", argv[0]);
		return 2;
	}
	http_body_size = (uint64_t)size;
	http_pattern_init();
	lfd = bl_bind(SOCK_STREAM | SOCK_NONBLOCK, argv[1], (int)port);
	http_ep = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || listen(lfd, HTTP_BACKLOG) < 0 || http_ep < 0) {
		fprintf(stderr, "bl-http: cannot listen on %s:%lld: %s\n", argv[1], port, strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;                  /* NULL: the listener */
	if (epoll_ctl(http_ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		return 1;
	bl_ready();
	for (;;) {
		int n = epoll_wait(http_ep, evs, HTTP_EVENTS, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				http_accept(lfd);
			else
				http_conn_event(evs[i].data.ptr, evs[i].events);
		}
	}
}
