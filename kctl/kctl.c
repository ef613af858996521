/* kctl.c - the control client: talks pvisa/ctl.h to a running kernel through isorun --serve's Unix socket. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kctl.h"

static const char usage_text[] =
"usage: kctl [--socket PATH] COMMAND [ARGS]\n"
"Controls a running isolation kernel through `isorun --serve PATH` (the socket is --socket, else $KCTL_SOCKET).\n"
"\n"
"commands:\n"
"  hello                        the kernel's protocol version, ABI, limits and features\n"
"  load IMG [--name NAME]       send the guest image file IMG (at most 4 MiB); the kernel validates it as a boot\n"
"                               image and keeps it under NAME (default: IMG's basename, bytes outside\n"
"                               [A-Za-z0-9._-] made '_', at most 31 bytes); prints its id\n"
"  images [--json]              the images loaded (at boot and since)\n"
"  create IMG N [--args ARGS] [--quota KiB] [--guarantee KiB]\n"
"                               start N VMs of image IMG (its name, or its id), each with ARGS as argv[1..];\n"
"                               prints how many were made and their ids\n"
"  destroy ID...                end these VMs (reported state=running reason=\"destroyed by the host\")\n"
"  list [--json]                every live VM: id, image, state, hypercalls, CPU time, private memory, frames\n"
"  stats [--json]               the kernel's counters\n"
"  save ID FILE [--end]         write VM ID's whole state to FILE; the VM keeps running, or with --end it ends\n"
"                               once saved, without an @vm record of its own (a move: the restored VM reports)\n"
"  restore FILE                 start a new VM from a state saved by `save`, with the saved VM's network address\n"
"                               (refused while that VM lives); prints its id. Restoring the state of a VM ended\n"
"                               by destroy rather than save --end adds a VM the run did not start (isorun then\n"
"                               reports more VMs than started and exits 1)\n"
"  stop                         end the run (as isorun's first Ctrl-C does)\n"
"  fork VM [-n N]               N (default 1, at most 1024) copy-on-write children of live VM VM, each with its own\n"
"                               id, address and entropy (pvisa/PVISA.md \"fork\"); prints their ids; exit 1 when the\n"
"                               kernel made fewer (memory, VM table: the reason is printed)\n"
"\n"
KCTL_TENANT_USAGE
"\n"
"exit status: 0 done; 1 the kernel refused the request (its reason is printed); 2 usage or file error;\n"
"  3 no connection, or the kernel's reply was malformed.\n";

static int sock = -1;
static uint32_t next_id = 1;

void die_with(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void send_all(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = write(sock, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die_with(K_CONN, "lost the connection: %s", k < 0 ? strerror(errno) : "closed");
		b += k;
		n -= (size_t)k;
	}
}

static void recv_all(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t k = read(sock, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die_with(K_CONN, "lost the connection: %s", k < 0 ? strerror(errno) : "closed by isorun");
		b += k;
		n -= (size_t)k;
	}
}

uint32_t send_req(uint16_t op, const void *a, uint32_t an, const void *b, uint32_t bn)
{
	struct ctl_hdr h;
	uint32_t id = next_id++;

	ctl_hdr_fill(&h, op, id, 0, 0, an + bn);
	send_all(&h, sizeof(h));
	send_all(a, an);
	send_all(b, bn);
	return id;
}

void recv_reply(uint32_t id, uint16_t op, struct reply *r)
{
	recv_all(&r->h, sizeof(r->h));
	if (r->h.magic != CTL_MAGIC || r->h.version != CTL_VERSION || r->h.len > CTL_PAYLOAD_MAX)
		die_with(K_CONN, "malformed reply header (magic %#x version %u len %u)", r->h.magic, r->h.version, r->h.len);
	recv_all(r->p, r->h.len);
	r->p[r->h.len] = 0;
	if (r->h.id != id || r->h.op != (op | CTL_REPLY))
		die_with(K_CONN, "reply to request %u op %u, expected %u op %u: status %s: %s", r->h.id,
			 r->h.op & ~CTL_REPLY, id, op, ctl_status_name(r->h.status), (char *)r->p);
}

void check(const struct reply *r, const char *what, uint32_t skip)
{
	if (r->h.status == CTL_OK)
		return;
	const char *why = r->h.len > skip ? (const char *)r->p + skip : ctl_status_text(r->h.status);
	die_with(K_KERNEL, "%s: %s: %s", what, ctl_status_name(r->h.status), why);
}

void call(uint16_t op, const void *a, uint32_t an, struct reply *r, const char *what, uint32_t want)
{
	recv_reply(send_req(op, a, an, NULL, 0), op, r);
	check(r, what, 0);
	if (r->h.len < want)
		die_with(K_CONN, "%s: reply of %u bytes, expected %u", what, r->h.len, want);
}

static void connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (!path || !*path)
		die_with(K_USAGE, "no socket: give --socket PATH or set KCTL_SOCKET (isorun --serve PATH)");
	if (strlen(path) >= sizeof(a.sun_path))
		die_with(K_USAGE, "socket path too long: %s", path);
	strcpy(a.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		die_with(K_CONN, "cannot connect to %s: %s (is isorun --serve %s running?)", path, strerror(errno), path);
}

unsigned long num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v > max)
		die_with(K_USAGE, "%s: expected a number 0..%lu, got '%s'", what, max, s);
	return v;
}

uint8_t *read_file(const char *path, uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *b;

	if (!f || fstat(fileno(f), &st) < 0)
		die_with(K_USAGE, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > CTL_BLOB_MAX)
		die_with(K_USAGE, "%s: not a regular file of 1..%u bytes", path, CTL_BLOB_MAX);
	b = malloc((size_t)st.st_size);
	if (!b || fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die_with(K_USAGE, "%s: read failed", path);
	fclose(f);
	*size = (uint64_t)st.st_size;
	return b;
}

void upload(uint32_t kind, const char *name, const uint8_t *b, uint64_t size, struct reply *r)
{
	struct ctl_upload_req q = { size, kind, 0, { 0 } };

	if (name)
		strncpy(q.name, name, sizeof(q.name) - 1);
	call(CTL_OP_UPLOAD, &q, sizeof(q), r, "upload", 0);
	for (uint64_t off = 0; off < size; ) {
		struct ctl_chunk_req c = { off };
		uint32_t n = size - off < CTL_CHUNK_MAX ? (uint32_t)(size - off) : CTL_CHUNK_MAX;
		recv_reply(send_req(CTL_OP_CHUNK, &c, sizeof(c), b + off, n), CTL_OP_CHUNK, r);
		if (r->h.status != CTL_OK) {
			struct reply ab;
			recv_reply(send_req(CTL_OP_ABORT, NULL, 0, NULL, 0), CTL_OP_ABORT, &ab);
			check(r, "upload", 0);
		}
		off += n;
	}
}

void load_or_abort(uint16_t op, const void *p, uint32_t len, struct reply *r, const char *what)
{
	recv_reply(send_req(op, p, len, NULL, 0), op, r);
	if (r->h.status != CTL_OK) {
		static struct reply ab;
		recv_reply(send_req(CTL_OP_ABORT, NULL, 0, NULL, 0), CTL_OP_ABORT, &ab);   /* the upload: not left behind */
		check(r, what, 0);
	}
}

char *image_name(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	static char name[CTL_NAME_MAX];

	snprintf(name, sizeof(name), "%s", base);
	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			*p = '_';
	return name;
}

static int cmd_load(int argc, char **argv, struct reply *r)
{
	const char *name = NULL;
	uint64_t size;
	struct ctl_image im;

	if (argc == 4 && !strcmp(argv[2], "--name"))
		name = argv[3];
	else if (argc != 2)
		die_with(K_USAGE, "usage: kctl load IMG [--name NAME]");
	uint8_t *b = read_file(argv[1], &size);
	upload(CTL_BLOB_IMAGE, name ? name : image_name(argv[1]), b, size, r);
	load_or_abort(CTL_OP_LOAD, NULL, 0, r, "load");
	if (r->h.len < sizeof(im))
		die_with(K_CONN, "load: reply of %u bytes", r->h.len);
	memcpy(&im, r->p, sizeof(im));
	printf("loaded image %u: %s (%" PRIu64 " bytes; text %u, data %u, bss %u pages; %" PRIu64 " bytes shared)\n",
	       im.id, im.name, size, im.text_pages, im.data_pages, im.bss_pages, im.shared_bytes);
	free(b);
	return K_OK;
}

/* Every entry of a paged unsigned listing (IMAGES, TENANTS: ctl_page_req in, ctl_page_rep + esize-byte entries out),
 * in order; *n of them. */
void *all_pages(uint16_t op, const char *what, size_t esize, uint32_t *n, struct reply *r)
{
	uint8_t *v = NULL;
	struct ctl_page_req q = { 0, 0 };
	struct ctl_page_rep pr;

	*n = 0;
	do {
		call(op, &q, sizeof(q), r, what, sizeof(pr));
		memcpy(&pr, r->p, sizeof(pr));
		if (r->h.len != sizeof(pr) + (uint64_t)pr.count * esize)
			die_with(K_CONN, "%s: reply of %u bytes for %u entries", what, r->h.len, pr.count);
		v = realloc(v, (*n + pr.count + 1) * esize);
		if (!v)
			die_with(K_USAGE, "%s: out of memory", what);
		memcpy(v + (size_t)*n * esize, r->p + sizeof(pr), pr.count * esize);
		*n += pr.count;
		q.start = pr.next;
	} while (pr.next != CTL_LIST_END && pr.count);
	return v;
}

/* Every image, in id order; *n of them. */
struct ctl_image *all_images(uint32_t *n, struct reply *r)
{
	return all_pages(CTL_OP_IMAGES, "images", sizeof(struct ctl_image), n, r);
}

static int cmd_images(int argc, char **argv, struct reply *r)
{
	uint32_t n;
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct ctl_image *v;

	if (argc != 1 && !json)
		die_with(K_USAGE, "usage: kctl images [--json]");
	v = all_images(&n, r);
	if (json)
		printf("[");
	for (uint32_t i = 0; i < n; i++) {
		if (json)
			printf("%s\n  {\"id\": %u, \"name\": \"%s\", \"instances\": %u, \"text_pages\": %u, \"data_pages\": %u, "
			       "\"bss_pages\": %u, \"shared_bytes\": %" PRIu64 "}", i ? "," : "", v[i].id, v[i].name,
			       v[i].instances, v[i].text_pages, v[i].data_pages, v[i].bss_pages, v[i].shared_bytes);
		else
			printf("%u %s instances=%u shared_bytes=%" PRIu64 "\n", v[i].id, v[i].name, v[i].instances,
			       v[i].shared_bytes);
	}
	if (json)
		printf("\n]\n");
	free(v);
	return K_OK;
}

/* IMG: an image name, else a number taken as an id. */
static uint32_t image_id(const char *s, struct reply *r)
{
	uint32_t n, id = UINT32_MAX;
	struct ctl_image *v = all_images(&n, r);

	for (uint32_t i = 0; i < n && id == UINT32_MAX; i++)
		if (!strcmp(v[i].name, s))
			id = v[i].id;
	free(v);
	if (id == UINT32_MAX && strspn(s, "0123456789") == strlen(s) && *s)
		id = (uint32_t)num(s, "image id", UINT32_MAX - 1);
	if (id == UINT32_MAX)
		die_with(K_KERNEL, "no image named %s is loaded (kctl images)", s);
	return id;
}

/* The VM options of create and svc-set, from argv[from] on in pairs: --args ARGS, --quota KiB, --guarantee KiB. */
void vm_opts(int argc, char **argv, int from, const char *cmd, char args[CTL_ARGS_MAX], uint32_t *quota,
	     uint32_t *guar)
{
	for (int i = from; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--args") && strlen(argv[i + 1]) < CTL_ARGS_MAX)
			strcpy(args, argv[i + 1]);
		else if (!strcmp(argv[i], "--quota"))
			*quota = (uint32_t)num(argv[i + 1], "--quota", 2048);
		else if (!strcmp(argv[i], "--guarantee"))
			*guar = (uint32_t)num(argv[i + 1], "--guarantee", 2048);
		else
			die_with(K_USAGE, "%s: unknown option %s (or --args over %u bytes)", cmd, argv[i], CTL_ARGS_MAX - 1);
	}
}

static int cmd_create(int argc, char **argv, struct reply *r)
{
	struct ctl_create_req q;
	struct ctl_create_rep cr;

	memset(&q, 0, sizeof(q));
	if (argc < 3 || argc % 2 == 0)
		die_with(K_USAGE, "usage: kctl create IMG N [--args ARGS] [--quota KiB] [--guarantee KiB]");
	q.count = (uint32_t)num(argv[2], "N", UINT32_MAX);
	vm_opts(argc, argv, 3, "create", q.args, &q.quota_kib, &q.guar_kib);
	q.image = image_id(argv[1], r);
	recv_reply(send_req(CTL_OP_CREATE, &q, sizeof(q), NULL, 0), CTL_OP_CREATE, r);
	memset(&cr, 0, sizeof(cr));
	if (r->h.len >= sizeof(cr))
		memcpy(&cr, r->p, sizeof(cr));
	if (cr.created)
		printf("created %u of %u VMs of %s: ids %u..%u\n", cr.created, q.count, argv[1], cr.first_id, cr.last_id);
	check(r, "create", r->h.len >= sizeof(cr) ? sizeof(cr) : 0);
	return K_OK;
}

static int cmd_destroy(int argc, char **argv, struct reply *r)
{
	int bad = 0;

	if (argc < 2)
		die_with(K_USAGE, "usage: kctl destroy ID...");
	for (int i = 1; i < argc; i++)
		num(argv[i], "ID", UINT32_MAX);              /* every operand checked before any VM is ended */
	for (int i = 1; i < argc; i++) {
		struct ctl_vm_req q = { (uint32_t)num(argv[i], "ID", UINT32_MAX), 0 };
		recv_reply(send_req(CTL_OP_DESTROY, &q, sizeof(q), NULL, 0), CTL_OP_DESTROY, r);
		if (r->h.status != CTL_OK) {
			fprintf(stderr, "kctl: destroy %u: %s: %s\n", q.id, ctl_status_name(r->h.status), (char *)r->p);
			bad++;
		}
	}
	printf("destroyed %d of %d VMs\n", argc - 1 - bad, argc - 1);
	return bad ? K_KERNEL : K_OK;
}

/* FORK's or T_FORK's reply (struct ctl_fork_rep, then the reason when none was made): printed; 0 all made, 1 not. */
int fork_result(const struct reply *r, uint32_t vm, uint32_t count)
{
	struct ctl_fork_rep fr;
	uint16_t st = r->h.status;
	/* The op's own replies start with ctl_fork_rep; the decoder's refusals (length, signature, count) do not. */
	int has = r->h.len >= sizeof(fr) && (st == CTL_OK || st == CTL_E_NOENT || st == CTL_E_QUOTA ||
					     st == CTL_E_LIMIT || st == CTL_E_NOMEM);

	memset(&fr, 0, sizeof(fr));
	if (has)
		memcpy(&fr, r->p, sizeof(fr));
	if (has && fr.created > count)
		die_with(K_CONN, "fork: the reply says %u children made of %u asked", fr.created, count);
	if (fr.created)
		printf("forked %u of %u children of VM %u: ids %u..%u\n", fr.created, count, vm, fr.first_id, fr.last_id);
	check(r, "fork", has ? sizeof(fr) : 0);
	if (fr.created < count) {
		fprintf(stderr, "kctl: fork: stopped after %u of %u: %s\n", fr.created, count,
			ctl_status_name(fr.stopped_by));
		return K_KERNEL;
	}
	return K_OK;
}

/* VM [-n N] of fork and tfork (argv already without the signer's options): the request. */
void fork_args(int argc, char **argv, const char *usage, struct ctl_fork_req *q)
{
	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "-n")))
		die_with(K_USAGE, "usage: %s", usage);
	q->vm = (uint32_t)num(argv[1], "VM", UINT32_MAX);
	q->count = argc == 4 ? (uint32_t)num(argv[3], "-n", CTL_FORK_MAX) : 1;
	if (q->count == 0)
		die_with(K_USAGE, "-n: at least 1");
}

static int cmd_fork(int argc, char **argv, struct reply *r)
{
	struct ctl_fork_req q;

	fork_args(argc, argv, "kctl fork VM [-n N]", &q);
	recv_reply(send_req(CTL_OP_FORK, &q, sizeof(q), NULL, 0), CTL_OP_FORK, r);
	return fork_result(r, q.vm, q.count);
}

static const char *vm_state(uint8_t s)
{
	return s == CTL_VM_RUNNABLE ? "runnable" : s == CTL_VM_RUNNING ? "running" : s == CTL_VM_BLOCKED ? "blocked" : "?";
}

void print_vm(const struct ctl_vm *v, const struct ctl_image *im, uint32_t nim, int json, int first)
{
	const char *img = "?";

	for (uint32_t i = 0; i < nim; i++)
		if (im[i].id == v->image)
			img = im[i].name;            /* ids need not be contiguous (a removed tenant's images) */

	if (json)
		printf("%s\n  {\"id\": %u, \"image\": \"%s\", \"state\": \"%s\", \"hypercalls\": %u, \"cpu_ns\": %" PRIu64
		       ", \"priv_kib\": %u, \"rx_frames\": %u, \"tx_frames\": %u, \"rx_drops\": %u}", first ? "" : ",", v->id,
		       img, vm_state(v->state), v->hypercalls, v->cpu_ns, v->priv_kib, v->rx_frames, v->tx_frames, v->rx_drops);
	else
		printf("%-8u %-16s %-9s %10u %10.3f %8u %8u %8u %8u\n", v->id, img, vm_state(v->state), v->hypercalls,
		       (double)v->cpu_ns / 1e6, v->priv_kib, v->rx_frames, v->tx_frames, v->rx_drops);
}

static int cmd_list(int argc, char **argv, struct reply *r)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct ctl_page_req q = { 0, 0 };
	struct ctl_page_rep pr;
	uint32_t nim, total = 0;
	struct ctl_image *im;

	if (argc != 1 && !json)
		die_with(K_USAGE, "usage: kctl list [--json]");
	im = all_images(&nim, r);
	printf(json ? "[" : "%-8s %-16s %-9s %10s %10s %8s %8s %8s %8s\n", "id", "image", "state", "hypercalls", "cpu_ms",
	       "priv_kib", "rx", "tx", "rx_drops");
	do {
		call(CTL_OP_LIST, &q, sizeof(q), r, "list", sizeof(pr));
		memcpy(&pr, r->p, sizeof(pr));
		if (r->h.len != sizeof(pr) + pr.count * sizeof(struct ctl_vm))
			die_with(K_CONN, "list: reply of %u bytes for %u entries", r->h.len, pr.count);
		for (uint32_t i = 0; i < pr.count; i++) {
			struct ctl_vm v;
			memcpy(&v, r->p + sizeof(pr) + i * sizeof(v), sizeof(v));
			print_vm(&v, im, nim, json, total++ == 0);
		}
		q.start = pr.next;
	} while (pr.next != CTL_LIST_END);
	if (json)
		printf("\n]\n");
	free(im);
	return K_OK;
}

static int cmd_stats(int argc, char **argv, struct reply *r)
{
	static const char *const names[] = {
		"started", "exited_ok", "failed", "faulted", "ended_by_host", "reclaimed", "live", "peak_live", "switches",
		"hypercalls", "free_frames", "total_frames", "reserved_frames", "images", "image_frames", "upload_frames",
		"ctl_requests", "ctl_errors", "ctl_bytes_in", "ctl_bytes_out", "run_ns",
		"summons", "held_frames", "held_drops", "summon_limited", "ready_timeouts", "reclaim_ended", "reclaim_saved",
		"woken", "forks", "fork_refused", "pool_grown", "pool_shrunk",
	};
	int json = argc == 2 && !strcmp(argv[1], "--json");
	uint64_t v[sizeof(struct ctl_stats) / 8];

	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(v) / sizeof(v[0]), "one name per ctl_stats field");
	if (argc != 1 && !json)
		die_with(K_USAGE, "usage: kctl stats [--json]");
	call(CTL_OP_STATS, NULL, 0, r, "stats", sizeof(v));
	memcpy(v, r->p, sizeof(v));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		printf(json ? "%s\"%s\": %" PRIu64 : "%s%s %" PRIu64 "\n", json ? (i ? ", " : "{") : "", names[i], v[i]);
	if (json)
		printf("}\n");
	return K_OK;
}

void save_stream(uint16_t op, const void *payload, uint32_t len, uint32_t vm, uint32_t flags, const char *path,
		 struct reply *r)
{
	uint64_t got = 0, total;
	FILE *f = fopen(path, "wb");
	uint32_t id;

	if (!f)
		die_with(K_USAGE, "%s: %s", path, strerror(errno));
	id = send_req(op, payload, len, NULL, 0);
	for (;;) {
		struct ctl_chunk_req c;
		recv_reply(id, op, r);
		if (r->h.status != CTL_OK)
			remove(path);
		check(r, "save", 0);
		if (!(r->h.flags & CTL_F_MORE))
			break;
		memcpy(&c, r->p, sizeof(c));
		if (r->h.len <= sizeof(c) || c.offset != got)
			die_with(K_CONN, "save: chunk at %" PRIu64 " of %u bytes, expected one at %" PRIu64, c.offset, r->h.len, got);
		if (fwrite(r->p + sizeof(c), 1, r->h.len - sizeof(c), f) != r->h.len - sizeof(c))
			die_with(K_USAGE, "%s: write failed", path);
		got += r->h.len - sizeof(c);
	}
	if (r->h.len != sizeof(total))
		die_with(K_CONN, "save: last reply of %u bytes", r->h.len);
	memcpy(&total, r->p, sizeof(total));
	if (total != got || fclose(f) != 0)
		die_with(K_CONN, "save: got %" PRIu64 " bytes of %" PRIu64, got, total);
	printf("saved vm %u: %" PRIu64 " bytes in %s%s\n", vm, total, path, flags ? "; it has ended" : "");
}

static int cmd_save(int argc, char **argv, struct reply *r)
{
	struct ctl_vm_req q;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "--end")))
		die_with(K_USAGE, "usage: kctl save ID FILE [--end]");
	q = (struct ctl_vm_req){ (uint32_t)num(argv[1], "ID", UINT32_MAX), argc == 4 ? CTL_SAVE_END : 0 };
	save_stream(CTL_OP_SAVE, &q, sizeof(q), q.id, q.flags, argv[2], r);
	return K_OK;
}

static int cmd_restore(int argc, char **argv, struct reply *r)
{
	uint64_t size;
	struct ctl_vm_req v;

	if (argc != 2)
		die_with(K_USAGE, "usage: kctl restore FILE");
	uint8_t *b = read_file(argv[1], &size);
	upload(CTL_BLOB_VMSTATE, NULL, b, size, r);
	call(CTL_OP_RESTORE, NULL, 0, r, "restore", sizeof(v));
	memcpy(&v, r->p, sizeof(v));
	printf("restored %s as vm %u\n", argv[1], v.id);
	free(b);
	return K_OK;
}

static int cmd_hello(int argc, char **argv, struct reply *r)
{
	struct ctl_hello_rep h;

	(void)argv;
	if (argc != 1)
		die_with(K_USAGE, "usage: kctl hello");
	call(CTL_OP_HELLO, NULL, 0, r, "hello", sizeof(h));
	memcpy(&h, r->p, sizeof(h));
	printf("protocol %u, pvisa ABI %u, messages up to %u bytes, uploads up to %u bytes, MAX_VMS %u, serve %s, "
	       "save/restore %s, tenants %s\n", h.version, h.abi, h.msg_max, h.blob_max, h.max_vms,
	       h.features & CTL_FEAT_SERVE ? "yes" : "no", h.features & CTL_FEAT_VMSTATE ? "yes" : "no",
	       h.features & CTL_FEAT_TENANTS ? "yes" : "no");
	return K_OK;
}

static int cmd_stop(int argc, char **argv, struct reply *r)
{
	(void)argv;
	if (argc != 1)
		die_with(K_USAGE, "usage: kctl stop");
	call(CTL_OP_STOP, NULL, 0, r, "stop", 0);
	printf("the kernel is ending the run\n");
	return K_OK;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **, struct reply *); } cmds[] = {
		{ "hello", cmd_hello }, { "load", cmd_load }, { "images", cmd_images }, { "create", cmd_create },
		{ "destroy", cmd_destroy }, { "list", cmd_list }, { "stats", cmd_stats }, { "save", cmd_save },
		{ "restore", cmd_restore }, { "stop", cmd_stop }, { "fork", cmd_fork },
	};
	static struct reply r;
	const char *path = getenv("KCTL_SOCKET");
	int i = 1;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return K_OK;
	}
	if (argc > 2 && !strcmp(argv[1], "--socket")) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return K_USAGE;
	}
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(argv[i], cmds[k].name)) {
			connect_to(path);
			return cmds[k].fn(argc - i, argv + i, &r);
		}
	kctl_cmd_fn *fn = kctl_tenant_cmd(argv[i]);
	if (fn) {
		if (strcmp(argv[i], "keygen") != 0)
			connect_to(path);
		return fn(argc - i, argv + i, &r);
	}
	die_with(K_USAGE, "unknown command '%s' (kctl --help)", argv[i]);
}
