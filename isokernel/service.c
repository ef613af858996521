/* service.c - the signed tenant ops' acts: tenants admitted and removed, their images (per tenant), services and VMs. */
/* Called by ctl_tenant.c once a request's fields and signature are checked (service.h says which); what depends on
 * the kernel's state (quotas, the object is the signer's, memory) is checked here, then done. A tenant's use is
 * charged by a VM-table observer, so VMs that end on their own give their memory back too. */
#include "service.h"
#include "summon.h"
#include "tenant.h"
#include "image.h"
#include "elf.h"
#include "vm.h"
#include "vmtab.h"
#include "sched.h"
#include "report.h"
#include "slab.h"
#include "tsc.h"
#include "lib.h"
#include "kprintf.h"
#include "sha512.h"
#include "memlayout.h"
#include "cpu.h"

/* A tenant's image: the image and the SHA-512 of the file it was loaded from (its identity for that tenant). */
struct timage {
	struct image img;
	uint8_t sha512[64];
	uint64_t bytes;                 /* frames it holds, in bytes (charged to the tenant's memory) */
	uint16_t tenant;
};

struct service {
	char name[CTL_NAME_MAX];
	uint8_t sha512[64];
	char args[CTL_ARGS_MAX];
	struct timage *ti;
	uint32_t desired, live;
	uint32_t quota_kib, guar_kib;   /* as the request gave them (0: the defaults) */
	uint32_t quota_pages, guar_pages;
	uint32_t next_seq;              /* svc_seq of its next VM */
	uint32_t flags, reclaim_s;      /* CTL_SVC_* and reclaim time as SVC_SET gave them (summon.c) */
	uint16_t tenant;
};

static struct timage *timgs[IMAGE_MAX];   /* by image id */
static struct service *svcs[SVC_MAX];
static struct slab_cache timg_cache, svc_cache;

/* The SVC_SET under way (CTL_AGAIN between passes). */
static struct svc_run {
	uint32_t slot, need, old_desired, first_seq;
	bool fresh, down;               /* made by this request; scaling down (en) */
	struct ctl_svc_rep rep;
} run;

static int obs_created(struct vm *vm, struct pv_start_info *si)
{
	(void)si;
	tenant_charge_vm(vm->tenant, vm->mem.quota_pages * 4u, +1);
	return 0;
}

static void obs_ended(struct vm *vm)
{
	struct tenant *t = vm->tenant ? tenant_get(vm->tenant) : NULL;
	struct service *s = vm->svc && vm->svc <= SVC_MAX ? svcs[vm->svc - 1] : NULL;

	tenant_charge_vm(vm->tenant, vm->mem.quota_pages * 4u, -1);
	if (t)
		t->cpu_ns += tsc_to_ns(vm->cpu_tsc);
	if (s && s->live)
		s->live--;
}

static const struct vmtab_observer observer = { obs_created, obs_ended };

/* " tenant=N svc="name"" on a tenant's VM's @vm / @v record: a host can tell whose output is whose. */
static void owner_fields(const struct vm *vm)
{
	const struct service *s = vm->svc && vm->svc <= SVC_MAX ? svcs[vm->svc - 1] : NULL;

	if (s)
		report_qstr("svc", s->name);
}

void svc_init(void)
{
	slab_init(&timg_cache, "timage", sizeof(struct timage), 16);
	slab_init(&svc_cache, "service", sizeof(struct service), 16);
	vmtab_observe(&observer);
	report_set_vm_owner(owner_fields);
	summon_init();
}

/* "@tenant id=N name=".." op=add|set|del max_vms=.. max_mem_kib=.. cpu_share=.. live_vms=.. mem_kib=.. bytes=..
 * [ended=N end_ns=N end_pass_ns_max=N]" (T_DEL: the VMs it ended, the time that took over all main-loop passes, the
 * longest pass) */
static void report_tenant(uint32_t id, const char *op, uint32_t ended, uint64_t end_ns, uint64_t pass_ns)
{
	const struct tenant *t = tenant_slot(id);

	kprintf("@tenant id=%u", id);
	report_qstr("name", t->name);
	kprintf(" op=%s max_vms=%u max_mem_kib=%lu cpu_share=%u live_vms=%u mem_kib=%lu bytes=%lu", op, t->max_vms,
		t->max_mem_kib, t->cpu_share, t->live_vms, tenant_mem_kib(t), tenant_bytes());
	if (ended || end_ns)
		kprintf(" ended=%u end_ns=%lu end_pass_ns_max=%lu", ended, end_ns, pass_ns);
	kprintf("\n");
}

uint16_t svc_t_add(const struct ctl_tenant_req *q, struct ctl_out *o)
{
	if (tenant_add(q->tenant, q->name, q->pubkey, q->max_vms, q->max_mem_kib, q->cpu_share) != 0)
		return ctl_why(o, CTL_E_EXIST, "tenant %u or a tenant named %s exists", q->tenant, q->name);
	sched_set_share(q->tenant, q->cpu_share);
	report_tenant(q->tenant, "add", 0, 0, 0);
	return CTL_OK;
}

uint16_t svc_t_set(const struct ctl_tenant_req *q, struct ctl_out *o)
{
	if (!tenant_get(q->tenant) || q->tenant == TENANT_OPERATOR)
		return ctl_why(o, CTL_E_NOENT, "no tenant %u", q->tenant);
	tenant_set(q->tenant, q->max_vms, q->max_mem_kib, q->cpu_share);
	sched_set_share(q->tenant, q->cpu_share);
	report_tenant(q->tenant, "set", 0, 0, 0);
	return CTL_OK;
}

typedef bool vm_match(const struct vm *vm, uint32_t a, uint32_t b);

/* End the live VMs for which match(vm, a, b) holds, with reason; how many (in one go: a refused SVC_SET's few). */
static uint32_t end_where(vm_match *match, uint32_t a, uint32_t b, const char *reason)
{
	uint32_t cursor = 0, n = 0;
	struct vm *vm;

	while ((vm = vmtab_next(&cursor)) != NULL)
		if (match(vm, a, b)) {
			ctlop_end_vm(vm, reason);
			n++;
		}
	return n;
}

/* Ending many VMs, SVC_END_STEP per main-loop pass (T_DEL, SVC_DEL, scaling down): one scan of the VM table spread
 * over passes, so running VMs keep their quanta (and a VM still queued costs the run queue a walk to remove). */
static struct ender {
	vm_match *match;
	uint32_t a, b, cursor, ended;
	const char *reason;
	uint64_t tsc, pass_max;         /* time spent ending, and the longest pass */
} en;

static void end_begin(vm_match *match, uint32_t a, uint32_t b, const char *reason)
{
	en = (struct ender){ match, a, b, 0, 0, reason, 0, 0 };
}

/* The next step: true when every matching VM has ended. */
static bool end_step(void)
{
	uint64_t t0 = rdtsc(), dt;
	uint32_t k = 0;
	struct vm *vm = NULL;

	while (k < SVC_END_STEP && (vm = vmtab_next(&en.cursor)) != NULL)
		if (en.match(vm, en.a, en.b)) {
			ctlop_end_vm(vm, en.reason);
			k++;
		}
	en.ended += k;
	dt = rdtsc() - t0;
	en.tsc += dt;
	en.pass_max = dt > en.pass_max ? dt : en.pass_max;
	return vm == NULL;
}

static bool of_tenant(const struct vm *vm, uint32_t tenant, uint32_t unused)
{
	(void)unused;
	return vm->tenant == tenant;
}

/* A VM of service slot made at or after seq `from`. */
static bool of_service_from(const struct vm *vm, uint32_t slot, uint32_t from)
{
	return vm->svc == slot + 1 && vm->svc_seq >= from;
}

static void service_free(uint32_t slot)
{
	struct tenant *t = tenant_get(svcs[slot]->tenant);

	summon_del(slot);               /* its VMs have ended: held frames, saved states, reserved addresses */
	if (t && t->services)
		t->services--;
	slab_free(&svc_cache, svcs[slot]);
	svcs[slot] = NULL;
}

static void timage_free(struct timage *ti)
{
	timgs[ti->img.id] = NULL;
	ctlop_image_added(&ti->img, -1);
	tenant_charge_image(ti->tenant, ti->bytes, -1);
	image_drop(&ti->img);
	slab_free(&timg_cache, ti);
}

uint16_t svc_t_del(uint32_t tenant, struct ctl_out *o)
{
	struct ctl_svc_rep r = { 0, 0, 0, 0, 0, 0 };

	if (o->first && (!tenant_get(tenant) || tenant == TENANT_OPERATOR))
		return ctl_why(o, CTL_E_NOENT, "no tenant %u", tenant);
	if (o->first)
		end_begin(of_tenant, tenant, 0, "tenant removed");
	if (!end_step())
		return CTL_AGAIN;
	for (uint32_t i = 0; i < SVC_MAX; i++)
		if (svcs[i] && svcs[i]->tenant == tenant)
			service_free(i);
	for (uint32_t i = 0; i < IMAGE_MAX; i++)
		if (timgs[i] && timgs[i]->tenant == tenant)
			timage_free(timgs[i]);
	report_tenant(tenant, "del", en.ended, tsc_to_ns(en.tsc), tsc_to_ns(en.pass_max));
	tenant_del(tenant);
	sched_set_share(tenant, 0);
	r.ended = en.ended;
	memcpy(o->p, &r, sizeof(r));
	o->len = sizeof(r);
	return CTL_OK;
}

static struct timage *timage_find(uint32_t tenant, const uint8_t sha[64])
{
	for (uint32_t i = 0; i < IMAGE_MAX; i++)
		if (timgs[i] && timgs[i]->tenant == tenant && memcmp(timgs[i]->sha512, sha, 64) == 0)
			return timgs[i];
	return NULL;
}

/* SHA-512 of the upload, page by page (no copy). */
static void hash_src(const struct elf_src *src, uint8_t out[64])
{
	struct sha512_ctx c;

	sha512_init(&c);
	for (uint64_t off = 0; off < src->size; off += PAGE_SIZE)
		sha512_update(&c, src->pages[off / PAGE_SIZE], src->size - off < PAGE_SIZE ? src->size - off : PAGE_SIZE);
	sha512_final(&c, out);
}

static uint16_t image_reply(const struct timage *ti, struct ctl_out *o)
{
	ctlop_image_entry(&ti->img, (struct ctl_image *)(void *)o->p);
	o->len = sizeof(struct ctl_image);
	return CTL_OK;
}

static void report_timage(const struct timage *ti)
{
	kprintf("@image");
	report_qstr("name", ti->img.name);
	kprintf(" count=0 text_pages=%u data_pages=%u bss_pages=%u shared_bytes=%llu tenant=%u id=%u kernel_bytes=%lu\n",
		ti->img.text_pages, ti->img.data_pages, ti->img.bss_pages, (uint64_t)ti->img.shared_pages * PAGE_SIZE,
		ti->tenant, ti->img.id, (uint64_t)(PAGE_SIZE / slab_objs_per_page(&timg_cache)));
}

/* Load the checked upload as signer's image (the upload is dropped either way). */
static uint16_t timage_load(uint32_t signer, const struct ctl_tload_req *q, const struct elf_src *src,
			    const uint8_t sha[64], struct ctl_out *o)
{
	static char why[160];
	struct tenant *t = tenant_get(signer);
	struct timage *ti = image_live_count() < IMAGE_MAX ? slab_alloc(&timg_cache) : NULL;
	uint64_t bytes;

	if (!ti)
		return ctlop_blob_drop(), image_live_count() < IMAGE_MAX ? ctl_why(o, CTL_E_NOMEM, "no memory for an image")
			: ctl_why(o, CTL_E_LIMIT, "%u images are loaded: no more", IMAGE_MAX);
	if (image_load_src(&ti->img, q->name, src, why, sizeof(why)) != 0) {
		slab_free(&timg_cache, ti);
		ctlop_blob_drop();
		return ctl_why(o, CTL_E_IMAGE, "%s", why);
	}
	ctlop_blob_drop();
	bytes = image_frames_of(&ti->img) * PAGE_SIZE;
	if (!tenant_fits(t, 0, (bytes + 1023) / 1024) || image_table_add(&ti->img) < 0) {
		bool quota = !tenant_fits(t, 0, (bytes + 1023) / 1024);
		image_drop(&ti->img);
		slab_free(&timg_cache, ti);
		return quota ? ctl_why(o, CTL_E_QUOTA, "the image holds %lu KiB: with %lu KiB charged, over the memory "
				       "quota of %lu KiB", (bytes + 1023) / 1024, tenant_mem_kib(t), t->max_mem_kib)
			     : ctl_why(o, CTL_E_LIMIT, "%u images are loaded: no more", IMAGE_MAX);
	}
	memcpy(ti->sha512, sha, 64);
	ti->tenant = (uint16_t)signer;
	ti->bytes = bytes;
	timgs[ti->img.id] = ti;
	tenant_charge_image(signer, bytes, +1);
	ctlop_image_added(&ti->img, +1);
	report_timage(ti);
	return image_reply(ti, o);
}

uint16_t svc_t_load(uint32_t signer, const struct ctl_tload_req *q, struct ctl_out *o)
{
	struct elf_src src;
	char name[CTL_NAME_MAX];
	uint8_t sha[64];
	const struct timage *have;
	uint16_t st = ctlop_image_blob(&src, name, o);

	if (st != CTL_OK)
		return st;
	if (src.size > CTL_IMAGE_MAX_TENANT) {
		ctlop_blob_drop();
		return ctl_why(o, CTL_E_QUOTA, "image of %lu bytes: a tenant's image is at most %u bytes",
			       (unsigned long)src.size, CTL_IMAGE_MAX_TENANT);
	}
	hash_src(&src, sha);
	if (memcmp(sha, q->sha512, 64) != 0) {
		ctlop_blob_drop();
		return ctl_why(o, CTL_E_ARG, "the upload's SHA-512 is not the one signed: upload dropped");
	}
	have = timage_find(signer, sha);
	if (have) {
		ctlop_blob_drop();
		return image_reply(have, o);      /* the same bytes again: the image it has */
	}
	if (tenant_get(signer)->images >= IMG_PER_TENANT) {
		ctlop_blob_drop();
		return ctl_why(o, CTL_E_LIMIT, "a tenant has at most %u images", IMG_PER_TENANT);
	}
	return timage_load(signer, q, &src, sha, o);
}

static int service_find(uint32_t tenant, const char *name)
{
	for (uint32_t i = 0; i < SVC_MAX; i++)
		if (svcs[i] && svcs[i]->tenant == tenant && strcmp(svcs[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static bool service_same(const struct service *s, const struct ctl_svc_req *q)
{
	return memcmp(s->sha512, q->image_sha512, 64) == 0 && strcmp(s->args, q->args) == 0 &&
	       s->quota_kib == q->quota_kib && s->guar_kib == q->guar_kib && s->flags == q->flags &&
	       s->reclaim_s == q->reclaim_s;
}

/* A new service of signer (desired 0) in *slot: CTL_OK, or E_LIMIT / E_NOMEM (reason written). */
static uint16_t service_new(uint32_t signer, const struct ctl_svc_req *q, struct timage *ti, uint32_t qp, uint32_t gp,
			    int *slotp, struct ctl_out *o)
{
	struct tenant *t = tenant_get(signer);
	uint32_t slot = 0;
	struct service *s;

	while (slot < SVC_MAX && svcs[slot])
		slot++;
	if (t->services >= SVC_PER_TENANT || slot == SVC_MAX)
		return ctl_why(o, CTL_E_LIMIT, "%s", slot == SVC_MAX ? "the kernel's service table is full"
			       : "a tenant has at most 254 services");
	if (!(s = slab_alloc(&svc_cache)))
		return ctl_why(o, CTL_E_NOMEM, "no memory for a service");
	memcpy(s->name, q->name, sizeof(s->name));
	memcpy(s->sha512, q->image_sha512, 64);
	memcpy(s->args, q->args, sizeof(s->args));
	s->ti = ti;
	s->quota_kib = q->quota_kib;
	s->guar_kib = q->guar_kib;
	s->quota_pages = qp;
	s->guar_pages = gp;
	s->flags = q->flags;
	s->reclaim_s = q->reclaim_s;
	s->tenant = (uint16_t)signer;
	svcs[slot] = s;
	t->services++;
	*slotp = (int)slot;
	return CTL_OK;
}

static uint16_t svc_reply(const struct service *s, uint16_t st, struct ctl_out *o)
{
	run.rep.live = s ? s->live : 0;
	run.rep.desired = s ? s->desired : 0;
	memcpy(o->p, &run.rep, sizeof(run.rep));
	o->len = sizeof(run.rep);
	return st;
}

/* Histogram of the seqs in [lo, lo + width) of service slot's live VMs, in buckets of bw. */
static void seq_histogram(uint32_t slot, uint32_t lo, uint32_t width, uint32_t bw, uint32_t *hist)
{
	uint32_t cursor = 0;
	const struct vm *vm;

	while ((vm = vmtab_next(&cursor)) != NULL)
		if (vm->svc == slot + 1 && vm->svc_seq >= lo && vm->svc_seq - lo < width)
			hist[(vm->svc_seq - lo) / bw]++;
}

/* The seq T with exactly k of service slot's live VMs at or above it (it has more than k): a radix select, one scan
 * of the VM table per 1,024-way step (2 for up to a million seqs), no list of a service's VMs kept. */
static uint32_t seq_threshold(uint32_t slot, uint32_t k)
{
	static uint32_t hist[1024];
	uint32_t lo = 0, width = svcs[slot]->next_seq, above = 0;     /* count(seq >= lo + width) = above <= k */

	while (width > 1) {
		uint32_t bw = width / 1024 + (width % 1024 != 0), b = (width - 1) / bw + 1;
		memset(hist, 0, sizeof(hist));
		seq_histogram(slot, lo, width, bw, hist);
		while (b-- > 0 && above + hist[b] <= k)
			above += hist[b];
		if (b == UINT32_MAX)
			return lo;                       /* k is all of them (only on the first step) */
		width = width - b * bw < bw ? width - b * bw : bw;
		lo += b * bw;
	}
	return lo + 1;
}

/* Begin ending the k newest VMs of service slot (it has k or more). */
static void scale_down(uint32_t slot, uint32_t k)
{
	end_begin(of_service_from, slot, seq_threshold(slot, k), "scaled down");
}

/* A refused SVC_SET leaves nothing: its VMs end, the service is as it was (gone, if the request made it). */
static uint16_t svc_rollback(uint16_t st)
{
	end_where(of_service_from, run.slot, run.first_seq, "SVC_SET refused: all or nothing");
	svcs[run.slot]->desired = run.old_desired;
	if (run.fresh)
		service_free(run.slot);
	return st;
}

/* A VM of service slot: made, counted, queued (NULL when the table or memory is full). */
static struct vm *spawn(struct service *s, uint32_t slot)
{
	uint64_t t0 = rdtsc();
	struct vm *vm = vmtab_count() >= vmtab_cap() ? NULL
			: vm_create(&s->ti->img, s->args, s->quota_pages, s->guar_pages, s->tenant);

	if (!vm)
		return NULL;
	vm->svc = (uint16_t)(slot + 1);
	vm->svc_seq = s->next_seq++;
	kprintf("@tvm id=%u tenant=%u", vm->id, s->tenant);      /* whose it is, before its first output */
	report_qstr("svc", s->name);
	kprintf("\n");
	s->live++;
	s->ti->img.instances++;
	sched_enqueue(vm);
	kst.create_tsc += rdtsc() - t0;
	return vm;
}

bool svc_room(uint32_t slot)
{
	const struct service *s = slot < SVC_MAX ? svcs[slot] : NULL;
	const struct tenant *t = s ? tenant_get(s->tenant) : NULL;

	return t && tenant_fits(t, 1, (uint64_t)s->quota_pages * 4);
}

struct vm *svc_spawn(uint32_t slot)
{
	return svc_room(slot) ? spawn(svcs[slot], slot) : NULL;
}

void svc_adopt(struct vm *vm)
{
	struct service *s = vm->svc && vm->svc <= SVC_MAX ? svcs[vm->svc - 1] : NULL;

	if (s) {
		vm->svc_seq = s->next_seq++;
		s->live++;
	}
}

static uint16_t make_one(struct service *s, struct ctl_out *o)
{
	bool full = vmtab_count() >= vmtab_cap();
	struct vm *vm = spawn(s, run.slot);

	if (!vm)
		return full ? ctl_why(o, CTL_E_LIMIT, "MAX_VMS (%u) VMs are live: none made", vmtab_cap())
			    : ctl_why(o, CTL_E_NOMEM, "out of memory for another VM and its %u KiB guarantee: none made",
				      s->guar_pages * 4);
	run.rep.first_id = run.rep.created ? run.rep.first_id : vm->id;
	run.rep.last_id = vm->id;
	run.rep.created++;
	return CTL_OK;
}

static uint16_t svc_set_step(struct ctl_out *o)
{
	struct service *s = svcs[run.slot];

	if (run.down) {
		if (!end_step())
			return CTL_AGAIN;
		run.rep.ended = en.ended;
		return svc_reply(s, CTL_OK, o);
	}
	for (uint32_t k = 0; k < SVC_CREATE_STEP && run.rep.created < run.need; k++) {
		uint16_t st = make_one(s, o);
		if (st != CTL_OK)
			return svc_rollback(st);
	}
	return run.rep.created < run.need ? CTL_AGAIN : svc_reply(s, CTL_OK, o);
}

/* The checks before anything is made: image, same service, quotas, table room. */
static uint16_t svc_set_check(uint32_t signer, const struct ctl_svc_req *q, int slot, uint32_t qp, uint32_t gp,
			      struct ctl_out *o)
{
	const struct tenant *t = tenant_get(signer);
	uint32_t live = slot >= 0 ? svcs[slot]->live : 0, need = q->count > live ? q->count - live : 0;

	if (gp > qp)
		return ctl_why(o, CTL_E_ARG, "guarantee %u KiB beyond the quota %u KiB", gp * 4, qp * 4);
	if (slot >= 0 && !service_same(svcs[slot], q))
		return ctl_why(o, CTL_E_EXIST, "service %s runs another image, arguments or memory (SVC_DEL it first)",
			       q->name);
	if (need && !tenant_fits(t, need, (uint64_t)need * qp * 4))
		return ctl_why(o, CTL_E_QUOTA, "%u more VMs of %u KiB: the tenant has %u of %u VMs and %lu of %lu KiB: "
			       "none made", need, qp * 4, t->live_vms, t->max_vms, tenant_mem_kib(t), t->max_mem_kib);
	if (need > vmtab_cap() - vmtab_count())
		return ctl_why(o, CTL_E_LIMIT, "%u more VMs: the kernel has room for %u: none made", need,
			       vmtab_cap() - vmtab_count());
	return CTL_OK;
}

/* A summoned service (summon.c): registered with its count of dormant instances, no VM made now. Its settings are
 * fixed once made (another SVC_SET with them all the same is answered as done; else E_EXIST). */
static uint16_t svc_set_summoned(uint32_t signer, const struct ctl_svc_req *q, struct timage *ti, int slot,
				 uint32_t qp, uint32_t gp, struct ctl_out *o)
{
	uint16_t st;

	if (gp > qp)
		return ctl_why(o, CTL_E_ARG, "guarantee %u KiB beyond the quota %u KiB", gp * 4, qp * 4);
	if (slot >= 0)
		return service_same(svcs[slot], q) && svcs[slot]->desired == q->count ? svc_reply(svcs[slot], CTL_OK, o)
			: ctl_why(o, CTL_E_EXIST, "service %s has other settings (SVC_DEL it first)", q->name);
	if ((st = service_new(signer, q, ti, qp, gp, &slot, o)) != CTL_OK)
		return st;
	if ((st = summon_add((uint32_t)slot, (uint16_t)signer, q, o)) != CTL_OK) {
		service_free((uint32_t)slot);
		return st;
	}
	svcs[slot]->desired = q->count;
	return svc_reply(svcs[slot], CTL_OK, o);
}

uint16_t svc_set(uint32_t signer, const struct ctl_svc_req *q, struct ctl_out *o)
{
	struct timage *ti;
	int slot;
	uint32_t qp, gp;
	uint16_t st;

	if (!o->first)
		return svc_set_step(o);
	memset(&run, 0, sizeof(run));
	ti = timage_find(signer, q->image_sha512);
	slot = service_find(signer, q->name);
	if (!ti)
		return ctl_why(o, CTL_E_NOENT, "no image of yours with that SHA-512 (T_LOAD it first)");
	ctlop_mem_pages(q->quota_kib, q->guar_kib, &qp, &gp);
	if (q->flags & CTL_SVC_SUMMON)
		return svc_set_summoned(signer, q, ti, slot, qp, gp, o);
	if (slot >= 0 && (svcs[slot]->flags & CTL_SVC_SUMMON))
		return ctl_why(o, CTL_E_EXIST, "service %s is summoned (SVC_DEL it first)", q->name);
	if ((st = svc_set_check(signer, q, slot, qp, gp, o)) != CTL_OK)
		return st;
	run.fresh = slot < 0;
	if (slot < 0 && (st = service_new(signer, q, ti, qp, gp, &slot, o)) != CTL_OK)
		return st;
	run.slot = (uint32_t)slot;
	run.old_desired = svcs[slot]->desired;
	run.first_seq = svcs[slot]->next_seq;
	run.need = q->count > svcs[slot]->live ? q->count - svcs[slot]->live : 0;
	svcs[slot]->desired = q->count;
	if (q->count < svcs[slot]->live) {
		run.down = true;
		scale_down(run.slot, svcs[slot]->live - q->count);
	}
	return svc_set_step(o);
}

uint16_t svc_del(uint32_t signer, const char *name, struct ctl_out *o)
{
	int slot = service_find(signer, name);

	if (o->first) {
		memset(&run, 0, sizeof(run));
		if (slot < 0)
			return ctl_why(o, CTL_E_NOENT, "no service of yours named %s", name);
		end_begin(of_service_from, (uint32_t)slot, 0, "service deleted");
	}
	if (!end_step())
		return CTL_AGAIN;
	run.rep.ended = en.ended;
	service_free((uint32_t)slot);
	return svc_reply(NULL, CTL_OK, o);
}

static void svc_entry(uint32_t slot, const struct service *s, struct ctl_svc *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->name, s->name, sizeof(e->name));
	memcpy(e->image_sha512, s->sha512, 64);
	e->image = s->ti->img.id;
	e->desired = s->desired;
	e->live = s->live;
	e->quota_kib = s->quota_kib;
	e->guar_kib = s->guar_kib;
	e->flags = s->flags;
	e->reclaim_s = s->reclaim_s;
	summon_entry(slot, e);
	memcpy(e->args, s->args, sizeof(e->args));
}

/* The first slot at or after i holding a service of tenant, or SVC_MAX. */
static uint32_t next_of(uint32_t tenant, uint32_t i)
{
	while (i < SVC_MAX && !(svcs[i] && svcs[i]->tenant == tenant))
		i++;
	return i;
}

uint16_t svc_list(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o)
{
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - sizeof(r)) / sizeof(struct ctl_svc), i;

	if (q->max && q->max < max)
		max = q->max;
	for (i = next_of(signer, q->start); i < SVC_MAX && r.count < max; i = next_of(signer, i + 1))
		svc_entry(i, svcs[i], (struct ctl_svc *)(void *)(o->p + sizeof(r)) + r.count++);
	if (i < SVC_MAX)
		r.next = i;
	memcpy(o->p, &r, sizeof(r));
	o->len = (uint32_t)sizeof(r) + r.count * (uint32_t)sizeof(struct ctl_svc);
	return CTL_OK;
}

/* The next live VM of tenant at or after *cursor. */
static struct vm *next_vm_of(uint32_t tenant, uint32_t *cursor)
{
	struct vm *vm;

	while ((vm = vmtab_next(cursor)) != NULL && vm->tenant != tenant)
		;
	return vm;
}

uint16_t svc_vms(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o)
{
	static uint8_t pos[SVC_MAX];      /* a service's place in SVCS order + 1 */
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - sizeof(r)) / sizeof(struct ctl_vm), cursor = q->start, at, k = 0;
	const struct vm *vm = NULL;

	for (uint32_t i = 0; i < SVC_MAX; i++)
		pos[i] = svcs[i] && svcs[i]->tenant == signer ? (uint8_t)++k : 0;
	if (q->max && q->max < max)
		max = q->max;
	while (r.count < max && (vm = next_vm_of(signer, &cursor)) != NULL) {
		struct ctl_vm *e = (struct ctl_vm *)(void *)(o->p + sizeof(r)) + r.count++;
		ctlop_vm_entry(vm, e);
		e->reserved[0] = vm->svc && vm->svc <= SVC_MAX ? pos[vm->svc - 1] : 0;
	}
	at = cursor;
	if (vm && next_vm_of(signer, &at))
		r.next = cursor;
	memcpy(o->p, &r, sizeof(r));
	o->len = (uint32_t)sizeof(r) + r.count * (uint32_t)sizeof(struct ctl_vm);
	return CTL_OK;
}

uint16_t svc_vm_destroy(uint32_t signer, uint32_t id, struct ctl_out *o)
{
	struct vm *vm = vmtab_get(id);

	if (!vm || vm->tenant != signer)
		return ctl_why(o, CTL_E_NOENT, "no live VM of yours with id %u", id);
	ctlop_end_vm(vm, "destroyed by its tenant");
	return CTL_OK;
}

uint16_t svc_vm_save(uint32_t signer, uint32_t id, uint32_t flags, struct ctl_out *o)
{
	const struct vm *vm = o->first ? vmtab_get(id) : NULL;

	if (o->first && (!vm || vm->tenant != signer))
		return ctl_why(o, CTL_E_NOENT, "no live VM of yours with id %u", id);
	return ctlop_save(id, flags, o);
}

uint16_t svc_tenants(const struct ctl_page_req *q, struct ctl_out *o)
{
	static uint64_t cpu[CTL_TENANT_MAX + 1];
	struct ctl_page_rep r = { 0, CTL_LIST_END };
	uint32_t max = (o->cap - sizeof(r)) / sizeof(struct ctl_tenant_info), cursor = q->start ? q->start : 1, at;
	uint32_t vc = 0;
	const struct vm *vm;
	const struct tenant *t = NULL;

	memset(cpu, 0, sizeof(cpu));
	while ((vm = vmtab_next(&vc)) != NULL)
		if (vm->tenant <= CTL_TENANT_MAX)
			cpu[vm->tenant] += tsc_to_ns(vm->cpu_tsc);
	if (q->max && q->max < max)
		max = q->max;
	while (r.count < max && (t = tenant_next(&cursor)) != NULL) {
		uint32_t id = (uint32_t)(t - tenant_slot(0));
		tenant_info(id, cpu[id], (struct ctl_tenant_info *)(void *)(o->p + sizeof(r)) + r.count++);
	}
	at = cursor;
	if (t && tenant_next(&at))
		r.next = cursor;
	memcpy(o->p, &r, sizeof(r));
	o->len = (uint32_t)sizeof(r) + r.count * (uint32_t)sizeof(struct ctl_tenant_info);
	return CTL_OK;
}

void svc_vm_forked(const struct vm *parent, struct vm *child)
{
	struct service *s = parent->svc && parent->svc <= SVC_MAX ? svcs[parent->svc - 1] : NULL;

	if (!s || s->tenant != child->tenant)
		return;
	child->svc = parent->svc;
	child->svc_seq = s->next_seq++;
	s->live++;
	kprintf("@tvm id=%u tenant=%u", child->id, s->tenant);
	report_qstr("svc", s->name);
	kprintf("\n");
}
