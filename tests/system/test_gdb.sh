#!/bin/bash
# test_gdb.sh - isorun --gdb: gdb in batch mode, with the command isorun prints, stops in a chosen VM's main and reads its variables; fails if the breakpoint is not hit.
# timeout: 180
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
command -v gdb >/dev/null || skip "no gdb (scripts/deps.sh installs it)"
[ -x "$B/bin/guest-cc" ] || fail "no guest-cc (make guestlib)"
"$B/bin/guest-cc" -g -O0 -o "$WORK/gdbtarget.elf" "$ROOT/tests/guest/gdbtarget.c" || fail "guest-cc -g -O0 failed"
port=$((20000 + $$ % 20000))
want_vm=2

"$ISORUN" --timeout 60 --gdb "$port" --serial-log "$WORK/run.serial" "$WORK/gdbtarget.elf:3" >"$WORK/run.out" 2>&1 &
irun=$!
trap 'kill $irun 2>/dev/null' EXIT
for _ in $(seq 1 100); do
	grep -q "^  gdb " "$WORK/run.out" && break
	sleep 0.1
done
cmd=$(grep "^  gdb " "$WORK/run.out") || fail "isorun printed no gdb command: $(cat "$WORK/run.out")"
cond=$(sed -n 's/^  break main if \(.*\) == N .*/\1/p' "$WORK/run.out")
[ -n "$cond" ] || fail "isorun did not say how to stop in one VM: $(cat "$WORK/run.out")"
echo "+ isorun printed: $cmd"
# The printed command, in batch mode, and then: stop in VM $want_vm's main, step past the line that sets local.
eval "set -- ${cmd#  gdb }"
timeout 120 gdb -batch -nx "$@" -ex 'set confirm off' \
	-ex "break gdbtarget.c:10 if $cond == $want_vm" -ex continue \
	-ex 'printf "vm=%u secret=%d local=%d argc=%d\n", '"$cond"', secret, local, argc' \
	-ex 'delete' -ex 'detach' >"$WORK/gdb.out" 2>&1
sed 's/^/  | /' "$WORK/gdb.out" | tail -n 12
wait $irun
rc=$?
trap - EXIT
grep -q '^Breakpoint 1, main ' "$WORK/gdb.out" || fail "gdb did not stop at the breakpoint in main"
grep -qx "vm=$want_vm secret=24301 local=1004 argc=1" "$WORK/gdb.out" ||
	fail "gdb read the wrong values (want vm=$want_vm secret=24301 local=1004 argc=1): $(grep '^vm=' "$WORK/gdb.out")"
[ "$rc" = 0 ] || fail "the run did not go on to a clean end after gdb detached (isorun exit $rc): $(tail -n 3 "$WORK/run.out")"
n=$(grep -c 'gdbtarget: gdbtarget.elf local=1004' "$WORK/run.out")
[ "$n" = 3 ] || fail "$n of 3 VMs printed their line after the detach"
pass "gdb stopped in VM $want_vm's main (of 3 at the same addresses), read secret=24301 local=1004; the run ended cleanly after detach"
