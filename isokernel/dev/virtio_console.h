/* virtio_console.h - the host channel: a legacy virtio-console (multiport) with a report port and a control port. */
#ifndef ISO_VIRTIO_CONSOLE_H
#define ISO_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runlog.h"

/* The port names the host gives (QEMU: -device virtserialport,name=...): the report stream (pvisa/runlog.h) and
 * the control byte stream (pvisa/runlog.h, "Channels"). Other ports are left closed. */
#define VCON_REPORT_PORT RL_REPORT_PORT
#define VCON_CTL_PORT    RL_CTL_PORT
#define VCON_PCAP_PORT   RL_PCAP_PORT

/* Find and start the device, learn its ports (the control exchange, a few ms at most), open the two above. When
 * the report port is open the kernel's output (kprintf) goes there from now on; COM1 keeps what came before, and
 * panics. 0: up; -1: absent (not an error: COM1 stays the report channel) or failed (said why on COM1). */
int vcon_init(void);
/* The device is up and has a control port. */
bool vcon_present(void);

/* Control port, non-blocking, for the main loop: bytes the host sent (at most cap; 0: none now), and bytes to send
 * (how many were taken, maybe fewer than n when the ring is full: keep the rest and try again later; 0 also while
 * the host side is closed). A byte stream: framing is the caller's. */
size_t vcon_ctl_read(void *buf, size_t cap);
size_t vcon_ctl_write(const void *buf, size_t n);
/* Bytes from the host wait to be read (one look at the receive ring: the main loop's cheap test each pass). */
bool vcon_ctl_waiting(void);

/* Report port: n bytes appended to the stream. Pages of the TX ring are filled and handed over whole (one notify a
 * page); a partial page goes out at the next main-loop pass after VCON_FLUSH_US, before the idle loop sleeps, or at
 * vcon_report_sync. When every page is in the host's hands it waits for one (polling the used ring): nothing is
 * dropped. While the port is closed (no host) the bytes go to COM1. */
void vcon_report_write(const void *p, size_t n);
/* Hands over the partial page and waits until the host has taken every byte (or closed the port). */
void vcon_report_sync(void);

/* Capture port (pvisa/runlog.h "Packet capture"), there only when the host gave it: open now (host connected)? A
 * record of na bytes at a then nb bytes at b appended whole, or nothing (false: no room now, or no host): never
 * waits. Partial pages go out as the report port's do. vcon_cap_sync hands over the partial page and waits (a
 * bounded spin) until the host has taken every byte. */
bool vcon_cap_open(void);
bool vcon_cap_write(const void *a, size_t na, const void *b, size_t nb);
void vcon_cap_sync(void);

/* The main loop polls the device (control messages, the report stream's late partial page) and, before the CPU
 * idles, hands over the partial page and, without an interrupt, wakes at the control port's poll period: a loop
 * source vcon_init registers when the device is up. */

#endif
