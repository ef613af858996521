/* report.c - serial reporting: VM console records, @vm / @summary / @done lines (pvisa/runlog.h). */
#include "report.h"
#include "runlog.h"
#include "vm.h"
#include "image.h"
#include "arch.h"
#include "serial.h"
#include "kprintf.h"
#include "tsc.h"
#include "lib.h"
#include "memlayout.h"
#include "cpu.h"

struct kstats kst;

void report_qstr(const char *key, const char *s)
{
	char buf[2 * PV_ABORT_MAX + 8];
	size_t o = 0;

	for (; *s && o < sizeof(buf) - 3; s++) {
		char c = *s;
		if (c == '"' || c == '\\')
			buf[o++] = '\\';
		buf[o++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	buf[o] = 0;
	kprintf(" %s=\"%s\"", key, buf);
}

void report_vm(const struct vm *vm, const char *state, int status, const char *reason)
{
	kprintf("@vm id=%u", vm->id);
	report_qstr("image", vm->mem.img->name);
	kprintf(" state=%s status=%d", state, status);
	if (reason)
		report_qstr("reason", reason);
	kprintf(" priv_kib=%u cpu_us=%lu hypercalls=%u", vm->mem.priv_pages * 4, tsc_to_ns(vm->cpu_tsc) / 1000,
		vm->hypercalls);
	if (vm->rx_frames || vm->tx_frames)
		kprintf(" rx_frames=%u tx_frames=%u", vm->rx_frames, vm->tx_frames);
	if (vm->rx_drops || vm->tx_spoofed)
		kprintf(" rx_drops=%u tx_spoofed=%u", vm->rx_drops, vm->tx_spoofed);
	kprintf("\n");
}

void report_console(uint32_t id, const void *const p[2], const uint64_t n[2])
{
	char hdr[32];
	int len;

	if (kst.quiet)
		return;
	len = ksnprintf(hdr, sizeof(hdr), "%c%u %lu\n", RL_CONSOLE_BYTE, id, n[0] + n[1]);
	serial_write(hdr, (size_t)len);
	serial_write(p[0], n[0]);
	if (n[1])
		serial_write(p[1], n[1]);
}

static uint64_t per_vm(uint64_t total, uint64_t count)
{
	return count ? (total + count / 2) / count : 0;
}

void report_finish(int code)
{
	uint64_t started = kst.started;
	uint64_t guest = per_vm(kst.guest_priv_bytes, started) + per_vm(kst.guest_shared_bytes, started);

	kprintf("@summary vms_started=%lu vms_exited_ok=%lu vms_failed=%lu vms_faulted=%lu vms_running_at_end=%lu"
		" peak_live_vms=%lu kernel_bytes_per_vm=%lu guest_bytes_per_vm=%lu kernel_bytes_peak=%lu"
		" guest_private_bytes_per_vm=%lu guest_shared_bytes=%lu create_ns_per_vm=%lu run_ns=%lu"
		" switches=%lu hypercalls=%lu vm_struct_bytes=%lu fxsave_bytes=512 page_table_bytes=%llu"
		" timer_slot_bytes=%zu vm_table_slot_bytes=%zu timed_out=%d stopped=%d\n",
		started, kst.exited_ok, kst.failed, kst.faulted, kst.running_at_end, kst.peak_live,
		per_vm(kst.kernel_bytes_peak, kst.peak_live), guest, kst.kernel_bytes_peak,
		per_vm(kst.guest_priv_bytes, started), kst.guest_shared_bytes,
		per_vm(tsc_to_ns(kst.create_tsc), started), tsc_to_ns(rdtsc() - kst.run_start_tsc),
		kst.switches, kst.hypercalls, vm_struct_bytes(), PAGE_SIZE, sizeof(struct tq_node *), sizeof(struct vm *),
		kst.timed_out ? 1 : 0, kst.stopped ? 1 : 0);
	kprintf("@done code=%d\n", code);
	power_off(code);
}
