#!/bin/bash
# test_hello.sh - one hello.elf VM in QEMU: its printf line appears, isorun exits 0, the JSON report has every field.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf

run_isorun hello --timeout 60 "$EX/hello.elf"
expect_rc hello 0
ids=$(vm_ids hello hello.elf)
[ "$(echo "$ids" | grep -c .)" = 1 ] || fail "expected one @vm record for hello.elf, got: $ids"
line=$(vm_output hello "$ids")
echo "$line" | grep -qE 'hello from a pvisa guest \(vm [0-9]+, 1 args\), pi ~ 3\.14286$' ||
	fail "vm $ids did not print its hello line (got: $line)"
all_exited_ok hello hello.elf 1
json_has hello accel vms_started vms_exited_ok vms_failed vms_faulted vms_running_at_end peak_live_vms \
	kernel_bytes_per_vm guest_bytes_per_vm create_ns_per_vm run_seconds kernel_run_ns qemu_mem_mib \
	kernel_exit_code rejected vms
[ "$(json_num hello vms_started)" = 1 ] || fail "vms_started is not 1"
[ "$(json_num hello vms_exited_ok)" = 1 ] || fail "vms_exited_ok is not 1"
[ "$(json_num hello kernel_exit_code)" = 0 ] || fail "kernel_exit_code is not 0"
grep -qF "\"id\": $ids, \"image\": \"hello.elf\", \"state\": \"exited\", \"exit_status\": 0}" "$WORK/hello.json" ||
	fail "the VM's JSON entry is not {id, image, state exited, exit_status 0}"
pass "\"$line\"; accel $(summary_line hello accel), $(json_num hello run_seconds) s"
