/* demux.c - splits the kernel's report streams (COM1, the console's report port) into kernel lines and per-VM console lines (runlog.h framing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isorun.h"
#include "runlog.h"

enum { ST_TEXT, ST_HDR, ST_BODY };

#define VM_LINE_MAX     4096     /* a longer guest line is printed in pieces */
#define KERNEL_LINE_MAX 65536    /* a longer kernel line is cut */

struct linebuf {
	size_t len, cap;
	char *buf;
};

static void linebuf_free(void *p)
{
	struct linebuf *lb = p;

	free(lb->buf);
	free(lb);
}

/* Prints n bytes and a newline; control characters show as '?' so neither a guest nor a line it made the
 * kernel log can drive the terminal. */
void print_clean(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		putchar((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c);
	}
	putchar('\n');
}

/* Prints one guest line as "[vm N] text". */
static void print_vm_line(uint32_t id, const char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	printf("[vm %u] ", (unsigned)id);
	print_clean(s, n);
}

static struct linebuf *vm_linebuf(struct run *run, uint32_t id)
{
	struct linebuf *lb = idmap_get(&run->vmbufs, id);

	if (!lb) {
		lb = xmalloc(sizeof *lb);
		lb->len = lb->cap = 0;
		lb->buf = NULL;
		idmap_put(&run->vmbufs, id, lb);
	}
	return lb;
}

static void linebuf_add(struct linebuf *lb, char c)
{
	if (lb->len == lb->cap) {
		lb->cap = lb->cap ? lb->cap * 2 : 64;
		lb->buf = xrealloc(lb->buf, lb->cap);
	}
	lb->buf[lb->len++] = c;
}

/* Guest console bytes for VM id: complete lines are printed, the rest is kept. Dropped under --quiet. */
static void vm_bytes(struct run *run, uint32_t id, const unsigned char *p, size_t n)
{
	struct linebuf *lb;
	size_t i;

	if (run->o.quiet || !n)
		return;
	lb = vm_linebuf(run, id);
	for (i = 0; i < n; i++) {
		if (p[i] != '\n')
			linebuf_add(lb, (char)p[i]);
		if (p[i] == '\n' || lb->len == VM_LINE_MAX) {
			print_vm_line(id, lb->buf, lb->len);
			lb->len = 0;
		}
	}
}

/* The VM ended: print its partial line, if any, and free its buffer. */
void demux_vm_ended(struct run *run, uint32_t id)
{
	struct linebuf *lb = idmap_del(&run->vmbufs, id);

	if (!lb)
		return;
	if (lb->len)
		print_vm_line(id, lb->buf, lb->len);
	linebuf_free(lb);
}

static void kernel_line_add(struct demux *d, char c)
{
	if (d->len + 1 >= d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->line = xrealloc(d->line, d->cap);
	}
	d->line[d->len++] = c;
}

static void kernel_byte(struct run *run, struct demux *d, char c)
{
	if (c == '\n') {
		if (d->len && d->line[d->len - 1] == '\r')
			d->len--;
		kernel_line_add(d, 0);
		records_line(run, d->line);
		d->len = 0;
	} else if (d->len < KERNEL_LINE_MAX) {
		kernel_line_add(d, c);
	}
}

/* Parses a finished "<id> <len>" header; enters ST_BODY, or counts a bad frame. */
static void header_done(struct run *run, struct demux *d)
{	unsigned long id, len;
	char extra;

	d->hdr[d->hlen] = 0;
	d->state = ST_TEXT;
	if (sscanf(d->hdr, "%lu %lu %c", &id, &len, &extra) != 2 || id > UINT32_MAX) {
		run->r.bad_records++;
		return;
	}
	d->body_id = (uint32_t)id;
	d->body_left = len;
	if (len)
		d->state = ST_BODY;
}

static size_t header_bytes(struct run *run, struct demux *d, const unsigned char *p, size_t n)
{	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			header_done(run, d);
			return i + 1;
		}
		if (d->hlen + 1 >= sizeof d->hdr) {
			run->r.bad_records++;
			d->state = ST_TEXT;
			return i;
		}
		d->hdr[d->hlen++] = (char)p[i];
	}
	return n;
}

/* Kernel text up to and including the next newline (a record's end), or up to a console record's start. */
static size_t text_bytes(struct run *run, struct demux *d, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == RL_CONSOLE_BYTE) {
			d->state = ST_HDR;
			d->hlen = 0;
			return i + 1;
		}
		kernel_byte(run, d, (char)p[i]);
		if (p[i] == '\n')
			return i + 1;
	}
	return n;
}

static size_t body_bytes(struct run *run, struct demux *d, const unsigned char *p, size_t n)
{	size_t take = n < d->body_left ? n : d->body_left;

	vm_bytes(run, d->body_id, p, take);
	d->body_left -= take;
	if (!d->body_left)
		d->state = ST_TEXT;
	return take;
}

/* Between two records: a stream may be cut here and another one's bytes put in between. */
static int at_boundary(const struct demux *d)
{
	return d->state == ST_TEXT && d->len == 0;
}

/* Copies the stream's bytes to --serial-log: up to its last record boundary (mark bytes of buf; SIZE_MAX: none in
 * buf), the rest held until the next one, so that the log interleaves the streams whole record by record. */
static void log_bytes(struct run *run, struct demux *d, const unsigned char *buf, size_t n, size_t mark)
{
	if (!run->log)
		return;
	if (mark != SIZE_MAX) {
		fwrite(d->stage, 1, d->slen, run->log);
		fwrite(buf, 1, mark, run->log);
		d->slen = 0;
		buf += mark;
		n -= mark;
	}
	if (d->slen + n > d->scap) {
		d->scap = (d->slen + n) * 2;
		d->stage = xrealloc(d->stage, d->scap);
	}
	memcpy(d->stage + d->slen, buf, n);
	d->slen += n;
}

void demux_feed_stream(struct run *run, int stream, const unsigned char *buf, size_t n)
{
	struct demux *d = &run->d[stream];
	size_t used, off = 0, mark = SIZE_MAX;

	if (stream == DS_SERIAL && run->com1_log)
		fwrite(buf, 1, n, run->com1_log);

	while (off < n) {
		if (d->state == ST_HDR)
			used = header_bytes(run, d, buf + off, n - off);
		else if (d->state == ST_BODY)
			used = body_bytes(run, d, buf + off, n - off);
		else
			used = text_bytes(run, d, buf + off, n - off);
		off += used;
		if (at_boundary(d))
			mark = off;
	}
	log_bytes(run, d, buf, n, mark);
	if (run->log && mark != SIZE_MAX)
		fflush(run->log);        /* whole records reach the log as they come: a --serve run is followed live */
	fflush(stdout);
}

void demux_feed(struct run *run, const unsigned char *buf, size_t n)
{
	demux_feed_stream(run, DS_SERIAL, buf, n);
}

static void flush_one(uint32_t id, void *val, void *ctx)
{
	struct linebuf *lb = val;

	(void)ctx;
	if (lb->len)
		print_vm_line(id, lb->buf, lb->len);
}

/* One stream's end: a partial kernel line finished, what the log still holds written. */
static void finish_stream(struct run *run, struct demux *d)
{
	if (d->state != ST_TEXT)
		run->r.bad_records++;
	d->state = ST_TEXT;
	if (d->len)
		kernel_byte(run, d, '\n');
	if (run->log && d->slen)
		fwrite(d->stage, 1, d->slen, run->log);
	free(d->line);
	free(d->stage);
	memset(d, 0, sizeof *d);
}

/* End of the streams: partial lines finished and printed, the buffers freed. */
void demux_finish(struct run *run)
{
	for (int i = 0; i < DS_STREAMS; i++)
		finish_stream(run, &run->d[i]);
	idmap_each(&run->vmbufs, flush_one, NULL);
	idmap_free(&run->vmbufs, linebuf_free);
	if (run->log)
		fflush(run->log);
	fflush(stdout);
}
