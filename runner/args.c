/* args.c - isorun --env, --stdin and --stdin-text: the environment and standard input every VM of the run gets (pvisa.h argument block). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isorun.h"
#include "pvisa.h"

/* --env KEY=VALUE: a non-empty key without '=', printable bytes; the whole environment within PV_ENV_MAX. A key
 * given again replaces its earlier value. */
void args_add_env(struct opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = strlen(kv), klen, at = 0;

	if (!eq || eq == kv)
		input_error("--env: expected KEY=VALUE with a non-empty KEY, got '%s'", kv);
	for (const char *p = kv; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			input_error("--env %s: control characters are not allowed", kv);
	klen = (size_t)(eq - kv) + 1;
	while (at < o->env_len) {                 /* drop an earlier KEY= */
		size_t e = strlen(o->env + at) + 1;
		if (!strncmp(o->env + at, kv, klen)) {
			memmove(o->env + at, o->env + at + e, o->env_len - at - e);
			o->env_len -= e;
		} else {
			at += e;
		}
	}
	if (o->env_len + n + 1 > PV_ENV_MAX)
		input_error("--env: the environment is over %u bytes", PV_ENV_MAX);
	o->env = xrealloc(o->env, o->env_len + n + 1);
	memcpy(o->env + o->env_len, kv, n + 1);
	o->env_len += n + 1;
}

static void stdin_set(struct opts *o, const char *what, char *data, size_t n)
{
	if (o->stdin_given)
		input_error("%s: one of --stdin and --stdin-text, once", what);
	if (n > PV_STDIN_MAX)
		input_error("%s: %zu bytes of input; at most %u (ship bigger inputs in the image)", what, n, PV_STDIN_MAX);
	o->stdin_data = data;
	o->stdin_len = n;
	o->stdin_given = 1;
}

/* --stdin FILE ("-": isorun's own standard input), read whole. */
void args_stdin_file(struct opts *o, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = xmalloc(PV_STDIN_MAX + 1);
	size_t n;

	if (!f)
		input_error("--stdin %s: %s", path, strerror(errno));
	n = fread(buf, 1, PV_STDIN_MAX + 1, f);
	if (ferror(f))
		input_error("--stdin %s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	stdin_set(o, "--stdin", buf, n);
}

void args_stdin_text(struct opts *o, const char *text)
{
	stdin_set(o, "--stdin-text", xstrdup(text), strlen(text));
}

/* With --env or --stdin every image takes a second boot module (pvisa.h struct pv_argx); the kernel takes at most 64
 * (MAX_MODS in isokernel/main.c). */
void args_check_modules(const struct opts *o)
{
	if ((o->env_len || o->stdin_given) && o->nimages > 32)
		input_error("--env/--stdin: each IMAGE then takes two of the kernel's 64 boot modules: at most 32 IMAGEs, "
			    "not %zu", o->nimages);
}
