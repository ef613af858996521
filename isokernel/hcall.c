/* hcall.c - the virtual instructions: decode and check every guest argument, then act (table from PV_CALLS). */
#include "hot.h"
#include "vm.h"
#include "image.h"
#include "vswitch.h"
#include "sched.h"
#include "report.h"
#include "rand.h"
#include "tsc.h"
#include "rtc.h"
#include "lib.h"
#include "kprintf.h"
#include "cpu.h"

/* A handler returns the result for rax, or HC_SWITCH when the VM must not be resumed now
 * (it ended, blocked or yielded). */
#define HC_SWITCH (-1000)
typedef long (*hc_fn)(struct vm *vm, const struct trapframe *tf);

static long hc_exit(struct vm *vm, const struct trapframe *tf)
{
	vm_end(vm, VM_EXITED, (int)(tf->rdi & 0xff), NULL);
	return HC_SWITCH;
}

static long hc_abort(struct vm *vm, const struct trapframe *tf)
{
	char msg[PV_ABORT_MAX + 1];
	uint64_t len = tf->rsi < PV_ABORT_MAX ? tf->rsi : PV_ABORT_MAX;

	if (vms_copyin(&vm->mem, msg, tf->rdi, len) != 0)
		len = 0;
	msg[len] = 0;
	vm_end(vm, VM_FAILED, -1, len ? msg : "aborted (unreadable message)");
	return HC_SWITCH;
}

/* The VM leaves the CPU inside this hypercall: its registers go from the entry frame to vm->regs, where the
 * scheduler resumes it from (a hypercall that returns at once never copies them: vm_hcall_return). */
static void park(struct vm *vm, const struct trapframe *tf)
{
	tf_copy(&vm->regs, tf);
}

static long hc_idle(struct vm *vm, const struct trapframe *tf)
{
	if (vm->pending) {                 /* events already waiting: deliver them at once */
		long p = (long)vm->pending;
		vm->pending = 0;
		return p;
	}
	park(vm, tf);
	sched_block(vm, tf->rdi);
	return HC_SWITCH;
}

/* The UART takes 10-20 us a byte under TCG: a console write goes out in pieces of CON_PIECE bytes (one record each),
 * and when the VM's quantum is over between two pieces it is preempted inside the call, which it makes again when it
 * next runs (rip back on the syscall, registers as they were): vm->con_done says how much is out. So the output
 * is charged to the VM's own time and never holds the CPU past its quantum by more than one piece. */
#define CON_PIECE 128u
#define SYSCALL_LEN 2            /* 0f 05 */

static long hc_console_write(struct vm *vm, const struct trapframe *tf)
{
	const void *p[2];
	uint64_t n[2], len = tf->rsi, done = vm->con_done;
	int err;

	vm->con_done = 0;
	if (len > PV_CONSOLE_MAX)
		return PV_EINVAL;
	if (done >= len)
		done = 0;                /* not the call that was cut short: start afresh */
	if (len == 0)
		return 0;
	if ((err = vms_map_read(&vm->mem, tf->rdi, len, p, n)) != 0)
		return err;
	for (uint64_t off = done; off < len; off += CON_PIECE) {
		if (off > done && sched_quantum_over()) {
			vm->con_done = (uint16_t)off;
			park(vm, tf);
			vm->regs.rip -= SYSCALL_LEN;    /* the call again (rax still names it), from where it stopped */
			sched_preempt(vm);
			return HC_SWITCH;
		}
		report_console_piece(vm->id, p, n, off, off + CON_PIECE < len ? CON_PIECE : len - off);
	}
	return (long)len;
}

static long hc_clock_mono(struct vm *vm, const struct trapframe *tf)
{
	(void)vm, (void)tf;
	return (long)now_ns();
}

static long hc_clock_wall(struct vm *vm, const struct trapframe *tf)
{
	(void)vm, (void)tf;
	return (long)(rtc_wall_ns_at_boot + now_ns());
}

static long hc_random(struct vm *vm, const struct trapframe *tf)
{
	uint8_t buf[PV_RANDOM_MAX];
	int err;

	if (tf->rsi > PV_RANDOM_MAX)
		return PV_EINVAL;
	rand_bytes(buf, tf->rsi);
	err = vms_copyout(&vm->mem, tf->rdi, buf, tf->rsi);
	memset(buf, 0, sizeof(buf));
	return err ? err : (long)tf->rsi;
}

static long hc_meminfo(struct vm *vm, const struct trapframe *tf)
{
	struct pv_meminfo mi = {
		.quota_bytes = (uint64_t)vm->mem.quota_pages * PV_PAGE_SIZE,
		.private_bytes = (uint64_t)vm->mem.priv_pages * PV_PAGE_SIZE,
		.shared_bytes = (uint64_t)vm->mem.img->shared_pages * PV_PAGE_SIZE,
		.heap_start = vms_heap_start(&vm->mem),
		.heap_end = vm->mem.heap_end,
	};
	return vms_copyout(&vm->mem, tf->rdi, &mi, sizeof(mi));
}

static long hc_yield(struct vm *vm, const struct trapframe *tf)
{
	park(vm, tf);
	vm->regs.rax = 0;
	sched_enqueue(vm);
	return HC_SWITCH;
}

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
	return send_one(vm, tf->rdi, tf->rsi);
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
	return recv_one(vm, tf->rdi, tf->rsi);
}

/* Read n frame descriptors from the guest (n checked by the caller). */
static int get_descs(struct vm *vm, uint64_t uva, uint64_t n, struct pv_frame *d)
{
	if (n > PV_BATCH_MAX)
		return PV_EINVAL;
	return vms_copyin(&vm->mem, d, uva, n * sizeof(*d));
}

HOT static long hc_net_send_batch(struct vm *vm, const struct trapframe *tf)
{
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, tf->rdi, tf->rsi, d);
	long sent = 0;

	if (err)
		return err;
	for (uint64_t i = 0; i < tf->rsi; i++) {
		long r = send_one(vm, d[i].addr, d[i].len);
		if (r < 0)
			return sent ? sent : r;
		sent++;
	}
	return sent;
}

HOT static long hc_net_recv_batch(struct vm *vm, const struct trapframe *tf)
{
	struct pv_frame d[PV_BATCH_MAX];
	int err = get_descs(vm, tf->rdi, tf->rsi, d);
	long got = 0;

	/* The lengths go back into the descriptors: they must be writable before a frame is taken off the queue. */
	if (err || (err = vms_prepare_write(&vm->mem, tf->rdi, tf->rsi * sizeof(*d))) != 0)
		return err;
	for (uint64_t i = 0; i < tf->rsi; i++) {
		long r = recv_one(vm, d[i].addr, d[i].cap);
		if (r <= 0) {
			if (r < 0 && !got)
				return r;
			break;
		}
		d[i].len = (uint32_t)r;
		got++;
	}
	if (got && (err = vms_copyout(&vm->mem, tf->rdi, d, (uint64_t)got * sizeof(*d))) != 0)
		return err;
	return got;
}

static const hc_fn hc_table[PV_SYS_COUNT] = {
#define PV_X_TABLE(nr, name, argc) [nr] = hc_##name,
	PV_CALLS(PV_X_TABLE)
#undef PV_X_TABLE
};

HOT void hcall_entry(struct trapframe *tf)
{
	struct vm *vm = sched_current;
	long r;

	if (!vm)
		panic("syscall with no current VM");
	sched_charge(vm);
	vm->hypercalls++;
	r = tf->rax < PV_SYS_COUNT ? hc_table[tf->rax](vm, tf) : PV_ENOSYS;
	if (r == HC_SWITCH)
		sched_run();
	vm_hcall_return(vm, tf, r);
}
