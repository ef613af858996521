/* vmspace_state.c - the memory part of a VM's saved state (VMST_MEM): image by name and checksum, private pages. */
#include "vmspace.h"
#include "vmst_io.h"
#include "image.h"
#include "lib.h"

static uint32_t mapped_pages(const struct vmspace *s)
{
	struct vms_page pg;
	uint64_t va = PV_WIN_BASE;
	uint32_t n = 0;

	while (vms_page_next(s, &va, &pg))
		n++;
	return n;
}

static const uint32_t kind_of[] = { [PAGE_SHARED] = VMST_PAGE_SHARED, [PAGE_COW] = VMST_PAGE_COW,
				    [PAGE_PRIVATE] = VMST_PAGE_PRIVATE };

int vms_state_save(const struct vmspace *s, const struct vmstate_io *out)
{
	struct vmst_mem m = { .image_sum = s->img->sum, .quota_pages = s->quota_pages, .guar_pages = s->guar_pages,
			      .npages = mapped_pages(s) };
	struct vms_page pg;
	uint64_t va = PV_WIN_BASE;

	strlcpy(m.image, s->img->name, sizeof(m.image));
	if (vmst_put(out, &m, sizeof(m)) != 0)
		return -1;
	while (vms_page_next(s, &va, &pg)) {
		if (pg.vm_memory)
			pg.kind = PAGE_PRIVATE;    /* shared with a fork's other VMs: its bytes are the VM's own */
		struct vmst_page r = { .va = pg.va, .kind = kind_of[pg.kind] };
		if (vmst_put(out, &r, sizeof(r)) != 0)
			return -1;
		if (pg.kind == PAGE_PRIVATE && vmst_put(out, pg.data, PV_PAGE_SIZE) != 0)
			return -1;
	}
	return 0;
}

static bool terminated(const char *s, size_t n)
{
	while (n--)
		if (!*s++)
			return true;
	return false;
}

/* The image the header names, checked; NULL with why set. */
static const struct image *mem_image(const struct vmst_mem *m, const char **why)
{
	const struct image *img;

	if (!terminated(m->image, sizeof(m->image)) || m->reserved)
		return *why = "memory: bad header", NULL;
	if (!(img = image_find(m->image, m->image_sum)))
		return *why = "memory: no loaded image has this name and content", NULL;
	if (m->guar_pages < 1 || m->guar_pages > m->quota_pages || m->quota_pages > WIN_PAGES)
		return *why = "memory: quota or guarantee out of range", NULL;
	if (m->npages > WIN_PAGES)
		return *why = "memory: more pages than the window holds", NULL;
	return img;
}

/* May a page record of this kind be at r->va? The image's own pages are listed as the image maps them, or as
 * private in place of a copy-on-write one; other private pages only where the VM could have made them. */
static const char *page_wrong(const struct vmspace *s, const struct vmst_page *r)
{
	enum page_kind ik;

	if (r->va < PV_WIN_BASE || r->va >= PV_WIN_END || (r->va & (PV_PAGE_SIZE - 1)) || r->reserved)
		return "memory: a page address outside the window or not page aligned";
	ik = vms_image_kind(s->img, r->va);
	if (r->kind == VMST_PAGE_SHARED)
		return ik == PAGE_SHARED ? NULL : "memory: a shared page the image does not have";
	if (r->kind == VMST_PAGE_COW)
		return ik == PAGE_COW ? NULL : "memory: a copy-on-write page the image does not have";
	if (r->kind != VMST_PAGE_PRIVATE)
		return "memory: unknown page kind";
	if (ik == PAGE_COW || (ik == PAGE_NONE && vms_may_create(s, r->va)) || r->va == PV_START_PAGE)
		return NULL;
	return "memory: a private page where the VM could not have one";
}

/* One page record (and its bytes) into s. */
static int restore_page(struct vmspace *s, struct vmst_in *in, uint64_t seen[WIN_PAGES / 64], const char **why)
{
	struct vmst_page r;
	enum vms_err e;
	uint32_t i;
	void *p;

	if (vmst_get(in, &r, sizeof(r)) != 0)
		return *why = "memory: truncated", -1;
	if ((*why = page_wrong(s, &r)) != NULL)
		return -1;
	i = (uint32_t)((r.va - PV_WIN_BASE) / PV_PAGE_SIZE);
	if (seen[i / 64] >> (i % 64) & 1)
		return *why = "memory: a page listed twice", -1;
	seen[i / 64] |= 1ull << (i % 64);
	if (r.kind != VMST_PAGE_PRIVATE)
		return 0;
	if (!(p = vms_page_private(s, r.va, &e)))
		return *why = e == VMS_QUOTA ? "memory: more private pages than the quota" : "memory: out of memory", -1;
	if (vmst_get(in, p, PV_PAGE_SIZE) != 0)
		return *why = "memory: truncated", -1;
	return 0;
}

/* Every page the image maps, and the start page, listed? */
static const char *pages_missing(const struct vmspace *s, const uint64_t seen[WIN_PAGES / 64])
{
	for (uint32_t i = 0; i < WIN_PAGES; i++) {
		uint64_t va = PV_WIN_BASE + (uint64_t)i * PV_PAGE_SIZE;
		bool listed = seen[i / 64] >> (i % 64) & 1;
		if (!listed && (vms_image_kind(s->img, va) != PAGE_NONE || va == PV_START_PAGE))
			return "memory: a page of the image or the start page is missing";
	}
	return NULL;
}

int vms_state_restore(struct vmspace *s, struct vmst_in *in, const char **why)
{
	uint64_t seen[WIN_PAGES / 64] = { 0 };
	const struct image *img;
	struct vmst_mem m;

	if (vmst_get(in, &m, sizeof(m)) != 0)
		return *why = "memory: truncated", -1;
	if (!(img = mem_image(&m, why)))
		return -1;
	if (vms_create(s, img, m.quota_pages, m.guar_pages) != 0)
		return *why = "memory: out of memory for the VM and its guarantee", -1;
	for (uint32_t k = 0; k < m.npages; k++)
		if (restore_page(s, in, seen, why) != 0) {
			vms_destroy(s);
			return -1;
		}
	if ((*why = pages_missing(s, seen)) != NULL) {
		vms_destroy(s);
		return -1;
	}
	return 0;
}
