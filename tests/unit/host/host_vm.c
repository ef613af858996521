/* host_vm.c - the VM layer and scheduler entry points vmstate.c calls, for the unit-test build: VM structures from
 * the C heap, the real run queue (runq.c) on a host clock (host_now, in ns; TSC ticks are ns here). */
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "vm.h"
#include "vmtab.h"
#include "sched.h"
#include "runq.h"
#include "tsc.h"

struct vm *sched_current;
uint64_t host_now;
struct runq host_rq;
static struct tq_node *heap[HOST_VMS_MAX];

void host_sched_reset(void)
{
	runq_init(&host_rq, heap, HOST_VMS_MAX, 1000000);
	host_now = 1000000000;
	sched_current = NULL;
}

uint64_t tsc_to_ns(uint64_t t)
{
	return t;
}

struct vm *vm_blank(void)
{
	struct vm *vm = aligned_alloc(64, (sizeof(struct vm) + 63) & ~(size_t)63);

	if (!vm)
		return NULL;
	memset(vm, 0, sizeof(*vm));
	vm->fx[0] = 0x7f;                 /* FCW 0x37f, MXCSR 0x1f80 (vm.c's fx_initial) */
	vm->fx[1] = 0x03;
	vm->fx[24] = 0x80;
	vm->fx[25] = 0x1f;
	vm->id = VMTAB_NONE;
	return vm;
}

void vm_discard(struct vm *vm)
{
	free(vm);
}

int vm_publish_restored(struct vm *vm)
{
	return vmtab_publish(vm, NULL);
}

/* The host CPU never holds a VM's registers. */
void sched_fpu_sync(struct vm *vm)
{
	(void)vm;
}

bool sched_idle_left(const struct vm *vm, uint64_t *left_ns)
{
	uint64_t d = vm->timer.deadline;

	if (vm->state != VM_BLOCKED)
		return false;
	*left_ns = d == TQ_NEVER ? UINT64_MAX : d > host_now ? d - host_now : 0;
	return true;
}

void sched_restore(struct vm *vm, bool idle, uint64_t left_ns)
{
	if (!idle)
		runq_push(&host_rq, vm);
	else if (runq_block(&host_rq, vm, left_ns == UINT64_MAX ? TQ_NEVER : host_now + left_ns) != 0)
		abort();
}
