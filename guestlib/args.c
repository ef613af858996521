/* args.c - split the start info's image name and command line into argv (freestanding: no libc calls). */
#include "guest.h"

struct args_out {
	char *buf;      /* next free byte */
	size_t left;    /* bytes left in buf */
	char **argv;
	int argc;
	int max;        /* argv holds max entries plus the NULL */
};

static int args_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t args_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* Append c to the word being built; the last byte of buf is kept for the terminating NUL. */
static void args_put(struct args_out *o, char c)
{
	if (o->left > 1 || (c == '\0' && o->left == 1)) {
		*o->buf++ = c;
		o->left--;
	}
}

/* End the word that began at start and record it if argv has room. */
static void args_finish(struct args_out *o, char *start)
{
	args_put(o, '\0');
	if (o->argc < o->max)
		o->argv[o->argc++] = start;
}

/* Copy the word at *pos (double quotes group blanks and are dropped); leave *pos just past it. */
static void args_word(const char **pos, const char *end, struct args_out *o)
{
	const char *s = *pos;
	char *start = o->buf;
	int quoted = 0;

	for (; s < end && (quoted || !args_is_blank(*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else
			args_put(o, *s);
	}
	args_finish(o, start);
	*pos = s;
}

int guest_split_args(const char *image, const char *cmdline, char *buf, size_t bufsz, char **argv, int max)
{
	struct args_out o = { buf, bufsz, argv, 0, max };
	size_t n = args_len(image, sizeof(((struct pv_start_info *)0)->image));
	const char *s = cmdline;
	const char *end = cmdline + args_len(cmdline, PV_CMDLINE_MAX);

	if (max < 1 || bufsz < 1) {
		argv[0] = NULL;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		args_put(&o, image[i]);
	args_finish(&o, buf);
	for (;;) {
		while (s < end && args_is_blank(*s))
			s++;
		if (s >= end)
			break;
		args_word(&s, end, &o);
	}
	argv[o.argc] = NULL;
	return o.argc;
}
