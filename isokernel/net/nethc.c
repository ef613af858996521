/* nethc.c - the network hypercalls (check every guest argument, then hand frames to the switch) and the NIC with the
 * switch as a main-loop event source. */
#include "hot.h"
#include "nethc.h"
#include "hcall.h"
#include "loop.h"
#include "sched.h"
#include "vm.h"
#include "vswitch.h"
#include "capture.h"
#include "virtio_net.h"
#include "lib.h"

/* Switch one frame from the guest; its length or an error. The guest does not run while its hypercall does
 * (one CPU), so a frame within one page is read where it lies; one that spans two is put together first. */
HOT static long send_one(struct vm *vm, uint64_t buf, uint64_t len)
{
	uint8_t joined[PV_FRAME_MAX];
	const void *p[2];
	uint64_t n[2];
	const uint8_t *f;
	int err;

	if (len < PV_FRAME_MIN || len > PV_FRAME_MAX)
		return PV_EINVAL;
	if (!vm->tx_budget)
		return PV_EAGAIN;
	if ((err = vms_map_read(&vm->mem, buf, len, p, n)) != 0)
		return err;
	f = p[0];
	if (n[1]) {
		memcpy(joined, p[0], n[0]);
		memcpy(joined + n[0], p[1], n[1]);
		f = joined;
	}
	vm->tx_budget--;
	err = vsw_from_vm(vm, f, len);
	return err ? err : (long)len;
}

static long hc_net_send(struct vm *vm, const struct trapframe *tf)
{
	return send_one(vm, arch_hc_arg0(tf), arch_hc_arg1(tf));
}

/* Copy the oldest queued frame to the guest; its length, 0 if none, or an error (the frame stays). */
HOT static long recv_one(struct vm *vm, uint64_t buf, uint64_t cap)
{
	struct vsw_buf *b = vsw_peek(vm);
	int err;

	if (!b)
		return 0;
	if (cap < b->len)
		return PV_EINVAL;
	if ((err = vms_copyout(&vm->mem, buf, b->frame, b->len)) != 0)
		return err;
	long len = b->len;
	vsw_pop(vm);
	return len;
}

static long hc_net_recv(struct vm *vm, const struct trapframe *tf)
{
	return recv_one(vm, arch_hc_arg0(tf), arch_hc_arg1(tf));
}

/* Read n frame descriptors from the guest (n checked here). */
static int get_descs(struct vm *vm, uint64_t uva, uint64_t n, struct pv_frame *d)
{
	if (n > PV_BATCH_MAX)
		return PV_EINVAL;
	return vms_copyin(&vm->mem, d, uva, n * sizeof(*d));
}

HOT static long hc_net_send_batch(struct vm *vm, const struct trapframe *tf)
{
	uint64_t uva = arch_hc_arg0(tf), count = arch_hc_arg1(tf);
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, uva, count, d);
	long sent = 0;

	if (err)
		return err;
	for (uint64_t i = 0; i < count; i++) {
		long r = send_one(vm, d[i].addr, d[i].len);
		if (r < 0)
			return sent ? sent : r;
		sent++;
	}
	return sent;
}

HOT static long hc_net_recv_batch(struct vm *vm, const struct trapframe *tf)
{
	uint64_t uva = arch_hc_arg0(tf), count = arch_hc_arg1(tf);
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, uva, count, d);
	long got = 0;

	/* The lengths go back into the descriptors: they must be writable before a frame is taken off the queue. */
	if (err || (err = vms_prepare_write(&vm->mem, uva, count * sizeof(*d))) != 0)
		return err;
	for (uint64_t i = 0; i < count; i++) {
		long r = recv_one(vm, d[i].addr, d[i].cap);
		if (r <= 0) {
			if (r < 0 && !got)
				return r;
			break;
		}
		d[i].len = (uint32_t)r;
		got++;
	}
	if (got && (err = vms_copyout(&vm->mem, uva, d, (uint64_t)got * sizeof(*d))) != 0)
		return err;
	return got;
}

/* A VM about to run a quantum may send VSW_TX_BUDGET frames in it (sched.h). */
void sched_dispatch_hook(struct vm *vm)
{
	vm->tx_budget = VSW_TX_BUDGET;
}

/* The NIC and the switch, one source: reclaim and notify the NIC's rings, switch what it received. */
static void net_poll(uint64_t now)
{
	(void)now;
	vnet_poll();
	vsw_poll();
}

static uint64_t net_due(uint64_t now)
{
	return vnet_idle_until(now, LOOP_NEVER);   /* busy: now; polled: soon; else its interrupt wakes the CPU */
}

static void net_report(void)
{
	vnet_report();
	vsw_report();
	capture_finish();
}

/* Without a NIC there is nothing to poll (both polls return at once): the loop's pass skips the call. */
static const struct loop_source net_source = {
	.name = "net", .poll = net_poll, .deadline = net_due, .wakes = vnet_present, .busy = vnet_bouncing,
	.pending = vnet_rx_waiting, .report = net_report,
};
static const struct loop_source net_source_no_nic = {
	.name = "net (no NIC)", .report = net_report,
};

void nethc_init(void)
{
	hcall_register(PV_SYS_net_send, hc_net_send);
	hcall_register(PV_SYS_net_recv, hc_net_recv);
	hcall_register(PV_SYS_net_send_batch, hc_net_send_batch);
	hcall_register(PV_SYS_net_recv_batch, hc_net_recv_batch);
	loop_register(vnet_present() ? &net_source : &net_source_no_nic);
}
