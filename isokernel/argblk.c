/* argblk.c - a VM's argument block (pvisa.h PV_SI_ARGBLK): ARGS, environment and input copied into each new VM (checks: argx.c). */
#include "argblk.h"
#include "image.h"
#include "vmspace.h"
#include "lib.h"

static const struct pv_argx no_argx;

static int put(struct vmspace *s, uint64_t *at, const void *p, uint32_t n)
{
	int r = n ? vms_copyout(s, *at, p, n) : 0;

	*at += n;
	return r;
}

int argblk_copy(struct vmspace *s, const struct image *img, const char *args, struct argblk *out)
{
	const struct pv_argx *x = img->argx ? img->argx : &no_argx;
	const char *env = (const char *)(x + 1);
	uint64_t at = vms_heap_start(s);
	size_t alen = strlen(args);
	int r;

	uint64_t len = alen + 1 + (uint64_t)x->env_len + x->stdin_len;

	out->args_len = (uint32_t)alen;
	out->env_len = x->env_len;
	out->stdin_len = x->stdin_len;
	out->heap_start = at;
	out->stack_top = PV_START_INFO;
	if (alen > PV_ARGS_MAX)
		return PV_EINVAL;
	if (len <= PV_ARGBLK_INLINE) {               /* in the start page, under the start info: no page more */
		at = (PV_START_INFO - len) & ~(uint64_t)15;
		out->stack_top = at;
	} else {
		out->heap_start = (at + len + PV_PAGE_SIZE - 1) & ~(uint64_t)(PV_PAGE_SIZE - 1);
		if (out->heap_start > s->heap_end)
			return PV_ENOMEM;
		if ((r = vms_prepare_write(s, at, out->heap_start - at)) != 0)
			return r;
	}
	out->addr = at;
	if ((r = put(s, &at, args, (uint32_t)alen + 1)) != 0 || (r = put(s, &at, env, x->env_len)) != 0)
		return r;
	return put(s, &at, env + x->env_len, x->stdin_len);
}

void argblk_info(struct pv_start_info *si, const struct argblk *b)
{
	si->flags |= PV_SI_ARGBLK;
	si->argblk = b->addr;
	si->args_len = b->args_len;
	si->env_len = b->env_len;
	si->stdin_len = b->stdin_len;
	si->heap_start = b->heap_start;
	si->stack_top = b->stack_top;
}
