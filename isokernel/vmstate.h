/* vmstate.h - a VM's whole state saved to and restored from the byte format of pvisa/vmstate.h, part by part. */
#ifndef ISO_VMSTATE_H
#define ISO_VMSTATE_H

#include <stdint.h>
#include <stddef.h>
#include "vmstate_format.h"
#include "vmst_io.h"

struct vm;

/* Save vm (which is not on the CPU now; it keeps running after) to out: 0, or -PV_E* (PV_EINVAL: vm is the
 * running VM; PV_EFAULT: out stopped). The x87/SSE state is taken from the CPU first if vm's is there. */
int vmstate_save(struct vm *vm, const struct vmstate_io *out);
/* A new VM from in: published with a new id, keeping its saved address, queued as it was (runnable, or idle with
 * the time left to its deadline). NULL with a reason in *why (a constant string) when the stream is bad in any way
 * or resources ran out: nothing of the VM is left behind then. */
struct vm *vmstate_restore(const struct vmstate_io *in, const char **why);
/* The same for tenant's VM (its address must be in the tenant's block) of its service svc (service.c: slot + 1). */
struct vm *vmstate_restore_as(const struct vmstate_io *in, uint16_t tenant, uint16_t svc, const char **why);

#endif
