/* vmst_io.h - the byte stream a VM's saved state goes through, for each part's save and restore (vm.c, vmspace_state.c, net/vswitch.c). */
#ifndef ISO_VMST_IO_H
#define ISO_VMST_IO_H

#include <stdint.h>
#include <stddef.h>
#include "vmstate_format.h"

/* The whole VM is saved and restored by vmstate.c (vmstate.h), above the parts: the parts see only this. */

/* Where the bytes go or come from: put/get move exactly n bytes and return 0, or -1 (stop; short or failed). */
struct vmstate_io {
	void *ctx;
	int (*put)(void *ctx, const void *p, size_t n);
	int (*get)(void *ctx, void *p, size_t n);
};

/* For the parts' save and restore functions (vm.c, vmspace_state.c, net/vswitch.c): one section's bytes. */
struct vmst_in {
	const struct vmstate_io *io;
	uint64_t left;             /* bytes of the section not yet read */
};
static inline int vmst_put(const struct vmstate_io *out, const void *p, size_t n)
{
	return out->put(out->ctx, p, n) == 0 ? 0 : -1;
}

/* 0, or -1 when fewer than n bytes are left in the section or the stream failed. */
static inline int vmst_get(struct vmst_in *in, void *p, size_t n)
{
	if (n > in->left || in->io->get(in->io->ctx, p, n) != 0)
		return -1;
	in->left -= n;
	return 0;
}

/* The MXCSR bits a restored VM may set (vm_init reads the CPU's mask; fxrstor faults on any other). */
extern uint32_t vmstate_mxcsr_mask;

#endif
