/* main.c - isoctl: the tenant's and the operator's client of isod (isoctl --help); parses, then runs a command. */
#include <stdio.h>

#include "opts.h"

int main(int argc, char **argv)
{
	struct opts o;
	char err[512];

	if (opts_parse(argc, argv, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "isoctl: %s\n", err);
		return ISOCTL_USAGE;
	}
	if (o.help) {
		if (o.cmd)
			opts_cmd_usage(stdout, o.cmd);
		else
			opts_usage(stdout);
		return ISOCTL_OK;
	}
	return o.cmd->run(&o);
}
