/* serial.h - COM1 (115200 8N1, polled): the boot lines, panics, the host's stop byte, and the whole report stream when there is no console device. */
#ifndef ISO_SERIAL_H
#define ISO_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Writes len raw bytes (no newline translation), waiting on the transmit FIFO every 16 bytes. */
void serial_write(const void *buf, size_t len);
void serial_putc(char c);
/* Waits until every byte written has left the UART (before powering off: Bochs drops what is queued). */
void serial_flush(void);
/* The next byte the host sent on COM1, or -1 if none is waiting (one port read; polled, no interrupt). */
int serial_getc(void);

#endif
