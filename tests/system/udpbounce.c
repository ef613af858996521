/* udpbounce.c - host side of test_netbounce: sends Ethernet frames to QEMU's dgram netdev and checks they come back
 * with the MACs swapped. usage: udpbounce [--other] MY_SOCK QEMU_SOCK COUNT SIZE [WINDOW [WAIT_S]]
 * MY_SOCK / QEMU_SOCK: unix datagram socket paths (QEMU: -netdev dgram,local.type=unix,local.path=QEMU_SOCK,
 * remote.type=unix,remote.path=MY_SOCK), or 127.0.0.1 UDP ports when they are all digits.
 * First probes until one frame comes back (up to WAIT_S, default 60 s), then sends COUNT frames of SIZE bytes
 * (14..1514) to the NIC's MAC with at most WINDOW (default 32) unanswered; prints one "udpbounce: ..." result
 * line. Exit 0 if every frame came back intact, 1 if not, 2 on usage or socket errors.
 * --other: the COUNT frames go to another MAC (OTHER_MAC) instead, and none may come back: the kernel bounces
 * only frames for its NIC; a probe sent after them must still come back (exit 0), after them in order. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#define MAXF 1514
static const uint8_t my_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xbb, 0x01 };
static const uint8_t nic_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };   /* QEMU's default NIC address */
static const uint8_t other_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xcc, 0x01 }; /* no VM, not the NIC */
#define ETYPE_HI 0x88       /* 0x88b5: IEEE local experimental */
#define ETYPE_LO 0xb5
#define PROBE_SEQ 0xffffffffu

static int sock = -1;
static struct sockaddr_storage peer;
static socklen_t peer_len;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Fills ss with a unix path or a 127.0.0.1 port; returns its length. */
static socklen_t make_addr(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (all_digits(s)) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(s));
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	if (strlen(s) >= sizeof(un->sun_path)) {
		fprintf(stderr, "udpbounce: socket path too long: %s\n", s);
		exit(2);
	}
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, s);
	return sizeof(*un);
}

static const uint8_t *dst_mac = nic_mac;

static void build(uint8_t *f, size_t size, uint32_t seq)
{
	memcpy(f, seq == PROBE_SEQ ? nic_mac : dst_mac, 6);
	memcpy(f + 6, my_mac, 6);
	f[12] = ETYPE_HI;
	f[13] = ETYPE_LO;
	for (size_t i = 14; i < size; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	if (size >= 18)
		memcpy(f + 14, &seq, 4);
}

static int send_frame(uint32_t seq, size_t size)
{
	uint8_t f[MAXF];
	build(f, size, seq);
	return sendto(sock, f, size, 0, (struct sockaddr *)&peer, peer_len) == (ssize_t)size ? 0 : -1;
}

/* Waits up to ms for one frame: its sequence number (PROBE_SEQ for a probe), -1 none, -2 not ours or damaged. */
static int64_t recv_frame(int ms, size_t size)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	uint8_t f[MAXF + 64], want[MAXF];
	uint32_t seq;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	ssize_t n = recv(sock, f, sizeof(f), 0);
	if (n < 18 || memcmp(f, my_mac, 6) != 0 || memcmp(f + 6, nic_mac, 6) != 0)
		return -2;
	memcpy(&seq, f + 14, 4);
	if (seq == PROBE_SEQ)
		return PROBE_SEQ;
	build(want, size, seq);
	memcpy(want, my_mac, 6);
	memcpy(want + 6, nic_mac, 6);
	if ((size_t)n != size || memcmp(f, want, size) != 0)
		return -2;
	return seq;
}

/* --other: COUNT frames to other_mac, then probes; every frame back before the first probe is a failure. */
static int check_not_bounced(uint32_t count, size_t size)
{
	uint32_t back = 0;
	int probe = 0;

	dst_mac = other_mac;
	for (uint32_t i = 0; i < count; i++)
		if (send_frame(i, size) != 0) {
			fprintf(stderr, "udpbounce: send: %s\n", strerror(errno));
			return 2;
		}
	for (int tries = 0; tries < 10 && !probe; tries++) {
		send_frame(PROBE_SEQ, 60);
		for (int64_t r; !probe && (r = recv_frame(200, size)) != -1;)
			if (r == PROBE_SEQ)
				probe = 1;
			else
				back++;
	}
	printf("udpbounce: other-MAC frames sent=%u came_back=%u probe_after_them=%s\n", count, back,
	       probe ? "back" : "lost");
	return back == 0 && probe ? 0 : 1;
}

int main(int argc, char **argv)
{
	int other = argc > 1 && strcmp(argv[1], "--other") == 0;

	argc -= other, argv += other;
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: udpbounce [--other] MY_SOCK QEMU_SOCK COUNT SIZE [WINDOW [WAIT_S]]\n");
		return 2;
	}
	uint32_t count = (uint32_t)atoi(argv[3]);
	size_t size = (size_t)atoi(argv[4]);
	uint32_t window = argc > 5 ? (uint32_t)atoi(argv[5]) : 32;
	double wait_s = argc > 6 ? atof(argv[6]) : 60;
	if (size < 18 || size > MAXF || window == 0 || count == 0) {
		fprintf(stderr, "udpbounce: SIZE must be 18..1514, COUNT and WINDOW > 0\n");
		return 2;
	}
	struct sockaddr_storage me;
	socklen_t me_len = make_addr(argv[1], &me);
	peer_len = make_addr(argv[2], &peer);
	if (me.ss_family != peer.ss_family) {
		fprintf(stderr, "udpbounce: both ends must be paths or both ports\n");
		return 2;
	}
	sock = socket(me.ss_family, SOCK_DGRAM, 0);
	if (me.ss_family == AF_UNIX)
		unlink(argv[1]);
	if (sock < 0 || bind(sock, (struct sockaddr *)&me, me_len) < 0) {
		fprintf(stderr, "udpbounce: socket/bind %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	int big = 4 << 20;
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));

	/* Probe until the kernel bounces (QEMU may not be up, the driver not started). */
	double t0 = now_s();
	int up = 0;
	while (!up && now_s() - t0 < wait_s) {
		send_frame(PROBE_SEQ, 60);
		for (int64_t r; (r = recv_frame(200, 60)) != -1;)
			if (r == PROBE_SEQ)
				up = 1;
	}
	if (!up) {
		printf("udpbounce: no frame came back within %.0f s\n", wait_s);
		return 1;
	}
	double ready = now_s() - t0;
	if (other) {
		int rc = check_not_bounced(count, size);
		if (me.ss_family == AF_UNIX)
			unlink(argv[1]);
		return rc;
	}

	uint8_t *got = calloc(count, 1);
	uint32_t sent = 0, back = 0, bad = 0, dup = 0, lost = 0;
	double start = now_s(), last = start;
	while (back + lost < count) {
		while (sent < count && sent - back - lost < window) {
			if (send_frame(sent, size) != 0) {
				fprintf(stderr, "udpbounce: send: %s\n", strerror(errno));
				return 2;
			}
			sent++;
		}
		int64_t r = recv_frame(1000, size);
		if (r == -1) {              /* a second without anything: whatever is unanswered is lost */
			lost = sent - back;
			if (sent == count)
				break;
			continue;
		}
		if (r == PROBE_SEQ)
			continue;
		if (r < 0 || (uint64_t)r >= sent) {
			bad++;
			continue;
		}
		if (got[r]) {
			dup++;
			continue;
		}
		got[r] = 1;
		if (lost && back + lost >= sent)
			lost--;         /* a late one given up for lost */
		back++;
		last = now_s();
	}
	double secs = last - start;
	printf("udpbounce: size=%zu window=%u sent=%u back=%u lost=%u bad=%u dup=%u seconds=%.3f rate=%.0f frames/s"
	       " (kernel answered after %.1f s)\n", size, window, sent, back, count - back, bad, dup, secs,
	       secs > 0 ? back / secs : 0.0, ready);
	if (me.ss_family == AF_UNIX)
		unlink(argv[1]);
	return back == count && bad == 0 && dup == 0 ? 0 : 1;
}
