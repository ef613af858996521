/* opts.c - isoctl's command line: the command table, global and per-command options, and the help texts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "libisoctl.h"
#include "opts.h"

const struct cmd opts_cmds[] = {
	{ "keygen", NULL, 1, 0, 0, 0, cmd_keygen, "NAME",
	  "make a key pair: KEYS/NAME.key (secret, mode 0600) and KEYS/NAME.pub (give it to the operator)" },
	{ "tenant", "add", 1, O_PUBKEY | O_MAXVMS | O_MAXMEM | O_CPU | O_ID | O_KEY, O_PUBKEY | O_MAXVMS | O_MAXMEM | O_CPU,
	  0, cmd_tenant_add, "NAME --pubkey F.pub --max-vms N --max-mem SIZE --cpu-share W [--id N] [--key F.key]",
	  "admit tenant NAME with its public key and quotas (operator; signed T_ADD); --id defaults to the\n"
	  "lowest free id in 1..254" },
	{ "tenant", "set", 1, O_MAXVMS | O_MAXMEM | O_CPU | O_KEY, 0, 0, cmd_tenant_set,
	  "NAME [--max-vms N] [--max-mem SIZE] [--cpu-share W] [--key F.key]",
	  "change a tenant's quotas (operator; signed T_SET); the others stay as they are. Lowering one below\n"
	  "what the tenant uses ends nothing: only what would go over it is refused" },
	{ "tenant", "rm", 1, O_KEY, 0, 0, cmd_tenant_rm, "NAME [--key F.key]",
	  "remove a tenant (operator; signed T_DEL): its VMs end, its services and images go" },
	{ "tenant", "ls", 0, 0, 0, 0, cmd_tenant_ls, "", "every tenant: quotas and use (public counters, no keys)" },
	{ "push", NULL, 1, O_NAME | O_COUNT | O_ARGS | O_QUOTA | O_KEY, 0, 1, cmd_push,
	  "IMAGE.elf [--name SVC] [--count N] [--args ARGS] [--quota KiB] [--key F.key]",
	  "upload the image, load it (signed T_LOAD) and run service SVC (default: the file's name without .elf)\n"
	  "with N VMs (default 1), each with ARGS as argv[1..] and a memory quota of KiB (8..2048; default: the\n"
	  "kernel's); all or nothing: over a quota, none start. Pushing again scales the service to N" },
	{ "ps", NULL, 0, O_KEY, 0, 1, cmd_ps, "[--key F.key]", "the tenant's services: desired and live VMs, image, args" },
	{ "logs", NULL, 1, O_FOLLOW | O_TAIL | O_KEY, 0, 1, cmd_logs, "SVC [-f] [--tail N] [--key F.key]",
	  "the output of the service's VMs, one line each as vm=ID LINE: the last N (0..100000; default\n"
	  "100); -f: then follow until interrupted; --json: one {\"vm\":ID,\"line\":TEXT} per line" },
	{ "stats", NULL, 1, O_KEY, 0, 1, cmd_stats, "SVC [--key F.key]",
	  "the service's VMs (signed T_LIST): state, CPU time, memory, frames in and out, and their totals" },
	{ "scale", NULL, 2, O_KEY, 0, 1, cmd_scale, "SVC N [--key F.key]",
	  "run N VMs of the service (signed SVC_SET): up all or nothing, or down (its newest VMs end)" },
	{ "stop", NULL, 1, O_KEY, 0, 1, cmd_stop, "SVC [--key F.key]", "scale the service to 0 VMs (it stays defined)" },
	{ "rm", NULL, 1, O_KEY, 0, 1, cmd_rm, "SVC [--key F.key]", "end the service's VMs and forget it (signed SVC_DEL)" },
	{ NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL },
};

static const struct { const char *name; unsigned bit; const char *meta; } copts[] = {
	{ "--pubkey", O_PUBKEY, "F.pub" }, { "--max-vms", O_MAXVMS, "N" }, { "--max-mem", O_MAXMEM, "SIZE" },
	{ "--cpu-share", O_CPU, "W" }, { "--id", O_ID, "N" }, { "--key", O_KEY, "F.key" }, { "--name", O_NAME, "SVC" },
	{ "--count", O_COUNT, "N" }, { "--args", O_ARGS, "ARGS" }, { "--quota", O_QUOTA, "KiB" },
	{ "-f", O_FOLLOW, NULL }, { "--follow", O_FOLLOW, NULL }, { "--tail", O_TAIL, "N" },
};

static int bad(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return ISOCTL_USAGE;
}

static const struct cmd *find_cmd(const char *name, const char *sub)
{
	for (const struct cmd *c = opts_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0 && (!c->sub || (sub && strcmp(c->sub, sub) == 0)))
			return c;
	return NULL;
}

static void set_defaults(struct opts *o)
{
	static char keys[4096];
	const char *home = getenv("HOME");

	memset(o, 0, sizeof(*o));
	o->socket = getenv("ISOD_SOCKET");
	o->socket_origin = "$ISOD_SOCKET";
	if (!o->socket || !*o->socket)
		o->socket = "./state/isod.sock", o->socket_origin = "the default; --socket PATH or $ISOD_SOCKET";
	o->keys = getenv("ISOCTL_KEYS");
	if (!o->keys || !*o->keys) {
		snprintf(keys, sizeof(keys), "%s/.config/isoctl", home && *home ? home : ".");
		o->keys = keys;
	}
	o->tenant = getenv("ISOCTL_TENANT");
	if (o->tenant && !*o->tenant)
		o->tenant = NULL;
	o->count = 1;
}

/* A number option's value into its field. */
static int set_number(struct opts *o, unsigned bit, const char *name, const char *v, char *err, size_t n)
{
	static const struct { unsigned bit; uint64_t min, max; size_t off; } nums[] = {
		{ O_MAXVMS, 0, UINT32_MAX, offsetof(struct opts, max_vms) },
		{ O_CPU, 1, 1000, offsetof(struct opts, cpu_share) },
		{ O_ID, 1, CTL_TENANT_MAX, offsetof(struct opts, id) },
		{ O_COUNT, 0, UINT32_MAX, offsetof(struct opts, count) },
		{ O_QUOTA, 8, 2048, offsetof(struct opts, quota_kib) },
		{ O_TAIL, 0, 100000, offsetof(struct opts, tail) },
	};

	if (bit == O_MAXMEM)
		return iso_parse_kib(v, &o->max_mem_kib) == 0 ? 0 :
			bad(err, n, "%s: \"%s\" is not a size (e.g. 512MiB, 2GiB, 65536KiB; a bare number is KiB)", name, v);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].bit == bit && iso_parse_u64(v, nums[i].min, nums[i].max,
							 (uint64_t *)((char *)o + nums[i].off)) != 0)
			return bad(err, n, "%s: \"%s\" is not a number in %llu..%llu", name, v,
				   (unsigned long long)nums[i].min, (unsigned long long)nums[i].max);
	return 0;
}

static int set_string(struct opts *o, unsigned bit, const char *v)
{
	if (bit == O_PUBKEY)
		o->pubkey = v;
	else if (bit == O_KEY)
		o->key = v;
	else if (bit == O_NAME)
		o->name = v;
	else if (bit == O_ARGS)
		o->args = v;
	else
		return 0;
	return 1;
}

/* A global option at argv[*i]: 1 taken, 0 not one, ISOCTL_USAGE. */
static int global_opt(int argc, char **argv, int *i, struct opts *o, char *err, size_t n)
{
	const char *a = argv[*i];
	const char **dst = NULL;

	if (strcmp(a, "--json") == 0)
		return o->json = 1;
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		return o->help = 1;
	if (strcmp(a, "--socket") == 0)
		dst = &o->socket, o->socket_origin = "--socket";
	else if (strcmp(a, "--keys") == 0)
		dst = &o->keys;
	else if (strcmp(a, "--tenant") == 0)
		dst = &o->tenant;
	else
		return 0;
	if (*i + 1 >= argc || !*argv[*i + 1])
		return bad(err, n, "%s needs a value", a);
	*dst = argv[++*i];
	return 1;
}

/* A command's option at argv[*i]. */
static int cmd_opt(int argc, char **argv, int *i, struct opts *o, char *err, size_t n)
{
	const char *a = argv[*i];

	for (size_t k = 0; k < sizeof(copts) / sizeof(copts[0]); k++) {
		if (strcmp(a, copts[k].name) != 0)
			continue;
		if (o->cmd && !(o->cmd->allowed & copts[k].bit))
			return bad(err, n, "%s%s%s does not take %s", o->cmd->name, o->cmd->sub ? " " : "",
				   o->cmd->sub ? o->cmd->sub : "", a);
		o->given |= copts[k].bit;
		if (!copts[k].meta)
			return o->follow = 1;
		if (*i + 1 >= argc)
			return bad(err, n, "%s needs a value (%s)", a, copts[k].meta);
		a = argv[++*i];
		if (set_string(o, copts[k].bit, a))
			return 1;
		return set_number(o, copts[k].bit, copts[k].name, a, err, n) ? ISOCTL_USAGE : 1;
	}
	return bad(err, n, "unknown option %s (isoctl --help)", a);
}

/* A word that is not an option: the command, its subcommand, or a positional argument. */
static int word(const char *w, const char **name, struct opts *o, char *err, size_t n)
{
	if (!o->cmd && !*name) {
		*name = w;
		if (strcmp(w, "tenant") != 0 && !(o->cmd = find_cmd(w, NULL)))
			return bad(err, n, "unknown command \"%s\" (isoctl --help)", w);
		return 0;
	}
	if (!o->cmd) {
		if (!(o->cmd = find_cmd(*name, w)))
			return bad(err, n, "unknown command \"%s %s\" (isoctl --help)", *name, w);
		return 0;
	}
	if (o->cmd->npos <= 0 || o->pos[o->cmd->npos - 1])
		return bad(err, n, "too many arguments: \"%s\" (isoctl %s%s%s --help)", w, o->cmd->name,
			   o->cmd->sub ? " " : "", o->cmd->sub ? o->cmd->sub : "");
	o->pos[o->pos[0] ? 1 : 0] = w;
	return 0;
}

/* After parsing: the command has what it needs. */
static int complete(struct opts *o, const char *name, char *err, size_t n)
{
	const struct cmd *c = o->cmd;
	const char *full = c ? c->name : name;

	if (!c)
		return bad(err, n, name ? "tenant needs add, set, rm or ls (isoctl tenant --help)" :
					  "no command (isoctl --help)");
	if ((c->npos >= 1 && !o->pos[0]) || (c->npos >= 2 && !o->pos[1]))
		return bad(err, n, "%s%s%s: missing arguments: %s", full, c->sub ? " " : "", c->sub ? c->sub : "",
			   c->usage);
	for (size_t k = 0; k < sizeof(copts) / sizeof(copts[0]); k++)
		if ((c->required & copts[k].bit) && !(o->given & copts[k].bit))
			return bad(err, n, "%s%s%s needs %s %s", full, c->sub ? " " : "", c->sub ? c->sub : "",
				   copts[k].name, copts[k].meta);
	if (c->tenant && !o->tenant)
		return bad(err, n, "%s acts as a tenant: give --tenant NAME (or $ISOCTL_TENANT)", full);
	if (c->tenant && iso_check_tenant_name(o->tenant, &(struct iso_err){ 0 }) != 0)
		return bad(err, n, "--tenant: \"%s\" is not a tenant name (a-z, 0-9, _ and -)", o->tenant);
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	const char *name = NULL;
	int r, dashdash = 0;

	set_defaults(o);
	err[0] = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && a[0] == '-' && a[1]) {
			if ((r = global_opt(argc, argv, &i, o, err, errlen)) == 0)
				r = cmd_opt(argc, argv, &i, o, err, errlen);
			if (r == ISOCTL_USAGE)
				return r;
			continue;
		}
		if ((r = word(a, &name, o, err, errlen)) != 0)
			return o->help ? 0 : r;
	}
	if (o->help)
		return 0;
	return complete(o, name, err, errlen);
}

void opts_cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: isoctl [--socket PATH] [--json]%s %s%s%s%s%s\n", c->tenant ? " --tenant NAME" : "", c->name,
		c->sub ? " " : "", c->sub ? c->sub : "", *c->usage ? " " : "", c->usage);
	fprintf(f, "%s.\n", c->help);
	if (c->allowed & O_MAXMEM)
		fputs("SIZE: 512MiB, 2GiB, 65536KiB, 64M ... (binary units; a bare number is KiB).\n", f);
	if (c->allowed & O_KEY)
		fprintf(f, "--key: the signing key (default: KEYS/%s.key, KEYS being --keys DIR, $ISOCTL_KEYS or "
			   "~/.config/isoctl).\n", c->tenant ? "TENANT" : "operator");
}

void opts_usage(FILE *f)
{
	fputs("usage: isoctl [--socket PATH] [--json] [--keys DIR] [--tenant NAME] COMMAND [ARGS]\n"
	      "The client of isod (isod/API.md): tenants admitted by the operator push services into a running\n"
	      "isolation kernel. Every request that acts on a tenant is signed here with its key (Ed25519) and\n"
	      "checked by the kernel; isod only relays it.\n\ncommands:\n", f);
	for (const struct cmd *c = opts_cmds; c->name; c++) {
		char head[160];
		snprintf(head, sizeof(head), "%s%s%s%s%s", c->name, c->sub ? " " : "", c->sub ? c->sub : "",
			 *c->usage ? " " : "", c->usage);
		fprintf(f, "  %s\n      ", head);
		for (const char *p = c->help; *p; p++)
			fputs(*p == '\n' ? "\n      " : (char[2]){ *p, 0 }, f);
		fputc('\n', f);
	}
	fputs("\noptions (anywhere on the line):\n"
	      "  --socket PATH   isod's socket (default: $ISOD_SOCKET, else ./state/isod.sock)\n"
	      "  --json          print the result as JSON (errors too: {\"status\",\"error\"} on stdout)\n"
	      "  --keys DIR      the key files (default: $ISOCTL_KEYS, else ~/.config/isoctl): NAME.key, NAME.pub;\n"
	      "                  the operator's key is operator.key\n"
	      "  --tenant NAME   act as tenant NAME (default $ISOCTL_TENANT): its id from isod's tenant list,\n"
	      "                  its key KEYS/NAME.key (or --key)\n"
	      "  --help          this text; isoctl COMMAND --help: one command's\n"
	      "\nWhile isod answers KERNEL_DOWN (its kernel starting or restarting), isoctl retries for up to 30 s; a\n"
	      "request refused E_REPLAY because another process signing with the same key got there first is signed\n"
	      "again with a new counter (up to 8 times).\n"
	      "\nexit status: 0 done; 1 refused (the kernel's or isod's status and reason are printed, e.g.\n"
	      "  \"isoctl: refused: E_QUOTA: ...\") or isod unreachable; 2 usage error or unreadable file.\n", f);
}
