#!/bin/bash
# test_guestlib.sh - guestlib's libc support: guest-cc's macros, libraries and image limit; tests/guest programs in VMs.
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
# (-lpthread and -ldl find guestlib's empty archives: their calls are guestlib's; test_posixmisc.sh links them.)
for l in z rt; do
	"$GCC" -o "$WORK/l$l.elf" "$WORK/empty.c" "-l$l" 2>"$WORK/l$l.err" && fail "guest-cc linked -l$l"
	grep -q "^guest-cc: -l$l: lib$l.a is not built for guests" "$WORK/l$l.err" ||
		fail "guest-cc -l$l: no clear message: $(head -n 1 "$WORK/l$l.err")"
done
"$GCC" -o "$WORK/lm.elf" "$WORK/empty.c" -lm || fail "guest-cc -lm (newlib's) failed"

# big N: links an image with an N-byte bss array as $WORK/bigN.elf (errors in bigN.err); its __image_end in END.
big() {
	printf 'char big[%d];\nint main(void) { big[0] = 1; return big[0] - 1; }\n' "$1" >"$WORK/big$1.c"
	"$GCC" -O2 -o "$WORK/big$1.elf" "$WORK/big$1.c" 2>"$WORK/big$1.err" || return 1
	END=$((0x$(nm "$WORK/big$1.elf" | awk '$3 == "__image_end" { print $1 }')))
}

# guest-cc's image limit (__image_limit): an image ending right at it links (and runs, below); one page more is
# refused at link time with the image's size and the limit.
big 4096 || fail "guest-cc could not link a 4 KiB array: $(cat "$WORK/big4096.err")"
limit=$((0x$(nm "$WORK/big4096.elf" | awk '$3 == "__image_limit" { print $1 }')))
atlimit=$((4096 + limit - END))
over=$((atlimit + 4096))
big $atlimit || fail "an image ending at the limit did not link: $(cat "$WORK/big$atlimit.err")"
[ "$END" = "$limit" ] || fail "the image meant to end at the limit ends at $END, not $limit"
big $over && fail "an image one page over the limit linked"
grep -q "the image is $((limit + 4096 - 0x400000)) bytes" "$WORK/big$over.err" &&
	grep -q "over the limit of $((limit - 0x400000)) bytes by 4096" "$WORK/big$over.err" ||
	fail "the too-big image's error does not give its size and the limit: $(cat "$WORK/big$over.err")"

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

# The kernel agrees with the limit: the image that ends right at it runs.
run_isorun atlimit --timeout 60 "$WORK/big$atlimit.elf"
expect_rc atlimit 0

# Stdio works when the heap was exhausted before its first use.
guest_ok heapfull

# Time: the guest checks its clocks and sleeps; its clock() must agree with the CPU time the kernel measured.
guest_ok time
guest_cpu=$(vm_output time "$id" | sed -n 's/^cpu_ms=//p')
kernel_cpu=$(vm_records time time.elf | sed -n 's/.* cpu_us=\([0-9]*\).*/\1/p')
kernel_cpu=$((kernel_cpu / 1000))
[ -n "$guest_cpu" ] || fail "time: no cpu_ms line"
[ "$guest_cpu" -ge $((kernel_cpu / 2)) ] && [ "$guest_cpu" -le $((kernel_cpu * 2 + 50)) ] ||
	fail "time: clock() says $guest_cpu ms of CPU, the kernel measured $kernel_cpu ms"

pass "guest-cc macros, -l checks, image limit $(printf 0x%x "$limit"); heapfull; time (clock() $guest_cpu ms, kernel $kernel_cpu ms)"
