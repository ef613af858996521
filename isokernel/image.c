/* image.c - loads a validated guest ELF image into frames shared by all of its instances. */
#include "image.h"
#include "elf.h"
#include "frame.h"
#include "kprintf.h"
#include "lib.h"
#include "memlayout.h"
#include "pte.h"
#include "vmspace.h"

static struct image *table[IMAGE_MAX];
static uint32_t ntable, nlive;          /* ids handed out (the highest + 1), images numbered now */

static uint32_t win_index(uint64_t va)
{
	return (uint32_t)((va - PV_WIN_BASE) / PV_PAGE_SIZE);
}

/* The bytes of segment s that fall in the page at va (file part only), copied into frame pa. */
static void fill_page(const struct elf_seg *s, const struct elf_src *file, uint64_t va, uint64_t pa)
{
	uint64_t lo = s->vaddr > va ? s->vaddr : va;
	uint64_t fend = s->vaddr + s->filesz;
	uint64_t hi = fend < va + PV_PAGE_SIZE ? fend : va + PV_PAGE_SIZE;

	if (lo < hi)
		elf_read(file, s->offset + (lo - s->vaddr), (uint8_t *)P2V(pa) + (lo - va), hi - lo);
}

/* Frees every frame the image took so far (a load that fails half-way leaves nothing behind). */
static void image_unload(struct image *img)
{
	for (uint32_t i = 0; i < WIN_PAGES; i++)
		if (arch_pte_kind(img->pte[i]) != PAGE_NONE)
			frame_free(arch_pte_frame(img->pte[i]));
	frame_free(V2P(img->pte));
	img->pte = NULL;
}

static int load_segment(struct image *img, const struct elf_seg *s, const struct elf_src *file)
{
	bool w = s->flags & ELF_W, x = s->flags & ELF_X;
	uint64_t first = s->vaddr & ~(uint64_t)(PV_PAGE_SIZE - 1);

	for (uint64_t va = first; va < s->vaddr + s->memsz; va += PV_PAGE_SIZE) {
		uint32_t i = win_index(va);
		bool has_file = va < s->vaddr + s->filesz;
		if (w && !has_file) {
			if (!image_is_dz(img, i))
				img->bss_pages++;
			img->dz[i / 64] |= 1ull << (i % 64);
			continue;
		}
		uint64_t pa = frame_alloc_zero();
		if (!pa)
			return -1;
		frame_set_kind(pa, FRAME_IMAGE);
		fill_page(s, file, va, pa);
		img->pte[i] = arch_pte_make(pa, w ? PAGE_COW : PAGE_SHARED, x);
		img->shared_pages++;
		if (w)
			img->data_pages++;
		else
			img->text_pages++;
	}
	return 0;
}

int image_load_src(struct image *img, const char *name, const struct elf_src *file, char *why, size_t whylen)
{
	struct elf_info info;
	uint64_t tmpl;

	memset(img, 0, sizeof(*img));
	strlcpy(img->name, name, sizeof(img->name));
	if (elf_check_src(file, PV_WIN_BASE, PV_WIN_END, PV_ABI_VERSION, &info, why, whylen) != 0)
		return -1;
	tmpl = frame_alloc_zero();
	if (!tmpl) {
		ksnprintf(why, whylen, "out of memory for the page-table template");
		return -1;
	}
	img->pte = P2V(tmpl);
	for (uint32_t k = 0; k < info.nseg; k++) {
		if (load_segment(img, &info.seg[k], file) != 0) {
			image_unload(img);
			ksnprintf(why, whylen, "out of memory loading segment %u", k);
			return -1;
		}
		uint64_t end = (info.seg[k].vaddr + info.seg[k].memsz + PV_PAGE_SIZE - 1) & ~(uint64_t)(PV_PAGE_SIZE - 1);
		if (end > img->end)
			img->end = end;
	}
	if (img->end > VMS_STACK_LIMIT - PV_PAGE_SIZE) {
		image_unload(img);
		ksnprintf(why, whylen, "image ends at 0x%lx: it must leave [0x%llx, 0x%llx) to the guard page and stack",
			  img->end, VMS_STACK_LIMIT - PV_PAGE_SIZE, PV_WIN_END);
		return -1;
	}
	img->entry = info.entry;
	img->sum = image_sum(img);
	image_register(img);
	return 0;
}

int image_load(struct image *img, const char *name, const void *file, uint64_t size, char *why, size_t whylen)
{
	struct elf_src src = { file, NULL, size };

	return image_load_src(img, name, &src, why, whylen);
}

uint64_t image_frames_of(const struct image *img)
{
	return img->shared_pages + 1;
}

int image_table_add(struct image *img)
{
	uint32_t id = 0;

	while (id < ntable && table[id])
		id++;                           /* the lowest id a removed image left free */
	if (id == IMAGE_MAX)
		return -1;
	img->id = id;
	table[id] = img;
	ntable += id == ntable;
	nlive++;
	return (int)img->id;
}

void image_drop(struct image *img)
{
	image_unregister(img);
	if (img->id < ntable && table[img->id] == img) {
		table[img->id] = NULL;
		nlive--;
	}
	image_unload(img);
}

uint32_t image_live_count(void)
{
	return nlive;
}

struct image *image_get(uint32_t id)
{
	return id < ntable ? table[id] : NULL;
}

uint32_t image_count(void)
{
	return ntable;
}

static struct image *loaded;

/* 64-bit words mixed in one by one (multiply-xorshift): not cryptographic, it tells images apart. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t image_sum(const struct image *img)
{
	uint64_t h = mix(0x766d7374ull, img->entry);

	h = mix(h, img->end);
	for (uint32_t i = 0; i < WIN_PAGES / 64; i++)
		h = mix(h, img->dz[i]);
	for (uint32_t i = 0; i < WIN_PAGES; i++) {
		enum page_kind k = arch_pte_kind(img->pte[i]);
		if (k == PAGE_NONE)
			continue;
		const uint64_t *w = P2V(arch_pte_frame(img->pte[i]));
		h = mix(h, (uint64_t)i << 32 | (uint64_t)k);
		h = mix(h, arch_pte_exec(img->pte[i]));
		for (uint32_t j = 0; j < PV_PAGE_SIZE / 8; j++)
			h = mix(h, w[j]);
	}
	return h;
}

void image_register(struct image *img)
{
	for (const struct image *i = loaded; i; i = i->next_loaded)
		if (i == img)
			return;
	img->next_loaded = loaded;
	loaded = img;
}

void image_unregister(struct image *img)
{
	for (struct image **p = &loaded; *p; p = &(*p)->next_loaded)
		if (*p == img) {
			*p = img->next_loaded;
			return;
		}
}

const struct image *image_find(const char *name, uint64_t sum)
{
	for (const struct image *i = loaded; i; i = i->next_loaded)
		if (i->sum == sum && strcmp(i->name, name) == 0)
			return i;
	return NULL;
}
