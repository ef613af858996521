/* udp-echo.c - UDP echo service: returns every datagram on port argv[1] (7) to its sender; argv[2] > 0: exit after that many. */
#include <stdio.h>
#include "guest.h"
#include "guest_net.h"
#include "pvisa_guest.h"

/* After the last datagram, run this long so its echo still goes out (an ARP exchange may be under way). */
#define ECHO_LINGER_NS 200000000ull

static unsigned long echo_limit;    /* 0: never exit */
static unsigned long echo_count;

/* Every waiting datagram back to where it came from. */
static void echo_event(struct ns_sock *s, unsigned events, void *arg)
{
	unsigned char buf[1472];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	while ((n = ns_udp_recvfrom(s, buf, sizeof buf, &ip, &port)) >= 0) {
		ns_udp_sendto(s, ip, port, buf, (size_t)n);
		if (echo_limit && ++echo_count == echo_limit) {
			guest_net_stop_after(ECHO_LINGER_NS);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	long port = argc > 1 ? guest_arg_num(argv[1], 65535) : 7;
	long limit = argc > 2 ? guest_arg_num(argv[2], 2000000000L) : 0;
	struct ns_stack *st;
	char ip[16];

	if (argc > 3 || port <= 0 || limit < 0) {
		fprintf(stderr, "usage: %s [PORT (7) [DATAGRAMS before exit (0: never)]]\n", argv[0]);
		return 2;
	}
	echo_limit = (unsigned long)limit;
	st = guest_net_stack();
	if (st == NULL) {
		fprintf(stderr, "udp-echo: no network (no IPv4 address in the start info, or no memory)\n");
		return 1;
	}
	if (ns_udp_open(st, (uint16_t)port, 0, echo_event, NULL) == NULL) {
		fprintf(stderr, "udp-echo: cannot open UDP port %ld\n", port);
		return 1;
	}
	printf("udp-echo listening on %s:%ld\n", guest_net_ntoa(pv_start_info()->ipv4, ip), port);
	fflush(stdout);
	guest_net_run();
	printf("udp-echo: %lu datagrams echoed\n", echo_count);
	return 0;
}
