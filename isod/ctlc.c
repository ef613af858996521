/* ctlc.c - isod's one connection to the kernel through isorun --serve's relay socket (pvisa/ctl.h framing). */
/*
 * isod is the relay's only client and keeps its connection for the kernel's life: every request goes through it, one
 * at a time (callers hold kernel_lock). A reply that does not frame, or answers another request, ends the connection
 * (the relay then resynchronises the kernel for the next client: CTL.md, "Serve mode and the relay").
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "isod.h"

#define CTLC_TIMEOUT_MS 120000  /* a kernel that does not answer one request in 2 min is taken as gone */

static int fd = -1;
static uint32_t next_id = 1;

int ctlc_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof a.sun_path)
		return -1;
	strcpy(a.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		close(s);
		return -1;
	}
	ctlc_close();
	fd = s;
	return 0;
}

void ctlc_close(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
}

int ctlc_connected(void)
{
	return fd >= 0;
}

static int send_all(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int recv_all(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int r = poll(&pf, 1, CTLC_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t k = read(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Append n bytes to r->data (NUL kept after them). */
static int grow(struct ctlc_reply *r, const uint8_t *p, size_t n)
{
	uint8_t *d = realloc(r->data, r->len + n + 1);

	if (!d)
		return -1;
	if (n)
		memcpy(d + r->len, p, n);
	r->data = d;
	r->len += n;
	d[r->len] = 0;
	return 0;
}

/* One reply message to request id of op; a SAVE chunk's offset header is dropped (T_SAVE: bytes, then the total). */
static int recv_one(uint32_t id, uint16_t op, struct ctlc_reply *r, int *more)
{
	static uint8_t buf[CTL_MSG_MAX];
	struct ctl_hdr h;

	if (recv_all(&h, sizeof h) < 0 || h.magic != CTL_MAGIC || h.len > CTL_PAYLOAD_MAX || recv_all(buf, h.len) < 0)
		return -1;
	if (h.id != id || h.op != (op | CTL_REPLY)) {
		fprintf(stderr, "isod: the kernel answered request %u op %u, expected %u op %u: dropping the connection\n",
			h.id, h.op & ~CTL_REPLY, id, op);
		return -1;
	}
	r->status = h.status;
	*more = (h.flags & CTL_F_MORE) != 0;
	if (*more && h.len < sizeof(struct ctl_chunk_req))
		return -1;
	if (*more)
		return grow(r, buf + sizeof(struct ctl_chunk_req), h.len - sizeof(struct ctl_chunk_req));
	return grow(r, buf, h.len);
}

int ctlc_call(uint16_t op, const void *a, uint32_t an, const void *b, uint32_t bn, struct ctlc_reply *r)
{
	struct ctl_hdr h;
	uint32_t id = next_id++;
	int more = 1;

	if (next_id == 0 || next_id >= 0xfffffff0u)
		next_id = 1;           /* the relay's own ids are 0xfffffff0 and up */
	memset(r, 0, sizeof *r);
	if (fd < 0 || grow(r, NULL, 0) < 0)
		return -1;
	ctl_hdr_fill(&h, op, id, 0, 0, an + bn);
	if (send_all(&h, sizeof h) < 0 || send_all(a, an) < 0 || send_all(b, bn) < 0)
		goto lost;
	while (more)
		if (recv_one(id, op, r, &more) < 0)
			goto lost;
	return 0;
lost:
	ctlc_reply_free(r);
	ctlc_close();
	return -1;
}

void ctlc_reply_free(struct ctlc_reply *r)
{
	free(r->data);
	r->data = NULL;
	r->len = 0;
}
