#!/bin/bash
# test_million.sh - bench/million.sh (make bench-million) in its smoke form: 2,000 tiny VMs live at once, its JSON
# complete and consistent; and its memory floor: a floor above what the host has stops the run cleanly.
# timeout: 240
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example tiny.elf
[ -x "$B/bench/maxrss" ] || fail "$B/bench/maxrss is missing (make bench-images)"
N=2000

# million NAME [VAR=VALUE...]: the script with N VMs, JSON in $WORK/NAME.json, its output in NAME.out.
million() {
	local n=$1
	shift
	env "$@" MILLION_VMS=$N MILLION_JSON="$WORK/$n.json" bash "$ROOT/bench/million.sh" "$B" >"$WORK/$n.out" 2>&1 ||
		fail "$n: million.sh exited $? ($(tail -n 3 "$WORK/$n.out"))"
	awk -f "$ROOT/bench/jflat.awk" "$WORK/$n.json" >"$WORK/$n.flat" || fail "$n: the JSON does not parse"
}
# f NAME KEY: a field of NAME's JSON as jflat prints it (empty when absent).
f() { awk -F '\t' -v k="$2" '$1 == k { print $3 }' "$WORK/$1.flat"; }

million full
for k in count created exited_ok peak_live_vms exit_status create_s all_live_s report_s run_s wall_s \
	kernel_bytes_per_vm guest_bytes_per_vm guest_ram_touched_bytes_per_vm qemu_rss_mib host_bytes_per_vm \
	qemu_mem_mib guarantee_kib vm_slots min_mem_available_mib; do
	awk -F '\t' -v k="$k" '$1 == k && $2 == "n" { ok = 1 } END { exit !ok }' "$WORK/full.flat" ||
		fail "full: $k is not a number: '$(f full "$k")'"
done
for k in count created exited_ok peak_live_vms; do
	[ "$(f full "$k")" = $N ] || fail "full: $k is $(f full "$k"), not $N"
done
[ "$(f full exit_status)" = 0 ] || fail "full: isorun exited $(f full exit_status)"
[ "$(f full stopped_low_memory)" = false ] || fail "full: stopped for low memory"
[ "$(f full kernel_bytes_per_vm)" -gt 4096 ] || fail "full: kernel_bytes_per_vm $(f full kernel_bytes_per_vm) < a page table"
[ "$(f full guarantee_kib)" = 32 ] || fail "full: $N VMs did not get the default guarantee"

# A floor no host meets: the watcher stops the run at once (isorun kills QEMU if the kernel has not booted yet, else
# asks it to end the run) and the JSON is still written, saying so.
million floor MILLION_MIN_FREE_MIB=100000000
[ "$(f floor stopped_low_memory)" = true ] || fail "floor: the run was not stopped"
[ "$(f floor count)" = $N ] || fail "floor: count is $(f floor count)"
[ "$(f floor exit_status)" != 0 ] || [ "$(f floor created)" = $N ] || fail "floor: exit 0 but $(f floor created) VMs"
grep -q 'stopping the run (signal 1)' "$WORK/floor.out" || fail "floor: the script did not say why it stopped"
grep -q 'got signal 15' "$WORK/floor.out" || fail "floor: isorun did not get the stop signal"
pass "$N VMs: create $(f full create_s) s, report $(f full report_s) s, kernel $(f full kernel_bytes_per_vm) B/VM,\
 guest $(f full guest_bytes_per_vm) B/VM, QEMU RSS $(f full qemu_rss_mib) MiB; a memory floor stops a run cleanly"
