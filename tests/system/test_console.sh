#!/bin/bash
# test_console.sh - the report stream goes through the console's report port (COM1 keeps the boot lines), and a run
# without the console device (COM1 only, as on Bochs) reports the same VMs; the combined log replays to the same.
# timeout: 400
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf
N=2000

# vms NAME: the JSON's per-VM entries (id, image, state, exit status), one per line.
vms() {
	grep -o '"id": [0-9]*, "image": "[^"]*", "state": "[a-z]*", "exit_status": -\?[0-9]*' "$WORK/$1.json"
}

# check_run NAME: N hello VMs exited 0, each printed its line once, the JSON says so.
check_run() {
	expect_rc "$1" 0
	all_exited_ok "$1" hello.elf $N
	lines=$(grep -c '^\[vm [0-9]*\] hello.elf: hello from a pvisa guest' "$WORK/$1.out")
	[ "$lines" = $N ] || fail "$1: $lines guest lines, expected $N"
	[ "$(json_num "$1" vms_exited_ok)" = $N ] || fail "$1: vms_exited_ok is not $N"
	[ "$(vms "$1" | wc -l)" = $N ] || fail "$1: the JSON lists $(vms "$1" | wc -l) VMs, expected $N"
}

# Through the port: COM1 carries @boot and the console's line, and none of the records after it.
run_isorun port --timeout 300 --com1-log "$WORK/port.com1" "$EX/hello.elf:$N"
check_run port
grep -aq '^@boot ' "$WORK/port.com1" || fail "port: no @boot line on COM1"
grep -aqE '^isokernel: virtio-console .* report=[0-9]+ \(open\) ctl=[0-9]+ \(open\)' "$WORK/port.com1" ||
	fail "port: COM1 does not say the console's report and control ports are open: $(grep -a virtio-console "$WORK/port.com1")"
grep -aqE '^@(vm|summary|done)|^[[:cntrl:]][0-9]+ [0-9]+$' "$WORK/port.com1" &&
	fail "port: records after the console's line came on COM1: $(grep -acE '^@(vm|summary|done)' "$WORK/port.com1")"
com1=$(wc -c <"$WORK/port.com1")
all=$(wc -c <"$WORK/port.serial")
[ "$all" -gt $((com1 * 20)) ] || fail "port: COM1 carried $com1 of $all bytes"

# COM1 only: the same VMs, every record on COM1.
run_isorun com1 --timeout 300 --no-console --com1-log "$WORK/com1.com1" "$EX/hello.elf:$N"
check_run com1
grep -aq 'virtio-console' "$WORK/com1.com1" && fail "com1: the kernel found a console with --no-console"
cmp -s "$WORK/com1.com1" "$WORK/com1.serial" || fail "com1: --serial-log differs from COM1's bytes"
[ "$(vms port)" = "$(vms com1)" ] || fail "the VMs reported through the port and through COM1 differ"

# The combined log (both streams, record by record) replays to the same report.
run_isorun replay --replay "$WORK/port.serial"
check_run replay
[ "$(vms replay)" = "$(vms port)" ] || fail "the replayed log reports other VMs than the run"
pass "$N VMs through the port (COM1 carried $com1 of $all bytes) and through COM1 alone, same report; the log replays"
