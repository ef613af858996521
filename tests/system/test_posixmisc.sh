#!/bin/bash
# test_posixmisc.sh - sysconf, getrusage, getrlimit, uname, gethostname, ids, ioctl, one-thread pthreads, and the calls a VM cannot have (ENOSYS, one console line each, once) in 2 VMs (tests/guest/posixmisc.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
PM=$B/tests/guest/posixmisc.elf
[ -f "$PM" ] || skip "no $PM (make guest-tests)"
run_isorun pm --timeout 60 "$PM:2" --stdin-text hello
expect_rc pm 0
all_exited_ok pm posixmisc.elf 2
for id in $(vm_ids pm posixmisc.elf); do
	out=$(vm_output pm "$id")
	echo "$out" | grep -qx 'ok: posixmisc' || fail "vm $id: $(echo "$out" | grep FAIL | head -n 5)"
	for call in execve system popen pipe dlopen pthread_create; do
		n=$(echo "$out" | grep -c "^guestlib: $call() is not available in a VM (ENOSYS: ")
		[ "$n" = 1 ] || fail "vm $id: $n console lines for $call() (want exactly one, however often it fails)"
	done
done
pass "every check passed in 2 VMs; execve, system, popen, pipe, dlopen, pthread_create each said ENOSYS once"
