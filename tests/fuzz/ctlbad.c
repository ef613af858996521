/* ctlbad.c - malformed control messages through the real channel (isorun --serve's socket): each must get its error. */
/*
 * usage: ctlbad SOCKET. Sends, in turn, a bad magic, a wrong version, a payload too long to frame, an unknown op,
 * request id 0, a header field set that requests must leave 0, a wrong payload length, a bad field inside a
 * payload, a truncated message (its header promises more than comes; the next message completes it and it is
 * judged then), and checks each reply's status; after each, a HELLO must still be answered OK (the kernel still
 * serves). Prints one line per case and "ctlbad: N cases ok"; exits 1 on the first mismatch, 3 on a lost connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl.h"

static int fd;

static void put(const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "ctlbad: write: %s\n", strerror(errno));
		exit(3);
	}
}

static void get(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t k = read(fd, b, n);
		if (k <= 0) {
			fprintf(stderr, "ctlbad: connection lost\n");
			exit(3);
		}
		b += k;
		n -= (size_t)k;
	}
}

/* Next reply: its header, its payload (NUL-terminated) in why. */
static struct ctl_hdr reply(char *why, size_t cap)
{
	struct ctl_hdr h;
	static uint8_t body[CTL_MSG_MAX];

	get(&h, sizeof(h));
	if (h.magic != CTL_MAGIC || h.len > CTL_PAYLOAD_MAX) {
		fprintf(stderr, "ctlbad: malformed reply (magic %#x len %u)\n", h.magic, h.len);
		exit(1);
	}
	get(body, h.len);
	snprintf(why, cap, "%.*s", (int)h.len, (const char *)body);
	return h;
}

static void expect(const char *name, uint32_t id, uint16_t status)
{
	char why[256];
	struct ctl_hdr h = reply(why, sizeof(why));

	if (h.id != id || h.status != status) {
		fprintf(stderr, "ctlbad: %s: got id %u status %s (%s), want id %u status %s\n", name, h.id,
			ctl_status_name(h.status), why, id, ctl_status_name(status));
		exit(1);
	}
	printf("ctlbad: %-34s -> %s: %s\n", name, ctl_status_name(status), why);
}

static void hello_ok(uint32_t id)
{
	struct ctl_hdr h;

	ctl_hdr_fill(&h, CTL_OP_HELLO, id, 0, 0, 0);
	put(&h, sizeof(h));
	expect("  then HELLO", id, CTL_OK);
}

static void send_hdr(uint32_t magic, uint16_t version, uint16_t op, uint32_t id, uint16_t flags, uint32_t len)
{
	struct ctl_hdr h;

	ctl_hdr_fill(&h, op, id, 0, flags, len);
	h.magic = magic;
	h.version = version;
	put(&h, sizeof(h));
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static uint8_t zeros[CTL_MSG_MAX];
	struct ctl_vm_req vr = { 1, 7 };
	int cases = 0;

	if (argc != 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: ctlbad SOCKET\n");
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "ctlbad: connect %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	send_hdr(0xdeadbeef, CTL_VERSION, CTL_OP_HELLO, 11, 0, 0);          /* bad magic: id 0 reply, then resync */
	expect("bad magic", 0, CTL_E_MAGIC), hello_ok(12), cases++;
	send_hdr(CTL_MAGIC, 9, CTL_OP_HELLO, 13, 0, 0);
	expect("wrong version", 13, CTL_E_VERSION), hello_ok(14), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_HELLO, 15, 0, 0x7fffffff);  /* unframeable: skipped to the next magic */
	expect("huge length", 15, CTL_E_TOOBIG), hello_ok(16), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, 999, 17, 0, 0);
	expect("unknown op", 17, CTL_E_OP), hello_ok(18), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_HELLO, 0, 0, 0);
	expect("request id 0", 0, CTL_E_ID), hello_ok(19), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_HELLO, 20, CTL_F_MORE, 0);
	expect("flags set in a request", 20, CTL_E_HDR), hello_ok(21), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_STATS, 22, 0, 5);
	put(zeros, 5);
	expect("STATS with a 5-byte payload", 22, CTL_E_LEN), hello_ok(23), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_DESTROY, 24, 0, sizeof(vr));
	put(&vr, sizeof(vr));
	expect("DESTROY with reserved != 0", 24, CTL_E_ARG), hello_ok(25), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_DESTROY, 26, 0, sizeof(vr));   /* truncated: 4 of 8 bytes, then */
	put(&vr, 4);
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_HELLO, 27, 0, 0);             /* 4 more bytes complete it: id 26 */
	expect("truncated DESTROY (completed)", 26, CTL_E_ARG);              /* is judged on garbage; the rest of */
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_HELLO, 28, 0, 0);             /* the HELLO is no magic: skipped */
	expect("  the HELLO cut by it", 0, CTL_E_MAGIC);
	expect("  then HELLO", 28, CTL_OK), cases++;
	send_hdr(CTL_MAGIC, CTL_VERSION, CTL_OP_CHUNK, 29, 0, 20);
	put(zeros, 20);
	expect("CHUNK with no upload", 29, CTL_E_STATE), hello_ok(30), cases++;
	printf("ctlbad: %d cases ok\n", cases);
	return 0;
}
