/* image.h - guest images: validated once, loaded once into shared frames, instantiated many times. */
#ifndef ISO_IMAGE_H
#define ISO_IMAGE_H

#include <stdint.h>
#include <stdbool.h>
#include "pvisa.h"

#define WIN_PAGES ((uint32_t)(PV_WIN_SIZE / PV_PAGE_SIZE))   /* 512: one page-table page */
#define IMAGE_NAME_MAX 32

#define IMAGE_MAX 256                /* images a kernel holds: boot modules and images loaded at run time */

struct elf_src;

/*
 * A loaded image. pte[] is the page-table template every instance starts from: text and rodata
 * map the image's frames read-only (shared by all instances), file-backed data pages map them
 * copy-on-write, pure-bss pages are empty and marked in dz[] (demand-zero). The template is a frame
 * of its own, so the structure fits a slab object (images loaded at run time are allocated).
 */
struct image {
	char name[IMAGE_NAME_MAX];
	uint64_t entry;
	uint64_t end;                   /* first page past the last segment */
	uint64_t *pte;                  /* WIN_PAGES entries, in a frame the image owns */
	uint32_t id;                    /* its number for the control channel (image_table_add) */
	uint64_t dz[WIN_PAGES / 64];    /* bit set: demand-zero page (bss) */
	uint32_t shared_pages;          /* frames the image owns */
	uint32_t instances;             /* VMs created from it so far */
	uint32_t text_pages, data_pages, bss_pages;
	uint64_t sum;                   /* checksum of contents and layout (image_sum): a saved VM names its image by it */
	struct image *next_loaded;      /* the list image_find searches */
	const struct pv_argx *argx;     /* a boot image's environment and input (argblk.c), or NULL */
};

/* Validate an ELF file and load it into fresh frames. 0, or -1 with a reason in why. */
int image_load(struct image *img, const char *name, const void *file, uint64_t size, char *why, size_t whylen);
/* The checksum of what instances of img start from: every page's contents and mapping, the bss map, the entry. */
uint64_t image_sum(const struct image *img);
/* The same for an image wherever its bytes are (elf.h: a flat buffer or a list of pages). */
int image_load_src(struct image *img, const char *name, const struct elf_src *src, char *why, size_t whylen);
/* Frames the image holds (its pages and its template). */
uint64_t image_frames_of(const struct image *img);
/* Number a loaded image for the control channel (CREATE names images by it): its id (img->id, the lowest free), or
 * -1 when IMAGE_MAX are numbered. Boot and LOAD images stay for the run; a tenant's go with it (image_drop). */
int image_table_add(struct image *img);
/* The image with that id, or NULL (never numbered, or dropped); the ids' bound (every id is below it); how many are
 * numbered now. */
struct image *image_get(uint32_t id);
uint32_t image_count(void);
uint32_t image_live_count(void);
/* Unnumber img, make it unfindable and free its frames (no VM of it may be live; the structure is the caller's). */
void image_drop(struct image *img);
/* Make img findable by image_find (image_load does it; sum must be set). */
void image_register(struct image *img);
/* img is no longer findable (before it is unloaded). */
void image_unregister(struct image *img);
/* A loaded image with this name and checksum, or NULL. */
const struct image *image_find(const char *name, uint64_t sum);
/* Is page index i of the window a demand-zero page of this image? */
static inline bool image_is_dz(const struct image *img, uint32_t i)
{
	return (img->dz[i / 64] >> (i % 64)) & 1;
}

#endif
