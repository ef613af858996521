#!/bin/bash
# test_vswfuzz.sh - the switch and binding tables (isokernel/net/ built for the host) against hostile frames of several tenants' VMs and from outside (tests/fuzz/vswfuzz.c): the tenant rule checked after each.
# timeout: 300
# With libFuzzer (clang): VSWFUZZ_SECONDS of fuzzing (default 20 here; `make fuzz` gives 60), else VSWFUZZ_RUNS random
# inputs of the harness's own driver. A crash, a sanitizer report or a failed check leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/vswfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
secs=${VSWFUZZ_SECONDS:-20}
runs=${VSWFUZZ_RUNS:-20000}
[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || fail "VSWFUZZ_SECONDS and VSWFUZZ_RUNS must be numbers"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	echo "+ $FZ -max_total_time=$secs -artifact_prefix=$WORK/ $WORK/corpus"
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'vswfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs in $secs s, $cov, no failure"
fi
echo "+ VSWFUZZ_RUNS=$runs $FZ"
VSWFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "vswfuzz failed (above)"; }
pass "$runs random inputs (no libFuzzer: clang missing), no failure"
