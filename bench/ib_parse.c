/* ib_parse.c - isobench's parsing: VM count lists, numbers, fields of isorun's JSON report, medians, image names. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "isobench.h"

#define IB_NAME(id, path) #id,
#define IB_PATH(id, path) path,
const char *const ib_field_name[IB_NFIELDS] = { IB_FIELDS(IB_NAME) };
const char *const ib_field_path[IB_NFIELDS] = { IB_FIELDS(IB_PATH) };
#undef IB_NAME
#undef IB_PATH

int ib_parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;
	long x;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* One element of a count list, [p, p + len). */
static int parse_one_count(const char *p, size_t len, unsigned long lo, unsigned long hi, unsigned long *v)
{
	char buf[24];
	long x;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, p, len);
	buf[len] = 0;
	if (ib_parse_long(buf, (long)lo, (long)hi, &x) < 0)
		return -1;
	*v = (unsigned long)x;
	return 0;
}

int ib_parse_counts(const char *s, unsigned long *out, int max, unsigned long lo, unsigned long hi, char *err,
		    size_t errlen)
{
	int n = 0;

	if (!s || !*s) {
		snprintf(err, errlen, "empty list");
		return -1;
	}
	for (;;) {
		size_t len = strcspn(s, ",");
		unsigned long v;
		if (parse_one_count(s, len, lo, hi, &v) < 0) {
			snprintf(err, errlen, "'%.*s' is not a whole number in %lu..%lu", (int)(len > 24 ? 24 : len), s, lo,
				 hi);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (out[i] == v) {
				snprintf(err, errlen, "%lu is given twice", v);
				return -1;
			}
		if (n == max) {
			snprintf(err, errlen, "more than %d counts", max);
			return -1;
		}
		out[n++] = v;
		if (!s[len])
			return n;
		s += len + 1;
	}
}

/* The value text after "\n<indent>"key": " in [doc, end), or NULL. */
static const char *find_key(const char *doc, const char *end, const char *indent, const char *key)
{
	char pat[160];
	size_t plen;
	const char *p = doc;

	snprintf(pat, sizeof pat, "%s\"%s\": ", indent, key);
	plen = strlen(pat);
	while ((p = strstr(p, pat)) && p < end) {
		if (p + plen <= end)
			return p + plen;
		p++;
	}
	return NULL;
}

/* Where a value of path lives: top-level keys as "\n  "key": ", members of a one-line object "obj": {...} as
 * "{"key": " (the first) or ", "key": ". */
static const char *locate(const char *doc, const char *path)
{
	const char *dot = strchr(path, '.'), *obj, *close, *first;
	char name[128];

	if (!dot)
		return find_key(doc, doc + strlen(doc), "\n  ", path);
	if ((size_t)(dot - path) >= sizeof name)
		return NULL;
	memcpy(name, path, (size_t)(dot - path));
	name[dot - path] = 0;
	obj = find_key(doc, doc + strlen(doc), "\n  ", name);
	if (!obj || *obj != '{' || !(close = strchr(obj, '}')))
		return NULL;
	first = find_key(obj, close, "{", dot + 1);
	return first ? first : find_key(obj, close, ", ", dot + 1);
}

int ib_json_num(const char *doc, const char *path, double *v)
{
	const char *p = locate(doc, path);
	char *end;
	double x;

	if (!p || !(*p == '-' || isdigit((unsigned char)*p)))
		return -1;
	x = strtod(p, &end);
	if (end == p || !(*end == ',' || *end == '}' || *end == '\n' || *end == ']'))
		return -1;
	*v = x;
	return 0;
}

int ib_json_str(const char *doc, const char *key, char *out, size_t n)
{
	const char *p = find_key(doc, doc + strlen(doc), "\n  ", key);
	size_t k = 0;

	if (!p || *p++ != '"' || n == 0)
		return -1;
	while (*p && *p != '"' && k + 1 < n) {
		if (*p == '\\' && p[1])
			p++;
		out[k++] = *p++;
	}
	out[k] = 0;
	return *p == '"' ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double ib_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void ib_image_name(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t k = 0;

	for (base = base ? base + 1 : path; *base && k + 1 < n; base++) {
		unsigned char c = (unsigned char)*base;
		out[k++] = (isalnum(c) || c == '.' || c == '_' || c == '-') && c < 0x80 ? (char)c : '_';
	}
	if (n)
		out[k] = 0;
}

/* The quoted value of key in a record line ("key=\"...\"", escapes kept as they are) into out; 0, or -1 if absent. */
static int quoted_value(const char *line, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p;
	size_t k = 0;

	snprintf(pat, sizeof pat, " %s=\"", key);
	if (!(p = strstr(line, pat)) || n == 0)
		return -1;
	for (p += strlen(pat); *p && *p != '"' && k + 1 < n; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[k++] = *p;
	}
	out[k] = 0;
	return 0;
}

int ib_vm_record(const char *line, struct ib_vmrec *v)
{
	const char *p;
	int n = 0;

	if (!strncmp(line, "@v ", 3)) {
		if (sscanf(line + 3, "%lu %15s %d%n", &v->id, v->state, &v->status, &n) < 3 || !n)
			return 0;
		quoted_value(line, "image", v->image, sizeof v->image);     /* else the previous record's */
		return 1;
	}
	if (strncmp(line, "@vm ", 4) || sscanf(line + 4, "id=%lu", &v->id) != 1 || !(p = strstr(line, " state=")) ||
	    sscanf(p, " state=%15s status=%d", v->state, &v->status) != 2)
		return 0;
	if (quoted_value(line, "image", v->image, sizeof v->image) < 0)
		v->image[0] = 0;
	return 1;
}

char *ib_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 65536 + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

int ib_check_elf(const char *path, char *err, size_t errlen)
{
	unsigned char magic[4];
	struct stat st;
	FILE *f;
	size_t got;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return 0;
	}
	if (!(f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return 0;
	}
	got = fread(magic, 1, sizeof magic, f);
	fclose(f);
	if (got != sizeof magic || memcmp(magic, "\177ELF", 4)) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		return 0;
	}
	return 1;
}
