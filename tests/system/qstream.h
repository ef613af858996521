/* qstream.h - the host side of QEMU's stream netdev for the test tools (frameinject.c, uplink.c): connect, send a frame. */
#ifndef TESTS_SYSTEM_QSTREAM_H
#define TESTS_SYSTEM_QSTREAM_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "byteorder.h"

static inline double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Connects to QEMU's listening socket at path, retrying every 100 ms for secs seconds; the fd or -1. */
static inline int connect_to(const char *path, double secs)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	double end = now_s() + secs;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	while (now_s() < end) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			return s;
		if (s >= 0)
			close(s);
		usleep(100000);
	}
	return -1;
}

/* One frame as the stream netdev carries it (a 4-byte big-endian length, then the bytes); exits 2 if the socket
 * fails, naming who. */
static inline void qstream_send(int fd, const uint8_t *f, size_t len, const char *who)
{
	uint8_t hdr[4];

	be32_put(hdr, (uint32_t)len);
	if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4 || (len && send(fd, f, len, MSG_NOSIGNAL) != (ssize_t)len)) {
		fprintf(stderr, "%s: send: %s\n", who, strerror(errno));
		exit(2);
	}
}

#endif
