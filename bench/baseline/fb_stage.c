/* fb_stage.c - forkbench's private copies of the service binaries: a rebuild during a run cannot break an exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fb.h"

/* Copies FROM to TO (mode 0755); 0 ok, -1 with errno set. */
static int fb_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, e;
	ssize_t n = 0;

	if (in >= 0)
		out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && n == 0)
		n = -1;
	errno = e;
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

/* Makes TMPDIR/forkbench.XXXXXX and copies every binary the chosen services run into it (o->rundir); the
 * instances are started from there. 0 ok; -1 with a message (nothing left behind). */
int fb_stage(struct fb_opts *o, const char *tmpdir)
{
	static char dir[4096];

	snprintf(dir, sizeof dir, "%s/forkbench.XXXXXX", tmpdir);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "forkbench: cannot make a directory in %s: %s\n", tmpdir, strerror(errno));
		return -1;
	}
	o->rundir = dir;
	for (int i = 0; i < o->nsvc; i++) {
		char from[4096], to[4200];
		struct stat st;

		snprintf(from, sizeof from, "%s/%s", o->bindir, o->svc[i]->exe);
		snprintf(to, sizeof to, "%s/%s", dir, o->svc[i]->exe);
		if (stat(to, &st) == 0)
			continue;                            /* two services of one binary */
		if (fb_copy(from, to) < 0) {
			fprintf(stderr, "forkbench: %s: %s (make bench-baseline-bins builds it)\n", from, strerror(errno));
			fb_unstage(o);
			return -1;
		}
	}
	return 0;
}

/* Removes the copies and their directory. */
void fb_unstage(struct fb_opts *o)
{
	if (o->rundir == NULL)
		return;
	for (int i = 0; i < o->nsvc; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", o->rundir, o->svc[i]->exe);
		unlink(path);
	}
	rmdir(o->rundir);
	o->rundir = NULL;
}
