#!/bin/bash
# test_stop.sh - a signal to isorun ends a run gracefully: the kernel gets the stop byte, ends every live VM
# ("stopped by the host"), prints its summary (stopped=1) and isorun exits 0; VMs that had exited keep their record.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example idle.elf hello.elf

# 20 VMs idle for 100 s, 3 hello VMs that exit at once. The run is stopped once isorun's progress line
# (stderr, unbuffered; every 3 s after the first 2 s) says the 3 hello VMs have ended.
echo "+ isorun --json $WORK/stop.json --serial-log $WORK/stop.serial --timeout 100 hello.elf:3 idle.elf:20:100000 &"
"$ISORUN" --json "$WORK/stop.json" --serial-log "$WORK/stop.serial" --timeout 100 \
	"$EX/hello.elf:3" "$EX/idle.elf:20:100000" >"$WORK/stop.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	grep -q ': 3 of 23 VMs ended' "$WORK/stop.out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
start=$(date +%s)
kill -INT $pid 2>/dev/null || fail "isorun ended before it was signalled (see $WORK/stop.out)"
wait $pid
RC=$?
secs=$(( $(date +%s) - start ))
sed 's/^/  | /' "$WORK/stop.out" | tail -n 20
expect_rc stop 0
[ $secs -le 20 ] || fail "the run took $secs s to end after the signal"
grep -q 'asking the kernel to end the run' "$WORK/stop.out" || fail "isorun did not say it asked the kernel to stop"
all_exited_ok stop hello.elf 3
got=$(vm_records stop idle.elf | grep -c 'state=running .*reason="stopped by the host"')
[ "$got" = 20 ] || fail "$got of 20 idle VMs were reported 'stopped by the host'"
grep -aq '^@summary .* stopped=1' "$WORK/stop.serial" || fail "no @summary with stopped=1"
[ "$(json_num stop stopped)" = 1 ] || fail "the JSON report has no \"stopped\": 1"
[ "$(json_num stop kernel_exit_code)" = 0 ] || fail "the kernel's exit code is not 0 after a stop"
pass "20 idle VMs stopped $secs s after SIGINT, 3 hello VMs kept their exit records, exit status 0"
