/* images.c - the IMAGE[:COUNT[:ARGS]] operands: parsing, validation, and the private temp dir of symlinks QEMU loads. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isorun.h"
#include "pvisa.h"

static char tmpdir[PATH_MAX];
static char **created;          /* files made in tmpdir, removed at exit */
static size_t ncreated;

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Length of the IMAGE part: the shortest prefix ending at a ':' that names a file, else the whole spec if it
 * names one, else up to the first ':' (which then fails validation with a clear message). */
static size_t path_len(const char *spec)
{
	char *copy = xstrdup(spec), *c;
	size_t n = strcspn(spec, ":");

	for (c = strchr(copy, ':'); c; c = strchr(c + 1, ':')) {
		*c = 0;
		if (is_file(copy)) {
			n = (size_t)(c - copy);
			break;
		}
		*c = ':';
	}
	if (!c && is_file(spec))
		n = strlen(spec);
	free(copy);
	return n;
}

/* Fails unless path is a readable x86_64 ELF64 file. */
static void check_elf(const char *path)
{
	unsigned char h[EI_NIDENT + 4];
	Elf64_Half machine;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		input_error("image %s: %s", path, strerror(errno));
	if (!is_file(path))
		input_error("image %s: not a regular file", path);
	n = read(fd, h, sizeof h);
	close(fd);
	if (n < (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG))
		input_error("image %s: not an ELF file", path);
	if (h[EI_CLASS] != ELFCLASS64)
		input_error("image %s: not a 64-bit ELF file", path);
	memcpy(&machine, h + EI_NIDENT + 2, sizeof machine);
	if (machine != EM_X86_64)
		input_error("image %s: ELF file is not for x86_64 (e_machine %u)", path, (unsigned)machine);
}

/* The image name: its basename, with every byte outside [A-Za-z0-9._-] replaced by '_'. */
static char *image_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *name = xstrdup(b ? b + 1 : path), *p;

	for (p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			*p = '_';
	return name;
}

static unsigned long parse_count(const char *s, const char *spec)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v == 0 || s[0] == '-' || s[0] == '+')
		input_error("%s: COUNT must be a positive integer, got '%s'", spec, s);
	if (v > MAX_VMS)
		input_error("%s: COUNT %lu is more than MAX_VMS (%d)", spec, v, MAX_VMS);
	return v;
}

/* COUNT@T: cuts "@T" off count and returns T (1..254); 0 without one. */
static unsigned parse_tenant(char *count, const char *spec)
{
	char *at = strchr(count, '@'), *end;
	unsigned long t;

	if (!at)
		return 0;
	*at = 0;
	errno = 0;
	t = strtoul(at + 1, &end, 10);
	if (!at[1] || *end || errno || at[1] == '-' || at[1] == '+' || t < 1 || t > NETPLAN_TENANT_MAX)
		input_error("%s: the tenant in COUNT@T must be 1..%u, got '%s'", spec, NETPLAN_TENANT_MAX, at + 1);
	return (unsigned)t;
}

static void check_args(const char *args, const char *spec)
{
	const char *p;

	if (strlen(args) > PV_ARGS_MAX)
		input_error("%s: ARGS are %zu bytes; at most %u fit", spec, strlen(args), PV_ARGS_MAX);
	for (p = args; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			input_error("%s: ARGS must not contain control characters", spec);
}

static void parse_one(struct image *im, const char *spec)
{
	size_t plen = path_len(spec);
	const char *rest = spec + plen, *colon;
	char *count;

	im->path = xstrdup(spec);
	im->path[plen] = 0;
	if (!plen)
		input_error("'%s': IMAGE is empty", spec);
	check_elf(im->path);
	im->name = image_name(im->path);
	im->count = 1;
	im->args = xstrdup("");
	if (!*rest++)
		return;
	colon = strchr(rest, ':');
	count = xstrdup(rest);
	if (colon) {
		count[colon - rest] = 0;
		free(im->args);
		im->args = xstrdup(colon + 1);
		check_args(im->args, spec);
	}
	im->tenant = parse_tenant(count, spec);
	im->count = parse_count(count, spec);
	free(count);
}

/* Parses and validates every operand; fills o->images and o->total. Exits with status 2 on bad input. */
void images_parse(struct opts *o, char **specs, int n)
{
	int i;

	o->images = xmalloc((size_t)n * sizeof *o->images);
	o->nimages = (size_t)n;
	o->total = 0;
	for (i = 0; i < n; i++) {
		parse_one(&o->images[i], specs[i]);
		o->total += o->images[i].count;
	}
	if (o->total > MAX_VMS)
		input_error("%lu VMs in all is more than MAX_VMS (%d)", o->total, MAX_VMS);
	for (unsigned t = 1; t <= NETPLAN_TENANT_MAX; t++) {
		unsigned long sum = 0;
		for (i = 0; i < n; i++)
			sum += o->images[i].tenant == t ? o->images[i].count : 0;
		if (sum > NETPLAN_TENANT_SLOTS)
			input_error("tenant %u: %lu VMs do not fit in its block (10.%u.0.0/16 holds %u)", t, sum, t,
				    NETPLAN_TENANT_SLOTS);
	}
}

void images_cleanup(void)
{
	size_t i;

	for (i = 0; i < ncreated; i++) {
		unlink(created[i]);
		free(created[i]);
	}
	free(created);
	created = NULL;
	ncreated = 0;
	if (tmpdir[0])
		rmdir(tmpdir);
	tmpdir[0] = 0;
}

/* TMPDIR if it is absolute and holds no character QEMU's option syntax or our command lines care about. */
static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	if (t && t[0] == '/' && strlen(t) < PATH_MAX - 64 &&
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-") == strlen(t))
		return t;
	return "/tmp";
}

/* Makes tmpdir/<link> a symlink to target's absolute path; returns the link path (owned by the cleanup list). */
static char *make_link(const char *target, const char *link)
{
	char abs[PATH_MAX], path[PATH_MAX + 32];

	if (!realpath(target, abs))
		input_error("%s: %s", target, strerror(errno));
	snprintf(path, sizeof path, "%s/%s", tmpdir, link);
	if (symlink(abs, path) < 0)
		die("symlink %s: %s", path, strerror(errno));
	created = xrealloc(created, (ncreated + 1) * sizeof *created);
	created[ncreated++] = xstrdup(path);
	return created[ncreated - 1];
}

char *images_tmp_path(const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	created = xrealloc(created, (ncreated + 1) * sizeof *created);
	created[ncreated++] = xstrdup(path);
	return created[ncreated - 1];
}

/* Appends s to *buf, doubling commas (QEMU's option syntax). */
static void append_escaped(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s), i;

	*buf = xrealloc(*buf, *len + 2 * n + 1);
	for (i = 0; i < n; i++) {
		(*buf)[(*len)++] = s[i];
		if (s[i] == ',')
			(*buf)[(*len)++] = ',';
	}
	(*buf)[*len] = 0;
}

static void append_module(char **buf, size_t *len, const struct image *im, size_t idx, const char *argx_path)
{
	char link[32], word[32];
	const char *path;

	snprintf(link, sizeof link, "img%zu.elf", idx);
	path = make_link(im->path, link);
	if (idx) {
		*buf = xrealloc(*buf, *len + 2);
		(*buf)[(*len)++] = ',';      /* the module separator: not escaped */
		(*buf)[*len] = 0;
	}
	append_escaped(buf, len, path);
	append_escaped(buf, len, " ");
	append_escaped(buf, len, im->name);
	if (im->tenant)
		snprintf(word, sizeof word, " %lu@%u", im->count, im->tenant);
	else
		snprintf(word, sizeof word, " %lu", im->count);
	append_escaped(buf, len, word);
	if (im->args[0]) {
		append_escaped(buf, len, " ");
		append_escaped(buf, len, im->args);
	}
	if (argx_path) {                 /* its environment and input (pvisa.h struct pv_argx): the next module */
		*buf = xrealloc(*buf, *len + 2);
		(*buf)[(*len)++] = ',';  /* the module separator: not escaped */
		(*buf)[*len] = 0;
		append_escaped(buf, len, argx_path);
		append_escaped(buf, len, " " PV_ARGX_NAME);
	}
}

/* --env and --stdin: the module every image's VMs take their environment and input from (pvisa.h struct pv_argx),
 * written to the temp dir; NULL when neither was given. */
static const char *argx_write(const struct opts *o)
{
	struct pv_argx h = { PV_ARGX_MAGIC, (uint32_t)o->env_len, (uint32_t)o->stdin_len, 0 };
	char *path;
	FILE *f;

	if (!o->env_len && !o->stdin_given)
		return NULL;
	path = images_tmp_path("argx.bin");
	if (!(f = fopen(path, "wb")) || fwrite(&h, sizeof h, 1, f) != 1 ||
	    (o->env_len && fwrite(o->env, o->env_len, 1, f) != 1) ||
	    (o->stdin_len && fwrite(o->stdin_data, o->stdin_len, 1, f) != 1) || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	return path;
}

/* Creates the private temp dir with isokernel.bin and img<N>.elf symlinks; returns QEMU's -initrd string
 * "<dir>/img0.elf <name> <count> [args],<dir>/img1.elf ..." (commas in args doubled) or NULL if no images. */
char *images_setup(const struct opts *o, const char *kernel, char **kernel_link)
{
	char *mods = NULL;
	const char *argx;
	size_t len = 0, i;

	snprintf(tmpdir, sizeof tmpdir, "%s/isorun.XXXXXX", tmp_base());
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = 0;
		die("cannot make a temp dir under %s: %s", tmp_base(), strerror(errno));
	}
	*kernel_link = make_link(kernel, "isokernel.bin");
	argx = argx_write(o);
	for (i = 0; i < o->nimages; i++)
		append_module(&mods, &len, &o->images[i], i, argx);
	return mods;
}
