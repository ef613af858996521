/* http.c - HTTP/1.1 server: GET/HEAD of any path answer a generated text body; keep-alive, pipelining; usage in main. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "guest_net.h"
#include "pvisa_guest.h"

#define HTTP_MAX_SOCKS   32        /* listener, connections and TIME_WAITs (8 B each in the stack's table) */
#define HTTP_BACKLOG     8
#define HTTP_SNDBUF      8192      /* TCP send buffer per connection: the body streams through it */
#define HTTP_RCVBUF      2048
#define HTTP_MSL_MS      2000      /* TIME_WAIT lasts 4 s, so closed connections free their slots soon */
#define HTTP_RTO_MIN_MS  200       /* Linux's floor, not RFC 6298's 1 s: a lost tail segment stalls 0.2 s */
#define HTTP_IN_MAX      128       /* request bytes read ahead per connection */
#define HTTP_HEAD_MAX    8192      /* longest request head (request line + headers) */
#define HTTP_TOK_MAX     32        /* method, version, header name or Connection value kept for parsing */
#define HTTP_CHUNK       1024      /* body bytes generated per ns_send */
#define HTTP_DRAIN_NS    5000000000ull  /* after the last request: at most this long to finish the replies */
#define HTTP_LINGER_NS   300000000ull   /* after the last connection closed: time for its data and FIN */

enum { P_METHOD, P_TARGET, P_VERSION, P_HNAME, P_HVALUE };   /* parser states */
enum { M_GET, M_HEAD, M_OTHER };
enum { R_NONE, R_HEAD, R_BODY };                            /* response states */

/* One connection: ~200 bytes besides the stack's socket and buffers. */
struct http_conn {
	struct ns_sock *s;
	struct http_conn *next;
	uint16_t in_off, in_len;
	uint8_t in[HTTP_IN_MAX];
	/* request parser */
	uint8_t pstate, plen, method, minor;
	uint8_t hdr_kind;                  /* 0 other, 1 Connection, 2 Content-Length, 3 Transfer-Encoding */
	uint8_t want_close, want_keep, bad;
	char tok[HTTP_TOK_MAX];
	uint32_t head_bytes;
	uint64_t content_len, skip;        /* a request body is skipped, not read */
	/* response */
	uint8_t rstate, close_after;
	uint16_t status, hdr_sent;
	uint64_t body_off, body_left;
};

static uint64_t http_body_size = 64;
static unsigned long http_limit, http_served;
static struct http_conn *http_conns;
static unsigned http_live;
static int http_draining;
static struct ns_sock *http_listener;

/* Byte i of every body: lines of 63 characters and a newline. */
static char http_body_byte(uint64_t i)
{
	static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";

	return i % 64 == 63 ? '\n' : pat[i % 64];
}

static int http_tok_is(const struct http_conn *c, const char *s)
{
	return c->plen == strlen(s) && memcmp(c->tok, s, c->plen) == 0;
}

static void http_tok_add(struct http_conn *c, char ch)
{
	if (c->plen < HTTP_TOK_MAX)
		c->tok[c->plen] = ch;
	if (c->plen < 255)
		c->plen++;
}

/* The end of a header line: the few headers that matter. */
static void http_header_done(struct http_conn *c)
{
	size_t n = c->plen < HTTP_TOK_MAX ? c->plen : HTTP_TOK_MAX;
	char v[HTTP_TOK_MAX + 1];

	memcpy(v, c->tok, n);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	v[n] = '\0';
	if (c->hdr_kind == 1) {
		if (strstr(v, "close"))
			c->want_close = 1;
		if (strstr(v, "keep-alive"))
			c->want_keep = 1;
	} else if (c->hdr_kind == 2) {
		char *end;
		errno = 0;
		unsigned long long len = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || c->plen > HTTP_TOK_MAX || *end != '\0' || errno != 0)
			c->bad = 1;
		else
			c->content_len = len;
	} else if (c->hdr_kind == 3) {
		c->bad = 1;                      /* chunked request bodies are not supported */
	}
}

/* Feeds one request byte; returns 1 when the request head is complete, 0 otherwise. Errors set c->bad. */
static int http_parse(struct http_conn *c, char ch)
{
	if (++c->head_bytes > HTTP_HEAD_MAX) {
		c->bad = 1;
		return 1;
	}
	switch (c->pstate) {
	case P_METHOD:
		if (c->plen == 0 && (ch == '\r' || ch == '\n')) {
			c->head_bytes--;             /* empty lines before a request are ignored (RFC 7230 3.5) */
			return 0;
		}
		if (ch == ' ' && c->plen > 0) {
			c->method = http_tok_is(c, "GET") ? M_GET : http_tok_is(c, "HEAD") ? M_HEAD : M_OTHER;
			c->pstate = P_TARGET;
			c->plen = 0;
		} else if ((ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_') {
			http_tok_add(c, ch);
		} else {
			c->bad = 1;
			return 1;
		}
		return 0;
	case P_TARGET:
		if (ch == ' ' && c->plen > 0) {
			c->pstate = P_VERSION;
			c->plen = 0;
		} else if ((unsigned char)ch <= ' ' || ch == 0x7f) {
			c->bad = 1;
			return 1;
		} else {
			c->plen = 1;                 /* the path is ignored: only "not empty" is kept */
		}
		return 0;
	case P_VERSION:
		if (ch == '\r')
			return 0;
		if (ch == '\n') {
			if (!http_tok_is(c, "HTTP/1.1") && !http_tok_is(c, "HTTP/1.0")) {
				c->bad = 1;
				return 1;
			}
			c->minor = (uint8_t)(c->tok[7] - '0');
			c->pstate = P_HNAME;
			c->plen = 0;
		} else {
			http_tok_add(c, ch);
		}
		return 0;
	case P_HNAME:
		if (ch == '\r' && c->plen == 0)
			return 0;
		if (ch == '\n' && c->plen == 0)
			return 1;                    /* the empty line: the head is complete */
		if (ch == ':' && c->plen > 0) {
			c->hdr_kind = http_tok_is(c, "connection") ? 1 : http_tok_is(c, "content-length") ? 2 :
			              http_tok_is(c, "transfer-encoding") ? 3 : 0;
			c->pstate = P_HVALUE;
			c->plen = 0;
		} else if ((unsigned char)ch <= ' ' || ch == 0x7f) {
			c->bad = 1;
			return 1;
		} else {
			http_tok_add(c, (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
		}
		return 0;
	default: /* P_HVALUE */
		if (ch == '\n') {
			http_header_done(c);
			c->pstate = P_HNAME;
			c->plen = 0;
		} else if (ch != '\r' && !((ch == ' ' || ch == '\t') && c->plen == 0) && c->hdr_kind != 0) {
			http_tok_add(c, (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
		}
		return 0;
	}
}

/* The request head is complete: choose the response and reset the parser for the next request. */
static void http_respond(struct http_conn *c)
{
	if (c->bad) {
		c->status = 400;
	} else if (c->method == M_OTHER) {
		c->status = 405;
	} else {
		c->status = 200;
		c->skip = c->content_len;
	}
	c->close_after = c->status != 200 || c->want_close || (c->minor == 0 && !c->want_keep) || http_draining;
	c->body_off = 0;
	c->body_left = c->status == 200 && c->method == M_GET ? http_body_size : 0;
	c->hdr_sent = 0;
	c->rstate = R_HEAD;
	c->pstate = P_METHOD;
	c->plen = 0;
	c->head_bytes = 0;
	c->content_len = 0;
	c->want_close = c->want_keep = c->bad = 0;
}

static int http_head(const struct http_conn *c, char *buf, size_t cap)
{
	if (c->status == 400)
		return snprintf(buf, cap, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	if (c->status == 405)
		return snprintf(buf, cap, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
		                "Content-Length: 0\r\nConnection: close\r\n\r\n");
	return snprintf(buf, cap, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\nContent-Type: text/plain\r\n%s\r\n",
	                (unsigned long long)http_body_size,
	                c->close_after ? "Connection: close\r\n" : c->minor == 0 ? "Connection: keep-alive\r\n" : "");
}

static void http_free(struct http_conn *c)
{
	struct http_conn **pp = &http_conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	free(c);
	if (--http_live == 0 && http_draining)
		guest_net_stop_after(HTTP_LINGER_NS);
}

/* Ends a connection: graceful close (queued data, then FIN) or reset. */
static void http_end(struct http_conn *c, int reset)
{
	if (reset)
		ns_abort(c->s);
	else
		ns_close(c->s);
	http_free(c);
}

/* Counts a finished response; the last one allowed closes the listener and every idle connection but cur. */
static void http_served_one(struct http_conn *cur)
{
	struct http_conn *c, *next;

	if (!http_limit || ++http_served != http_limit)
		return;
	http_draining = 1;
	ns_close(http_listener);
	guest_net_stop_after(HTTP_DRAIN_NS);
	for (c = http_conns; c; c = next) {
		next = c->next;
		if (c != cur && c->rstate == R_NONE)
			http_end(c, 0);
	}
}

/* Moves the response into the send buffer as far as it fits; returns 1 if the connection was ended. */
static int http_pump(struct http_conn *c)
{
	char buf[HTTP_CHUNK];

	while (c->rstate == R_HEAD) {
		int len = http_head(c, buf, sizeof buf);
		int n = ns_send(c->s, buf + c->hdr_sent, (size_t)(len - c->hdr_sent));
		if (n == NS_EAGAIN)
			return 0;
		if (n < 0) {
			http_end(c, 1);
			return 1;
		}
		c->hdr_sent = (uint16_t)(c->hdr_sent + n);
		if (c->hdr_sent == len)
			c->rstate = R_BODY;
	}
	while (c->body_left > 0) {
		size_t len = c->body_left < sizeof buf ? (size_t)c->body_left : sizeof buf;
		for (size_t i = 0; i < len; i++)
			buf[i] = http_body_byte(c->body_off + i);
		int n = ns_send(c->s, buf, len);
		if (n == NS_EAGAIN)
			return 0;
		if (n < 0) {
			http_end(c, 1);
			return 1;
		}
		c->body_off += (uint64_t)n;
		c->body_left -= (uint64_t)n;
		if ((size_t)n < len)
			return 0;                    /* the buffer is full: WRITABLE resumes */
	}
	c->rstate = R_NONE;
	if (c->status == 200)
		http_served_one(c);
	if (c->close_after || http_draining) {
		http_end(c, 0);
		return 1;
	}
	return 0;
}

/* Parses what was read and reads more, one request at a time: a pending response stops the reading. */
static void http_feed(struct http_conn *c)
{
	while (c->rstate == R_NONE) {
		if (c->in_off == c->in_len) {
			int n = ns_recv(c->s, c->in, sizeof c->in);
			if (n == NS_EAGAIN)
				return;
			if (n <= 0) {                    /* EOF (a request cut short is dropped) or error */
				http_end(c, n < 0);
				return;
			}
			c->in_off = 0;
			c->in_len = (uint16_t)n;
		}
		while (c->in_off < c->in_len && c->rstate == R_NONE) {
			if (c->skip) {
				uint64_t n = c->in_len - c->in_off;
				if (n > c->skip)
					n = c->skip;
				c->in_off = (uint16_t)(c->in_off + n);
				c->skip -= n;
				continue;
			}
			if (http_parse(c, (char)c->in[c->in_off++])) {
				http_respond(c);
				if (http_pump(c))
					return;
			}
		}
	}
}

static void http_conn_event(struct ns_sock *s, unsigned events, void *arg)
{
	struct http_conn *c = arg;

	(void)s;
	if (events & NS_EV_CLOSED) {
		http_end(c, 0);
		return;
	}
	if ((events & NS_EV_WRITABLE) && c->rstate != R_NONE && http_pump(c))
		return;
	http_feed(c);
}

static void http_listen_event(struct ns_sock *l, unsigned events, void *arg)
{
	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	for (;;) {
		struct http_conn *c = calloc(1, sizeof *c);
		struct ns_sock *s = ns_tcp_accept(l, c ? http_conn_event : NULL, c);
		if (s == NULL) {
			free(c);
			return;
		}
		if (c == NULL) {
			ns_abort(s);
			continue;
		}
		c->s = s;
		c->next = http_conns;
		http_conns = c;
		http_live++;
		http_feed(c);                        /* data may have come with the handshake */
	}
}

int main(int argc, char **argv)
{
	long long port = argc > 1 ? guest_arg_num(argv[1], 65535) : 80;
	long long size = argc > 2 ? guest_arg_num(argv[2], 1LL << 40) : 64;
	long long limit = argc > 3 ? guest_arg_num(argv[3], 2000000000LL) : 0;
	struct ns_config cfg = { .max_socks = HTTP_MAX_SOCKS, .tcp_sndbuf = HTTP_SNDBUF, .tcp_rcvbuf = HTTP_RCVBUF,
	                         .msl_ms = HTTP_MSL_MS, .rto_min_ms = HTTP_RTO_MIN_MS };
	struct ns_stack *st;
	char ip[16];

	if (argc > 4 || port <= 0 || size < 0 || limit < 0) {
		fprintf(stderr, "usage: %s [PORT (80) [BODY BYTES (64) [REQUESTS before exit (0: never)]]]\n", argv[0]);
		return 2;
	}
	http_body_size = (uint64_t)size;
	http_limit = (unsigned long)limit;
	st = guest_net_open(&cfg);
	if (st == NULL) {
		fprintf(stderr, "http: no network (no IPv4 address in the start info, or no memory)\n");
		return 1;
	}
	http_listener = ns_tcp_listen(st, (uint16_t)port, HTTP_BACKLOG, 0, 0, http_listen_event, NULL);
	if (http_listener == NULL) {
		fprintf(stderr, "http: cannot listen on TCP port %lld\n", port);
		return 1;
	}
	printf("http listening on %s:%lld, %lld-byte body\n", guest_net_ntoa(pv_start_info()->ipv4, ip), port, size);
	fflush(stdout);
	guest_net_run();
	printf("http: %lu requests served\n", http_served);
	return 0;
}
