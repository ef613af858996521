#!/bin/bash
# test_isobench.sh - the grading harness: its parsing units (CUnit), a small per-VM run of tiny (1, 10, 100 VMs) with
# every JSON field checked for presence and sanity, a run stopped after all VMs are live (idle, full @vm lines), the
# short @v records giving isorun the same JSON, a small --sched run, a failing run (exit 1) and bad input (exit 2).
# timeout: 240
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example tiny.elf idle.elf
IB=$B/bin/isobench
UNIT=$B/tests/isobench_unit
[ -x "$IB" ] || fail "$IB is missing (make isobench)"
[ -x "$UNIT" ] || fail "$UNIT is missing (make isobench)"
[ -f "$B/bench/spin.elf" ] || fail "$B/bench/spin.elf is missing (make isobench)"

echo "+ $UNIT"
"$UNIT" >"$WORK/unit.out" 2>&1 || { cat "$WORK/unit.out"; fail "the parsing unit tests failed"; }
grep -A3 'Run Summary' "$WORK/unit.out"

# values KEY FILE: every scalar value of "KEY" in FILE, one per line (arrays of samples are skipped).
values() { grep -o "\"$1\": [^][{},]*" "$2" | sed 's/^[^:]*: //; s/[[:space:]]*$//' | grep .; }
# one KEY FILE: the single value of "KEY".
one() { values "$1" "$2" | head -n 1; }
# check_all KEY FILE TEST: every value of KEY passes the awk condition TEST (on $1); there are NRES of them.
check_all() {
	got=$(values "$1" "$2")
	[ "$(printf '%s\n' "$got" | grep -c .)" = "$NRES" ] || fail "$2: \"$1\" appears $(printf '%s\n' "$got" | grep -c .) times, not $NRES"
	printf '%s\n' "$got" | awk "{ if (!($3)) { bad = 1 } } END { exit bad }" ||
		fail "$2: \"$1\" = $(printf '%s\n' "$got" | tr '\n' ' ')fails: $3"
}

# ---- bad input: exit 2 with a message, no JSON written ----
bad() {
	echo "+ isobench $*"
	"$IB" --json "$WORK/bad.json" "$@" >"$WORK/bad.out" 2>&1
	rc=$?
	sed 's/^/  | /' "$WORK/bad.out" | head -n 3
	[ $rc = 2 ] || fail "isobench $*: exit status $rc, expected 2"
	grep -q '^isobench: ' "$WORK/bad.out" || fail "isobench $*: no message"
	[ -e "$WORK/bad.json" ] && fail "isobench $*: wrote a report"
	return 0
}
printf 'not an elf\n' >"$WORK/notelf.elf"
bad --vms 1
bad --image "$WORK/missing.elf"
bad --image "$WORK/notelf.elf"
bad --image "$WORK"
bad --image "$EX/tiny.elf" --vms 1,x
bad --image "$EX/tiny.elf" --vms 0,10
bad --image "$EX/tiny.elf" --vms 1,1048577
bad --image "$EX/tiny.elf" --vms 10,10
bad --image "$EX/tiny.elf" --vms ""
bad --image "$EX/tiny.elf" --reps 0
bad --image "$EX/tiny.elf" --accel fast
bad --image "$EX/tiny.elf" --bogus
bad --image "$EX/tiny.elf" extra
bad --sched --image "$EX/tiny.elf"
bad --sched --vms 1048576
bad --image "$EX/tiny.elf" --isorun "$WORK/no-isorun"

# ---- --help tells about every option the parser takes ----
"$IB" --help >"$WORK/help.out" || fail "--help exited nonzero"
opts=$(grep -o '{ "[a-z-]*", [01]' "$ROOT/bench/isobench.c" | sed 's/{ "\(.*\)", .*/\1/')
[ "$(echo "$opts" | wc -w)" -ge 20 ] || fail "found only $(echo "$opts" | wc -w) options in bench/isobench.c"
for o in $opts; do
	grep -q -- "--$o" "$WORK/help.out" || fail "--help does not mention --$o"
done

# ---- a small per-VM run: tiny at 1, 10, 100 VMs ----
echo "+ isobench --image tiny.elf --vms 1,10,100 --reps 1"
"$IB" --image "$EX/tiny.elf" --vms 1,10,100 --reps 1 --json "$WORK/tiny.json" 2>"$WORK/tiny.err" ||
	{ cat "$WORK/tiny.err"; fail "tiny: isobench exited $?"; }
sed 's/^/  | /' "$WORK/tiny.err"
J=$WORK/tiny.json
grep -q '^isobench: \[3/3\]' "$WORK/tiny.err" || fail "tiny: no progress lines on stderr"
for k in tool command machine cpu cores ram_bytes kernel qemu date mode image image_name args reps vms nic accel \
	method results; do
	grep -q "\"$k\": " "$J" || fail "tiny: no \"$k\" in the report"
done
[ "$(one mode "$J")" = '"per_vm"' ] || fail "tiny: mode is $(one mode "$J")"
case $(one accel "$J") in '"tcg"'|'"kvm"') ;; *) fail "tiny: accel is $(one accel "$J")" ;; esac
[ "$(one cores "$J")" -ge 1 ] || fail "tiny: cores"
[ "$(one cpu "$J")" != '""' ] || fail "tiny: no cpu model"
NRES=3
check_all vms "$J" '$1 == 1 || $1 == 10 || $1 == 100'
check_all runs "$J" '$1 == 1'
check_all kernel_bytes_per_vm "$J" '$1 >= 4096 && $1 <= 16384'
check_all vm_struct "$J" '$1 >= 512 && $1 <= 1024'
check_all fxsave_in_vm_struct "$J" '$1 == 512'
check_all page_table "$J" '$1 == 4096'
check_all timer_heap_slot "$J" '$1 == 8'
check_all vm_table_slot "$J" '$1 == 8'
check_all rx_queue "$J" '$1 == 0'
check_all slab_partial_page "$J" '$1 >= 0 && $1 < 4096'
check_all guest_private_bytes_per_vm "$J" '$1 >= 0 && $1 <= 65536'
check_all guest_shared_bytes "$J" '$1 > 0'
check_all guest_bytes_per_vm "$J" '$1 > 0'
check_all total_bytes_per_vm "$J" '$1 >= 4096 && $1 <= 65536'
check_all qemu_peak_rss_kib "$J" '$1 > 1024'
check_all baseline_rss_kib "$J" '$1 > 1024'
check_all host_bytes_per_vm "$J" '$1 == "null" || ($1 > -1e6 && $1 < 1e6)'
check_all create_ns_per_vm "$J" '$1 > 0'
check_all creates_per_s "$J" '$1 > 0'
check_all all_live "$J" '$1 == "true"'
check_all all_live_ns "$J" '$1 > 0'
check_all guest_ram_mib "$J" '$1 >= 16'
check_all guest_ram_used_bytes "$J" '$1 > 0'
check_all peak_live_vms "$J" '$1 == 1 || $1 == 10 || $1 == 100'
check_all vms_started "$J" '$1 == 1 || $1 == 10 || $1 == 100'
check_all vms_exited_ok "$J" '$1 == 1 || $1 == 10 || $1 == 100'
check_all runs_stopped_by_isobench "$J" '$1 == 0'
check_all tsc_hz "$J" '$1 > 1e8'
[ "$(values host_bytes_per_vm "$J" | head -n 1)" = null ] || fail "tiny: host_bytes_per_vm of 1 VM is not null"
[ "$(values vms_started "$J" | tr '\n' ' ')" = "1 10 100 " ] || fail "tiny: results not in --vms order"
grep -q '"samples": {' "$J" && grep -q '"create_ns_per_vm": \[[0-9]*\]' "$J" || fail "tiny: no samples"

# ---- VMs that stay: stopped by isobench once all are live ----
echo "+ isobench --image idle.elf --args 600000 --vms 1,20 --reps 1 --grace 200 --full-records"
"$IB" --image "$EX/idle.elf" --args 600000 --vms 1,20 --reps 1 --grace 200 --full-records --json "$WORK/idle.json" \
	2>"$WORK/idle.err" || { cat "$WORK/idle.err"; fail "idle: isobench exited $?"; }
NRES=2
check_all runs_stopped_by_isobench "$WORK/idle.json" '$1 == 1'
check_all vms_running_at_end "$WORK/idle.json" '$1 == 1 || $1 == 20'
check_all all_live "$WORK/idle.json" '$1 == "true"'
check_all guest_private_bytes_per_vm "$WORK/idle.json" '$1 > 4096'

# ---- short @v records (vm_brief=1, isobench's default) give isorun the same per-VM JSON as full @vm lines ----
mix="$EX/hello.elf:2 $EX/idle.elf:2 $EX/tiny.elf:1 $EX/idle.elf:1:abc $EX/hello.elf:1"
run_isorun full --quiet $mix
run_isorun brief --quiet --append vm_brief=1 $mix
grep -aq '^@v 0 exited 0 image="hello.elf"' "$WORK/brief.serial" || fail "brief: no @v records in the serial log"
grep -aq '^@vm ' "$WORK/brief.serial" && fail "brief: @vm lines despite vm_brief=1"
sed -n '/"vms": \[/,$p' "$WORK/full.json" >"$WORK/full.vms"
sed -n '/"vms": \[/,$p' "$WORK/brief.json" >"$WORK/brief.vms"
[ "$(grep -c '"id"' "$WORK/full.vms")" = 7 ] || fail "full: not 7 VMs in the JSON"
cmp -s "$WORK/full.vms" "$WORK/brief.vms" || { diff "$WORK/full.vms" "$WORK/brief.vms"; fail "brief: other per-VM JSON"; }
[ "$(json_num brief malformed_records)" = 0 ] || fail "brief: malformed records"

# ---- the scheduler mode, small ----
echo "+ isobench --sched --vms 0,10 --reps 1 --spin-ms 200 --ticks 20"
"$IB" --sched --vms 0,10 --reps 1 --spin-ms 200 --ticks 20 --json "$WORK/sched.json" 2>"$WORK/sched.err" ||
	{ cat "$WORK/sched.err"; fail "sched: isobench exited $?"; }
grep passes "$WORK/sched.err"
S=$WORK/sched.json
[ "$(one mode "$S")" = '"sched"' ] || fail "sched: mode"
check_all idle_vms "$S" '$1 == 0 || $1 == 10'
check_all sched_passes "$S" '$1 >= 20'
check_all sched_cycles_per_pass "$S" '$1 > 0'
check_all sched_cycles_per_pass_median "$S" '$1 > 0'
check_all sched_cycles_per_pass_min "$S" '$1 > 0'
check_all sched_pick_cycles_median "$S" '$1 > 0'
check_all sched_switch_passes "$S" '$1 >= 0'
check_all sched_ns_per_pass_median "$S" '$1 > 0'
check_all timer_deliveries "$S" '$1 >= 10 && $1 <= 20'   # a tick whose deadline passed before it slept is no delivery
check_all timer_delivery_cycles_median "$S" '$1 > 0'
check_all all_live "$S" '$1 == "true"'
for k in flat flat_mean pick_flat timer_delivery_flat max_over_min within_10pct; do
	grep -q "\"$k\": " "$S" || fail "sched: no \"$k\""
done

# ---- a run that fails: idle.elf without its argument exits 2 -> isobench exit 1, no report ----
echo "+ isobench --image idle.elf --vms 1 --reps 1 (no --args: the guest exits 2)"
"$IB" --image "$EX/idle.elf" --vms 1 --reps 1 --json "$WORK/fail.json" >"$WORK/fail.out" 2>&1
rc=$?
sed 's/^/  | /' "$WORK/fail.out" | tail -n 6
[ $rc = 1 ] || fail "failing run: exit status $rc, expected 1"
grep -q 'FAILED: .*isorun exited 1' "$WORK/fail.out" || fail "failing run: no clear message"
grep -q '^isobench:   idle.elf: @v 0 exited 2 ' "$WORK/fail.out" ||
	fail "failing run: the failing VM's record is not shown"
[ -e "$WORK/fail.json" ] && fail "failing run: wrote a report"

pass "units, bad input (exit 2), tiny 1/10/100 ($(values kernel_bytes_per_vm "$J" | tail -n 1) B/VM kernel, \
create $(values create_ns_per_vm "$J" | tail -n 1) ns/VM), idle stopped when live, --sched, a failing run"
