/* ib_out.c - isobench's JSON writer (one member per line down to a depth, then inline) and the machine it ran on. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "isobench.h"

void jw_open(struct jw *j, FILE *f)
{
	memset(j, 0, sizeof *j);
	j->f = f;
	j->first[0] = 1;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The separator and indentation before a member, then its key. */
static void member(struct jw *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		if (!j->inl[j->depth])
			fprintf(j->f, "\n%*s", 2 * j->depth, "");
		else if (!j->first[j->depth])
			fputc(' ', j->f);
	}
	j->first[j->depth] = 0;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_container(struct jw *j, const char *key, char c, int one_line)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 >= (int)sizeof j->first)
		abort();                 /* the report nests a few levels only */
	j->depth++;
	j->first[j->depth] = 1;
	j->inl[j->depth] = one_line || j->inl[j->depth - 1];
}

void jw_obj(struct jw *j, const char *key)
{
	open_container(j, key, '{', 0);
}

void jw_arr(struct jw *j, const char *key)
{
	open_container(j, key, '[', 0);
}

void jw_obj_line(struct jw *j, const char *key)
{
	open_container(j, key, '{', 1);
}

void jw_arr_line(struct jw *j, const char *key)
{
	open_container(j, key, '[', 1);
}

void jw_end(struct jw *j, char close)
{
	int empty = j->first[j->depth], one_line = j->inl[j->depth];

	j->depth--;
	if (!empty && !one_line)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(close, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void jw_num(struct jw *j, const char *key, int have, double v)
{
	member(j, key);
	if (!have || !isfinite(v))
		fputs("null", j->f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(j->f, "%.0f", v);
	else
		fprintf(j->f, "%.6g", v);
}

void jw_int(struct jw *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->f, "%lld", v);
}

void jw_str(struct jw *j, const char *key, const char *s)
{
	member(j, key);
	put_string(j->f, s);
}

void jw_bool(struct jw *j, const char *key, int b)
{
	member(j, key);
	fputs(b ? "true" : "false", j->f);
}

/* The value of "key : value" in a /proc text file (first match, trailing newline dropped), or "". */
static void proc_field(const char *path, const char *key, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t klen = strlen(key);

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) || !strchr(line, ':'))
			continue;
		char *v = strchr(line, ':') + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = 0;
		snprintf(out, n, "%s", v);
		break;
	}
	fclose(f);
}

/* The first line of `qemu --version`, or "". */
static void qemu_version(const char *qemu, char *out, size_t n)
{
	char cmd[512];
	FILE *p;

	out[0] = 0;
	snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", qemu);
	if (!(p = popen(cmd, "r")))
		return;
	if (fgets(out, (int)n, p))
		out[strcspn(out, "\n")] = 0;
	pclose(p);
}

void ib_write_machine(struct jw *j, const char *qemu)
{
	char cpu[256], mem[64], qv[256], date[32];
	struct utsname u;
	time_t t = time(NULL);

	proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu);
	proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
	qemu_version(qemu, qv, sizeof qv);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	jw_obj_line(j, "machine");
	jw_str(j, "cpu", cpu);
	jw_int(j, "cores", sysconf(_SC_NPROCESSORS_ONLN));
	jw_num(j, "ram_bytes", mem[0] != 0, atof(mem) * 1024);
	if (uname(&u) == 0) {
		char k[sizeof u.sysname + sizeof u.release + 2];
		snprintf(k, sizeof k, "%s %s", u.sysname, u.release);
		jw_str(j, "kernel", k);
	}
	jw_str(j, "qemu", qv);
	jw_bool(j, "kvm_device", access("/dev/kvm", R_OK | W_OK) == 0);
	jw_end(j, '}');
	jw_str(j, "date", date);
}
