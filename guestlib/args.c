/* args.c - split the VM's ARGS into argv in place (freestanding: no libc calls); the quoting rule is in guest.h. */
#include "guest.h"

static int args_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The word at s (s < end, not blank): [*ws, *we) and where the scan goes on. A word that opens with ' or " runs to
 * the first same quote followed by a blank or the end, both quotes dropped; with no such quote, or any other word,
 * it runs to the next blank and every quote in it is an ordinary character. */
static const char *args_word(const char *s, const char *end, const char **ws, const char **we)
{
	const char *p;

	if (*s == '\'' || *s == '"') {
		for (p = s + 1; p < end; p++) {
			if (*p == *s && (p + 1 == end || args_is_blank(p[1]))) {
				*ws = s + 1;
				*we = p;
				return p + 1;
			}
		}
	}
	for (p = s; p < end && !args_is_blank(*p); p++)
		;
	*ws = s;
	*we = p;
	return p;
}

int guest_count_args(const char *args, size_t len)
{
	const char *s = args, *end = args + len, *ws, *we;
	int n = 1;

	for (;;) {
		while (s < end && args_is_blank(*s))
			s++;
		if (s >= end)
			return n;
		s = args_word(s, end, &ws, &we);
		n++;
	}
}

int guest_split_args(char *image, char *args, size_t len, char **argv, int max)
{
	const char *s = args, *end = args + len, *ws, *we;
	int argc = 0;

	if (max < 1) {
		argv[0] = NULL;
		return 0;
	}
	argv[argc++] = image;
	for (;;) {
		while (s < end && args_is_blank(*s))
			s++;
		if (s >= end || argc >= max)
			break;
		s = args_word(s, end, &ws, &we);
		if (s == we && s < end)
			s++;                    /* the blank about to become the word's NUL */
		argv[argc++] = args + (ws - args);
		args[we - args] = '\0';        /* that blank, the closing quote or the NUL after the last byte */
	}
	argv[argc] = NULL;
	return argc;
}

char *guest_args(size_t *len)
{
	struct pv_start_info *si = (struct pv_start_info *)PV_START_INFO;
	size_t n = 0;

	si->image[sizeof(si->image) - 1] = '\0';   /* argv[0] */
	if (si->flags & PV_SI_ARGBLK) {
		*len = si->args_len <= PV_ARGS_MAX ? si->args_len : 0;
		return (char *)(uintptr_t)si->argblk;
	}
	while (n < PV_CMDLINE_MAX - 1 && si->cmdline[n])
		n++;
	si->cmdline[n] = '\0';
	*len = n;
	return si->cmdline;
}
