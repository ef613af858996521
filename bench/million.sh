#!/bin/bash
# million.sh - N tiny VMs live at once in one kernel (issue 11, item 4): counts, creation / all-live / report times,
#   bytes per VM and QEMU's peak RSS, as JSON. `make bench-million`; not part of `make test` (the smoke form is:
#   tests/system/test_million.sh runs it with MILLION_VMS=2000).
# usage: bench/million.sh [B]     B: the build directory (default build)
#   MILLION_VMS=N       VMs of build/examples/tiny.elf (default 1000000)
#   MILLION_JSON=FILE   where the JSON goes (default B/results/million.json)
#   MILLION_MIN_FREE_MIB=M  the host's floor: when MemAvailable falls under M MiB (default 3072) the run is stopped
#                       (SIGTERM to isorun: the kernel ends every VM and reports; under M/2 a second one: QEMU is
#                       killed), so a shared host never swaps
#   MILLION_ARGS="..."  extra isorun options (e.g. --no-console, --guarantee 8)
# Figures only: no assertion on a time. Exit status: 0 when the JSON was written (whatever the run's outcome: see its
# exit_status and stopped_low_memory), 2 on a missing build.
#
# JSON fields: count (asked), created (vms_started), exited_ok, peak_live_vms (VMs live at once: every VM is created
#   before the first runs), exit_status (isorun's); times in seconds: all_live_s (host clock, from starting isorun to
#   the kernel's "N VMs created" line: QEMU's start, boot and every VM made, all live at once), report_s (host clock,
#   from that line to isorun's summary: each tiny VM's one quantum, its report record, isorun reading them all),
#   create_s (the kernel's own creation time: create_ns_per_vm x created), kernel_run_s (its run_ns, the same span as
#   report_s seen by the kernel), kernel_all_live_s (its all_live_ns: first creation to the last VM's first quantum),
#   tsc_hz (the kernel's TSC calibration, which its times rest on: under TCG on a loaded host it can be off by tens of
#   percent - the host-clock times are the ones to quote), run_s (isorun's QEMU wall time), wall_s (this script's,
#   isorun's parsing and JSON included), kernel_bytes_per_vm,
#   guest_bytes_per_vm (the kernel's exact accounting), guest_ram_touched_bytes_per_vm ((@boot free_frames -
#   free_frames_min) x 4 KiB / created: what the run used of guest RAM, tables and all), qemu_rss_mib (QEMU's
#   peak RSS: wait4's ru_maxrss of isorun's tree), host_bytes_per_vm (that / created), qemu_mem_mib, guarantee_kib,
#   vm_slots (@boot), accel, report_channel (console: the kernel opened the virtio-console report port; serial: the
#   stream went through COM1 alone),
#   min_mem_available_mib (the host's lowest MemAvailable seen), stopped_low_memory, host_load_start/end (1-minute
#   load average of the host, shared with other work: the times stretch with it).
set -u
cd "$(dirname "$0")/.." || exit 2
B=${1:-${B:-build}}
N=${MILLION_VMS:-1000000}
OUT=${MILLION_JSON:-$B/results/million.json}
FLOOR=${MILLION_MIN_FREE_MIB:-3072}
. bench/lib.sh

for f in "$B/bin/isorun" "$B/isokernel.bin" "$B/examples/tiny.elf" "$B/bench/maxrss"; do
	[ -e "$f" ] || { echo "million: $f is missing (make all bench-images)" >&2; exit 2; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/million.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

avail_mib() { awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo; }

# watch PID: until PID ends, track the lowest MemAvailable. Under the floor, SIGTERM isorun (PID's child): the kernel
# ends the run and reports (it reads the request once every VM is made); under half the floor, a second SIGTERM:
# isorun kills QEMU at once.
watch_memory() {
	local low stopped=0 a kid
	low=$(avail_mib)
	while kill -0 "$1" 2>/dev/null; do
		a=$(avail_mib)
		[ "$a" -lt "$low" ] && low=$a
		kid=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
		if [ -n "$kid" ] && { { [ $stopped = 0 ] && [ "$a" -lt "$FLOOR" ]; } ||
			{ [ $stopped = 1 ] && [ "$a" -lt $((FLOOR / 2)) ]; }; }; then
			stopped=$((stopped + 1))
			echo "million: host MemAvailable ${a} MiB < ${FLOOR} MiB: stopping the run (signal $stopped)" >&2
			kill -TERM $kid 2>/dev/null
		fi
		sleep 1
	done
	echo "$low $stopped" >"$TMP/watch"
}

# isorun's stdout lines with the host clock in front (under --quiet only kernel log lines and the summary come there).
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done
}
# at REGEX: the host time of the first stamped line matching REGEX (empty if none).
at() { grep -m 1 -E "^[0-9.]+ $1" "$TMP/stamps" | cut -d ' ' -f 1; }

echo "million: $N x tiny.elf (host MemAvailable $(avail_mib) MiB, floor $FLOOR MiB)" >&2
load0=$(cut -d ' ' -f 1 /proc/loadavg)
t0=$EPOCHREALTIME
# shellcheck disable=SC2086
"$B/bench/maxrss" "$TMP/rss" "$B/bin/isorun" --quiet --timeout 3600 --json "$TMP/run.json" ${MILLION_ARGS:-} \
	"$B/examples/tiny.elf:$N" > >(stamp >"$TMP/stamps") 2>"$TMP/err" &
pid=$!
watch_memory $pid &
wpid=$!
wait $pid
rc=$?
wait $wpid
t1=$EPOCHREALTIME
sleep 0.2                                   # the stamping loop reads the last lines
cut -d ' ' -f 2- "$TMP/stamps" | grep -v '^isorun: ---- summary' >&2
grep -v ' s: [0-9]* of ' "$TMP/err" >&2
read -r low stopped <"$TMP/watch"

# The run's top-level figures (the "vms" array, a line per VM, comes last: only the head is read).
sed -n '1,/^  "vms"/p' "$TMP/run.json" 2>/dev/null >"$TMP/head.json"
J=$TMP/head.json
v() { jnum "$(jget "$1" "$J")"; }
started=$(v vms_started)
secs() { calc '%.3f' 'x / 1e9' -v x="$1"; }
create_s=null all_live_s=null report_s=null k_live=null k_run=null touched=null host_pv=null
tc=$(at 'isokernel: [0-9]+ VMs created in') ts=$(at 'isorun: ---- summary')
[ -n "$tc" ] && all_live_s=$(calc '%.3f' 'b - a' -v a="$t0" -v b="$tc")
[ -n "$tc" ] && [ -n "$ts" ] && report_s=$(calc '%.3f' 'b - a' -v a="$tc" -v b="$ts")
[ "$started" != null ] && [ "$started" -gt 0 ] && [ "$(v create_ns_per_vm)" != null ] &&
	create_s=$(calc '%.3f' 'p * n / 1e9' -v p="$(v create_ns_per_vm)" -v n="$started")
[ "$(v all_live)" = 1 ] && k_live=$(secs "$(v all_live_ns)")
[ "$(v kernel_run_ns)" != null ] && k_run=$(secs "$(v kernel_run_ns)")
ff=$(v free_frames) ffmin=$(v free_frames_min)
[ "$started" != null ] && [ "$started" -gt 0 ] && [ "$ff" != null ] && [ "$ffmin" != null ] &&
	touched=$(calc '%d' '(f - m) * 4096 / n' -v f="$ff" -v m="$ffmin" -v n="$started")
rss_kib=$(cat "$TMP/rss" 2>/dev/null)
rss_mib=null
[ -n "$rss_kib" ] && rss_mib=$(calc '%d' 'k / 1024' -v k="$rss_kib")
[ -n "$rss_kib" ] && [ "$started" != null ] && [ "$started" -gt 0 ] &&
	host_pv=$(calc '%d' 'k * 1024 / n' -v k="$rss_kib" -v n="$started")
# The kernel names its report port when it opened it (runlog.h): otherwise the stream stayed on COM1.
channel=serial
grep -qE '^[0-9.]+ isokernel: virtio-console .* report=[0-9]+ \(open\)' "$TMP/stamps" && channel=console

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
{
  "count": $N,
  "created": $started,
  "exited_ok": $(v vms_exited_ok),
  "peak_live_vms": $(v peak_live_vms),
  "exit_status": $rc,
  "all_live_s": $all_live_s,
  "report_s": $report_s,
  "create_s": $create_s,
  "kernel_run_s": $k_run,
  "kernel_all_live_s": $k_live,
  "tsc_hz": $(v tsc_hz),
  "run_s": $(v run_seconds),
  "wall_s": $(calc '%.3f' 'b - a' -v a="$t0" -v b="$t1"),
  "kernel_bytes_per_vm": $(v kernel_bytes_per_vm),
  "guest_bytes_per_vm": $(v guest_bytes_per_vm),
  "guest_ram_touched_bytes_per_vm": $touched,
  "qemu_rss_mib": $rss_mib,
  "host_bytes_per_vm": $host_pv,
  "qemu_mem_mib": $(v qemu_mem_mib),
  "guarantee_kib": $(v guarantee_kib),
  "vm_slots": $(v vm_slots),
  "accel": "$(jstrf accel "$J")",
  "report_channel": "$channel",
  "min_mem_available_mib": $low,
  "stopped_low_memory": $([ "$stopped" -gt 0 ] && echo true || echo false),
  "host_load_start": $load0,
  "host_load_end": $(cut -d ' ' -f 1 /proc/loadavg)
}
EOF
echo "million: wrote $OUT" >&2
cat "$OUT"
