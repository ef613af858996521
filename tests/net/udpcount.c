/* udpcount.c - network test guest: a UDP echo on port 7 that counts the datagrams it has echoed in its heap and
 * prints "udpcount: N" after each, so a VM saved and restored (a summoned service with KEEP_STATE, summon.c) shows
 * its count going on from where it was. */
#include <stdio.h>
#include <stdlib.h>
#include "guest_net.h"
#include "pvisa_guest.h"

static unsigned long *count;        /* in the heap: private memory the saved state must carry */

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
		printf("udpcount: %lu\n", ++*count);
		fflush(stdout);
	}
}

int main(void)
{
	struct ns_stack *st = guest_net_stack();

	count = calloc(1, sizeof(*count));
	if (!st || !count || ns_udp_open(st, 7, 0, echo_event, NULL) == NULL) {
		fprintf(stderr, "udpcount: no network, memory or port 7\n");
		return 1;
	}
	guest_net_run();
	return 0;
}
