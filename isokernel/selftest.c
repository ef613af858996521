/* selftest.c - test hooks on the kernel command line: selftest_save=ID selftest_save_at=MS saves VM ID into kernel
 * memory at the first scheduler pass after MS ms, ends it, and restores it under a new id (a system test's way to
 * move a VM before the control channel exists). Not for production runs. */
#include "selftest.h"
#include "vm.h"
#include "vmtab.h"
#include "vmstate.h"
#include "frame.h"
#include "memlayout.h"
#include "kprintf.h"
#include "lib.h"
#include "tsc.h"
#include "cpu.h"

/* The saved bytes: a list of frames (a VM's state is at most its 512 pages and a few more). */
#define ST_PAGES 600
static struct {
	uint64_t page[ST_PAGES];
	uint64_t len, pos;
} sbuf;
static uint32_t save_id;
static uint64_t save_tsc;            /* 0: nothing to do */

void selftest_init(uint64_t id, uint64_t at_ms)
{
	if (!at_ms)
		return;
	save_id = (uint32_t)id;
	save_tsc = tsc_boot + ns_to_tsc(at_ms * 1000000ull);
	kprintf("isokernel: test hook: VM %u will be saved, ended and restored at %lu ms\n", save_id, at_ms);
}

/* The byte at stream offset off: a pointer into its frame, allocating the frame when writing. */
static uint8_t *at(uint64_t off, bool write)
{
	uint64_t i = off / PAGE_SIZE;

	if (i >= ST_PAGES)
		return NULL;
	if (!sbuf.page[i] && (!write || !(sbuf.page[i] = frame_alloc())))
		return NULL;
	return (uint8_t *)P2V(sbuf.page[i]) + off % PAGE_SIZE;
}

/* Copy n bytes between p and the stream at *off, page piece by page piece. */
static int move(uint64_t *off, uint8_t *p, size_t n, bool write)
{
	while (n) {
		uint8_t *s = at(*off, write);
		size_t k = PAGE_SIZE - *off % PAGE_SIZE;
		if (!s)
			return -1;
		k = k < n ? k : n;
		if (write)
			memcpy(s, p, k);
		else
			memcpy(p, s, k);
		*off += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int st_put(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	return move(&sbuf.len, (uint8_t *)p, n, true);
}

static int st_get(void *ctx, void *p, size_t n)
{
	(void)ctx;
	if (n > sbuf.len - sbuf.pos)
		return -1;
	return move(&sbuf.pos, p, n, false);
}

static void st_free(void)
{
	for (uint32_t i = 0; i < ST_PAGES; i++)
		if (sbuf.page[i])
			frame_free(sbuf.page[i]);
	memset(&sbuf, 0, sizeof(sbuf));
}

static void save_end_restore(void)
{
	struct vmstate_io io = { .put = st_put, .get = st_get };
	struct vm *vm = vmtab_get(save_id), *back;
	const char *why = NULL;
	uint64_t t0 = rdtsc(), t1;
	int err;

	if (!vm) {
		kprintf("isokernel: test hook: no live VM %u to save\n", save_id);
		return;
	}
	if ((err = vmstate_save(vm, &io)) != 0) {
		kprintf("isokernel: test hook: saving VM %u failed (%d)\n", save_id, err);
		st_free();
		return;
	}
	vm_end(vm, VM_SAVED, 0, NULL);
	t1 = rdtsc();
	back = vmstate_restore(&io, &why);
	if (back)
		kprintf("isokernel: test hook: VM %u saved (%lu bytes, %lu us), ended, restored as VM %u (%lu us)\n",
			save_id, sbuf.len, tsc_to_ns(t1 - t0) / 1000, back->id, tsc_to_ns(rdtsc() - t1) / 1000);
	else
		kprintf("isokernel: test hook: VM %u saved (%lu bytes) and ended; its restore failed: %s\n", save_id,
			sbuf.len, why);
	st_free();
}

void selftest_poll(void)
{
	if (!save_tsc || rdtsc() < save_tsc)
		return;
	save_tsc = 0;
	save_end_restore();
}
