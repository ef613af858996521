/* host_capture.c - the console's capture port and the clocks for net/capture.c in the host builds: a byte buffer with a room the test sets. */
#include <string.h>
#include "host.h"
#include "virtio_console.h"
#include "tsc.h"
#include "rtc.h"

uint64_t rtc_wall_ns_at_boot;
uint64_t host_now_ns;                   /* what now_ns() returns */
uint8_t host_cap_buf[1 << 16];          /* what the port took, in order */
size_t host_cap_len;
size_t host_cap_room = sizeof(host_cap_buf);   /* bytes it takes before it is full (at most the buffer) */
int host_cap_open = 1;

uint64_t now_ns(void)
{
	return host_now_ns;
}

bool vcon_cap_open(void)
{
	return host_cap_open;
}

bool vcon_cap_write(const void *a, size_t na, const void *b, size_t nb)
{
	size_t room = host_cap_room < sizeof(host_cap_buf) ? host_cap_room : sizeof(host_cap_buf);

	if (!host_cap_open || host_cap_len + na + nb > room)
		return false;
	memcpy(host_cap_buf + host_cap_len, a, na);
	memcpy(host_cap_buf + host_cap_len + na, b, nb);
	host_cap_len += na + nb;
	return true;
}

void vcon_cap_sync(void)
{
}
