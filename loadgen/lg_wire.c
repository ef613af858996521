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
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
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

			len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
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

/* The Internet checksum of p[0..n) added to sum (returned folded and inverted). */
uint16_t lg_csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void lg_vm_mac(uint32_t vm, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(vm >> 24);
	mac[3] = (uint8_t)(vm >> 16);
	mac[4] = (uint8_t)(vm >> 8);
	mac[5] = (uint8_t)vm;
}

uint32_t lg_vm_ip(uint32_t vm)
{
	return G.net_ip + 2 + vm;
}

int lg_ip_vm(uint32_t ip, uint32_t *vm)
{
	if (ip - G.net_ip - 2 >= G.nvms)
		return 0;
	*vm = ip - G.net_ip - 2;
	return 1;
}

uint16_t lg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t lg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Answers an ARP request (the whole Ethernet frame, already checked to ask for an address we own). */
void lg_arp_reply(const uint8_t *req)
{
	uint8_t f[60];

	memset(f, 0, sizeof f);
	memcpy(f, req + 22, 6);            /* to the asker */
	memcpy(f + 6, G.mac, 6);
	f[12] = 0x08, f[13] = 0x06;
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
	size_t tot = 20 + payload_len;
	uint16_t c;

	p[0] = 0x45, p[1] = 0;
	p[2] = (uint8_t)(tot >> 8), p[3] = (uint8_t)tot;
	p[4] = (uint8_t)(id >> 8), p[5] = (uint8_t)id;
	id++;
	p[6] = 0x40, p[7] = 0;
	p[8] = 64, p[9] = proto;
	p[10] = p[11] = 0;
	put32(p + 12, src);
	put32(p + 16, dst);
	c = lg_csum(p, 20, 0);
	p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
}
