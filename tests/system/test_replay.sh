#!/bin/bash
# test_replay.sh - isorun's serial parser on made-up kernel streams (fake_serial.sh) through --replay: no QEMU needed.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
FAKE=$ROOT/tests/system/fake_serial.sh

for s in ok fail panic nodone reject timeout; do
	"$FAKE" $s >"$WORK/$s.bin" || fail "fake_serial.sh $s failed"
done

# ok: interleaved console records are joined per VM; a partial line is flushed when its VM ends.
run_isorun ok --replay "$WORK/ok.bin"
expect_rc ok 0
[ "$(vm_output ok 0 | head -n 1)" = "Hello from vm 0" ] || fail "ok: vm 0's split line was not joined"
vm_output ok 0 | grep -qx 'args: a,b "q"' || fail "ok: vm 0's second line is missing"
vm_output ok 0 | grep -qx 'bye without newline' || fail "ok: vm 0's partial line was not flushed at its end"
vm_output ok 1 | grep -qx 'Hello from vm 1' || fail "ok: vm 1's line is missing"
grep -q '^@' "$WORK/ok.out" && fail "ok: '@' records printed without -v"
grep -q '^isokernel: fake kernel' "$WORK/ok.out" || fail "ok: kernel log line not printed"
cmp -s "$WORK/ok.bin" "$WORK/ok.serial" || fail "ok: --serial-log is not a byte copy of the stream"
json_has ok accel vms_started vms_exited_ok vms_failed vms_faulted vms_running_at_end peak_live_vms \
	kernel_bytes_per_vm guest_bytes_per_vm create_ns_per_vm run_seconds kernel_run_ns qemu_mem_mib \
	kernel_exit_code rejected vms kernel_bytes_peak switches hypercalls timed_out
[ "$(json_num ok vms_exited_ok)" = 2 ] || fail "ok: vms_exited_ok is not 2"
[ "$(json_num ok kernel_run_ns)" = 123456789 ] || fail "ok: kernel_run_ns is not the kernel's run_ns"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/ok.json" || fail "ok: JSON does not parse"
fi

# quiet: no guest lines, summary still there.
run_isorun quiet --quiet --replay "$WORK/ok.bin"
grep -q '^\[vm ' "$WORK/quiet.out" && fail "quiet: guest lines printed under --quiet"
grep -q '^isorun: exit status' "$WORK/quiet.out" || fail "quiet: no summary under --quiet"

# fail: a faulted VM with an escaped reason and a nonzero exit give status 1; JSON escapes the reason.
run_isorun fail --replay "$WORK/fail.bin"
expect_rc fail 1
grep -qF '"state": "faulted", "exit_status": 0, "reason": "page fault at 0x0 \"rip\" c:\\x"' "$WORK/fail.json" ||
	fail "fail: the faulted VM's reason is not escaped right in the JSON"
grep -qF '"id": 2, "image": "hello.elf", "state": "exited", "exit_status": 3}' "$WORK/fail.json" ||
	fail "fail: the nonzero exit is not in the JSON"

run_isorun panic --replay "$WORK/panic.bin"
expect_rc panic 3
grep -q 'panicked' "$WORK/panic.out" || fail "panic: the summary does not say the kernel panicked"

run_isorun nodone --replay "$WORK/nodone.bin"
expect_rc nodone 3
grep -q 'without @done' "$WORK/nodone.out" || fail "nodone: the summary does not say @done is missing"
vm_output nodone 1 | grep -q 'partial line of vm 1' || fail "nodone: partial line lost at end of stream"

run_isorun reject --replay "$WORK/reject.bin"
expect_rc reject 2
grep -qF '{"image": "bad.elf", "reason": "ABI note missing"}' "$WORK/reject.json" || fail "reject: not in JSON"

run_isorun timeout --replay "$WORK/timeout.bin"
expect_rc timeout 1
grep -qF '"state": "running", "exit_status": 0, "reason": "still running at timeout"' "$WORK/timeout.json" ||
	fail "timeout: the running VM is not in the JSON"

# 100,000 VMs with scattered ids and a partial line each: fast and small.
"$FAKE" big 100000 >"$WORK/big.bin"
start=$(date +%s%N)
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%M' -o "$WORK/big.rss")
"${timer[@]}" "$ISORUN" --replay "$WORK/big.bin" --json "$WORK/big.json" >"$WORK/big.out" 2>&1 ||
	fail "big: isorun exited $? (see $WORK/big.out)"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(grep -c '^\[vm ' "$WORK/big.out")" = 200000 ] || fail "big: expected 200000 guest lines"
[ "$(grep -c '"state": "exited"' "$WORK/big.json")" = 100000 ] || fail "big: expected 100000 VMs in the JSON"
rss=$(cat "$WORK/big.rss" 2>/dev/null)
[ -z "$rss" ] || [ "$rss" -lt 65536 ] || fail "big: isorun used $rss KiB for 100,000 VMs"
pass "7 streams parsed; 100,000 VMs in $ms ms${rss:+, $rss KiB max RSS}"
