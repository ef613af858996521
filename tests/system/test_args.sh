#!/bin/bash
# test_args.sh - ARGS reach the guests' argv: hello counts them, idle parses its delay (and rejects a bad one with status 2).
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf idle.elf

run_isorun args --timeout 60 "$EX/hello.elf:2:one two,three" "$EX/idle.elf:1:150" "$EX/idle.elf:1:abc"
expect_rc args 1
all_exited_ok args hello.elf 2
for id in $(vm_ids args hello.elf); do
	vm_output args "$id" | grep -qE "hello from a pvisa guest \(vm [0-9]+, 3 args\)" ||
		fail "hello vm $id did not see 3 args (argv[0] one two,three): $(vm_output args "$id")"
done
good=$(vm_records args idle.elf | grep ' state=exited status=0' | sed 's/^@vm id=\([0-9]*\).*/\1/')
bad=$(vm_records args idle.elf | grep ' state=exited status=2' | sed 's/^@vm id=\([0-9]*\).*/\1/')
[ -n "$good" ] || fail "idle with ARGS 150 did not exit 0: $(vm_records args idle.elf)"
[ -n "$bad" ] || fail "idle with ARGS abc did not exit 2: $(vm_records args idle.elf)"
[ "$(vm_output args "$good" | tr '\n' ' ')" = "ready woke " ] || fail "idle 150 did not print ready, woke"
vm_output args "$bad" | grep -q 'usage:' || echo "note: idle abc's usage message did not reach the console"
grep -q '^isorun: vm .* (idle.elf) exited status 2' "$WORK/args.out" || fail "summary does not name the VM that exited 2"
pass "hello saw 3 args; idle 150 woke and exited 0; idle abc exited 2"
