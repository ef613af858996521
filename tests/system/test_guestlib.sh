#!/bin/bash
# test_guestlib.sh - guestlib's libc support: guest-cc's macros and libraries; tests/guest programs in VMs.
# timeout: 180
. "$(dirname "$0")/lib.sh"
GT=$B/tests/guest
GCC=$B/bin/guest-cc
[ -x "$GCC" ] || fail "$GCC is missing (make guestlib)"

# guest-cc: no Linux or Unix macros, the CPU's and __pvisa__ (the ABI version) instead.
echo | "$GCC" -dM -E - >"$WORK/macros" || fail "guest-cc -dM -E failed"
for m in __linux__ __linux linux __gnu_linux__ __unix__ __unix unix; do
	grep -q "^#define $m " "$WORK/macros" && fail "guest-cc predefines $m"
done
grep -q '^#define __x86_64__ 1$' "$WORK/macros" || fail "guest-cc lost __x86_64__"
abi=$(sed -n 's/^#define PV_ABI_VERSION \([0-9]*\)u*$/\1/p' "$ROOT/pvisa/pvisa.h")
grep -q "^#define __pvisa__ $abi\$" "$WORK/macros" || fail "guest-cc does not define __pvisa__ to the ABI version $abi"

# guest-cc: a host library is an error that names it, never a silent link of glibc's archive.
echo 'int main(void) { return 0; }' >"$WORK/empty.c"
for l in z pthread dl; do
	"$GCC" -o "$WORK/l$l.elf" "$WORK/empty.c" "-l$l" 2>"$WORK/l$l.err" && fail "guest-cc linked -l$l"
	grep -q "^guest-cc: -l$l: lib$l.a is not built for guests" "$WORK/l$l.err" ||
		fail "guest-cc -l$l: no clear message: $(head -n 1 "$WORK/l$l.err")"
done
"$GCC" -o "$WORK/lm.elf" "$WORK/empty.c" -lm || fail "guest-cc -lm (newlib's) failed"

need_runner
need_kernel
[ -f "$GT/time.elf" ] || skip "no guest tests in $GT (make guest-tests)"

# guest_ok NAME: the VM of $GT/NAME.elf exited 0 and printed "ok: NAME", no FAIL line; its id in $id.
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
