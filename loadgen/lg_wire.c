/* lg_wire.c - loadgen's wire: the unix stream socket QEMU serves (4-byte big-endian length + frame), ARP, IPv4. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lg.h"

#define IN_CAP (1u << 20)

uint64_t lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lg_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Connects to QEMU's listening socket, retrying every 50 ms for up to wait_s (QEMU may not be up yet) while
 * alive() (NULL: always) says whoever should start QEMU is still there and loadgen got no signal. */
int lg_connect(const char *path, double wait_s, int (*alive)(void))
{
	struct sockaddr_un a;
	uint64_t t0 = lg_now();
	int fd;

	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path)
		lg_die("socket path too long: %s", path);
	strcpy(a.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			lg_die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			break;
		close(fd);
		if ((double)(lg_now() - t0) / 1e9 > wait_s || (alive && !alive()) || lg_stop_sig)
			return -1;
		usleep(50000);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	G.in = malloc(IN_CAP);
	G.out = malloc(LG_OUT_MAX);
	if (!G.in || !G.out)
		lg_die("out of memory");
	return fd;
}

int lg_send_frame(const void *frame, size_t len)
{
	uint8_t *p;

	if (G.outlen + len + 4 > LG_OUT_MAX || G.eof)
		return -1;
	p = G.out + G.outlen;
	be32_put(p, (uint32_t)len);
	memcpy(p + 4, frame, len);
	G.outlen += len + 4;
	G.tx_frames++;
	return 0;
}

/* Writes what the socket takes now (non-blocking). */
void lg_flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < G.outlen) {
		n = write(G.fd, G.out + off, G.outlen - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN)
				G.eof = 1;
			break;
		}
		off += (size_t)n;
	}
	memmove(G.out, G.out + off, G.outlen - off);
	G.outlen -= off;
}

/* Reads what is there and hands each complete frame to fn. */
void lg_read(void (*fn)(const uint8_t *frame, size_t len))
{
	size_t off, len;
	ssize_t n;

	for (;;) {
		n = read(G.fd, G.in + G.inlen, IN_CAP - G.inlen);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			G.eof = 1;
			return;
		}
		if (n < 0)
			return;
		G.inlen += (size_t)n;
		for (off = 0; G.inlen - off >= 4; off += 4 + len) {
			const uint8_t *p = G.in + off;

			len = be32_get(p);
			if (len > 65536)
				lg_die("bad frame length %zu from QEMU: the stream is out of step", len);
			if (G.inlen - off < 4 + len)
				break;
			G.rx_frames++;
			fn(p + 4, len);
		}
		memmove(G.in, G.in + off, G.inlen - off);
		G.inlen -= off;
	}
}

uint32_t lg_vm_ip(uint32_t vm)
{
	return netplan_ipv4(G.net_ip, vm);
}

int lg_ip_vm(uint32_t ip, uint32_t *vm)
{
	uint32_t slot = netplan_ipv4_slot(G.net_ip, ip);

	if (slot >= G.nvms)
		return 0;
	*vm = slot;
	return 1;
}

/* Answers an ARP request (the whole Ethernet frame, already checked to ask for an address we own). */
void lg_arp_reply(const uint8_t *req)
{
	uint8_t f[60];

	memset(f, 0, sizeof f);
	memcpy(f, req + 22, 6);            /* to the asker */
	memcpy(f + 6, G.mac, 6);
	be16_put(f + 12, ETHER_TYPE_ARP);
	memcpy(f + 14, req + 14, 6);       /* htype, ptype, hlen, plen */
	f[20] = 0, f[21] = 2;              /* reply */
	memcpy(f + 22, G.mac, 6);
	memcpy(f + 28, req + 38, 4);       /* the address asked for */
	memcpy(f + 32, req + 22, 10);      /* the asker's MAC and IPv4 */
	if (lg_send_frame(f, sizeof f) == 0)
		G.arp_replies++;
}

/* A 20-byte IPv4 header (DF, TTL 64) with its checksum. */
void lg_put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, size_t payload_len)
{
	static uint16_t id;

	p[0] = 0x45, p[1] = 0;
	be16_put(p + 2, (uint16_t)(IPV4_HLEN + payload_len));
	be16_put(p + 4, id++);
	be16_put(p + 6, 0x4000);
	p[8] = 64, p[9] = proto;
	be16_put(p + 10, 0);
	be32_put(p + 12, src);
	be32_put(p + 16, dst);
	be16_put(p + 10, inet_csum_fold(inet_csum_hdr20(0, p)));
}
