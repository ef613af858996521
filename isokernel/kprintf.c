/* kprintf.c - a small printf core writing to a sink (a buffer, or the report stream in 128-byte chunks: COM1 until a driver routes it). */
#include <stdint.h>
#include "kprintf.h"
#include "pvisa.h"
#include "runlog.h"

struct sink {
	char *buf;        /* buffer mode: output goes here */
	size_t size;
	size_t len;       /* characters produced so far (may exceed size) */
	int serial;       /* serial mode: buf is a staging chunk flushed when full */
};

#define CHUNK 128

static void drop_write(const void *p, size_t n)
{
	(void)p, (void)n;
}

static void drop_sync(void)
{
}

static const struct kout_machine *mach;

/* Where the report stream goes: the machine's sink (COM1) until kprintf_route (the console's report port); panics
 * go to the machine's. */
static void (*kout_write)(const void *p, size_t n) = drop_write;
static void (*kout_sync)(void) = drop_sync;

void kprintf_init(const struct kout_machine *m)
{
	mach = m;
	kout_write = m->write;
	kout_sync = m->sync;
}

void kprintf_route(void (*write)(const void *p, size_t n), void (*sync)(void))
{
	kout_sync();
	kout_write = write;
	kout_sync = sync;
}

void kwrite(const void *p, size_t n)
{
	kout_write(p, n);
}

void kprintf_sync(void)
{
	kout_sync();
}

static void sink_put(struct sink *s, char c)
{
	if (s->serial) {
		s->buf[s->len % CHUNK] = c;
		if (s->len % CHUNK == CHUNK - 1)
			kout_write(s->buf, CHUNK);
	} else if (s->len + 1 < s->size) {
		s->buf[s->len] = c;
	}
	s->len++;
}

static void sink_finish(struct sink *s)
{
	if (s->serial && s->len % CHUNK)
		kout_write(s->buf, s->len % CHUNK);
	else if (!s->serial && s->size > 0)
		s->buf[s->len < s->size ? s->len : s->size - 1] = '\0';
}

struct spec {
	int width;
	int zero, left, alt, upper;
	int base;
	int is_signed;
};

static void put_padded(struct sink *s, const struct spec *sp, const char *prefix, const char *digits, int n)
{
	int plen = 0;

	while (prefix[plen])
		plen++;
	int pad = sp->width > n + plen ? sp->width - n - plen : 0;
	if (!sp->left && !sp->zero)
		for (; pad > 0; pad--)
			sink_put(s, ' ');
	for (int i = 0; i < plen; i++)
		sink_put(s, prefix[i]);
	if (!sp->left && sp->zero)
		for (; pad > 0; pad--)
			sink_put(s, '0');
	for (int i = 0; i < n; i++)
		sink_put(s, digits[i]);
	for (; pad > 0; pad--)
		sink_put(s, ' ');
}

static void put_number(struct sink *s, const struct spec *sp, uint64_t v, int negative)
{
	const char *hex = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], digits[24];
	int n = 0;

	do {
		tmp[n++] = hex[v % (unsigned)sp->base];
		v /= (unsigned)sp->base;
	} while (v);
	for (int i = 0; i < n; i++)
		digits[i] = tmp[n - 1 - i];
	int alt = sp->alt && sp->base == 16 && (n > 1 || digits[0] != '0');
	const char *prefix = negative ? "-" : alt ? (sp->upper ? "0X" : "0x") : "";
	put_padded(s, sp, prefix, digits, n);
}

static void put_string(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n])
		n++;
	struct spec plain = *sp;
	plain.zero = 0;
	put_padded(s, &plain, "", str, n);
}

/* Parses flags and width at *fmt; returns the length modifier in bytes of the argument (4 or 8). */
static int parse_spec(const char **fmt, struct spec *sp)
{
	const char *f = *fmt;
	int size = 4;

	for (;; f++) {
		if (*f == '0') sp->zero = 1;
		else if (*f == '-') sp->left = 1;
		else if (*f == '#') sp->alt = 1;
		else break;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	for (; *f == 'l' || *f == 'z'; f++)
		size = 8;
	*fmt = f;
	return size;
}

static void put_conv(struct sink *s, struct spec *sp, char conv, int size, va_list *ap)
{
	uint64_t u;
	int64_t i;

	switch (conv) {
	case 'd': case 'i':
		i = size == 8 ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		sp->base = 10;
		put_number(s, sp, i < 0 ? -(uint64_t)i : (uint64_t)i, i < 0);
		return;
	case 'u': case 'x': case 'X':
		u = size == 8 ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned);
		sp->base = conv == 'u' ? 10 : 16;
		sp->upper = conv == 'X';
		put_number(s, sp, u, 0);
		return;
	case 'p':
		sink_put(s, '0'), sink_put(s, 'x');
		sp->base = 16, sp->alt = 0, sp->zero = 1, sp->width = 16;
		put_number(s, sp, (uint64_t)(uintptr_t)va_arg(*ap, void *), 0);
		return;
	case 's':
		put_string(s, sp, va_arg(*ap, const char *));
		return;
	case 'c':
		sink_put(s, (char)va_arg(*ap, int));
		return;
	case '%':
		sink_put(s, '%');
		return;
	default:
		sink_put(s, '%');
		if (conv)
			sink_put(s, conv);
	}
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			sink_put(s, *fmt++);
			continue;
		}
		fmt++;
		struct spec sp = { 0 };
		int size = parse_spec(&fmt, &sp);
		char conv = *fmt;
		if (conv)
			fmt++;
		put_conv(s, &sp, conv, size, &aq);
	}
	va_end(aq);
	sink_finish(s);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void kprintf(const char *fmt, ...)
{
	char chunk[CHUNK];
	struct sink s = { .buf = chunk, .size = CHUNK, .serial = 1 };
	va_list ap;

	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	static int panicking;
	va_list ap;

	if (!mach)
		for (;;)
			;                           /* before the machine is known: nowhere to say it */
	mach->irq_off();
	if (panicking++)
		mach->stop(RL_CODE_PANIC);
	void (*report_sync)(void) = kout_sync;
	kout_write = mach->write;           /* the panic on COM1 at once, whatever the report stream's state */
	kout_sync = mach->sync;
	kprintf("isokernel: PANIC: ");
	char chunk[CHUNK];
	struct sink s = { .buf = chunk, .size = CHUNK, .serial = 1 };
	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
	kprintf("\n");
	report_sync();                      /* then the records before it, still buffered for the report port */
	kprintf("@done code=%d\n", RL_CODE_PANIC);
	mach->stop(RL_CODE_PANIC);
}
