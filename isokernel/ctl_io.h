/* ctl_io.h - the byte stream under the control decoder: the virtio console's control port (ctl_io.c), or a test's. */
#ifndef ISO_CTL_IO_H
#define ISO_CTL_IO_H

#include <stddef.h>
#include <stdbool.h>

/* Bytes the host sent, up to cap; 0: none now. Never blocks. */
size_t ctl_io_read(void *buf, size_t cap);
/* Bytes from the host may be waiting (false: ctl_io_read would return 0 now). */
bool ctl_io_waiting(void);
/* Bytes of buf the transport took (may be fewer than n, or 0: the caller keeps the rest and retries). */
size_t ctl_io_write(const void *buf, size_t n);

#endif
