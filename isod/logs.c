/* logs.c - the VMs' output from isorun's stdout, kept per service in DIR/logs/t<tenant>/svc-<name>.log (bounded, rotated). */
/*
 * isorun -v prints each guest line as "[vm N] text" and the kernel's records ("@tvm id=N tenant=N svc=..", "@vm id=N
 * ...", "@v N ...") and log lines as they are. The kernel's @tvm record, made before the VM first runs, says whose
 * service a VM is (an SVC_SET reply's id range is not enough: another tenant's VMs can sit inside it); a line of a
 * VM not mapped (yet) waits in a small queue until its mapping comes, else it goes to
 * DIR/logs/unowned.log with the kernel's own lines going to DIR/logs/kernel.log. Every file is at most ISOD_LOG_MAX
 * bytes, then becomes NAME.1 (the one before is dropped).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "isod.h"

#define PENDING_MAX 512
#define OPEN_MAX_FILES 64

struct range {
	uint32_t first, last, tenant;
	char service[CTL_NAME_MAX];
};

struct pending {
	uint32_t vm;
	char *line;
};

struct logfile {
	char path[PATH_MAX];
	FILE *f;
	long size;
};

static struct {
	pthread_mutex_t lock;
	char dir[ISOD_DIR_MAX];
	struct range *ranges;
	size_t nranges, cap;
	struct pending pend[PENDING_MAX];
	size_t npend;
	struct logfile files[OPEN_MAX_FILES];
	size_t next_victim;
	uint64_t frames[3];
} lg = { .lock = PTHREAD_MUTEX_INITIALIZER };

int logs_init(const char *state)
{
	snprintf(lg.dir, sizeof lg.dir, "%s/logs", state);
	return mkdir(lg.dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

char *logs_path(uint32_t tenant, const char *service)
{
	char *p = malloc(PATH_MAX);

	if (p)
		snprintf(p, PATH_MAX, "%s/t%u/svc-%s.log", lg.dir, tenant, service);
	return p;
}

void logs_reset(void)
{
	pthread_mutex_lock(&lg.lock);
	lg.nranges = 0;
	for (size_t i = 0; i < lg.npend; i++)
		free(lg.pend[i].line);
	lg.npend = 0;
	pthread_mutex_unlock(&lg.lock);
}

/* The open file for path (opened, or reopened after a rotation, as needed). */
static struct logfile *file_for(const char *path)
{
	struct logfile *lf = NULL;

	for (size_t i = 0; i < OPEN_MAX_FILES; i++)
		if (lg.files[i].f && !strcmp(lg.files[i].path, path))
			return &lg.files[i];
	for (size_t i = 0; i < OPEN_MAX_FILES && !lf; i++)
		if (!lg.files[i].f)
			lf = &lg.files[i];
	if (!lf) {
		lf = &lg.files[lg.next_victim++ % OPEN_MAX_FILES];
		fclose(lf->f);
	}
	snprintf(lf->path, sizeof lf->path, "%s", path);
	lf->f = fopen(path, "a");
	if (!lf->f)
		return NULL;
	fseek(lf->f, 0, SEEK_END);
	lf->size = ftell(lf->f);
	return lf;
}

static void write_line(const char *path, const char *text, size_t n)
{
	struct logfile *lf = file_for(path);

	if (!lf)
		return;
	if (lf->size + (long)n + 1 > (long)ISOD_LOG_MAX) {
		char old[PATH_MAX + 2];
		fclose(lf->f);
		snprintf(old, sizeof old, "%s.1", path);
		rename(path, old);
		lf->f = fopen(path, "a");
		lf->size = 0;
		if (!lf->f)
			return;
	}
	fwrite(text, 1, n, lf->f);
	fputc('\n', lf->f);
	fflush(lf->f);
	lf->size += (long)n + 1;
}

static const struct range *find(uint32_t vm)
{
	size_t lo = 0, hi = lg.nranges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (lg.ranges[mid].last < vm)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lg.nranges && lg.ranges[lo].first <= vm ? &lg.ranges[lo] : NULL;
}

/* "vm=N text" to the service's log. */
static void write_vm(const struct range *r, uint32_t vm, const char *text)
{
	char path[PATH_MAX], buf[4096];
	int n;

	snprintf(path, sizeof path, "%s/t%u", lg.dir, r->tenant);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/t%u/svc-%s.log", lg.dir, r->tenant, r->service);
	n = snprintf(buf, sizeof buf, "vm=%u %s", vm, text);
	write_line(path, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void insert_range(const struct range *r)
{
	size_t i = lg.nranges;

	if (lg.nranges == lg.cap) {
		size_t cap = lg.cap ? 2 * lg.cap : 64;
		struct range *n = realloc(lg.ranges, cap * sizeof *n);
		if (!n)
			return;
		lg.ranges = n;
		lg.cap = cap;
	}
	while (i > 0 && lg.ranges[i - 1].first > r->first) {
		lg.ranges[i] = lg.ranges[i - 1];
		i--;
	}
	lg.ranges[i] = *r;
	lg.nranges++;
}

/* Ids first..last now belong to a new service: older ranges lose them (the kernel may give an ended VM's id again),
 * so the ranges stay disjoint and sorted for find(). */
static void unmap(uint32_t first, uint32_t last)
{
	size_t n = lg.nranges;

	for (size_t i = 0; i < n; i++) {
		struct range *o = &lg.ranges[i];
		if (o->last < first || o->first > last)
			continue;
		if (o->first < first && o->last > last) {          /* split: the part after goes in as its own range */
			struct range after = *o;
			after.first = last + 1;
			o->last = first - 1;
			insert_range(&after);
		} else if (o->first < first) {
			o->last = first - 1;
		} else if (o->last > last) {
			o->first = last + 1;
		} else {
			o->first = 1, o->last = 0;                       /* emptied: dropped below */
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < lg.nranges; i++)
		if (lg.ranges[i].first <= lg.ranges[i].last)
			lg.ranges[k++] = lg.ranges[i];
	lg.nranges = k;
}

/* VM id is now tenant's service's (lg.lock held): the range ending at id - 1 grows if it is the same service's. */
static void map_one(uint32_t tenant, const char *service, uint32_t id)
{
	struct range r = { .first = id, .last = id, .tenant = tenant };
	size_t keep = 0;

	snprintf(r.service, sizeof r.service, "%s", service);
	unmap(id, id);
	struct range *prev = id ? (struct range *)find(id - 1) : NULL;
	if (prev && prev->last == id - 1 && prev->tenant == tenant && !strcmp(prev->service, r.service))
		prev->last = id;
	else
		insert_range(&r);
	for (size_t i = 0; i < lg.npend; i++) {
		const struct range *f = find(lg.pend[i].vm);
		if (f) {
			write_vm(f, lg.pend[i].vm, lg.pend[i].line);
			free(lg.pend[i].line);
		} else {
			lg.pend[keep++] = lg.pend[i];
		}
	}
	lg.npend = keep;
}

static void own_line(const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", lg.dir, name);
	write_line(path, text, strlen(text));
}

/* A guest line of an unmapped VM: queued; the oldest goes to unowned.log when the queue is full. */
static void hold(uint32_t vm, const char *text)
{
	if (lg.npend == PENDING_MAX) {
		char buf[4096];
		snprintf(buf, sizeof buf, "vm=%u %s", lg.pend[0].vm, lg.pend[0].line);
		own_line("unowned.log", buf);
		free(lg.pend[0].line);
		memmove(lg.pend, lg.pend + 1, (PENDING_MAX - 1) * sizeof lg.pend[0]);
		lg.npend--;
	}
	lg.pend[lg.npend].vm = vm;
	lg.pend[lg.npend].line = strdup(text);
	if (lg.pend[lg.npend].line)
		lg.npend++;
}

/* The switch's counters in a VM's end record (@vm or @v): key=N words. */
static void count_frames(const char *rec)
{
	static const char *const keys[3] = { " rx_frames=", " tx_frames=", " rx_drops=" };

	for (int i = 0; i < 3; i++) {
		const char *p = strstr(rec, keys[i]);
		if (p)
			lg.frames[i] += strtoull(p + strlen(keys[i]), NULL, 10);
	}
}

void logs_line(const char *line)
{
	unsigned vm;
	int off = 0;

	pthread_mutex_lock(&lg.lock);
	if (sscanf(line, "[vm %u] %n", &vm, &off) == 1 && off > 0) {
		const struct range *r = find(vm);
		if (r)
			write_vm(r, vm, line + off);
		else
			hold(vm, line + off);
	} else {
		unsigned id, tenant;
		char svc[CTL_NAME_MAX];
		if (sscanf(line, "@tvm id=%u tenant=%u svc=\"%31[A-Za-z0-9._-]\"", &id, &tenant, svc) == 3)
			map_one(tenant, svc, id);
		if (!strncmp(line, "@vm ", 4) || !strncmp(line, "@v ", 3))
			count_frames(line);
		own_line("kernel.log", line);
	}
	pthread_mutex_unlock(&lg.lock);
}

void logs_frames(uint64_t out[3])
{
	pthread_mutex_lock(&lg.lock);
	memcpy(out, lg.frames, sizeof lg.frames);
	pthread_mutex_unlock(&lg.lock);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long sz;

	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(sz > 0 ? (size_t)sz : 1);
	if (b)
		*n = fread(b, 1, sz > 0 ? (size_t)sz : 0, f);
	fclose(f);
	return b;
}

char *logs_tail(uint32_t tenant, const char *service, unsigned long want, size_t *len, long *end)
{
	char *path = logs_path(tenant, service), old[PATH_MAX + 2];
	size_t na, nb, start;
	char *a, *b, *all;
	unsigned long lines = 0;

	pthread_mutex_lock(&lg.lock);
	snprintf(old, sizeof old, "%s.1", path);
	a = slurp(old, &na);
	b = slurp(path, &nb);
	pthread_mutex_unlock(&lg.lock);
	free(path);
	*end = (long)nb;
	all = malloc(na + nb + 1);
	if (all) {
		if (na)
			memcpy(all, a, na);
		if (nb)
			memcpy(all + na, b, nb);
	}
	free(a);
	free(b);
	if (!all)
		return NULL;
	start = na + nb;
	while (want && start > 0) {
		if (all[start - 1] == '\n' && start != na + nb && ++lines >= want)
			break;
		start--;
	}
	*len = na + nb - start;
	memmove(all, all + start, *len);
	all[*len] = 0;
	return all;
}
