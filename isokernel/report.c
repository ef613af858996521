/* report.c - the report stream: VM console records, @vm / @summary / @done lines (pvisa/runlog.h). */
#include "report.h"
#include "runlog.h"
#include "vm.h"
#include "image.h"
#include "arch.h"
#include "kprintf.h"
#include "tsc.h"
#include "lib.h"
#include "memlayout.h"
#include "cpu.h"

struct kstats kst;
uint64_t report_brief;

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

static void (*vm_counters)(const struct vm *vm);
static void (*vm_owner)(const struct vm *vm);

void report_set_vm_counters(void (*fn)(const struct vm *vm))
{
	vm_counters = fn;
}

void report_set_vm_owner(void (*fn)(const struct vm *vm))
{
	vm_owner = fn;
}

/* The counters a layer above keeps for a VM (the switch's), when it registered them; then its owner (a tenant's
 * VM: tenant and service), when the tenant layer registered that. */
static void report_vm_counters(const struct vm *vm)
{
	if (vm_counters)
		vm_counters(vm);
	if (vm_owner)
		vm_owner(vm);
}

/* "@v id state status [image=".."] [reason=".."] [counters]": image and reason only when they differ from the previous
 * @v record's (reason="" when it had one and this VM has none); 18-30 bytes for most VMs instead of 80-110. */
static void report_vm_brief(const struct vm *vm, const char *state, int status, const char *reason)
{
	static const struct image *last_img;
	static char last_reason[2 * PV_ABORT_MAX];
	static bool last_kept;       /* last_reason holds the previous record's reason (false: it was too long) */
	const char *r = reason ? reason : "";
	bool fits = strlen(r) < sizeof(last_reason);

	kprintf("@v %u %s %d", vm->id, state, status);
	if (vm->mem.img != last_img) {
		report_qstr("image", vm->mem.img->name);
		last_img = vm->mem.img;
	}
	if (!last_kept || !fits || strcmp(r, last_reason) != 0) {
		report_qstr("reason", r);
		strlcpy(last_reason, r, sizeof(last_reason));
		last_kept = fits;
	}
	report_vm_counters(vm);
	kprintf("\n");
}

void report_vm(const struct vm *vm, const char *state, int status, const char *reason)
{
	if (report_brief) {
		report_vm_brief(vm, state, status, reason);
		return;
	}
	kprintf("@vm id=%u", vm->id);
	report_qstr("image", vm->mem.img->name);
	kprintf(" state=%s status=%d", state, status);
	if (reason)
		report_qstr("reason", reason);
	kprintf(" priv_kib=%u cpu_us=%lu hypercalls=%u", vm->mem.priv_pages * 4, tsc_to_ns(vm->cpu_tsc) / 1000,
		vm->hypercalls);
	report_vm_counters(vm);
	kprintf("\n");
}

void report_console_piece(uint32_t id, const void *const p[2], const uint64_t n[2], uint64_t off, uint64_t len)
{
	char hdr[32];
	int h;

	if (kst.quiet)
		return;
	h = ksnprintf(hdr, sizeof(hdr), "%c%u %lu\n", RL_CONSOLE_BYTE, id, len);
	kwrite(hdr, (size_t)h);
	if (off < n[0]) {
		uint64_t a = n[0] - off < len ? n[0] - off : len;
		kwrite((const uint8_t *)p[0] + off, a);
		off += a;
		len -= a;
	}
	if (len)
		kwrite((const uint8_t *)p[1] + (off - n[0]), len);
}

static uint64_t per_vm(uint64_t total, uint64_t count)
{
	return count ? (total + count / 2) / count : 0;
}

/* " <count_key>=N <key>=mean <key>_median=N <key>_min=N" for one timing statistic (TSC ticks). */
static void report_tstat(const char *count_key, const char *key, struct tstat *st)
{
	kprintf(" %s=%lu %s=%lu %s_median=%lu %s_min=%lu", count_key, st->count, key, tstat_mean(st), key,
		tstat_median(st), key, st->count ? (uint64_t)st->min : 0);
}

/* The scheduler's and the run's timing figures: all live, scheduler passes, interrupt deliveries, memory low. */
static void report_timing(void)
{
	bool all_live = kst.started && kst.first_runs == kst.started;

	kprintf(" all_live=%d all_live_ns=%lu", all_live ? 1 : 0,
		all_live ? tsc_to_ns(kst.all_live_tsc - kst.first_create_tsc) : 0);
	report_tstat("sched_passes", "sched_cycles_per_pass", &kst.sched_pass);
	kprintf(" sched_pick_cycles=%lu sched_pick_cycles_median=%lu", tstat_mean(&kst.sched_pick),
		tstat_median(&kst.sched_pick));
	report_tstat("sched_switch_passes", "sched_switch_cycles", &kst.sched_switch);
	report_tstat("timer_deliveries", "timer_delivery_cycles", &kst.timer_delivery);
	report_tstat("net_deliveries", "net_delivery_cycles", &kst.net_delivery);
	kprintf(" free_frames_min=%lu", kst.free_frames_min);
	if (kst.forks)
		report_tstat("forks", "fork_cycles", &kst.fork_cycles);
}

void report_finish(int code)
{
	uint64_t started = kst.started;
	uint64_t guest = per_vm(kst.guest_priv_bytes, started) + per_vm(kst.guest_shared_bytes, started);

	kprintf("@summary vms_started=%lu vms_exited_ok=%lu vms_failed=%lu vms_faulted=%lu vms_running_at_end=%lu"
		" peak_live_vms=%lu kernel_bytes_per_vm=%lu guest_bytes_per_vm=%lu kernel_bytes_peak=%lu"
		" guest_private_bytes_per_vm=%lu guest_shared_bytes=%lu create_ns_per_vm=%lu run_ns=%lu"
		" switches=%lu hypercalls=%lu vm_struct_bytes=%lu fxsave_bytes=512 page_table_bytes=%llu"
		" timer_slot_bytes=%zu vm_table_slot_bytes=%zu timed_out=%d stopped=%d vms_reclaimed=%lu",
		started, kst.exited_ok, kst.failed, kst.faulted, kst.running_at_end, kst.peak_live,
		per_vm(kst.kernel_bytes_peak, kst.peak_live), guest, kst.kernel_bytes_peak,
		per_vm(kst.guest_priv_bytes, started), kst.guest_shared_bytes,
		per_vm(tsc_to_ns(kst.create_tsc), started), tsc_to_ns(rdtsc() - kst.run_start_tsc),
		kst.switches, kst.hypercalls, vm_struct_bytes(), PAGE_SIZE, sizeof(struct tq_node *), sizeof(struct vm *),
		kst.timed_out ? 1 : 0, kst.stopped ? 1 : 0, kst.reclaimed);
	report_timing();
	kprintf("\n@done code=%d\n", code);
	kprintf_sync();
	power_off(code);
}
