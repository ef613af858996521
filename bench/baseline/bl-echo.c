/* bl-echo.c - baseline UDP echo service (a host process, like examples/udp-echo.c): usage: bl-echo ADDR PORT [COUNT]. */
#include <stdio.h>
#include <sys/socket.h>
#include "bl_serve.h"

int main(int argc, char **argv)
{
	long long port = argc > 2 ? bl_arg(argv[2], 65535) : -1;
	long long limit = argc > 3 ? bl_arg(argv[3], 2000000000LL) : 0;
	unsigned char buf[1472];
	long long count = 0;
	int fd;

	bl_ready_init();
	if (argc < 3 || argc > 4 || port <= 0 || limit < 0) {
		fprintf(stderr, "usage: %s ADDR PORT [DATAGRAMS before exit (0: never)]\n", argv[0]);
		return 2;
	}
	fd = bl_bind(SOCK_DGRAM, argv[1], (int)port);
	if (fd < 0) {
		fprintf(stderr, "bl-echo: cannot bind %s:%lld: %s\n", argv[1], port, strerror(errno));
		return 1;
	}
	bl_ready();
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bl-echo: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		if (limit && ++count == limit)
			return 0;
	}
}
