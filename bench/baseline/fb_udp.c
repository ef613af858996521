/* fb_udp.c - forkbench's UDP echo client: one socket, datagrams to every instance's address in turn, echoes checked. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fb.h"

#define FB_UDP_HDR 12            /* payload: seq (8 bytes), slot (4), then bytes derived from seq */

struct fb_udp {
	int fd, ep, size, port;
};

static unsigned char fb_udp_byte(uint64_t seq, int i)
{
	return (unsigned char)(seq * 31u + (unsigned)i * 7u);
}

static void fb_udp_payload(unsigned char *p, int size, uint64_t seq, uint32_t slot)
{
	memcpy(p, &seq, 8);
	memcpy(p + 8, &slot, 4);
	for (int i = FB_UDP_HDR; i < size; i++)
		p[i] = fb_udp_byte(seq, i);
}

static int fb_udp_send(void *ctx, struct fb_engine *e, int slot, long target)
{
	struct fb_udp *u = ctx;
	unsigned char p[1472];
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)u->port);
	sa.sin_addr.s_addr = htonl(fb_addr(target));
	fb_udp_payload(p, u->size, e->slots[slot].seq, (uint32_t)slot);
	return sendto(u->fd, p, (size_t)u->size, 0, (struct sockaddr *)&sa, sizeof sa) == u->size ? 0 : -1;
}

/* One datagram: the echo of a request in flight (checked against what was sent), or late and ignored. */
static void fb_udp_one(struct fb_udp *u, struct fb_engine *e, const unsigned char *p, ssize_t len,
                       const struct sockaddr_in *from)
{
	unsigned char want[1472];
	uint64_t seq;
	uint32_t slot;
	const struct fb_slot *s;
	int ok;

	if (len < FB_UDP_HDR)
		return;
	memcpy(&seq, p, 8);
	memcpy(&slot, p + 8, 4);
	if (slot >= (uint32_t)e->conc)
		return;
	s = &e->slots[slot];
	if (s->t_send == 0 || s->seq != seq)
		return;                          /* an answer after its timeout */
	fb_udp_payload(want, u->size, seq, slot);
	ok = len == u->size && memcmp(p, want, (size_t)len) == 0 && from->sin_addr.s_addr == htonl(fb_addr(s->target)) &&
	     from->sin_port == htons((uint16_t)u->port);
	fb_engine_answer(e, (int)slot, ok ? FB_OK : FB_ERR, fb_now_ns());
}

static void fb_udp_poll(void *ctx, struct fb_engine *e, int ms)
{
	struct fb_udp *u = ctx;
	struct epoll_event ev;
	unsigned char p[2048];

	if (epoll_wait(u->ep, &ev, 1, ms) <= 0)
		return;
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t len = recvfrom(u->fd, p, sizeof p, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (len < 0)
			return;
		fb_udp_one(u, e, p, len, &from);
	}
}

static void fb_udp_drop(void *ctx, struct fb_engine *e, int slot)
{
	(void)ctx;
	(void)e;
	(void)slot;                          /* nothing to undo: a late echo no longer matches the slot's seq */
}

int fb_udp_load(long n, const struct fb_opts *o, struct fb_rep *r)
{
	struct fb_udp u = { .size = o->size, .port = o->udp_port };
	struct fb_transport t = { &u, fb_udp_send, fb_udp_poll, fb_udp_drop };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int buf = 4 << 20, rc = -1;
	struct fb_engine e;

	u.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u.ep = epoll_create1(EPOLL_CLOEXEC);
	if (u.fd < 0 || u.ep < 0 || bind(u.fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    epoll_ctl(u.ep, EPOLL_CTL_ADD, u.fd, &ev) < 0) {
		fprintf(stderr, "forkbench: UDP client socket: %s\n", strerror(errno));
		goto out;
	}
	setsockopt(u.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(u.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	if (fb_engine_init(&e, n, o) < 0) {
		fprintf(stderr, "forkbench: out of memory\n");
		goto out;
	}
	rc = fb_engine_run(&e, &t, o, r);
	fb_engine_free(&e);
out:
	if (u.fd >= 0)
		close(u.fd);
	if (u.ep >= 0)
		close(u.ep);
	return rc;
}
