/* vmspace.c - per-VM address spaces: one PT page for the window, shared text, COW data, demand-zero pages. */
/* Pages are handled by kind (page.h; the PTE encoding is arch pte.h's); VM memory frames are reference counted
 * (frame.h), so one frame can back several VMs' copy-on-write mappings. */
#include "hot.h"
#include "vmspace.h"
#include "image.h"
#include "frame.h"
#include "lib.h"
#include "memlayout.h"
#include "pte.h"
#include "arch.h"

static uint64_t *pt_of(const struct vmspace *s)
{
	return (uint64_t *)P2V(s->pt_phys);
}

static bool in_window(uint64_t va)
{
	return va >= PV_WIN_BASE && va < PV_WIN_END;
}

static uint32_t pidx(uint64_t va)
{
	return (uint32_t)((va - PV_WIN_BASE) / PV_PAGE_SIZE);
}

bool (*vms_reclaim)(const struct vmspace *needy);

int vms_create(struct vmspace *s, const struct image *img, uint32_t quota_pages, uint32_t guar_pages)
{
	uint64_t pt, start;

	if (guar_pages < 1 || guar_pages > quota_pages || frame_reserve(guar_pages) != 0)
		return -1;
	if (!(pt = frame_alloc())) {
		frame_unreserve(guar_pages);
		return -1;
	}
	frame_set_kind(pt, FRAME_PT);
	start = frame_alloc_reserved();
	frame_set_kind(start, FRAME_VM);
	memset(P2V(start), 0, PV_PAGE_SIZE);
	memcpy(P2V(pt), img->pte, PV_PAGE_SIZE);
	((uint64_t *)P2V(pt))[pidx(PV_START_PAGE)] = arch_pte_make(start, PAGE_PRIVATE, false);
	s->pt_phys = pt;
	s->img = img;
	s->priv_pages = 1;
	s->quota_pages = (uint16_t)quota_pages;
	s->guar_pages = (uint16_t)guar_pages;
	s->resv_left = (uint16_t)(guar_pages - 1);
	s->pinned_bufs = 0;
	/* The heap ends at the guard page below the stack, or earlier when the quota is smaller:
	 * data pages, the full stack and the start page must still fit. */
	uint64_t heap_max = VMS_STACK_LIMIT - PV_PAGE_SIZE;
	uint64_t reserved = img->data_pages + img->bss_pages + (uint64_t)VM_STACK_KIB * 1024 / PV_PAGE_SIZE;
	uint64_t heap_pages = quota_pages > reserved ? quota_pages - reserved : 0;
	if (vms_heap_start(s) + heap_pages * PV_PAGE_SIZE < heap_max)
		heap_max = vms_heap_start(s) + heap_pages * PV_PAGE_SIZE;
	s->heap_end = (uint32_t)heap_max;
	return 0;
}

/* Does the page (of kind k, frame pa) hold a reference on its frame? Private pages always; copy-on-write ones when
 * the frame is VM memory (not an image's); shared ones never. */
static bool holds_ref(enum page_kind k, uint64_t pa)
{
	return k == PAGE_PRIVATE || (k == PAGE_COW && frame_kind(pa) == FRAME_VM);
}

int vms_clone(struct vmspace *c, struct vmspace *p, uint32_t guar_pages)
{
	uint64_t pt, *src = pt_of(p), *dst;

	if (guar_pages > p->quota_pages || frame_reserve(guar_pages) != 0)
		return -1;
	if (!(pt = frame_alloc())) {
		frame_unreserve(guar_pages);
		return -1;
	}
	frame_set_kind(pt, FRAME_PT);
	dst = P2V(pt);
	for (uint32_t i = 0; i < WIN_PAGES; i++) {
		uint64_t e = src[i];
		enum page_kind k = arch_pte_kind(e);
		if (k == PAGE_PRIVATE) {
			e = src[i] = arch_pte_rekind(e, PAGE_COW);     /* the parent writes its own copy from now on */
			arch_flush_page(PV_WIN_BASE + (uint64_t)i * PV_PAGE_SIZE);
		}
		if (holds_ref(k, arch_pte_frame(e)))
			frame_get(arch_pte_frame(e));
		dst[i] = e;
	}
	*c = *p;
	c->pt_phys = pt;
	c->guar_pages = (uint16_t)guar_pages;
	c->resv_left = (uint16_t)guar_pages;
	c->pinned_bufs = 0;
	return 0;
}

void vms_destroy(struct vmspace *s)
{
	uint64_t *pt = pt_of(s);

	for (uint32_t i = 0; i < WIN_PAGES; i++) {
		enum page_kind k = arch_pte_kind(pt[i]);
		if (k != PAGE_NONE && k != PAGE_SHARED && holds_ref(k, arch_pte_frame(pt[i])))
			frame_put(arch_pte_frame(pt[i]));
	}
	frame_free(s->pt_phys);
	frame_unreserve(s->resv_left);        /* what the guarantee had not used yet */
	s->pt_phys = 0;
	s->priv_pages = 0;
	s->resv_left = 0;
}

void *vms_start_page(const struct vmspace *s)
{
	return P2V(arch_pte_frame(pt_of(s)[pidx(PV_START_PAGE)]));
}

enum page_kind vms_page_kind(const struct vmspace *s, uint64_t va)
{
	return in_window(va) ? arch_pte_kind(pt_of(s)[pidx(va)]) : PAGE_NONE;
}

/* May a not-present page at va be created on demand, and if not, why? */
static enum vms_err dz_allowed(const struct vmspace *s, uint64_t va)
{
	if (va >= VMS_STACK_LIMIT)
		return VMS_OK;                                   /* stack */
	if (va >= vms_heap_start(s) && va < s->heap_end)
		return VMS_OK;                                   /* heap */
	if (va < s->img->end && image_is_dz(s->img, pidx(va)))
		return VMS_OK;                                   /* bss */
	if (va >= s->heap_end)
		return VMS_GUARD;                                /* between heap end and stack limit */
	return VMS_UNMAPPED;
}

/* A frame for the VM's next private page: from its reservation while within its guarantee, else an unreserved one;
 * when none is left, the VM furthest beyond its guarantee pays (vms_reclaim) and it is tried again. 0 if none. */
static uint64_t priv_frame(struct vmspace *s)
{
	uint64_t pa;

	if (s->resv_left) {
		s->resv_left--;
		pa = frame_alloc_reserved();
	} else {
		while (!(pa = frame_alloc()))
			if (!vms_reclaim || !vms_reclaim(s))
				return 0;
	}
	frame_set_kind(pa, FRAME_VM);
	return pa;
}

/* Map a new private frame at va, zeroed or filled from copy_from. 0 if no frame could be had. */
static uint64_t map_private(struct vmspace *s, uint64_t va, const void *copy_from)
{
	uint64_t pa = priv_frame(s);

	if (!pa)
		return 0;
	if (copy_from)
		memcpy(P2V(pa), copy_from, PV_PAGE_SIZE);
	else
		memset(P2V(pa), 0, PV_PAGE_SIZE);
	pt_of(s)[pidx(va)] = arch_pte_make(pa, PAGE_PRIVATE, false);
	return pa;
}

/* A new private page for the VM, zeroed (or filled from copy_from), counted against the quota (with its pinned
 * frames, half a page each). */
static enum vms_err priv_page(struct vmspace *s, uint64_t va, const void *copy_from)
{
	if (s->priv_pages + (s->pinned_bufs + 1u) / 2 >= s->quota_pages)
		return VMS_QUOTA;
	if (!map_private(s, va, copy_from))
		return VMS_NOMEM;
	s->priv_pages++;
	return VMS_OK;
}

/* A write to a copy-on-write page. An image's page: a private copy, counted against the quota. VM memory (already
 * counted): the frame itself when this VM is its last owner, else a copy, and one reference fewer on the shared one. */
static enum vms_err cow_break(struct vmspace *s, uint64_t va, uint64_t pte)
{
	uint64_t pa = arch_pte_frame(pte);

	if (frame_kind(pa) != FRAME_VM)
		return priv_page(s, va, P2V(pa));
	if (frame_refs(pa) > 1) {
		if (!map_private(s, va, P2V(pa)))
			return VMS_NOMEM;
		frame_put(pa);
		return VMS_OK;
	}
	pt_of(s)[pidx(va)] = arch_pte_rekind(pte, PAGE_PRIVATE);
	return VMS_OK;
}

enum vms_err vms_fault(struct vmspace *s, uint64_t va, bool write, bool exec, bool *changed)
{
	*changed = false;
	if (!in_window(va))
		return VMS_OUTSIDE;
	va &= ~(uint64_t)(PV_PAGE_SIZE - 1);
	uint64_t pte = pt_of(s)[pidx(va)];
	enum page_kind k = arch_pte_kind(pte);
	if (k == PAGE_NONE) {
		enum vms_err e = dz_allowed(s, va);
		if (e == VMS_OK)
			e = priv_page(s, va, NULL);
		*changed = e == VMS_OK;
		return e;
	}
	if (exec && !arch_pte_exec(pte))
		return VMS_NOEXEC;
	if (write && k != PAGE_PRIVATE) {
		if (k != PAGE_COW)
			return VMS_READONLY;
		enum vms_err e = cow_break(s, va, pte);
		*changed = e == VMS_OK;
		return e;
	}
	return VMS_OK;        /* already satisfied (a stale TLB entry) */
}

/* vms_addr when the PTE does not allow the access as it stands: resolve a fault (demand-zero, COW) or fail. */
static __attribute__((noinline)) uint8_t *vms_addr_slow(struct vmspace *s, uint64_t uva, bool write, int *err)
{
	bool changed;
	enum vms_err e = vms_fault(s, uva, write, false, &changed);

	if (changed)
		arch_flush_page(uva);       /* a COW copy replaced a present PTE: the VM reads the new page next */
	if (e != VMS_OK) {
		*err = (e == VMS_QUOTA || e == VMS_NOMEM) ? PV_ENOMEM : PV_EFAULT;
		return NULL;
	}
	uint64_t pte = pt_of(s)[pidx(uva)];
	return (uint8_t *)P2V(arch_pte_frame(pte)) + (uva & (PV_PAGE_SIZE - 1));
}

/* The kernel address of guest byte uva for an access of the given kind, or NULL (err set). Inline: every
 * frame a VM sends or receives passes here. */
static inline __attribute__((always_inline)) uint8_t *vms_addr(struct vmspace *s, uint64_t uva, bool write,
								int *err)
{
	uint64_t pte = in_window(uva) ? pt_of(s)[pidx(uva)] : 0;

	if (!arch_pte_allows(pte, write))
		return vms_addr_slow(s, uva, write, err);
	return (uint8_t *)P2V(arch_pte_frame(pte)) + (uva & (PV_PAGE_SIZE - 1));
}

static bool range_ok(uint64_t uva, uint64_t len)
{
	return uva >= PV_WIN_BASE && uva <= PV_WIN_END && len <= PV_WIN_END - uva;
}

int vms_prepare_write(struct vmspace *s, uint64_t uva, uint64_t len)
{
	int err = PV_EFAULT;

	if (!range_ok(uva, len))
		return PV_EFAULT;
	for (uint64_t a = uva; a < uva + len; a = (a & ~(uint64_t)(PV_PAGE_SIZE - 1)) + PV_PAGE_SIZE)
		if (!vms_addr(s, a, true, &err))
			return err;
	return 0;
}

/* Copy len bytes between kernel buffer k and guest uva, page by page; write = into the guest. A write that spans
 * pages has every page made writable first, so a call that fails writes nothing (within one page the first check
 * decides before any byte moves). */
HOT static int vms_copy(struct vmspace *s, uint64_t uva, uint8_t *k, uint64_t len, bool write)
{
	int err = PV_EFAULT;

	if (!range_ok(uva, len))
		return PV_EFAULT;
	if (write && (uva & (PV_PAGE_SIZE - 1)) + len > PV_PAGE_SIZE && (err = vms_prepare_write(s, uva, len)) != 0)
		return err;
	while (len) {
		uint64_t n = PV_PAGE_SIZE - (uva & (PV_PAGE_SIZE - 1));
		if (n > len)
			n = len;
		uint8_t *g = vms_addr(s, uva, write, &err);
		if (!g)
			return err;
		if (write)
			memcpy(g, k, n);
		else
			memcpy(k, g, n);
		uva += n;
		k += n;
		len -= n;
	}
	return 0;
}

int vms_copyin(struct vmspace *s, void *dst, uint64_t uva, uint64_t len)
{
	return vms_copy(s, uva, dst, len, false);
}

HOT int vms_copyout(struct vmspace *s, uint64_t uva, const void *src, uint64_t len)
{
	return vms_copy(s, uva, (uint8_t *)src, len, true);
}

HOT int vms_map_read(struct vmspace *s, uint64_t uva, uint64_t len, const void *ptr[2], uint64_t n[2])
{
	int err = PV_EFAULT;

	n[0] = n[1] = 0;
	if (!range_ok(uva, len) || len > 2 * PV_PAGE_SIZE - (uva & (PV_PAGE_SIZE - 1)))
		return PV_EFAULT;
	for (int k = 0; k < 2 && len; k++) {
		uint64_t c = PV_PAGE_SIZE - (uva & (PV_PAGE_SIZE - 1));
		if (c > len)
			c = len;
		if (!(ptr[k] = vms_addr(s, uva, false, &err)))
			return err;
		n[k] = c;
		uva += c;
		len -= c;
	}
	return 0;
}

bool vms_page_next(const struct vmspace *s, uint64_t *va, struct vms_page *pg)
{
	const uint64_t *pt = pt_of(s);

	for (uint64_t a = *va & ~(uint64_t)(PV_PAGE_SIZE - 1); in_window(a); a += PV_PAGE_SIZE) {
		uint64_t pte = pt[pidx(a)];
		enum page_kind k = arch_pte_kind(pte);
		if (k == PAGE_NONE)
			continue;
		pg->va = a;
		pg->kind = k;
		pg->data = P2V(arch_pte_frame(pte));
		pg->vm_memory = k == PAGE_COW && frame_kind(arch_pte_frame(pte)) == FRAME_VM;
		*va = a + PV_PAGE_SIZE;
		return true;
	}
	*va = PV_WIN_END;
	return false;
}

enum page_kind vms_image_kind(const struct image *img, uint64_t va)
{
	return in_window(va) ? arch_pte_kind(img->pte[pidx(va)]) : PAGE_NONE;
}

bool vms_may_create(const struct vmspace *s, uint64_t va)
{
	return in_window(va) && dz_allowed(s, va) == VMS_OK;
}

void *vms_page_private(struct vmspace *s, uint64_t va, enum vms_err *e)
{
	uint64_t pte;

	va &= ~(uint64_t)(PV_PAGE_SIZE - 1);
	*e = in_window(va) ? VMS_OK : VMS_OUTSIDE;
	if (*e == VMS_OK && arch_pte_kind(pt_of(s)[pidx(va)]) != PAGE_PRIVATE)
		*e = priv_page(s, va, NULL);
	if (*e != VMS_OK)
		return NULL;
	pte = pt_of(s)[pidx(va)];
	return P2V(arch_pte_frame(pte));
}

const char *vms_strerror(enum vms_err e)
{
	static const char *const msg[] = {
		[VMS_OK] = "no error",
		[VMS_OUTSIDE] = "outside the VM's window",
		[VMS_GUARD] = "in the guard gap below the stack (stack overflow)",
		[VMS_QUOTA] = "memory quota exceeded (isorun --quota, kctl create --quota)",
		[VMS_READONLY] = "write to a read-only page",
		[VMS_NOEXEC] = "execute from a non-executable page",
		[VMS_NOMEM] = "host memory exhausted and this VM is the furthest beyond its guarantee (isorun --mem, --guarantee)",
		[VMS_UNMAPPED] = "unmapped page inside the window",
	};
	return (unsigned)e < sizeof(msg) / sizeof(msg[0]) ? msg[e] : "unknown";
}
