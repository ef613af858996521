#!/bin/bash
# test_usage.sh - isorun's input checks (exit 2 with a clear message) and a QEMU that cannot boot the kernel (exit 3).
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
ELF=/bin/true            # any x86_64 ELF passes isorun's own checks
echo "not an ELF" >"$WORK/text.elf"

# usage_case NAME 'message regex' isorun-args...: exit status 2 and the message on stderr.
usage_case() {
	n=$1 re=$2
	shift 2
	run_isorun "$n" "$@"
	expect_rc "$n" 2
	grep -qE -- "$re" "$WORK/$n.out" || fail "$n: no message matching '$re'"
}

usage_case noimage 'no IMAGE given'
usage_case missing 'image /nonexistent/x.elf: No such file' /nonexistent/x.elf
usage_case notelf 'not an ELF file' "$WORK/text.elf"
usage_case count0 'COUNT must be a positive integer' "$ELF:0"
usage_case countx 'COUNT must be a positive integer' "$ELF:12x"
usage_case countneg 'COUNT must be a positive integer' "$ELF:-3"
usage_case toomany 'more than MAX_VMS' "$ELF:600000" "$ELF:600000"
usage_case subnet 'VMs do not fit in a /14' --subnet 10.212.0.0/14 "$ELF:262142"
usage_case accel '--accel must be auto, kvm or tcg' --accel xen "$ELF"
usage_case badopt 'unknown option' --frobnicate "$ELF"
usage_case nokernel 'kernel /nonexistent/k.bin: No such file.*make kernel' --kernel /nonexistent/k.bin "$ELF"
usage_case guarantee '--guarantee \(64 KiB\) must not exceed --quota \(32 KiB\)' --quota 32 --guarantee 64 "$ELF"
usage_case longargs 'ARGS are 4097 bytes; at most 4096 fit' "$ELF:1:$(printf 'a%.0s' $(seq 4097))"
usage_case tenant0 'the tenant in COUNT@T must be 1..254' "$ELF:2@0"
usage_case tenant255 'the tenant in COUNT@T must be 1..254' "$ELF:2@255:x"
usage_case tenantx 'the tenant in COUNT@T must be 1..254' "$ELF:2@1x"
usage_case tenantfull 'tenant 3: 65534 VMs do not fit in its block' "$ELF:65000@3" "$ELF:534@3"
usage_case share0 '--share: expected T:W' --share 1:0 "$ELF"
usage_case sharebig '--share: expected T:W' --share 255:1 "$ELF"
usage_case sharex '--share: expected T:W' --share 1:3x "$ELF"

"$ISORUN" --help >"$WORK/help.out" || fail "--help exited nonzero"
for w in --accel --mem --timeout --quiet --json --quota --guarantee --quantum --kernel --qemu-arg --serial-log --replay \
	'exit status' vms_started peak_live_vms kernel_run_ns rejected; do
	grep -q -- "$w" "$WORK/help.out" || fail "--help does not document $w"
done

# A kernel file QEMU cannot boot: QEMU fails before @boot, isorun says so and exits 3.
echo "garbage" >"$WORK/bad.bin"
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null || skip "input checks passed; no QEMU for the launch check"
before=$(ls -d "${TMPDIR:-/tmp}"/isorun.* /tmp/isorun.* 2>/dev/null | sort -u | wc -l)
run_isorun badkernel --accel tcg --kernel "$WORK/bad.bin" "$ELF"
expect_rc badkernel 3
grep -q 'QEMU failed: it exited with status' "$WORK/badkernel.out" || fail "badkernel: no clear QEMU failure message"
after=$(ls -d "${TMPDIR:-/tmp}"/isorun.* /tmp/isorun.* 2>/dev/null | sort -u | wc -l)
[ "$after" -le "$before" ] || fail "isorun left a temp dir behind"
pass "$(grep -c "^usage_case" "$0") input errors refused with exit 2; unbootable kernel gives exit 3"
