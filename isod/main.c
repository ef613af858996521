/* main.c - isod, the operator's daemon: options, the state directory, start the parts, wait for a signal, stop them. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isod.h"
#include "ctlauth.h"

static const char usage_text[] =
"usage: isod --state DIR [--operator-pub FILE.pub] [--tap IF | --net-socket PATH] [--accel kvm|tcg]\n"
"            [--listen 127.0.0.1:PORT] [--mem MiB] [--isorun PATH]\n"
"Keeps one isolation kernel running (isorun --serve, in tenant mode with the operator's public key) and serves\n"
"isod/API.md over HTTP on DIR/isod.sock (and loopback TCP with --listen). isod holds no key: it relays payloads\n"
"signed by tenants and the operator, stores the accepted state-changing ops in DIR/isod.db and replays them\n"
"whenever the kernel starts again.\n"
"\n"
"  --state DIR          isod's directory: isod.db, images/, logs/, kernel.sock, isod.sock, isorun.log\n"
"  --operator-pub FILE  the operator's public key (hostlib/ctlauth.h key file): needed at the first start,\n"
"                       kept in the database (a different key later is refused)\n"
"  --tap IF, --net-socket PATH, --accel A, --mem MiB   passed to isorun (--mem default 1024)\n"
"  --listen ADDR:PORT   also serve on loopback TCP\n"
"  --isorun PATH        the runner (default: isorun next to isod)\n"
"\n"
"SIGTERM or SIGINT: stop serving, end the kernel (isorun's graceful stop), exit 0.\n";

static void usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	exit(code);
}

static void die(const char *what)
{
	fprintf(stderr, "isod: %s\n", what);
	exit(2);
}

static char *default_isorun(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
	char *slash;

	if (n <= 0)
		return "isorun";
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "isorun");
	return path;
}

static void parse(int argc, char **argv, struct isod_opts *o)
{
	static const struct option lo[] = {
		{ "state", required_argument, NULL, 's' }, { "operator-pub", required_argument, NULL, 'k' },
		{ "tap", required_argument, NULL, 't' }, { "net-socket", required_argument, NULL, 'n' },
		{ "accel", required_argument, NULL, 'a' }, { "listen", required_argument, NULL, 'l' },
		{ "mem", required_argument, NULL, 'm' }, { "isorun", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	int c;
	char *end;

	memset(o, 0, sizeof *o);
	o->mem_mib = 1024;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->state = optarg; break;
		case 'k': o->operator_pub = optarg; break;
		case 't': o->tap = optarg; break;
		case 'n': o->net_socket = optarg; break;
		case 'a':
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg") && strcmp(optarg, "auto"))
				die("--accel: kvm, tcg or auto");
			o->accel = optarg;
			break;
		case 'l': o->listen = optarg; break;
		case 'm':
			o->mem_mib = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->mem_mib < 64)
				die("--mem: a number of MiB, at least 64");
			break;
		case 'i': o->isorun = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !o->state)
		usage(2);
	if (strlen(o->state) > ISOD_DIR_MAX - 64)
		die("--state: the path is too long");
	if (o->tap && o->net_socket)
		die("--tap and --net-socket: one NIC at most");
	if (!o->isorun)
		o->isorun = default_isorun();
}

/* The operator's key: stored at the first start; a different one given later is refused. */
static void operator_key(struct db *d, const char *file)
{
	uint8_t given[32], stored[32];
	char err[256];
	int have = db_get_opkey(d, stored);

	if (have < 0)
		die("cannot read the operator's key from the database");
	if (!file) {
		if (have == 1)
			die("first start: --operator-pub FILE.pub is needed");
		return;
	}
	if (ctlauth_read_pub(file, given, err, sizeof err) < 0)
		die(err);
	if (have == 0 && memcmp(given, stored, 32))
		die("--operator-pub differs from the operator's key in the database (a new operator needs a new --state)");
	if (have == 1 && db_set_opkey(d, given) < 0)
		die("cannot store the operator's key");
}

int main(int argc, char **argv)
{
	struct isod_opts o;
	char path[PATH_MAX], err[512];
	sigset_t set;
	struct db *d;
	int sig;

	parse(argc, argv, &o);
	if (ctlauth_init() < 0)
		die("libsodium would not start");
	if (mkdir(o.state, 0755) < 0 && errno != EEXIST)
		die(strerror(errno));
	snprintf(path, sizeof path, "%s/isod.db", o.state);
	d = db_open(path, err, sizeof err);
	if (!d)
		die(err);
	operator_key(d, o.operator_pub);
	if (images_init(o.state) < 0 || logs_init(o.state) < 0)
		die("cannot make DIR/images or DIR/logs");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);      /* every thread inherits it; main takes them with sigwait */
	metrics_init();
	if (kernel_start(&o, d) < 0)
		die("cannot start the kernel's supervisor");
	if (http_start(&o, d, err, sizeof err) < 0)
		die(err);
	fprintf(stderr, "isod: serving %s/isod.sock%s%s\n", o.state, o.listen ? " and " : "", o.listen ? o.listen : "");
	do {
		if (sigwait(&set, &sig))
			sig = SIGTERM;
	} while (sig == SIGPIPE);
	fprintf(stderr, "isod: %s: stopping\n", strsignal(sig));
	http_stop();
	kernel_stop();
	db_close(d);
	return 0;
}
