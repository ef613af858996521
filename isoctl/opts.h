/* opts.h - isoctl's command line: global options, the command table and each command's options, checked. */
#ifndef ISOCTL_OPTS_H
#define ISOCTL_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (isoctl --help). */
enum { ISOCTL_OK = 0, ISOCTL_REFUSED = 1, ISOCTL_USAGE = 2 };

/* Options, as bits: which a command takes, and which were given. */
enum {
	O_PUBKEY = 1 << 0, O_MAXVMS = 1 << 1, O_MAXMEM = 1 << 2, O_CPU = 1 << 3, O_ID = 1 << 4, O_KEY = 1 << 5,
	O_NAME = 1 << 6, O_COUNT = 1 << 7, O_ARGS = 1 << 8, O_QUOTA = 1 << 9, O_FOLLOW = 1 << 10, O_TAIL = 1 << 11,
};

struct opts;
typedef int (*cmd_fn)(const struct opts *o);

struct cmd {
	const char *name, *sub;         /* "tenant", "add"; "push", NULL */
	int npos;                       /* positional arguments it takes */
	unsigned allowed, required;     /* O_* */
	int tenant;                     /* 1: acts as a tenant (needs --tenant) */
	cmd_fn run;
	const char *usage, *help;       /* "NAME --pubkey F ..." and what it does */
};

struct opts {
	const struct cmd *cmd;
	const char *socket, *socket_origin;
	const char *keys;               /* the keys directory */
	const char *tenant;             /* --tenant NAME */
	int json, help;
	const char *pos[2];
	const char *pubkey, *key, *name, *args;
	uint64_t max_vms, max_mem_kib, cpu_share, id, count, quota_kib, tail;
	int follow;
	unsigned given;                 /* O_* */
};

/* Parse argv into o (env: $ISOD_SOCKET, $ISOCTL_KEYS, $HOME, $ISOCTL_TENANT). 0, or ISOCTL_USAGE with a message
 * in err (errlen bytes). o->help set: print the help asked for (o->cmd NULL: the general one). */
int opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen);
/* The general help, and one command's. */
void opts_usage(FILE *f);
void opts_cmd_usage(FILE *f, const struct cmd *c);
extern const struct cmd opts_cmds[];

#endif
