#!/bin/bash
# test_ctlfuzz.sh - the control decoder (isokernel/ctl.c built for the host) against hostile byte streams (tests/fuzz/ctlfuzz.c).
# timeout: 300
# With libFuzzer (clang): CTLFUZZ_SECONDS of fuzzing (default 20 here; `make fuzz` gives 60), else CTLFUZZ_RUNS random
# inputs of the harness's own driver. A crash, a sanitizer report or a failed check leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/ctlfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
secs=${CTLFUZZ_SECONDS:-20}
runs=${CTLFUZZ_RUNS:-20000}
[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || fail "CTLFUZZ_SECONDS and CTLFUZZ_RUNS must be numbers"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	echo "+ $FZ -max_total_time=$secs -artifact_prefix=$WORK/ $WORK/corpus"
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=70000 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'ctlfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	acts=$(grep -o '[0-9]* signed requests reached their act' "$WORK/fuzz.log" | tail -n 1 | cut -d' ' -f1)
	[ "${acts:-0}" -gt 0 ] || fail "no signed request got past the signature check (ctl_auth): the fuzzer's signing is broken"
	pass "libFuzzer: ${n:-?} inputs in $secs s, $cov, $acts signed requests past the signature check, no failure"
fi
echo "+ CTLFUZZ_RUNS=$runs $FZ"
CTLFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "ctlfuzz failed (above)"; }
acts=$(grep -o '[0-9]* signed requests reached their act' "$WORK/fuzz.log" | tail -n 1 | cut -d' ' -f1)
[ "${acts:-0}" -gt 0 ] || fail "no signed request got past the signature check (ctl_auth): the fuzzer's signing is broken"
pass "$runs random inputs (no libFuzzer: clang missing), $acts signed requests past the signature check, no failure"
