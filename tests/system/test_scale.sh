#!/bin/bash
# test_scale.sh - 10,000 idle VMs live at once (short deadline) and 10,000 hello VMs, --quiet: all exit 0; figures printed.
# timeout: 480
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf idle.elf
N=${SCALE_VMS:-10000}

# figures NAME: the run's figures on one line.
figures() {
	echo "peak $(json_num "$1" peak_live_vms), kernel $(json_num "$1" kernel_bytes_per_vm) B/VM," \
		"guest $(json_num "$1" guest_bytes_per_vm) B/VM, create $(json_num "$1" create_ns_per_vm) ns/VM," \
		"run $(json_num "$1" run_seconds) s"
}

# Each idle VM wakes 5 s after its own start: all N are live at once if creating them takes less than that.
run_isorun idle --quiet --timeout 200 "$EX/idle.elf:$N:5000"
grep '^isorun: ' "$WORK/idle.out"
expect_rc idle 0
[ "$(json_num idle vms_exited_ok)" = "$N" ] || fail "idle: vms_exited_ok is $(json_num idle vms_exited_ok), not $N"
peak=$(json_num idle peak_live_vms)
[ -n "$peak" ] && [ "$peak" -ge "$N" ] || fail "idle: peak_live_vms is ${peak:-missing}, expected >= $N"
grep -q '^\[vm ' "$WORK/idle.out" && fail "idle: guest output printed under --quiet"

run_isorun hello --quiet --timeout 200 "$EX/hello.elf:$N"
grep '^isorun: ' "$WORK/hello.out"
expect_rc hello 0
[ "$(json_num hello vms_exited_ok)" = "$N" ] || fail "hello: vms_exited_ok is $(json_num hello vms_exited_ok), not $N"
pass "$N idle: $(figures idle); $N hello: $(figures hello)"
