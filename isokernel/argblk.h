/* argblk.h - a VM's argument block (pvisa.h PV_SI_ARGBLK): ARGS, environment and standard input at the start of its heap. */
#ifndef ISO_ARGBLK_H
#define ISO_ARGBLK_H

#include <stdint.h>
#include <stddef.h>
#include "pvisa.h"

struct vmspace;
struct image;

/* Where a VM's block went: its address, the three lengths, the heap's start past it, the initial stack pointer. */
struct argblk {
	uint64_t addr, heap_start, stack_top;
	uint32_t args_len, env_len, stdin_len;
};

/* Check a boot module that should hold an image's environment and input (struct pv_argx and what follows).
 * 0, or -1 with a reason in why. */
int argx_check(const void *mod, uint64_t size, char *why, size_t whylen);
/* Is this module command line ("<path> @argx") one of those? */
int argx_is_module(const char *cmdline);
/* ARGS the kernel takes: at most PV_ARGS_MAX bytes, no control characters. 0, or -1 with a reason in why. */
int argblk_check_args(const char *args, char *why, size_t whylen);
/* Copy args (checked) and img's environment and input (img->argx, checked when attached) into s: under the start
 * info in the start page when they fit in PV_ARGBLK_INLINE bytes (no page more), else at the start of its heap region.
 * 0, or a PV_E* code (PV_ENOMEM: they do not fit in the quota or the heap); nothing is left to undo but s itself. */
int argblk_copy(struct vmspace *s, const struct image *img, const char *args, struct argblk *out);
/* Record b in the start info: flags, argblk, lengths, heap_start and stack_top (the caller sets rsp to it). */
void argblk_info(struct pv_start_info *si, const struct argblk *b);

#endif
