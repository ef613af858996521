/* ctl_ops.c - the control channel's acts on the kernel: uploads into frames, images, VM creation and end, listings, stats. */
/* Called by ctl.c once a request's fields are checked (ctl_ops.h says which); what depends on the kernel's state
 * (does the VM exist, is memory there) is checked here, then done. Long work is cut into steps (CTL_AGAIN). */
#include "ctl_ops.h"
#include "ctlsrv.h"
#include "image.h"
#include "elf.h"
#include "vm.h"
#include "vmtab.h"
#include "vswitch.h"
#include "sched.h"
#include "report.h"
#include "frame.h"
#include "slab.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"
#include "memlayout.h"
#include "tenant.h"
#if __has_include("vmstate.h")
#include "vmstate.h"
#define CTL_HAVE_VMSTATE 1
#else
#define CTL_HAVE_VMSTATE 0
#endif

#define BLOB_PAGES   (CTL_BLOB_MAX / PAGE_SIZE)
#define MEM_MARGIN   256u       /* frames left to running VMs beyond any upload or image load (1 MiB) */
#define CREATE_STEP  128u       /* VMs made per main-loop pass: running VMs keep their quanta during a big CREATE */

/* Bytes held in frames: an upload from the host, or a VM's state on its way out (SAVE). One at a time. */
static struct blob {
	uint32_t kind;              /* CTL_BLOB_*, 0: none */
	bool saving;                /* a SAVE's state being streamed out */
	uint64_t size, got;         /* bytes announced / received (SAVE: bytes sent) */
	uint32_t npages;
	char name[CTL_NAME_MAX];
	uint8_t *page[BLOB_PAGES];
} blob;
static struct slab_cache img_cache;
static uint32_t quota_def, guar_def;   /* the kernel's default quota and guarantee, in pages */
static uint64_t ended_by_host, image_frames;
static struct create_run { uint32_t created, first, last; } cr;

void ctl_init(uint32_t quota_pages, uint32_t guar_pages)
{
	quota_def = quota_pages;
	guar_def = guar_pages;
	slab_init(&img_cache, "image", sizeof(struct image), 16);
	for (uint32_t i = 0; i < image_count(); i++)
		image_frames += image_get(i) ? image_frames_of(image_get(i)) : 0;
}

static uint64_t frames_spare(void)
{
	uint64_t f = frame_free_count(), r = frame_reserved_count();

	return f > r ? f - r : 0;
}

static void blob_free(void)
{
	for (uint32_t i = 0; i < blob.npages; i++)
		frame_free(V2P(blob.page[i]));
	blob.npages = 0;
	blob.kind = 0;
	blob.saving = false;
	blob.size = blob.got = 0;
}

/* Append n bytes at blob.got, taking frames as needed: 0, or -1 when none is left. */
static int blob_put(const void *p, uint64_t n)
{
	const uint8_t *s = p;

	while (n) {
		uint64_t in = blob.got % PAGE_SIZE, k = PAGE_SIZE - in < n ? PAGE_SIZE - in : n;
		if (in == 0 && blob.got / PAGE_SIZE == blob.npages) {
			uint64_t pa = blob.npages < BLOB_PAGES && frames_spare() > MEM_MARGIN ? frame_alloc() : 0;
			if (!pa)
				return -1;
			blob.page[blob.npages++] = P2V(pa);
		}
		memcpy(blob.page[blob.got / PAGE_SIZE] + in, s, k);
		blob.got += k;
		s += k;
		n -= k;
	}
	return 0;
}

uint16_t ctlop_hello(struct ctl_out *o)
{
	struct ctl_hello_rep r = { CTL_VERSION, PV_ABI_VERSION, CTL_MSG_MAX, CTL_BLOB_MAX, MAX_VMS,
				   (ctl_serve ? CTL_FEAT_SERVE : 0) | (CTL_HAVE_VMSTATE ? CTL_FEAT_VMSTATE : 0) |
				   (tenant_mode() ? CTL_FEAT_TENANTS : 0) };

	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t ctlop_upload(const struct ctl_upload_req *q, struct ctl_out *o)
{
	struct ctl_upload_rep r = { 0 };
	uint64_t pages = (q->size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (blob.kind)
		return ctl_why(o, CTL_E_BUSY, "an upload or a SAVE is in progress (ABORT drops an upload)");
	if (q->kind == CTL_BLOB_VMSTATE && !CTL_HAVE_VMSTATE)
		return ctl_why(o, CTL_E_UNSUPP, "this kernel has no VM state support (RESTORE)");
	if (frames_spare() < pages + WIN_PAGES + MEM_MARGIN)
		return ctl_why(o, CTL_E_NOMEM, "%lu KiB of unreserved memory free: too little for %lu KiB and its load",
			       frames_spare() * 4, pages * 4);
	blob.kind = q->kind;
	blob.size = q->size;
	blob.got = 0;
	memcpy(blob.name, q->name, sizeof(blob.name));
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t ctlop_chunk(uint64_t offset, const uint8_t *data, uint32_t n, struct ctl_out *o)
{
	struct ctl_upload_rep r;

	if (!blob.kind || blob.saving || blob.got == blob.size)
		return ctl_why(o, CTL_E_STATE, "no upload is waiting for bytes");
	if (offset != blob.got || n > blob.size - blob.got)
		return ctl_why(o, CTL_E_STATE, "chunk [%lu, +%u) does not continue the upload at %lu of %lu bytes",
			       (unsigned long)offset, n, (unsigned long)blob.got, (unsigned long)blob.size);
	if (blob_put(data, n) != 0) {
		blob_free();
		return ctl_why(o, CTL_E_NOMEM, "no free frame for the upload: dropped");
	}
	r.size = blob.got;
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

uint16_t ctlop_abort(struct ctl_out *o)
{
	if (!blob.kind || blob.saving)
		return ctl_why(o, CTL_E_STATE, "no upload to abort");
	blob_free();
	return CTL_OK;
}

/* The upload of kind complete? */
static uint16_t blob_ready(uint32_t kind, struct ctl_out *o)
{
	if (blob.kind != kind || blob.saving || blob.got != blob.size)
		return ctl_why(o, CTL_E_STATE, "no complete %s upload (UPLOAD, then CHUNKs up to its size)",
			       kind == CTL_BLOB_IMAGE ? "image" : "VM state");
	return CTL_OK;
}

void ctlop_image_entry(const struct image *img, struct ctl_image *e)
{
	memset(e, 0, sizeof(*e));
	e->id = img->id;
	e->instances = img->instances;
	e->text_pages = img->text_pages;
	e->data_pages = img->data_pages;
	e->bss_pages = img->bss_pages;
	e->shared_bytes = (uint64_t)img->shared_pages * PAGE_SIZE;
	strlcpy(e->name, img->name, sizeof(e->name));
}

static const struct image *image_named(const char *name)
{
	for (uint32_t i = 0; i < image_count(); i++)
		if (image_get(i) && strcmp(image_get(i)->name, name) == 0)
			return image_get(i);
	return NULL;
}

/* The image's @image record, as at boot (count 0: its VMs come by CREATE). */
static void report_image(const struct image *img)
{
	kprintf("@image");
	report_qstr("name", img->name);
	kprintf(" count=0 text_pages=%u data_pages=%u bss_pages=%u shared_bytes=%llu\n", img->text_pages,
		img->data_pages, img->bss_pages, (uint64_t)img->shared_pages * PAGE_SIZE);
}

uint16_t ctlop_image_blob(struct elf_src *src, char name[CTL_NAME_MAX], struct ctl_out *o)
{
	uint16_t st = blob_ready(CTL_BLOB_IMAGE, o);

	if (st != CTL_OK)
		return st;
	*src = (struct elf_src){ NULL, blob.page, blob.size };
	memcpy(name, blob.name, CTL_NAME_MAX);
	return CTL_OK;
}

void ctlop_blob_drop(void)
{
	if (blob.kind && !blob.saving)
		blob_free();
}

void ctlop_image_added(const struct image *img, int sign)
{
	if (sign > 0) {
		image_frames += image_frames_of(img);
		kst.guest_shared_bytes += (uint64_t)img->shared_pages * PAGE_SIZE;
	} else {
		image_frames -= image_frames_of(img);
	}
}

uint16_t ctlop_load(struct ctl_out *o)
{
	static char why[160];
	struct elf_src src = { NULL, blob.page, blob.size };
	const struct image *dup = image_named(blob.name);
	struct image *img;
	uint16_t st = blob_ready(CTL_BLOB_IMAGE, o);

	if (st != CTL_OK)
		return st;
	if (dup || image_live_count() == IMAGE_MAX) {
		blob_free();
		return dup ? ctl_why(o, CTL_E_ARG, "an image named %s is loaded (id %u)", dup->name, dup->id)
			   : ctl_why(o, CTL_E_LIMIT, "%u images are loaded: no more", IMAGE_MAX);
	}
	img = slab_alloc(&img_cache);
	if (!img || image_load_src(img, blob.name, &src, why, sizeof(why)) != 0) {
		if (img)
			slab_free(&img_cache, img);
		blob_free();
		return img ? ctl_why(o, CTL_E_IMAGE, "%s", why) : ctl_why(o, CTL_E_NOMEM, "no memory for an image");
	}
	blob_free();
	image_table_add(img);
	image_frames += image_frames_of(img);
	kst.guest_shared_bytes += (uint64_t)img->shared_pages * PAGE_SIZE;
	report_image(img);
	ctlop_image_entry(img, (struct ctl_image *)(void *)o->p);
	o->len = sizeof(struct ctl_image);
	return CTL_OK;
}

uint16_t ctlop_images(const struct ctl_page_req *q, struct ctl_out *o)
{
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - sizeof(r)) / sizeof(struct ctl_image), id;

	if (q->max && q->max < max)
		max = q->max;
	for (id = q->start; id < image_count() && r.count < max; id++)
		if (image_get(id))             /* a tenant's image removed with it leaves its id free */
			ctlop_image_entry(image_get(id), (struct ctl_image *)(void *)(o->p + sizeof(r)) + r.count++);
	if (id < image_count())
		r.next = id;
	memcpy(o->p, &r, sizeof(r));
	o->len = (uint32_t)sizeof(r) + r.count * (uint32_t)sizeof(struct ctl_image);
	return CTL_OK;
}

static uint16_t create_done(struct ctl_out *o, uint16_t st)
{
	struct ctl_create_rep r = { cr.created, cr.first, cr.last, 0 };

	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return st;
}

/* One VM of the CREATE under way: 0, or the error status that ends it (reason written). */
static uint16_t create_one(struct image *img, const struct ctl_create_req *q, uint32_t quota, uint32_t guar,
			   struct ctl_out *o)
{
	uint64_t t0 = rdtsc();
	bool full = vmtab_count() >= vmtab_cap();
	struct vm *vm = full ? NULL : vm_create(img, q->args, quota, guar, 0);

	if (full)
		return create_done(o, CTL_E_LIMIT), ctl_why(o, CTL_E_LIMIT, "MAX_VMS (%u) VMs are live", vmtab_cap());
	if (!vm)
		return create_done(o, CTL_E_NOMEM), ctl_why(o, CTL_E_NOMEM, "out of memory for another VM and its %u KiB "
							   "guarantee", guar * 4);
	img->instances++;
	sched_enqueue(vm);
	kst.create_tsc += rdtsc() - t0;
	cr.first = cr.created ? cr.first : vm->id;
	cr.last = vm->id;
	cr.created++;
	return CTL_OK;
}

void ctlop_mem_pages(uint32_t quota_kib, uint32_t guar_kib, uint32_t *quota, uint32_t *guar)
{
	*quota = quota_kib ? quota_kib / 4 : quota_def;
	*guar = guar_kib ? guar_kib / 4 : guar_def < *quota ? guar_def : *quota;
}

uint16_t ctlop_create(const struct ctl_create_req *q, struct ctl_out *o)
{
	struct image *img = image_get(q->image);
	uint32_t quota, guar;

	ctlop_mem_pages(q->quota_kib, q->guar_kib, &quota, &guar);

	if (o->first)
		cr = (struct create_run){ 0, 0, 0 };
	if (!img)
		return create_done(o, CTL_E_NOENT), ctl_why(o, CTL_E_NOENT, "no image with id %u", q->image);
	if (guar > quota)
		return create_done(o, CTL_E_ARG), ctl_why(o, CTL_E_ARG, "guarantee %u KiB beyond the quota %u KiB",
							   guar * 4, quota * 4);
	for (uint32_t k = 0; k < CREATE_STEP && cr.created < q->count; k++) {
		uint16_t st = create_one(img, q, quota, guar, o);
		if (st != CTL_OK)
			return st;
	}
	return cr.created < q->count ? CTL_AGAIN : create_done(o, CTL_OK);
}

void ctlop_end_vm(struct vm *vm, const char *reason)
{
	ended_by_host++;
	vm_end(vm, VM_RUNNING, -1, reason);
}

uint16_t ctlop_destroy(uint32_t id, struct ctl_out *o)
{
	struct vm *vm = vmtab_get(id);

	if (!vm)
		return ctl_why(o, CTL_E_NOENT, "no live VM with id %u", id);
	ctlop_end_vm(vm, "destroyed by the host");
	return CTL_OK;
}

void ctlop_vm_entry(const struct vm *vm, struct ctl_vm *e)
{
	memset(e, 0, sizeof(*e));
	e->id = vm->id;
	e->image = vm->mem.img->id;
	e->state = vm->state;
	e->hypercalls = vm->hypercalls;
	e->cpu_ns = tsc_to_ns(vm->cpu_tsc);
	e->priv_kib = vm->mem.priv_pages * 4u;
	if (vm->net) {
		e->rx_frames = vm->net->rx_frames;
		e->tx_frames = vm->net->tx_frames;
		e->rx_drops = vm->net->rx_drops;
	}
}

uint16_t ctlop_list(const struct ctl_page_req *q, struct ctl_out *o)
{
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - sizeof(r)) / sizeof(struct ctl_vm), cursor = q->start, at;
	const struct vm *vm = NULL;

	if (q->max && q->max < max)
		max = q->max;
	while (r.count < max && (vm = vmtab_next(&cursor)))
		ctlop_vm_entry(vm, (struct ctl_vm *)(void *)(o->p + sizeof(r)) + r.count++);
	at = cursor;
	if (vm && vmtab_next(&at))
		r.next = cursor;                 /* more after the last one listed */
	memcpy(o->p, &r, sizeof(r));
	o->len = (uint32_t)sizeof(r) + r.count * (uint32_t)sizeof(struct ctl_vm);
	return CTL_OK;
}

uint16_t ctlop_stats(struct ctl_out *o)
{
	struct ctl_stats s = {
		kst.started, kst.exited_ok, kst.failed, kst.faulted, ended_by_host, kst.reclaimed, kst.live, kst.peak_live,
		kst.switches, kst.hypercalls, frame_free_count(), frame_total_count(), frame_reserved_count(),
		image_live_count(), image_frames, blob.npages, ctl_ct.requests, ctl_ct.errors, ctl_ct.bytes_in,
		ctl_ct.bytes_out, tsc_to_ns(rdtsc() - kst.run_start_tsc),
		kst.summons, kst.held_frames, kst.held_drops, kst.summon_limited, kst.ready_timeouts, kst.reclaim_ended,
		kst.reclaim_saved, kst.woken, kst.forks, kst.fork_refused, kst.pool_grown, kst.pool_shrunk,
	};

	memcpy(o->p, &s, sizeof(s));
	o->len = sizeof(s);
	return CTL_OK;
}

#if CTL_HAVE_VMSTATE
static int save_put(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	return blob_put(p, n);
}

static int restore_get(void *ctx, void *p, size_t n)
{
	uint64_t *pos = ctx;
	uint8_t *d = p;

	if (n > blob.size - *pos)
		return -1;
	while (n) {
		uint64_t in = *pos % PAGE_SIZE, k = PAGE_SIZE - in < n ? PAGE_SIZE - in : n;
		memcpy(d, blob.page[*pos / PAGE_SIZE] + in, k);
		*pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* SAVE's first call: the VM's whole state into the blob (it is not on the CPU: the main loop runs). */
static uint16_t save_begin(uint32_t id, uint32_t flags, struct ctl_out *o)
{
	struct vm *vm = vmtab_get(id);
	const struct vmstate_io io = { NULL, save_put, NULL };
	int e;

	if (!vm)
		return ctl_why(o, CTL_E_NOENT, "no live VM with id %u", id);
	if (blob.kind)
		return ctl_why(o, CTL_E_BUSY, "an upload or a SAVE is in progress");
	blob.kind = CTL_BLOB_VMSTATE;
	blob.saving = true;
	e = vmstate_save(vm, &io);
	if (e != 0) {
		uint64_t got = blob.got;
		blob_free();
		return ctl_why(o, e == -PV_ENOMEM || got >= CTL_BLOB_MAX ? CTL_E_NOMEM : CTL_E_VMSTATE,
			       "saving VM %u failed (%d) after %lu bytes", id, e, (unsigned long)got);
	}
	blob.size = blob.got;
	blob.got = 0;
	if (flags & CTL_SAVE_END)
		vm_end(vm, VM_SAVED, 0, NULL);     /* whole in the blob: it lives on in the VM restored from it */
	return CTL_AGAIN;
}

uint16_t ctlop_save(uint32_t id, uint32_t flags, struct ctl_out *o)
{
	struct ctl_chunk_req c = { blob.got };
	uint64_t n = blob.size - blob.got;

	if (o->first)
		return save_begin(id, flags, o);
	if (n == 0) {
		struct ctl_upload_rep r = { blob.size };
		blob_free();
		memcpy(o->p, &r, sizeof(r));
		o->len = sizeof(r);
		return CTL_OK;
	}
	if (n > CTL_CHUNK_MAX)
		n = CTL_CHUNK_MAX;
	memcpy(o->p, &c, sizeof(c));
	for (uint64_t k = 0; k < n; ) {
		uint64_t in = (blob.got + k) % PAGE_SIZE, m = PAGE_SIZE - in < n - k ? PAGE_SIZE - in : n - k;
		memcpy(o->p + sizeof(c) + k, blob.page[(blob.got + k) / PAGE_SIZE] + in, m);
		k += m;
	}
	blob.got += n;
	o->len = (uint32_t)(sizeof(c) + n);
	o->flags = CTL_F_MORE;
	return CTL_OK;
}

uint16_t ctlop_restore(struct ctl_out *o)
{
	uint64_t pos = 0;
	const struct vmstate_io io = { &pos, NULL, restore_get };
	const char *why = "?";
	struct ctl_vm_req r = { 0, 0 };
	struct vm *vm;
	uint16_t st = blob_ready(CTL_BLOB_VMSTATE, o);

	if (st != CTL_OK)
		return st;
	vm = vmstate_restore(&io, &why);
	blob_free();
	if (!vm)
		return ctl_why(o, CTL_E_VMSTATE, "%s", why);
	r.id = vm->id;
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}
#else
uint16_t ctlop_save(uint32_t id, uint32_t flags, struct ctl_out *o)
{
	(void)flags;
	return ctl_why(o, CTL_E_UNSUPP, "VM %u: this kernel has no VM state support (SAVE)", id);
}

uint16_t ctlop_restore(struct ctl_out *o)
{
	return ctl_why(o, CTL_E_UNSUPP, "this kernel has no VM state support (RESTORE)");
}
#endif
