/* autoscale.c - an example tenant policy: keeps a service's rx frames per VM in a band, through isod's API only. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libisoctl.h"
#include "policy.h"

static const char usage_text[] =
"usage: autoscale --tenant NAME --service SVC --lo L --hi H [--interval SEC] [--min N] [--max N] [--rounds N]\n"
"                 [--socket PATH] [--keys DIR] [--key F.key]\n"
"An example tenant policy (a management layer of the tenant's own, with no privilege): every SEC seconds\n"
"(default 5) it reads the service's VMs (signed T_LIST through isod), counts the frames each received since\n"
"the last look, and scales the service (signed SVC_SET) so that frames per VM per second stay in [L, H]:\n"
"above H or below L it aims at (L+H)/2 per VM, within [--min (default 1), --max (default 64)] VMs. Each look\n"
"prints one line: what it saw and what it decided. --rounds N stops after N looks (default: until SIGINT or\n"
"SIGTERM). Its requests are signed with KEYS/NAME.key (or --key) as tenant NAME; KEYS is --keys DIR,\n"
"$ISOCTL_KEYS or ~/.config/isoctl; the socket --socket, $ISOD_SOCKET or ./state/isod.sock.\n"
"exit status: 0 done; 1 refused (the kernel's status and text are printed) or isod unreachable; 2 usage.\n";

struct as_opts {
	const char *socket, *origin, *keys, *key, *tenant, *service;
	struct as_band band;
	double interval;
	unsigned long rounds;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage_exit(const char *fmt, const char *arg)
{
	fputs("autoscale: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (autoscale --help)\n", stderr);
	exit(2);
}

static double number(const char *name, const char *v, double min)
{
	char *end;
	double x = v ? strtod(v, &end) : 0;

	if (!v || !*v || *end || !(x >= min) || x > 1e12)
		usage_exit("%s needs a number", name);
	return x;
}

static void parse_opt(struct as_opts *o, const char *a, const char *v)
{
	if (!strcmp(a, "--socket"))
		o->socket = v, o->origin = "--socket";
	else if (!strcmp(a, "--keys"))
		o->keys = v;
	else if (!strcmp(a, "--key"))
		o->key = v;
	else if (!strcmp(a, "--tenant"))
		o->tenant = v;
	else if (!strcmp(a, "--service"))
		o->service = v;
	else if (!strcmp(a, "--lo"))
		o->band.lo = number(a, v, 0);
	else if (!strcmp(a, "--hi"))
		o->band.hi = number(a, v, 0);
	else if (!strcmp(a, "--interval"))
		o->interval = number(a, v, 0.1);
	else if (!strcmp(a, "--min"))
		o->band.min = (uint32_t)number(a, v, 0);
	else if (!strcmp(a, "--max"))
		o->band.max = (uint32_t)number(a, v, 1);
	else if (!strcmp(a, "--rounds"))
		o->rounds = (unsigned long)number(a, v, 1);
	else
		usage_exit("unknown option %s", a);
	if (!v)
		usage_exit("%s needs a value", a);
}

static void parse(int argc, char **argv, struct as_opts *o)
{
	static char keys[4096];
	const char *home = getenv("HOME");

	*o = (struct as_opts){ .socket = getenv("ISOD_SOCKET"), .origin = "$ISOD_SOCKET", .keys = getenv("ISOCTL_KEYS"),
			       .band = { .lo = -1, .hi = -1, .min = 1, .max = 64 }, .interval = 5 };
	if (!o->socket || !*o->socket)
		o->socket = "./state/isod.sock", o->origin = "the default; --socket PATH or $ISOD_SOCKET";
	if (!o->keys || !*o->keys) {
		snprintf(keys, sizeof(keys), "%s/.config/isoctl", home && *home ? home : ".");
		o->keys = keys;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			exit(0);
		}
		parse_opt(o, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		i++;
	}
	if (!o->tenant || !o->service)
		usage_exit("%s", "--tenant and --service are needed");
	if (o->band.lo < 0 || o->band.hi <= o->band.lo)
		usage_exit("%s", "--lo L --hi H are needed, with L < H");
	if (o->band.min > o->band.max)
		usage_exit("%s", "--min is above --max");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct as_seen *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct as_state {
	struct iso_conn conn;
	struct iso_signer signer;
	struct as_seen *seen;
	size_t nseen;
	double last, start;
};

/* The service's VMs now, as (id, rx) sorted by id; its desired count. 0, 1 refused, -1 failed. */
static int look(struct as_state *s, const char *svc, struct as_seen **cur, size_t *ncur, uint32_t *desired,
		struct iso_err *e)
{
	struct ctl_svc *svcs = NULL;
	struct iso_vm *vms = NULL;
	size_t nsvc, nvm;
	int k, r = iso_svcs(&s->conn, &s->signer, &svcs, &nsvc, e);

	*cur = NULL;
	*ncur = 0;
	if (r == 0 && (k = iso_svc_find(svcs, nsvc, svc)) < 0)
		r = iso_refuse(e, "E_NOENT", "the tenant has no service named \"%s\"", svc);
	if (r == 0 && (r = iso_vms(&s->conn, &s->signer, &vms, &nvm, e)) == 0) {
		*desired = svcs[k].desired;
		*cur = calloc(nvm ? nvm : 1, sizeof(**cur));
		for (size_t i = 0; *cur && i < nvm; i++)
			if (iso_vm_in_svc(&vms[i], svcs, (size_t)k))
				(*cur)[(*ncur)++] = (struct as_seen){ vms[i].v.id, vms[i].v.rx_frames };
		if (!*cur)
			r = iso_fail(e, "out of memory");
		else
			qsort(*cur, *ncur, sizeof(**cur), cmp_seen);
	}
	free(svcs);
	free(vms);
	return r;
}

/* One look and, if the band says so, one scale. */
static int round_once(struct as_state *s, const struct as_opts *o, struct iso_err *e)
{
	struct as_seen *cur;
	struct ctl_svc_rep rep;
	uint32_t desired = 0, to;
	size_t ncur;
	char why[160];
	double t = now_s();
	int r = look(s, o->service, &cur, &ncur, &desired, e);

	if (r != 0)
		return r;
	if (s->seen) {
		uint64_t frames = as_frames_since(s->seen, s->nseen, cur, ncur);
		to = as_decide(&o->band, (uint32_t)ncur, frames, t - s->last, why, sizeof(why));
		printf("autoscale: t=%.1fs %s: %zu live, %u desired, %llu rx frames in %.1f s: %s\n", t - s->start,
		       o->service, ncur, desired, (unsigned long long)frames, t - s->last, why);
		if (to != desired && (r = iso_scale(&s->conn, &s->signer, o->service, to, &rep, e)) == 0)
			printf("autoscale: scaled %s to %u: %u created, %u ended, %u live\n", o->service, rep.desired,
			       rep.created, rep.ended, rep.live);
	} else {
		printf("autoscale: t=0.0s %s: %zu live, %u desired (first look: counting from now)\n", o->service, ncur,
		       desired);
	}
	fflush(stdout);
	free(s->seen);
	s->seen = cur;
	s->nseen = ncur;
	s->last = t;
	return r;
}

static int start(struct as_state *s, const struct as_opts *o, struct iso_err *e)
{
	struct ctl_tenant_info t;
	char path[4096];
	int r;

	if (iso_connect(&s->conn, o->socket, o->origin, e) != 0)
		return -1;
	if ((r = iso_tenant_get(&s->conn, o->tenant, &t, e)) != 1)
		return r == 0 ? 1 : r;
	if (o->key)
		snprintf(path, sizeof(path), "%s", o->key);
	else
		snprintf(path, sizeof(path), "%s/%s.key", o->keys, o->tenant);
	return iso_signer_load(&s->signer, path, t.tenant, e);
}

int main(int argc, char **argv)
{
	struct as_state s = { 0 };
	struct as_opts o;
	struct iso_err e;
	int r;

	parse(argc, argv, &o);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	s.start = now_s();
	printf("autoscale: tenant %s, service %s, band [%g, %g] rx frames/VM/s, %u..%u VMs, every %g s\n", o.tenant,
	       o.service, o.band.lo, o.band.hi, o.band.min, o.band.max, o.interval);
	r = start(&s, &o, &e);
	for (unsigned long n = 0; r == 0 && !stopping && (!o.rounds || n < o.rounds); n++) {
		if (n) {
			struct timespec ts = { (time_t)o.interval, (long)((o.interval - (time_t)o.interval) * 1e9) };
			while (nanosleep(&ts, &ts) != 0 && !stopping)
				;
		}
		if (!stopping)
			r = round_once(&s, &o, &e);
	}
	if (r > 0)
		printf("autoscale: refused: %s: %s\n", e.status, e.text);
	else if (r < 0)
		printf("autoscale: %s\n", e.text);
	fflush(stdout);
	free(s.seen);
	iso_disconnect(&s.conn);
	iso_signer_wipe(&s.signer);
	return r == 0 ? 0 : 1;
}
