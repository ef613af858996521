/* serial.c - COM1 driver: polled transmit through the 16-byte FIFO (one LSR poll per 16 bytes: port I/O is costly under KVM). */
#include <stdint.h>
#include "serial.h"
#include "cpu.h"

#define COM1      0x3f8
#define UART_THR  0    /* transmit holding register (DLAB=0) */
#define UART_IER  1
#define UART_DLL  0    /* divisor latch (DLAB=1) */
#define UART_DLM  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_RBR  0    /* receive buffer (DLAB=0) */
#define LSR_DR    0x01 /* a received byte is waiting */
#define LSR_THRE  0x20 /* transmit FIFO empty */
#define LSR_TEMT  0x40 /* FIFO and shift register empty: the last byte is on the wire */
#define FIFO_SIZE 16

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);     /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);     /* DLAB on */
	outb(COM1 + UART_DLL, 1);        /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);     /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);     /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

static void serial_wait(uint8_t lsr_bit)
{
	for (int spins = 0; spins < 1000000; spins++)
		if (inb(COM1 + UART_LSR) & lsr_bit)
			return;
}

void serial_write(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		size_t n = len < FIFO_SIZE ? len : FIFO_SIZE;
		serial_wait(LSR_THRE);
		for (size_t i = 0; i < n; i++)
			outb(COM1 + UART_THR, p[i]);
		p += n;
		len -= n;
	}
}

void serial_putc(char c)
{
	serial_write(&c, 1);
}

int serial_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

void serial_flush(void)
{
	serial_wait(LSR_TEMT);
}
