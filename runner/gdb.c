/* gdb.c - isorun --gdb PORT: QEMU's gdb stub, and the gdb command that loads the kernel's and the images' symbols. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isorun.h"
#include "pvisa.h"

static void add_qemu_arg(struct opts *o, const char *arg)
{
	o->qemu_args = xrealloc(o->qemu_args, (o->nqemu_args + 1) * sizeof *o->qemu_args);
	o->qemu_args[o->nqemu_args++] = xstrdup(arg);
}

/* -gdb tcp:127.0.0.1:PORT (local only) and -S: stopped before the first instruction until gdb says continue. */
void gdb_qemu_args(struct opts *o)
{
	char buf[64];

	if (!o->gdb)
		return;
	snprintf(buf, sizeof buf, "tcp:127.0.0.1:%s", o->gdb);
	add_qemu_arg(o, "-gdb");
	add_qemu_arg(o, buf);
	add_qemu_arg(o, "-S");
}

/* The kernel's ELF with symbols: KERNEL with .bin made .elf (the build's isokernel.elf), if it exists. */
static char *kernel_elf(const char *kernel)
{
	char abs[PATH_MAX], *elf;
	size_t n;

	if (!realpath(kernel, abs))
		return NULL;
	n = strlen(abs);
	if (n < 4 || strcmp(abs + n - 4, ".bin"))
		return NULL;
	elf = xstrdup(abs);
	strcpy(elf + n - 4, ".elf");
	if (access(elf, R_OK) == 0)
		return elf;
	free(elf);
	return NULL;
}

void gdb_print_help(const struct opts *o, const char *kernel)
{
	char *elf = kernel_elf(kernel), abs[PATH_MAX];
	fprintf(stderr, "isorun: QEMU's gdb stub is on 127.0.0.1:%s and the machine waits for gdb; run:\n  gdb", o->gdb);
	fprintf(stderr, " -ex 'set pagination off' -ex 'target remote 127.0.0.1:%s'", o->gdb);
	if (elf)
		fprintf(stderr, " -ex 'symbol-file %s'", elf);
	for (size_t i = 0; i < o->nimages; i++)
		if (realpath(o->images[i].path, abs))
			fprintf(stderr, " -ex 'add-symbol-file %s'", abs);
	fprintf(stderr, "\n");
	if (!elf)
		fprintf(stderr, "isorun: (no kernel ELF beside %s: load the kernel's symbols from build/isokernel.elf)\n",
			kernel);
	fprintf(stderr, "isorun: every VM runs at the same addresses (the window, 0x%llx..0x%llx): to stop in VM N only,\n"
		"  break main if *(unsigned *)0x%llx == N      (vm_id in the start info, read in the running VM)\n"
		"  then continue; several images: their symbols overlap, load only the one you debug (README \"Debugging\")\n",
		(unsigned long long)PV_WIN_BASE, (unsigned long long)PV_WIN_END,
		(unsigned long long)(PV_START_INFO + offsetof(struct pv_start_info, vm_id)));
	free(elf);
}
