/* kv.c - parses the key=value words of a runlog '@' record (quoted values with \" and \\ escapes). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isorun.h"

static void kv_add(struct kvlist *l, char *key, char *val, int quoted)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].key = key;
	l->v[l->n].val = val;
	l->v[l->n].quoted = quoted;
	l->n++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one escape after a backslash at *pp into out; advances *pp. */
static char unescape(const char **pp)
{
	const char *p = *pp;
	char c = *p++;

	if (c == 'n')
		c = '\n';
	else if (c == 't')
		c = '\t';
	else if (c == 'x' && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	*pp = p;
	return c;
}

/* Parses a quoted string starting after the opening quote; returns a new string or NULL if unterminated. */
static char *parse_quoted(const char **pp)
{
	const char *p = *pp;
	char *out = xmalloc(strlen(p) + 1);
	size_t n = 0;

	while (*p && *p != '"') {
		if (*p == '\\' && p[1]) {
			p++;
			out[n++] = unescape(&p);
		} else {
			out[n++] = *p++;
		}
	}
	if (*p != '"') {
		free(out);
		return NULL;
	}
	out[n] = 0;
	*pp = p + 1;
	return out;
}

static char *parse_bare(const char **pp)
{
	const char *p = *pp;
	size_t n = strcspn(p, " \t");
	char *out = xmalloc(n + 1);

	memcpy(out, p, n);
	out[n] = 0;
	*pp = p + n;
	return out;
}

/* Parses one key=value word at *pp into l; returns 0, or -1 if malformed. */
static int parse_word(const char **pp, struct kvlist *l)
{
	const char *p = *pp, *eq;
	size_t klen = strcspn(p, "= \t");
	char *key, *val;
	int quoted;

	eq = p + klen;
	if (*eq != '=' || klen == 0)
		return -1;
	key = xmalloc(klen + 1);
	memcpy(key, p, klen);
	key[klen] = 0;
	p = eq + 1;
	quoted = *p == '"';
	val = quoted ? (p++, parse_quoted(&p)) : parse_bare(&p);
	if (!val) {
		free(key);
		return -1;
	}
	kv_add(l, key, val, quoted);
	*pp = p;
	return 0;
}

/* Parses "k=v k2="s" ..." into out (appending). Returns 0, or -1 if some word is malformed. */
int kv_parse(const char *s, struct kvlist *out)
{
	int rc = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			return rc;
		if (parse_word(&s, out) < 0) {
			rc = -1;
			s += strcspn(s, " \t");
		}
	}
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].val;
	return NULL;
}

/* Returns 0 and the value if key is present and a decimal number, else -1. */
int kv_get_ul(const struct kvlist *l, const char *key, unsigned long long *out)
{
	const char *v = kv_get(l, key);
	char *end;

	if (!v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end || errno ? -1 : 0;
}

void kv_free(struct kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
