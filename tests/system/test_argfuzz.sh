#!/bin/bash
# test_argfuzz.sh - the kernel's checks of ARGS and the @argx module, and guestlib's ARGS splitter, against hostile bytes (tests/fuzz/argfuzz.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/argfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
secs=${ARGFUZZ_SECONDS:-15}
[[ $secs =~ ^[0-9]+$ ]] || fail "ARGFUZZ_SECONDS must be a number"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	printf '\0{"a":1} '"'"'x y'"'"' "z' > "$WORK/corpus/seed1"
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=5000 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 15 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'argfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	pass "libFuzzer: ${n:-?} inputs in $secs s, $(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1), no failure"
fi
ARGFUZZ_RUNS=200000 "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "argfuzz failed (above)"; }
pass "$(tail -n 1 "$WORK/fuzz.log") (no libFuzzer: clang missing)"
