/* bl_serve.h - shared by the baseline services (host processes forkbench starts): arguments, binding, readiness. */
#ifndef BL_SERVE_H
#define BL_SERVE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* forkbench gives every instance the write end of one pipe as this fd; an instance writes one byte there
 * when it is ready (bound, listening), then closes it. Run by hand the fd is not a pipe: nothing happens. */
#define BL_READY_FD 3

static int bl_ready_fd = -1;

/* Call first thing in main, before any file is opened (a socket could otherwise take fd 3). */
static inline void bl_ready_init(void)
{
	struct stat st;

	if (fstat(BL_READY_FD, &st) == 0 && S_ISFIFO(st.st_mode))
		bl_ready_fd = BL_READY_FD;
}

/* A decimal argument in [0, max]; -1 when malformed. */
static inline long long bl_arg(const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}

/* Tells forkbench this instance is ready. */
static inline void bl_ready(void)
{
	char c = 'r';

	if (bl_ready_fd < 0)
		return;
	while (write(bl_ready_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(bl_ready_fd);
	bl_ready_fd = -1;
}

/* A socket of TYPE bound to the IPv4 address ADDR (dotted) and PORT; -1 on error (errno set). */
static inline int bl_bind(int type, const char *addr, int port)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

#endif
