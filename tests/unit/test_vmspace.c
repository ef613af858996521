/* test_vmspace.c - CUnit suite for per-VM address spaces (vmspace.c): template PT, COW, demand-zero, quota, copies. */
#include <string.h>
#include <CUnit/CUnit.h>
#include "host.h"
#include "frame.h"
#include "image.h"
#include "vmspace.h"
#include "memlayout.h"
#include "pte.h"

#define ARENA_PAGES 256
#define TEXT_VA  (PV_WIN_BASE)
#define DATA_VA  (PV_WIN_BASE + 0x1000)
#define BSS_VA   (PV_WIN_BASE + 0x2000)
#define IMG_END  (PV_WIN_BASE + 0x3000)

static struct image img;
static uint64_t img_pte[WIN_PAGES];    /* the template: a frame of the image's own in the kernel */
static uint64_t free_before;

static uint32_t pidx(uint64_t va) { return (uint32_t)((va - PV_WIN_BASE) / PAGE_SIZE); }

/* A three-page image: text (RX, shared), data (RW, COW, holds "data!"), bss (demand-zero). */
static int setup(void)
{
	host_arena_new(ARENA_PAGES * PAGE_SIZE);
	frame_init();
	frame_add_range(HOST_ARENA_PHYS, HOST_ARENA_PHYS + ARENA_PAGES * PAGE_SIZE);
	memset(&img, 0, sizeof(img));
	memset(img_pte, 0, sizeof(img_pte));
	img.pte = img_pte;
	uint64_t t = frame_alloc_zero(), d = frame_alloc_zero();
	memset(P2V(t), 0xc3, PAGE_SIZE);
	strcpy(P2V(d), "data!");
	frame_set_kind(t, FRAME_IMAGE);
	frame_set_kind(d, FRAME_IMAGE);
	img.pte[pidx(TEXT_VA)] = arch_pte_make(t, PAGE_SHARED, true);
	img.pte[pidx(DATA_VA)] = arch_pte_make(d, PAGE_COW, false);
	img.dz[0] |= 1ull << pidx(BSS_VA);
	img.end = IMG_END;
	img.text_pages = img.data_pages = img.bss_pages = 1;
	img.shared_pages = 2;
	/* Dirty every free frame: the VM must never see this. */
	uint64_t pa, got[ARENA_PAGES];
	int n = 0;
	while ((pa = frame_alloc()) != 0) {
		memset(P2V(pa), 0x5a, PAGE_SIZE);
		got[n++] = pa;
	}
	while (n)
		frame_free(got[--n]);
	free_before = frame_free_count();
	return 0;
}

static int teardown(void)
{
	frame_init();
	host_arena_free();
	return 0;
}

static uint64_t pte_of(struct vmspace *s, uint64_t va)
{
	return ((uint64_t *)P2V(s->pt_phys))[pidx(va)];
}

static void test_create_from_template(void)
{
	struct vmspace s;

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 64, 4), 0);
	CU_ASSERT_EQUAL(pte_of(&s, TEXT_VA), img.pte[pidx(TEXT_VA)]);
	CU_ASSERT_EQUAL(pte_of(&s, DATA_VA), img.pte[pidx(DATA_VA)]);
	CU_ASSERT_EQUAL(pte_of(&s, BSS_VA), 0);
	uint64_t sp = pte_of(&s, PV_START_PAGE);
	CU_ASSERT_EQUAL(arch_pte_kind(sp), PAGE_PRIVATE);
	CU_ASSERT_FALSE(arch_pte_exec(sp));
	CU_ASSERT_EQUAL(frame_kind(arch_pte_frame(sp)), FRAME_VM);
	CU_ASSERT_EQUAL(frame_kind(s.pt_phys), FRAME_PT);
	CU_ASSERT_EQUAL(vms_page_kind(&s, TEXT_VA), PAGE_SHARED);
	CU_ASSERT_EQUAL(vms_page_kind(&s, DATA_VA), PAGE_COW);
	CU_ASSERT_EQUAL(vms_page_kind(&s, BSS_VA), PAGE_NONE);
	CU_ASSERT_EQUAL(vms_page_kind(&s, PV_WIN_END), PAGE_NONE);
	const uint8_t *start = vms_start_page(&s);
	for (int i = 0; i < (int)PAGE_SIZE; i++)
		CU_ASSERT_EQUAL_FATAL(start[i], 0);
	CU_ASSERT_EQUAL(s.priv_pages, 1);
	CU_ASSERT_EQUAL(vms_heap_start(&s), IMG_END);
	/* quota 64 pages - data 1 - bss 1 - stack 16 = 46 heap pages */
	CU_ASSERT_EQUAL(s.heap_end, IMG_END + 46 * PAGE_SIZE);
	vms_destroy(&s);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

static void test_heap_end_stops_at_guard(void)
{
	struct vmspace s;

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 512, 4), 0);
	CU_ASSERT_EQUAL(s.heap_end, VMS_STACK_LIMIT - PAGE_SIZE);
	vms_destroy(&s);
}

static void test_faults(void)
{
	struct vmspace s;
	bool ch;

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 64, 4), 0);
	CU_ASSERT_EQUAL(vms_fault(&s, TEXT_VA + 8, true, false, &ch), VMS_READONLY);
	CU_ASSERT_EQUAL(vms_fault(&s, DATA_VA, false, true, &ch), VMS_NOEXEC);
	CU_ASSERT_EQUAL(vms_fault(&s, PV_WIN_BASE - 1, false, false, &ch), VMS_OUTSIDE);
	CU_ASSERT_EQUAL(vms_fault(&s, PV_WIN_END, false, false, &ch), VMS_OUTSIDE);
	CU_ASSERT_EQUAL(vms_fault(&s, 0xffff800000000000ull, false, false, &ch), VMS_OUTSIDE);
	CU_ASSERT_EQUAL(vms_fault(&s, VMS_STACK_LIMIT - 8, true, false, &ch), VMS_GUARD);
	CU_ASSERT_EQUAL(vms_fault(&s, s.heap_end, true, false, &ch), VMS_GUARD);

	/* COW: a private copy with the image's bytes; the image page is untouched. */
	uint64_t shared = arch_pte_frame(pte_of(&s, DATA_VA));
	CU_ASSERT_EQUAL(vms_fault(&s, DATA_VA + 3, true, false, &ch), VMS_OK);
	CU_ASSERT_TRUE(ch);
	uint64_t priv = pte_of(&s, DATA_VA);
	CU_ASSERT_NOT_EQUAL(arch_pte_frame(priv), shared);
	CU_ASSERT_EQUAL(arch_pte_kind(priv), PAGE_PRIVATE);
	CU_ASSERT_EQUAL(frame_kind(arch_pte_frame(priv)), FRAME_VM);
	CU_ASSERT_EQUAL(frame_refs(shared), 1);                 /* the image's: instances take no reference */
	CU_ASSERT_STRING_EQUAL(P2V(arch_pte_frame(priv)), "data!");
	strcpy(P2V(arch_pte_frame(priv)), "mine!");
	CU_ASSERT_STRING_EQUAL(P2V(shared), "data!");

	/* Demand-zero bss, heap and stack pages: zeroed although the frames were dirty. */
	uint64_t vas[] = { BSS_VA, vms_heap_start(&s), s.heap_end - 1, PV_START_PAGE - 1, VMS_STACK_LIMIT };
	for (size_t k = 0; k < sizeof(vas) / sizeof(vas[0]); k++) {
		CU_ASSERT_EQUAL(vms_fault(&s, vas[k], false, false, &ch), VMS_OK);
		const uint8_t *p = P2V(arch_pte_frame(pte_of(&s, vas[k])));
		for (int i = 0; i < (int)PAGE_SIZE; i++)
			CU_ASSERT_EQUAL_FATAL(p[i], 0);
	}
	CU_ASSERT_EQUAL(s.priv_pages, 7);
	vms_destroy(&s);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

static void test_quota(void)
{
	struct vmspace s;
	bool ch;
	uint64_t va;

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 20, 4), 0);
	CU_ASSERT_EQUAL(s.heap_end, vms_heap_start(&s) + 2 * PAGE_SIZE);   /* 20 - 1 - 1 - 16 */
	for (va = PV_START_PAGE - PAGE_SIZE; va >= VMS_STACK_LIMIT; va -= PAGE_SIZE)
		CU_ASSERT_EQUAL(vms_fault(&s, va, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(s.priv_pages, 16);
	CU_ASSERT_EQUAL(vms_fault(&s, vms_heap_start(&s), true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(vms_fault(&s, BSS_VA, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(vms_fault(&s, DATA_VA, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(vms_fault(&s, vms_heap_start(&s) + PAGE_SIZE, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(s.priv_pages, 20);
	CU_ASSERT_EQUAL(vms_fault(&s, s.heap_end, true, false, &ch), VMS_GUARD);
	vms_destroy(&s);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

static void test_copies(void)
{
	struct vmspace s;
	char buf[64];
	const void *p[2];
	uint64_t n[2];

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 64, 4), 0);
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, DATA_VA, 6), 0);
	CU_ASSERT_STRING_EQUAL(buf, "data!");
	CU_ASSERT_EQUAL(vms_copyout(&s, TEXT_VA, "x", 1), PV_EFAULT);             /* read-only text */
	CU_ASSERT_EQUAL(vms_copyout(&s, DATA_VA, "yo", 3), 0);                    /* breaks COW */
	CU_ASSERT_STRING_EQUAL(P2V(arch_pte_frame(img.pte[pidx(DATA_VA)])), "data!");
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, DATA_VA, 3), 0);
	CU_ASSERT_STRING_EQUAL(buf, "yo");
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, 0, 1), PV_EFAULT);
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, PV_WIN_END - 4, 8), PV_EFAULT);       /* runs past the window */
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, UINT64_MAX - 2, 8), PV_EFAULT);       /* wraps */
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, 0xffffffff80100000ull, 8), PV_EFAULT);
	CU_ASSERT_EQUAL(vms_copyin(&s, buf, VMS_STACK_LIMIT - 16, 32), PV_EFAULT); /* guard gap */
	CU_ASSERT_EQUAL(vms_copyout(&s, PV_WIN_END - 4, "abcd", 4), 0);
	CU_ASSERT_EQUAL(vms_map_read(&s, DATA_VA + PAGE_SIZE - 2, 4, p, n), 0);    /* spans data and bss */
	CU_ASSERT_EQUAL(n[0], 2);
	CU_ASSERT_EQUAL(n[1], 2);
	CU_ASSERT_EQUAL(vms_map_read(&s, TEXT_VA, 3 * PAGE_SIZE, p, n), PV_EFAULT);
	vms_destroy(&s);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

/* A write that fails writes nothing: the range is checked (and made writable) whole before a byte moves; a COW
 * copy made for a hypercall's write is flushed from the TLB. */
static void test_failed_copy_writes_nothing(void)
{
	struct vmspace s;
	uint8_t junk[16], back[8];
	uint64_t flushes = host_flushes;

	CU_ASSERT_EQUAL_FATAL(vms_create(&s, &img, 64, 4), 0);
	memset(junk, 0xee, sizeof(junk));
	CU_ASSERT_EQUAL(vms_copyout(&s, s.heap_end - 8, "canary!", 8), 0);
	CU_ASSERT_EQUAL(vms_copyout(&s, s.heap_end - 8, junk, 16), PV_EFAULT);      /* into the guard gap */
	CU_ASSERT_EQUAL(vms_copyin(&s, back, s.heap_end - 8, 8), 0);
	CU_ASSERT_STRING_EQUAL((char *)back, "canary!");
	CU_ASSERT_EQUAL(vms_copyout(&s, DATA_VA - 8, junk, 16), PV_EFAULT);         /* text, then data */
	CU_ASSERT_STRING_EQUAL(P2V(arch_pte_frame(pte_of(&s, DATA_VA))), "data!");
	CU_ASSERT_EQUAL(pte_of(&s, DATA_VA), img.pte[pidx(DATA_VA)]);               /* still shared */
	CU_ASSERT_EQUAL(vms_prepare_write(&s, BSS_VA - 8, 16), 0);                 /* data COW + bss, nothing written */
	CU_ASSERT_STRING_EQUAL(P2V(arch_pte_frame(pte_of(&s, DATA_VA))), "data!");
	CU_ASSERT_NOT_EQUAL(pte_of(&s, DATA_VA), img.pte[pidx(DATA_VA)]);
	CU_ASSERT(host_flushes > flushes);                                          /* the COW PTE changed */
	vms_destroy(&s);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

static int reclaim_calls;
static struct vmspace *reclaim_victim;

/* Stands in for the VM layer: ends reclaim_victim (if any) the first time. */
static bool test_reclaim(const struct vmspace *needy)
{
	reclaim_calls++;
	if (!reclaim_victim || reclaim_victim == needy)
		return false;
	vms_destroy(reclaim_victim);
	reclaim_victim = NULL;
	return true;
}

/* Guarantees are reserved at creation; within it a VM always gets its pages; beyond it, when unreserved frames run
 * out, vms_reclaim decides who pays; pinned frames count half a page against the quota. */
static void test_guarantee(void)
{
	struct vmspace a, b, c;
	uint64_t heap, va, frames = frame_free_count();
	bool ch;

	vms_reclaim = test_reclaim;
	reclaim_calls = 0;
	CU_ASSERT_EQUAL(vms_create(&a, &img, 8, 16), -1);                     /* more than the quota */
	CU_ASSERT_EQUAL(vms_create(&a, &img, 64, (uint32_t)frames), -1);      /* cannot be reserved */
	CU_ASSERT_EQUAL(frame_free_count(), frames);
	CU_ASSERT_EQUAL_FATAL(vms_create(&a, &img, 512, 8), 0);
	CU_ASSERT_EQUAL_FATAL(vms_create(&b, &img, 200, 8), 0);
	CU_ASSERT_EQUAL(frame_reserved_count(), 14);                          /* 2 x (8 - the start page) */
	/* a takes every unreserved frame, far beyond its guarantee. */
	heap = vms_heap_start(&a);
	for (va = heap; vms_fault(&a, va, true, false, &ch) == VMS_OK; va += PAGE_SIZE)
		;
	CU_ASSERT_EQUAL(reclaim_calls, 1);                                    /* asked; a pays for itself: refused */
	CU_ASSERT(a.priv_pages > 100);
	/* b, within its guarantee, still gets its 7 pages; its 8th is beyond: a is ended for it. */
	for (va = vms_heap_start(&b); b.priv_pages < 8; va += PAGE_SIZE)
		CU_ASSERT_EQUAL_FATAL(vms_fault(&b, va, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(reclaim_calls, 1);
	reclaim_victim = &a;
	CU_ASSERT_EQUAL(vms_fault(&b, va, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(reclaim_calls, 2);
	CU_ASSERT_PTR_NULL(reclaim_victim);
	/* Pinned frames: two per page against the quota. */
	CU_ASSERT_EQUAL_FATAL(vms_create(&c, &img, 8, 2), 0);
	c.pinned_bufs = 13;                                                   /* 7 pages: with the start page, 8 */
	CU_ASSERT_EQUAL(vms_fault(&c, PV_START_PAGE - PAGE_SIZE, true, false, &ch), VMS_QUOTA);
	c.pinned_bufs = 12;
	CU_ASSERT_EQUAL(vms_fault(&c, PV_START_PAGE - PAGE_SIZE, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(vms_over_guarantee(&c), 6);
	vms_destroy(&c);
	vms_destroy(&b);
	vms_reclaim = NULL;
	CU_ASSERT_EQUAL(frame_reserved_count(), 0);
	CU_ASSERT_EQUAL(frame_free_count(), free_before);
}

/* One frame backs two VMs' copy-on-write mappings (vms_clone): each holds a reference; the first writer gets a copy,
 * the last owner writes the frame itself; every frame goes back with its last owner. */
static void test_clone_shares_by_refcount(void)
{
	struct vmspace a, b;
	uint64_t heap, fa, fb, frames = frame_free_count();
	char buf[8];
	bool ch;

	CU_ASSERT_EQUAL_FATAL(vms_create(&a, &img, 64, 4), 0);
	heap = vms_heap_start(&a);
	CU_ASSERT_EQUAL(vms_copyout(&a, heap, "parent", 7), 0);
	CU_ASSERT_EQUAL(vms_copyout(&a, heap + PAGE_SIZE, "second", 7), 0);
	fa = arch_pte_frame(pte_of(&a, heap));
	CU_ASSERT_EQUAL(a.priv_pages, 3);
	CU_ASSERT_EQUAL(vms_clone(&b, &a, (uint32_t)frames), -1);        /* a guarantee that cannot be reserved */
	CU_ASSERT_EQUAL(vms_page_kind(&a, heap), PAGE_PRIVATE);          /* nothing changed */
	CU_ASSERT_EQUAL_FATAL(vms_clone(&b, &a, 2), 0);
	CU_ASSERT_EQUAL(vms_page_kind(&a, heap), PAGE_COW);
	CU_ASSERT_EQUAL(vms_page_kind(&b, heap), PAGE_COW);
	CU_ASSERT_EQUAL(vms_page_kind(&b, TEXT_VA), PAGE_SHARED);
	CU_ASSERT_EQUAL(arch_pte_frame(pte_of(&b, heap)), fa);
	CU_ASSERT_EQUAL(frame_refs(fa), 2);
	CU_ASSERT_EQUAL(frame_refs(arch_pte_frame(pte_of(&a, DATA_VA))), 1);  /* an image frame: no reference */
	CU_ASSERT_EQUAL(b.priv_pages, 3);
	/* The child writes: its own copy; the parent still reads its bytes; one reference fewer on the shared frame. */
	CU_ASSERT_EQUAL(vms_fault(&b, heap, true, false, &ch), VMS_OK);
	CU_ASSERT_TRUE(ch);
	fb = arch_pte_frame(pte_of(&b, heap));
	CU_ASSERT_NOT_EQUAL(fb, fa);
	CU_ASSERT_EQUAL(frame_refs(fa), 1);
	CU_ASSERT_EQUAL(b.priv_pages, 3);                                /* replaced, not added */
	CU_ASSERT_EQUAL(vms_copyout(&b, heap, "child", 6), 0);
	CU_ASSERT_EQUAL(vms_copyin(&a, buf, heap, 7), 0);
	CU_ASSERT_STRING_EQUAL(buf, "parent");
	/* The parent is the frame's last owner now: it writes the frame itself, no copy. */
	CU_ASSERT_EQUAL(vms_fault(&a, heap, true, false, &ch), VMS_OK);
	CU_ASSERT_EQUAL(arch_pte_frame(pte_of(&a, heap)), fa);
	CU_ASSERT_EQUAL(vms_page_kind(&a, heap), PAGE_PRIVATE);
	/* The parent ends first: the second page lives on in the child alone, which then writes it in place. */
	uint64_t f2 = arch_pte_frame(pte_of(&b, heap + PAGE_SIZE));
	vms_destroy(&a);
	CU_ASSERT_EQUAL(frame_refs(f2), 1);
	CU_ASSERT_EQUAL(vms_copyin(&b, buf, heap + PAGE_SIZE, 7), 0);
	CU_ASSERT_STRING_EQUAL(buf, "second");
	CU_ASSERT_EQUAL(vms_copyout(&b, heap + PAGE_SIZE, "mine", 5), 0);
	CU_ASSERT_EQUAL(arch_pte_frame(pte_of(&b, heap + PAGE_SIZE)), f2);
	vms_destroy(&b);
	CU_ASSERT_EQUAL(frame_reserved_count(), 0);
	CU_ASSERT_EQUAL(frame_free_count(), frames);
}

/* A fork's shared pages are VM memory, not the image's: vms_page_next says so (a save writes their bytes, where an
 * image's copy-on-write page goes by reference). */
static void test_clone_pages_are_vm_memory(void)
{
	struct vmspace a, b;
	struct vms_page pg;
	uint64_t va = PV_WIN_BASE, heap, frames = frame_free_count();
	int shared = 0, image_cow = 0;

	CU_ASSERT_EQUAL_FATAL(vms_create(&a, &img, 64, 4), 0);
	heap = vms_heap_start(&a);
	CU_ASSERT_EQUAL(vms_copyout(&a, heap, "parent", 7), 0);
	CU_ASSERT_EQUAL_FATAL(vms_clone(&b, &a, 2), 0);
	while (vms_page_next(&b, &va, &pg)) {
		if (pg.va == heap || pg.va == PV_START_PAGE) {
			CU_ASSERT(pg.kind == PAGE_COW && pg.vm_memory);
			shared++;
		}
		if (pg.va == DATA_VA) {
			CU_ASSERT(pg.kind == PAGE_COW && !pg.vm_memory);
			image_cow++;
		}
		if (pg.kind != PAGE_COW)
			CU_ASSERT(!pg.vm_memory);
	}
	CU_ASSERT_EQUAL(shared, 2);
	CU_ASSERT_EQUAL(image_cow, 1);
	vms_destroy(&b);
	vms_destroy(&a);
	CU_ASSERT_EQUAL(frame_free_count(), frames);
}

int unit_suite_vmspace(void)
{
	CU_pSuite s = CU_add_suite("vmspace", setup, teardown);

	if (!s)
		return -1;
	CU_add_test(s, "create from the image template", test_create_from_template);
	CU_add_test(s, "heap ends at the guard page", test_heap_end_stops_at_guard);
	CU_add_test(s, "faults: COW, demand-zero, refusals", test_faults);
	CU_add_test(s, "memory quota", test_quota);
	CU_add_test(s, "guest copies are checked", test_copies);
	CU_add_test(s, "a failed copy writes nothing; COW copies are flushed", test_failed_copy_writes_nothing);
	CU_add_test(s, "guarantees reserved, overcommit reclaimed, pins counted", test_guarantee);
	CU_add_test(s, "a clone shares frames copy-on-write by reference count", test_clone_shares_by_refcount);
	CU_add_test(s, "a clone's shared pages are VM memory", test_clone_pages_are_vm_memory);
	return 0;
}
