#!/bin/bash
# test_hostile.sh - each hostile guest (tests/hostile/expect.txt) runs beside 2 hello VMs: it ends as expected, they exit 0.
# timeout: 600
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf
EXPECT=$ROOT/tests/hostile/expect.txt
HB=$B/hostile
[ -f "$EXPECT" ] || skip "no $EXPECT"
ok=0 bad=0 failures=""

# reason_of LINE: the reason="..." value of a record line (escapes kept).
reason_of() {
	sed -n 's/.* reason="\(\([^"\\]\|\\.\)*\)".*/\1/p' <<<"$1"
}

# check_offender CASE NAME COUNT STATE SUBSTR: the hostile VMs (or its @reject) ended as expected.
check_offender() {
	local c=$1 name=$2 count=$3 state=$4 sub=$5 recs r n=0
	if [ "$state" = rejected ]; then
		r=$(grep -a "^@reject name=\"$name.elf\"" "$WORK/$c.serial" | head -n 1)
		[ -n "$r" ] || { echo "no @reject for $name.elf"; return 1; }
		[ "$sub" = - ] || reason_of "$r" | grep -qF -- "$sub" || { echo "reject reason lacks '$sub': $r"; return 1; }
		return 0
	fi
	recs=$(vm_records "$c" "$name.elf")
	[ "$(grep -c . <<<"$recs")" = "$count" ] || { echo "expected $count @vm records for $name.elf: $recs"; return 1; }
	while read -r r; do
		grep -q " state=$state " <<<"$r " || { echo "not $state: $r"; return 1; }
		[ "$state" != exited ] || grep -q ' status=0' <<<"$r" || { echo "exited nonzero: $r"; return 1; }
		[ "$sub" = - ] || reason_of "$r" | grep -qF -- "$sub" || { echo "reason lacks '$sub': $r"; return 1; }
		n=$((n + 1))
	done <<<"$recs"
	return 0
}

# check_hellos CASE STATE: both hello VMs exited 0 and printed their line (a rejected run may start none).
check_hellos() {
	local c=$1 id n
	n=$(vm_records "$c" hello.elf | grep -c .)
	[ "$n" = 0 ] && [ "$2" = rejected ] && { echo "(the kernel started no VM after the rejection)"; return 0; }
	[ "$n" = 2 ] || { echo "expected 2 hello VMs, got $n"; return 1; }
	[ "$(vm_records "$c" hello.elf | grep -c ' state=exited status=0')" = 2 ] ||
		{ echo "a hello VM did not exit 0: $(vm_records "$c" hello.elf)"; return 1; }
	for id in $(vm_ids "$c" hello.elf); do
		vm_output "$c" "$id" | grep -q 'hello from a pvisa guest' || { echo "hello vm $id printed nothing"; return 1; }
	done
}

# run_case LINE: one expect.txt case.
run_case() {
	eval "set -- $1"
	local spec=$1 state=$2 sub=$3 name count c timeout=60 why rc
	shift 3
	name=${spec%%:*}
	count=${spec#"$name"}
	count=${count#:}
	count=${count:-1}
	c=$name
	if [ ! -f "$HB/$name.elf" ]; then
		why="image $HB/$name.elf is missing (make hostile)"
		rc=1
	else
		[ "$state" = running ] && timeout=3
		run_isorun "$c" --timeout $timeout "$HB/$name.elf:$count${*:+:$*}" "$EX/hello.elf:2"
		why=$(
			[ "$RC" != 3 ] || { echo "isorun exit 3 (kernel panic, QEMU failure or no @done)"; exit 1; }
			grep -a 'hostile: NOT STOPPED' "$WORK/$c.out" && exit 1
			check_offender "$c" "$name" "$count" "$state" "$sub" || exit 1
			check_hellos "$c" "$state" || exit 1
		)
		rc=$?
	fi
	if [ $rc = 0 ]; then
		ok=$((ok + 1))
		echo "case $name: as expected ($state${why:+; $why})"
	else
		bad=$((bad + 1))
		failures="$failures $name"
		echo "case $name: WRONG: $why"
	fi
}

while IFS= read -r line; do
	case $line in '#'*|'') continue ;; esac
	run_case "$line"
done <"$EXPECT"
[ $((ok + bad)) -gt 0 ] || fail "no cases in $EXPECT"
[ $bad = 0 ] || fail "$bad of $((ok + bad)) cases wrong:$failures"
pass "$ok cases as expected, each beside 2 hello VMs that exited 0"
