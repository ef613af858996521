/* serve.c - isorun --serve: relays control clients on a Unix socket to the kernel's control port, one client at a time. */
/*
 * A client's bytes go to the kernel unchanged, and the kernel's replies back to it (pvisa/ctl.h). Other clients wait,
 * connected, until the one before them leaves. The relay follows the framing both ways; when a client leaves with a
 * request unanswered, halfway through a message, after bytes the kernel could not frame, or with an upload begun,
 * the relay puts the kernel's decoder back at a message boundary before the next client: CTL_MSG_MAX zero bytes
 * (they complete any partial message, then are skipped as "no magic"), an ABORT, and a HELLO whose reply ends the
 * drain. Replies that arrive meanwhile are dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "isorun.h"
#include "ctl.h"

#define MAX_WAITING 64
#define SYNC_ID     0xfffffff1u   /* the relay's own HELLO: a client's requests never reach the kernel during a drain */
#define ABORT_ID    0xfffffff0u
#define QUEUE_MAX   (1u << 20)   /* bytes queued for one side before the relay stops reading the other */

/* A byte stream's framing, followed as bytes pass: a header, then len payload bytes. */
struct framer {
	uint8_t hdr[sizeof(struct ctl_hdr)];
	uint32_t have, left;
	int broken;                  /* bytes that cannot be framed went by */
};

/* Bytes waiting to be written to one side. */
struct outq {
	uint8_t *buf;
	size_t len, off;
};

static struct {
	int lfd, kfd, cfd;           /* listening socket, the kernel's control port, the client being served */
	int waiting[MAX_WAITING];
	int nwaiting;
	const char *path;
	struct framer from_client, from_kernel;
	struct outq to_kernel, to_client;
	unsigned long open_requests; /* the client's requests without a final reply */
	int uploaded;                /* the client began an upload the kernel may still hold */
	int draining;                /* between clients: dropping replies until SYNC_ID's */
	int kernel_gone;             /* the control port ended (QEMU is going): not taken again */
	struct pump_hook hook;
	unsigned long clients, requests;
} sv = { .lfd = -1, .kfd = -1, .cfd = -1 };

static void q_add(struct outq *q, const void *p, size_t n)
{
	if (q->off == q->len)
		q->off = q->len = 0;
	q->buf = xrealloc(q->buf, q->len + n);
	memcpy(q->buf + q->len, p, n);
	q->len += n;
}

/* Write what fd takes now; -1 when the peer is gone. */
static int q_flush(struct outq *q, int fd)
{
	while (q->off < q->len) {
		ssize_t n = write(fd, q->buf + q->off, q->len - q->off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		q->off += (size_t)n;
	}
	return 0;
}

/* Feed one byte to a framer; returns 1 when it completed a message (its header is in f->hdr). */
static int frame_byte(struct framer *f, uint8_t b)
{
	if (f->have < sizeof(f->hdr)) {
		f->hdr[f->have++] = b;
		if (f->have < sizeof(f->hdr))
			return 0;
		struct ctl_hdr h;
		memcpy(&h, f->hdr, sizeof(h));
		if (h.magic != CTL_MAGIC || h.len > CTL_PAYLOAD_MAX)
			f->broken = 1;
		f->left = h.len > CTL_PAYLOAD_MAX ? 0 : h.len;
	} else {
		f->left--;
	}
	if (f->left)
		return 0;
	f->have = 0;
	return 1;
}

static int serve_listen(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (strlen(path) >= sizeof(a.sun_path))
		input_error("--serve: the socket path must be under %zu bytes", sizeof(a.sun_path));
	strcpy(a.sun_path, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, MAX_WAITING) < 0)
		input_error("--serve %s: %s", path, strerror(errno));
	return fd;
}

static int hook_fds(void *ctx, struct pollfd *p, int max);
static void hook_ready(void *ctx, const struct pollfd *p, int n);

void serve_init(struct run *run, const char *path)
{
	if (run->o.no_console)
		input_error("--serve needs the console's control port: it cannot go with --no-console");
	sv.path = path;
	sv.lfd = serve_listen(path);
	sv.hook = (struct pump_hook){ .ctx = run, .fds = hook_fds, .ready = hook_ready };
	run->hook = &sv.hook;
	atexit(serve_close);
	warnx("serving control clients on %s (build/bin/kctl --socket %s ...)", path, path);
}

/* A new launch (the TCG retry after a failed KVM one) brings a new control port. */
void serve_relaunch(void)
{
	sv.kfd = -1;
	sv.kernel_gone = 0;
	memset(&sv.from_kernel, 0, sizeof(sv.from_kernel));
}

void serve_close(void)
{
	for (int i = 0; i < sv.nwaiting; i++)
		close(sv.waiting[i]);
	if (sv.cfd >= 0)
		close(sv.cfd);
	if (sv.lfd >= 0) {
		close(sv.lfd);
		unlink(sv.path);
	}
	sv.lfd = sv.kfd = sv.cfd = -1;
	sv.nwaiting = 0;
}

/* The control port is isorun's end of a socket pair qemu.c made for the console (qemu.c owns and closes it): take
 * it once the launch has it. */
static void take_kernel(const struct run *run)
{
	int fd = qemu_ctl_fd(run);

	if (sv.kfd >= 0 || sv.kernel_gone || fd < 0)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	sv.kfd = fd;
}

/* The control port ended or failed: QEMU is going. */
static void kernel_lost(void)
{
	sv.kfd = -1;
	sv.kernel_gone = 1;
}

static void send_own(uint16_t op, uint32_t id)
{
	struct ctl_hdr h;

	ctl_hdr_fill(&h, op, id, 0, 0, 0);
	q_add(&sv.to_kernel, &h, sizeof(h));
}

/* The client left: hand the kernel over clean (see the top of the file). */
static void client_gone(void)
{
	static uint8_t zeros[CTL_MSG_MAX];
	int dirty = sv.from_client.have || sv.from_client.broken || sv.open_requests;

	close(sv.cfd);
	sv.cfd = -1;
	sv.to_client.len = sv.to_client.off = 0;
	if (dirty || sv.uploaded) {
		if (dirty)
			q_add(&sv.to_kernel, zeros, sizeof(zeros));
		send_own(CTL_OP_ABORT, ABORT_ID);
		send_own(CTL_OP_HELLO, SYNC_ID);
		sv.draining = 1;
	}
	memset(&sv.from_client, 0, sizeof(sv.from_client));
	sv.open_requests = 0;
	sv.uploaded = 0;
}

static void next_client(void)
{
	if (sv.cfd >= 0 || sv.draining || sv.kfd < 0 || sv.nwaiting == 0)
		return;
	sv.cfd = sv.waiting[0];
	memmove(sv.waiting, sv.waiting + 1, (size_t)--sv.nwaiting * sizeof(int));
	sv.clients++;
}

static void accept_clients(void)
{
	int fd;

	while ((fd = accept4(sv.lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (sv.nwaiting == MAX_WAITING) {
			warnx("--serve: %d clients are waiting already; refusing one", MAX_WAITING);
			close(fd);
			continue;
		}
		sv.waiting[sv.nwaiting++] = fd;
	}
}

static void from_client(void)
{
	uint8_t buf[65536];
	ssize_t n = read(sv.cfd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_gone();
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (frame_byte(&sv.from_client, buf[i]) && !sv.from_client.broken) {
			struct ctl_hdr h;
			memcpy(&h, sv.from_client.hdr, sizeof(h));
			sv.open_requests++;
			sv.requests++;
			sv.uploaded |= h.op == CTL_OP_UPLOAD;
		}
	}
	q_add(&sv.to_kernel, buf, (size_t)n);
}

/* One whole reply from the kernel: to the client, or dropped while draining. */
static void kernel_reply(const uint8_t *msg, size_t n)
{
	struct ctl_hdr h;

	memcpy(&h, msg, sizeof(h));
	if (sv.draining) {
		sv.draining = !(h.id == SYNC_ID && h.op == (CTL_OP_HELLO | CTL_REPLY));
		return;
	}
	if (h.id != 0 && !(h.flags & CTL_F_MORE) && sv.open_requests)
		sv.open_requests--;
	if ((h.op == (CTL_OP_LOAD | CTL_REPLY) || h.op == (CTL_OP_RESTORE | CTL_REPLY) || h.op == (CTL_OP_ABORT | CTL_REPLY)) &&
	    h.status != CTL_E_STATE)
		sv.uploaded = 0;             /* the kernel let go of the upload (kept only when it was not complete) */
	if (sv.cfd >= 0)
		q_add(&sv.to_client, msg, n);
}

static void from_kernel(struct run *run)
{
	static uint8_t msg[CTL_MSG_MAX];
	static size_t mlen;
	uint8_t buf[65536];
	ssize_t n = read(sv.kfd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		kernel_lost();
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		msg[mlen++] = buf[i];
		if (frame_byte(&sv.from_kernel, buf[i])) {
			kernel_reply(msg, mlen);
			mlen = 0;
		} else if (sv.from_kernel.broken || mlen == sizeof(msg)) {
			run->r.bad_records++;            /* the kernel's own stream must always frame */
			memset(&sv.from_kernel, 0, sizeof(sv.from_kernel));
			mlen = 0;
		}
	}
}

static int hook_fds(void *ctx, struct pollfd *p, int max)
{
	int n = 0;

	if (sv.lfd < 0 || max < 3)
		return 0;
	take_kernel(ctx);
	next_client();
	p[n++] = (struct pollfd){ .fd = sv.lfd, .events = POLLIN };
	if (sv.kfd >= 0)
		p[n++] = (struct pollfd){ .fd = sv.kfd, .events = (short)((sv.to_client.len - sv.to_client.off < QUEUE_MAX ?
									     POLLIN : 0) |
									    (sv.to_kernel.off < sv.to_kernel.len ? POLLOUT : 0)) };
	if (sv.cfd >= 0)
		p[n++] = (struct pollfd){ .fd = sv.cfd, .events = (short)((sv.to_kernel.len - sv.to_kernel.off < QUEUE_MAX ?
									     POLLIN : 0) |
									    (sv.to_client.off < sv.to_client.len ? POLLOUT : 0)) };
	return n;
}

static void hook_ready(void *ctx, const struct pollfd *p, int n)
{
	struct run *run = ctx;

	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == sv.lfd)
			accept_clients();
		else if (p[i].fd == sv.kfd && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			from_kernel(run);
		else if (p[i].fd == sv.cfd && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			from_client();
	}
	if (sv.kfd >= 0 && q_flush(&sv.to_kernel, sv.kfd) < 0)
		kernel_lost();
	if (sv.cfd >= 0 && q_flush(&sv.to_client, sv.cfd) < 0)
		client_gone();
}

void serve_summary(void)
{
	if (sv.path)
		warnx("--serve: %lu clients served, %lu requests relayed", sv.clients, sv.requests);
}
