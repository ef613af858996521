/* ctl_io.c - the control decoder's byte stream on the virtio console's control port (dev/virtio_console.c). */
#include "ctl_io.h"
#include "virtio_console.h"

size_t ctl_io_read(void *buf, size_t cap)
{
	return vcon_present() ? vcon_ctl_read(buf, cap) : 0;
}

size_t ctl_io_write(const void *buf, size_t n)
{
	return vcon_present() ? vcon_ctl_write(buf, n) : 0;
}

bool ctl_io_waiting(void)
{
	return vcon_present() && vcon_ctl_waiting();
}
