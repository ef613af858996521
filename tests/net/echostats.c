/* echostats.c - network test guest: a UDP echo on port 7 that prints its netstack's counters when told.
 * A datagram "stats" on UDP port 9999 prints "echostats: rx_frames=N rx_ok=N <drop reason>=N ..." (every
 * nonzero drop counter of struct ns_stats) and "echostats: identity ok|broken" (rx_frames = rx_ok + drops). */
#include <stdio.h>
#include <string.h>
#include "guest_net.h"

#define ECHO_PORT 7
#define CTL_PORT 9999

static struct ns_stack *st;
static int printed;

static void echo_event(struct ns_sock *s, unsigned events, void *arg)
{
	unsigned char buf[1472];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	while ((n = ns_udp_recvfrom(s, buf, sizeof buf, &ip, &port)) >= 0)
		ns_udp_sendto(s, ip, port, buf, (size_t)n);
}

static void print_stats(void)
{
	const struct ns_stats *x = ns_get_stats(st);
	uint64_t drops = 0;

	printf("echostats: rx_frames=%u rx_ok=%u", x->rx_frames, x->rx_ok);
	for (int i = 1; i < NS_DROP_COUNT; i++) {
		drops += x->drop[i];
		if (x->drop[i])
			printf(" %s=%u", ns_drop_name(i), x->drop[i]);
	}
	printf("\nechostats: identity %s\n", x->rx_frames == x->rx_ok + drops ? "ok" : "broken");
	fflush(stdout);
}

static void ctl_event(struct ns_sock *s, unsigned events, void *arg)
{
	char buf[16];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	if (!(events & NS_EV_READABLE))
		return;
	while ((n = ns_udp_recvfrom(s, buf, sizeof buf - 1, &ip, &port)) >= 0) {
		buf[n] = 0;
		if (!strcmp(buf, "stats") && !printed++)
			print_stats();
	}
}

int main(void)
{
	st = guest_net_stack();
	if (!st || !ns_udp_open(st, ECHO_PORT, 0, echo_event, NULL) || !ns_udp_open(st, CTL_PORT, 0, ctl_event, NULL)) {
		fprintf(stderr, "echostats: no network or no sockets\n");
		return 1;
	}
	guest_net_run();
	return 0;
}
