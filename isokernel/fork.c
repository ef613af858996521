/* fork.c - fork: a live VM's copy-on-write child with its own id, address and entropy (pv_fork, FORK, T_FORK). */
/* The parts of a VM are copied as vmstate.c saves them: CPU (registers, x87/SSE, selectors), memory (vms_clone: shared
 * copy-on-write), timer (its place in the scheduler), network (a port of its own: a new address, or the parent's
 * unbound), metadata (fresh: id, CPU time, hypercalls). Entropy needs nothing here: the kernel's random is drawn per
 * call, and the guest learns from its start info that it is a child and drops what it cached (PVISA.md "fork"). */
#include "fork.h"
#include "vm.h"
#include "vmtab.h"
#include "vswitch.h"
#include "sched.h"
#include "hcall.h"
#include "image.h"
#include "tenant.h"
#include "service.h"
#include "report.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"

static struct pv_start_info *start_info(struct vm *vm)
{
	return (struct pv_start_info *)((uint8_t *)vms_start_page(&vm->mem) + (PV_START_INFO - PV_START_PAGE));
}

/* May parent's owner have one more VM like it (its tenant's quotas, the VM table)? */
static uint16_t fork_admit(const struct vm *parent)
{
	const struct tenant *t = parent->tenant ? tenant_get(parent->tenant) : NULL;

	if (t && !tenant_fits(t, 1, parent->mem.quota_pages * 4u))
		return CTL_E_QUOTA;
	if (vmtab_count() >= vmtab_cap())
		return CTL_E_LIMIT;
	return CTL_OK;
}

/* The CPU part and what else the child inherits (its memory is cloned already). */
static void fork_copy(struct vm *c, const struct vm *p)
{
	memcpy(c->fx, p->fx, sizeof(c->fx));
	tf_copy(&c->regs, &p->regs);                 /* regs.sel: the data selectors, synced from the CPU */
	c->pending = p->pending & ~(uint32_t)PV_PEND_NET_RX;   /* the queued frames stay the parent's */
	c->con_done = p->con_done;                   /* a console_write cut short goes on in both */
}

/* Free a child that was never published. */
static void fork_undo(struct vm *c)
{
	vsw_state_discard(c);
	vms_destroy(&c->mem);
	vm_discard(c);
}

/* A blank VM with the parent's memory, a start page of its own and (same_address) the parent's address: NULL with
 * *status CTL_E_NOMEM when memory for one of them could not be had. */
static struct vm *fork_build(struct vm *parent, bool same_address, uint16_t *status)
{
	struct vm *c = vm_blank();

	*status = CTL_E_NOMEM;
	if (!c)
		return NULL;
	c->tenant = parent->tenant;
	if (vms_clone(&c->mem, &parent->mem, parent->mem.guar_pages) != 0) {
		vm_discard(c);
		return NULL;
	}
	/* The start page is rewritten for the child: its own copy now (a copy-on-write fault resolved in advance). */
	if (vms_prepare_write(&c->mem, PV_START_INFO, sizeof(struct pv_start_info)) != 0 ||
	    (same_address && vsw_port_alias(c, parent) != 0)) {
		fork_undo(c);
		return NULL;
	}
	*status = CTL_OK;
	return c;
}

/* The child into the scheduler as the parent is: idle until the same deadline, or runnable. */
static void fork_place(struct vm *c, const struct vm *parent)
{
	uint64_t left;

	if (sched_idle_left(parent, &left)) {
		c->state = VM_BLOCKED;
		sched_restore(c, true, left);
	} else {
		c->state = VM_RUNNABLE;
		sched_enqueue(c);
	}
}

static void fork_count(struct vm *c, const struct vm *parent)
{
	struct image *img = image_get(c->mem.img->id);

	if (img == c->mem.img)
		img->instances++;
	kst.started++;
	kst.forks++;
	sched_live_delta(+1);
	svc_vm_forked(parent, c);
}

struct vm *fork_vm(struct vm *parent, bool same_address, uint16_t *status)
{
	uint64_t t0 = rdtsc();
	struct vm *c = NULL;

	if ((*status = fork_admit(parent)) == CTL_OK) {
		sched_fpu_sync(parent);                      /* its x87/SSE state and selectors, if the CPU holds them */
		c = fork_build(parent, same_address, status);
	}
	if (c) {
		fork_copy(c, parent);
		if (vmtab_publish(c, start_info(c)) != 0) {  /* observers: an address (unless same_address), the tenant */
			fork_undo(c);
			c = NULL;
			*status = CTL_E_LIMIT;
		}
	}
	if (!c) {
		kst.fork_refused++;
		return NULL;
	}
	start_info(c)->vm_id = c->id;                        /* MAC and IPv4: the switch's observer wrote them */
	fork_place(c, parent);
	fork_count(c, parent);
	t0 = rdtsc() - t0;
	tstat_add(&kst.fork_cycles, t0);
	kst.create_tsc += t0;                                /* create_ns_per_vm: every VM made, forks too */
	return c;
}

/* pv_fork(): the child's id in the parent, 0 in the child (rax), PV_ENOMEM / PV_EAGAIN when none could be made. */
static long hc_fork(struct vm *vm, const struct trapframe *tf)
{
	uint16_t st;
	struct vm *c;

	hcall_park(vm, tf);                  /* the child resumes from the parent's registers at this call */
	c = fork_vm(vm, false, &st);
	if (!c)
		return st == CTL_E_LIMIT ? PV_EAGAIN : PV_ENOMEM;
	arch_set_retval(&c->arch, 0);
	return (long)c->id;
}

void fork_init(void)
{
	hcall_register(PV_SYS_fork, hc_fork);
}

/* The FORK under way (CTL_AGAIN between passes). */
static struct ctl_fork_rep run;

static uint16_t fork_reply(uint16_t st, struct ctl_out *o, const char *why)
{
	memcpy(o->p, &run, sizeof(run));
	o->len = sizeof(run);
	if (run.created)
		return CTL_OK;
	return ctl_why(o, st, "%s", why);
}

static const char *fork_why(uint16_t st)
{
	switch (st) {
	case CTL_E_QUOTA: return "over the tenant's quota (VMs or memory): no child made";
	case CTL_E_LIMIT: return "the VM table or the tenant's addresses are full: no child made";
	case CTL_E_NOENT: return "no such live VM";
	default:          return "out of memory for another VM and its guarantee: no child made";
	}
}

uint16_t fork_op(uint32_t tenant, const struct ctl_fork_req *q, struct ctl_out *o)
{
	struct vm *parent = vmtab_get(q->vm);

	if (o->first)
		memset(&run, 0, sizeof(run));
	if (!parent || (tenant && parent->tenant != tenant)) {
		run.stopped_by = CTL_E_NOENT;
		return fork_reply(CTL_E_NOENT, o, run.created ? "" : fork_why(CTL_E_NOENT));
	}
	for (uint32_t k = 0; k < FORK_STEP && run.created < q->count; k++) {
		uint16_t st;
		struct vm *c = fork_vm(parent, false, &st);
		if (!c) {
			run.stopped_by = st;
			return fork_reply(st, o, fork_why(st));
		}
		run.first_id = run.created ? run.first_id : c->id;
		run.last_id = c->id;
		run.created++;
	}
	return run.created < q->count ? CTL_AGAIN : fork_reply(CTL_OK, o, "");
}
