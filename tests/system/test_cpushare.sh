#!/bin/bash
# test_cpushare.sh - CPU shares between tenants (isokernel/sched_share.c; isorun --share T:W, IMG:COUNT@T): two
# CPU-bound VMs of tenant 1 (share 1) and two of tenant 2 (share 3), all spinning to the same instant (tests/guest/
# cpuhog), under TCG -icount (deterministic): tenant 2's VMs together get 2 to 4.5 times the CPU of tenant 1's (by the
# @vm records' cpu_us), and inside each tenant its two VMs get about the same. The same run without --share (round
# robin, the default) gives the tenants about the same (ratio 0.7 to 1.4): the split is the policy's doing. Malformed
# share= words on the kernel command line are refused.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
GT=$B/tests/guest
[ -f "$GT/cpuhog.elf" ] || fail "no guest image $GT/cpuhog.elf (make guest-tests)"
ICOUNT=(--accel tcg --qemu-arg -icount --qemu-arg shift=0)

# cpu NAME TENANT: tenant TENANT's cpuhog VMs' CPU (us) from NAME's @vm records, one a line, into $WORK/NAME.tTENANT;
# sets n (how many), sum, lo and hi.
cpu() {
	f=$WORK/$1.t$2
	vm_records "$1" cpuhog.elf | grep -aE " tenant=$2( |$)" | sed 's/.* cpu_us=\([0-9]*\).*/\1/' >"$f"
	n=$(wc -l <"$f")
	sum=$(awk '{ s += $1 } END { print s + 0 }' "$f")
	lo=$(sort -n "$f" | head -n 1)
	hi=$(sort -n "$f" | tail -n 1)
	[ "$n" = 2 ] || fail "$1: $n @vm records of tenant $2's cpuhog, expected 2"
}

# ratio A B LO HI: A / B printed to 2 places; status 0 when LO <= A / B <= HI.
ratio() {
	awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { r = b ? a / b : 0; printf "%.2f\n", r; exit !(b && r >= lo && r <= hi) }'
}

run_isorun share "${ICOUNT[@]}" --timeout 60 --share 1:1 --share 2:3 "$GT/cpuhog.elf:2@1:500" "$GT/cpuhog.elf:2@2:500"
expect_rc share 0
all_exited_ok share cpuhog.elf 4
cpu share 1
c1=$sum
in1=$(ratio "$hi" "$lo" 0.8 1.25) || fail "share: tenant 1's two VMs got $lo and $hi us of CPU (ratio $in1): not round robin inside the tenant"
cpu share 2
c2=$sum
in2=$(ratio "$hi" "$lo" 0.8 1.25) || fail "share: tenant 2's two VMs got $lo and $hi us of CPU (ratio $in2): not round robin inside the tenant"
r=$(ratio "$c2" "$c1" 2 4.5) || fail "share: tenant 2 (share 3) got $c2 us of CPU, tenant 1 (share 1) $c1 us: ratio $r, expected 2..4.5"

run_isorun rr "${ICOUNT[@]}" --timeout 60 "$GT/cpuhog.elf:2@1:500" "$GT/cpuhog.elf:2@2:500"
expect_rc rr 0
all_exited_ok rr cpuhog.elf 4
cpu rr 1
d1=$sum
cpu rr 2
d2=$sum
r0=$(ratio "$d2" "$d1" 0.7 1.4) || fail "round robin: tenant 2 got $d2 us, tenant 1 $d1 us: ratio $r0, expected about 1"
# Bad share words on the kernel's command line (past isorun's checks, through --append): refused, exit 2.
for w in share=1:0 share=1:1001 share=255:1 share=1: share=:3 share=1:2:3 share=x:1 share=1; do
	run_isorun "bad_$w" --timeout 20 --append "$w" "$GT/cpuhog.elf:1:1"
	expect_rc "bad_$w" 2
	grep -aq "bad command-line word '$w' (want share=T:W" "$WORK/bad_$w.serial" || fail "$w: no refusal in the report"
done
pass "shares 1:3 -> CPU $c1 : $c2 us (ratio $r; inside the tenants $in1 and $in2); round robin $d1 : $d2 us (ratio $r0)"
