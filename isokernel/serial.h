/* serial.h - COM1 output (115200 8N1, polled): the kernel's only console and the run report channel. */
#ifndef ISO_SERIAL_H
#define ISO_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Writes len raw bytes (no newline translation), waiting on the transmit FIFO every 16 bytes. */
void serial_write(const void *buf, size_t len);
void serial_putc(char c);
/* Waits until every byte written has left the UART (before powering off: Bochs drops what is queued). */
void serial_flush(void);

#endif
