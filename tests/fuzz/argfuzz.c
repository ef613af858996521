/* argfuzz.c - libFuzzer harness for what reaches a VM's argument block: the kernel's checks of ARGS and the @argx module (isokernel/argx.c) and guestlib's in-place ARGS splitter (guestlib/args.c), built for the host. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "argblk.h"
#include "guest.h"

/* The kernel's formatter, for argx.c's reasons. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void die(const char *what)
{
	fprintf(stderr, "argfuzz: %s\n", what);
	abort();
}

/* A module the kernel accepts has the sizes it claims and NUL-ended KEY=VALUE strings. */
static void fuzz_argx(const uint8_t *d, size_t n)
{
	char why[160];
	uint8_t *m = malloc(n ? n : 1);
	const struct pv_argx *x = (const struct pv_argx *)m;

	memcpy(m, d, n);
	if (argx_check(m, n, why, sizeof(why)) == 0) {
		const char *e = (const char *)(x + 1);
		if (n != sizeof(*x) + x->env_len + x->stdin_len || x->env_len > PV_ENV_MAX || x->stdin_len > PV_STDIN_MAX)
			die("argx_check accepted sizes that do not add up");
		if (x->env_len && e[x->env_len - 1] != 0)
			die("argx_check accepted an environment without a final NUL");
		for (uint32_t i = 0; i < x->env_len; i += (uint32_t)strlen(e + i) + 1)
			if (!strchr(e + i, '=') || e[i] == '=')
				die("argx_check accepted an entry without KEY=");
	} else if (!why[0]) {
		die("argx_check refused without a reason");
	}
	free(m);
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The splitter: as many words as it counted, each inside the input, no blank in a word that did not open with a
 * quote; and ARGS the kernel accepts have no control characters and at most PV_ARGS_MAX bytes. */
static void fuzz_split(const uint8_t *d, size_t n)
{
	char *a = malloc(n + 1), *orig = malloc(n + 1), why[160], image[] = "img";
	char **argv;
	int count, argc;

	memcpy(a, d, n);
	a[n] = 0;
	memcpy(orig, a, n + 1);
	if (argblk_check_args(a, why, sizeof(why)) == 0) {
		size_t len = strlen(a);
		if (len > PV_ARGS_MAX)
			die("argblk_check_args accepted too many bytes");
		for (size_t i = 0; i < len; i++)
			if ((uint8_t)a[i] < 0x20 || a[i] == 0x7f)
				die("argblk_check_args accepted a control character");
	}
	count = guest_count_args(a, n);
	argv = malloc(((size_t)count + 1) * sizeof(*argv));
	argc = guest_split_args(image, a, n, argv, count);
	if (argc != count || argv[argc] != NULL || argv[0] != image)
		die("split and count disagree");
	for (int i = 1; i < argc; i++) {
		size_t off = (size_t)(argv[i] - a), wl = strlen(argv[i]);
		if (argv[i] < a || off > n || off + wl > n)
			die("a word outside the input");
		if (off == 0 || (orig[off - 1] != '\'' && orig[off - 1] != '"'))
			for (size_t k = 0; k < wl; k++)
				if (blank(argv[i][k]))
					die("a blank inside an unquoted word");
		if (memcmp(argv[i], orig + off, wl) != 0)
			die("a word's bytes changed");
	}
	free(argv);
	free(a);
	free(orig);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n == 0)
		return 0;
	if (d[0] & 1)
		fuzz_argx(d + 1, n - 1);
	else
		fuzz_split(d + 1, n - 1);
	return 0;
}

#ifndef ARGFUZZ_LIBFUZZER
/* Without clang: ARGFUZZ_RUNS random inputs biased toward quotes, blanks and valid headers. */
int main(void)
{
	const char *env = getenv("ARGFUZZ_RUNS");
	long runs = env ? atol(env) : 100000;
	static const char alpha[] = "  \t\"'ab=\0\x01{}";
	uint8_t buf[600];

	srand(1);
	for (long r = 0; r < runs; r++) {
		size_t n = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = rand() % 4 ? (uint8_t)alpha[rand() % (sizeof(alpha) - 1)] : (uint8_t)rand();
		if (n > 17 && (buf[0] & 1) && rand() % 2) {
			struct pv_argx h = { PV_ARGX_MAGIC, (uint32_t)(rand() % (int)(n - 17)), 0, 0 };
			h.stdin_len = (uint32_t)(n - 17 - h.env_len);
			memcpy(buf + 1, &h, sizeof(h));
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("argfuzz: %ld inputs, no failure\n", runs);
	return 0;
}
#endif
