#!/bin/bash
# run.sh - runs the system tests (all tests/system/test_*.sh, or the NAMEs given) each under a timeout and counts verdicts.
# usage: tests/system/run.sh [NAME...]   (B=build dir; a test's own "# timeout: SEC" line sets its limit, default 300)
# Prints one PASS/FAIL/SKIP line per test, then "N passed, N failed, N skipped"; exits 1 if any failed.
cd "$(dirname "$0")/../.." || exit 2
export B=${B:-build}
logs=$B/tests/system/logs
mkdir -p "$logs"
order="replay usage fakeboot hello args scale hostile bochs"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for n in $order; do [ -f tests/system/test_$n.sh ] && names+=("$n"); done
	for f in tests/system/test_*.sh; do
		n=$(basename "$f" .sh); n=${n#test_}
		case " $order " in *" $n "*) ;; *) names+=("$n") ;; esac
	done
fi

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "accelerator: /dev/kvm is usable; isorun uses KVM if this kernel runs under it (checked once per build: KERNEL.kvmprobe), else TCG"
else
	echo "accelerator: TCG (KVM not usable: /dev/kvm is missing or not read-write here)"
fi
passed=0 failed=0 skipped=0
for n in "${names[@]}"; do
	t=tests/system/test_$n.sh
	if [ ! -f "$t" ]; then
		echo "FAIL: $n: no such test ($t)"
		failed=$((failed + 1))
		continue
	fi
	limit=$(sed -n 's/^# timeout: \([0-9]*\).*/\1/p' "$t" | head -n 1)
	limit=${limit:-300}
	start=$(date +%s)
	timeout -k 10 "$limit" bash "$t" >"$logs/$n.log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	verdict=$(grep -E '^(PASS|FAIL|SKIP): ' "$logs/$n.log" | tail -n 1)
	if [ $rc -eq 0 ] && [ "${verdict%%:*}" = PASS ]; then
		passed=$((passed + 1))
	elif [ $rc -eq 77 ] && [ "${verdict%%:*}" = SKIP ]; then
		skipped=$((skipped + 1))
	else
		[ $rc -eq 124 ] || [ $rc -eq 137 ] && verdict="FAIL: $n: timed out after $limit s"
		[ "${verdict%%:*}" = FAIL ] || verdict="FAIL: $n: exited $rc without a verdict"
		failed=$((failed + 1))
	fi
	echo "$verdict ($secs s)"
	if [ "${verdict%%:*}" = FAIL ]; then
		tail -n 25 "$logs/$n.log" | sed 's/^/    /'
		echo "    (full log: $logs/$n.log)"
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
