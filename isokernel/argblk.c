/* argblk.c - a VM's argument block (pvisa.h PV_SI_ARGBLK): the boot modules that carry environment and input, and the copy into each VM's heap. */
#include "argblk.h"
#include "image.h"
#include "vmspace.h"
#include "lib.h"
#include "kprintf.h"

static const struct pv_argx no_argx;

int argx_is_module(const char *cmdline)
{
	const char *s = cmdline;

	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return strncmp(s, PV_ARGX_NAME, sizeof(PV_ARGX_NAME) - 1) == 0 &&
	       (s[sizeof(PV_ARGX_NAME) - 1] == 0 || s[sizeof(PV_ARGX_NAME) - 1] == ' ');
}

/* env: "K=V" strings with a non-empty key, each NUL-ended, nothing after the last NUL. */
static int env_ok(const char *e, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint32_t start = i;
		int eq = 0;
		while (i < len && e[i] != 0) {
			eq |= e[i] == '=' && i > start;
			i++;
		}
		if (i == len || !eq || e[start] == '=')
			return 0;
		i++;
	}
	return 1;
}

int argx_check(const void *mod, uint64_t size, char *why, size_t whylen)
{
	const struct pv_argx *x = mod;

	if (size < sizeof(*x) || x->magic != PV_ARGX_MAGIC || x->reserved != 0) {
		ksnprintf(why, whylen, "environment module: bad header");
		return -1;
	}
	if (x->env_len > PV_ENV_MAX || x->stdin_len > PV_STDIN_MAX ||
	    size != sizeof(*x) + (uint64_t)x->env_len + x->stdin_len) {
		ksnprintf(why, whylen, "environment module: environment %u bytes (at most %u), input %u bytes (at most %u), "
			  "module %lu bytes: they do not agree", x->env_len, PV_ENV_MAX, x->stdin_len, PV_STDIN_MAX, size);
		return -1;
	}
	if (!env_ok((const char *)(x + 1), x->env_len)) {
		ksnprintf(why, whylen, "environment module: the environment is not NUL-ended KEY=VALUE strings");
		return -1;
	}
	return 0;
}

int argblk_check_args(const char *args, char *why, size_t whylen)
{
	size_t n = 0;

	for (; args[n]; n++) {
		if (n >= PV_ARGS_MAX) {
			ksnprintf(why, whylen, "ARGS longer than %u bytes", PV_ARGS_MAX);
			return -1;
		}
		if ((uint8_t)args[n] < 0x20 || args[n] == 0x7f) {
			ksnprintf(why, whylen, "ARGS hold a control character");
			return -1;
		}
	}
	return 0;
}

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
