/* argx.c - checks of what the host hands the kernel for argument blocks: ARGS and the @argx module (pvisa.h struct pv_argx); pure, so tests/fuzz/argfuzz.c builds it for the host. */
#include "argblk.h"
#include "lib.h"
#include "kprintf.h"

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
