/* vmstate.h - a VM's whole state saved to and restored from the byte format of pvisa/vmstate.h, part by part. */
#ifndef ISO_VMSTATE_H
#define ISO_VMSTATE_H

#include <stdint.h>
#include <stddef.h>
#include "vmstate_format.h"

struct vm;

/* Where the bytes go or come from: put/get move exactly n bytes and return 0, or -1 (stop; short or failed). */
struct vmstate_io {
	void *ctx;
	int (*put)(void *ctx, const void *p, size_t n);
	int (*get)(void *ctx, void *p, size_t n);
};

/* Save vm (which is not on the CPU now; it keeps running after) to out: 0, or -PV_E* (PV_EINVAL: vm is the
 * running VM; PV_EFAULT: out stopped). The x87/SSE state is taken from the CPU first if vm's is there. */
int vmstate_save(struct vm *vm, const struct vmstate_io *out);
/* A new VM from in: published with a new id, keeping its saved address, queued as it was (runnable, or idle with
 * the time left to its deadline). NULL with a reason in *why (a constant string) when the stream is bad in any way
 * or resources ran out: nothing of the VM is left behind then. */
struct vm *vmstate_restore(const struct vmstate_io *in, const char **why);

/* For the parts' save and restore functions (vm.c, vmspace_state.c, net/vswitch.c): one section's bytes. */
struct vmst_in {
	const struct vmstate_io *io;
	uint64_t left;             /* bytes of the section not yet read */
};
int vmst_put(const struct vmstate_io *out, const void *p, size_t n);
/* 0, or -1 when fewer than n bytes are left in the section or the stream failed. */
int vmst_get(struct vmst_in *in, void *p, size_t n);

/* The MXCSR bits a restored VM may set (vm_init reads the CPU's mask; fxrstor faults on any other). */
extern uint32_t vmstate_mxcsr_mask;

#endif
