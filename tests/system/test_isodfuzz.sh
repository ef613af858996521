#!/bin/bash
# test_isodfuzz.sh - isod's request parsing (isod/codec.c) against hostile bodies, hex payloads and kernel replies (tests/fuzz/isodfuzz.c).
# timeout: 300
# With libFuzzer (clang): ISODFUZZ_SECONDS of fuzzing (default 20), else ISODFUZZ_RUNS random inputs of the harness's
# own driver. A crash, a sanitizer report or a failed check leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/isodfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make isodfuzz)"
secs=${ISODFUZZ_SECONDS:-20}
runs=${ISODFUZZ_RUNS:-20000}
[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || fail "ISODFUZZ_SECONDS and ISODFUZZ_RUNS must be numbers"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	echo "+ $FZ -max_total_time=$secs -artifact_prefix=$WORK/ $WORK/corpus"
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=9000 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 12 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'isodfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs in $secs s, $cov, no failure"
fi
echo "+ ISODFUZZ_RUNS=$runs $FZ"
ISODFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "isodfuzz failed (above)"; }
pass "$runs random inputs (no libFuzzer: clang missing), no failure"
