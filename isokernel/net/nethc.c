/* nethc.c - the network hypercalls (check every guest argument, then hand frames to the switch) and the NIC and the
 * switch as main-loop event sources. */
#include "hot.h"
#include "nethc.h"
#include "hcall.h"
#include "loop.h"
#include "sched.h"
#include "vm.h"
#include "vswitch.h"
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

static long hc_net_send(struct vm *vm, uint64_t buf, uint64_t len, const struct trapframe *tf)
{
	(void)tf;
	return send_one(vm, buf, len);
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

static long hc_net_recv(struct vm *vm, uint64_t buf, uint64_t cap, const struct trapframe *tf)
{
	(void)tf;
	return recv_one(vm, buf, cap);
}

/* Read n frame descriptors from the guest (n checked here). */
static int get_descs(struct vm *vm, uint64_t uva, uint64_t n, struct pv_frame *d)
{
	if (n > PV_BATCH_MAX)
		return PV_EINVAL;
	return vms_copyin(&vm->mem, d, uva, n * sizeof(*d));
}

HOT static long hc_net_send_batch(struct vm *vm, uint64_t uva, uint64_t count, const struct trapframe *tf)
{
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, uva, count, d);
	long sent = 0;

	(void)tf;
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

HOT static long hc_net_recv_batch(struct vm *vm, uint64_t uva, uint64_t count, const struct trapframe *tf)
{
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, uva, count, d);
	long got = 0;

	(void)tf;
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

/* A VM about to run a quantum may send VSW_TX_BUDGET frames in it. */
static void renew_budget(struct vm *vm)
{
	vm->tx_budget = VSW_TX_BUDGET;
}

static void nic_poll(uint64_t now)
{
	(void)now;
	vnet_poll();
}

static uint64_t nic_due(uint64_t now)
{
	return vnet_idle_until(now, LOOP_NEVER);   /* busy: now; polled: soon; else its interrupt wakes the CPU */
}

static void switch_poll(uint64_t now)
{
	(void)now;
	vsw_poll();
}

static const struct loop_source nic_source = {
	.name = "nic", .poll = nic_poll, .deadline = nic_due, .wakes = vnet_present, .busy = vnet_bouncing,
	.pending = vnet_rx_waiting, .report = vnet_report,
};
static const struct loop_source switch_source = {
	.name = "switch", .poll = switch_poll, .report = vsw_report,
};

void nethc_init(void)
{
	hcall_register(PV_SYS_net_send, hc_net_send);
	hcall_register(PV_SYS_net_recv, hc_net_recv);
	hcall_register(PV_SYS_net_send_batch, hc_net_send_batch);
	hcall_register(PV_SYS_net_recv_batch, hc_net_recv_batch);
	sched_on_dispatch = renew_budget;
	loop_register(&nic_source);
	loop_register(&switch_source);
}
