#!/bin/bash
# test_guestlib.sh - guestlib's libc support: each tests/guest program runs in a VM, checks itself and exits 0.
# timeout: 180
. "$(dirname "$0")/lib.sh"
GT=$B/tests/guest
need_runner
need_kernel
[ -f "$GT/time.elf" ] || skip "no guest tests in $GT (make guest-tests)"

# guest_ok NAME: the VM of $GT/NAME.elf exited 0 and printed "ok: NAME", no FAIL line.
guest_ok() {
	run_isorun "$1" --timeout 60 "$GT/$1.elf"
	id=$(vm_ids "$1" "$1.elf")
	vm_output "$1" "$id" | grep '^FAIL' && fail "$1: the guest's checks failed (see $WORK/$1.out)"
	all_exited_ok "$1" "$1.elf" 1
	vm_output "$1" "$id" | grep -qx "ok: $1" || fail "$1: no \"ok: $1\" line"
}

# Time: the guest checks its clocks and sleeps; its clock() must agree with the CPU time the kernel measured.
guest_ok time
guest_cpu=$(vm_output time "$id" | sed -n 's/^cpu_ms=//p')
kernel_cpu=$(vm_records time time.elf | sed -n 's/.* cpu_us=\([0-9]*\).*/\1/p')
kernel_cpu=$((kernel_cpu / 1000))
[ -n "$guest_cpu" ] || fail "time: no cpu_ms line"
[ "$guest_cpu" -ge $((kernel_cpu / 2)) ] && [ "$guest_cpu" -le $((kernel_cpu * 2 + 50)) ] ||
	fail "time: clock() says $guest_cpu ms of CPU, the kernel measured $kernel_cpu ms"

pass "guest-cc macros and -l checks; time (clock() $guest_cpu ms, kernel $kernel_cpu ms)"
