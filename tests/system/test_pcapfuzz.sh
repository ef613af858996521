#!/bin/bash
# test_pcapfuzz.sh - isorun's capture-stream reader (runner/pcap.c) against arbitrary streams (tests/fuzz/pcapfuzz.c): no crash, the pcap file reads back with the frames it says it wrote.
# timeout: 300
# With libFuzzer (clang): PCAPFUZZ_SECONDS of fuzzing (default 20 here; `make fuzz` gives 60), else PCAPFUZZ_RUNS random
# inputs of the harness's own driver. A crash, a sanitizer report or a failed check leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/pcapfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
secs=${PCAPFUZZ_SECONDS:-20}
runs=${PCAPFUZZ_RUNS:-5000}
[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || fail "PCAPFUZZ_SECONDS and PCAPFUZZ_RUNS must be numbers"
export PCAPFUZZ_DIR=$WORK
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	echo "+ $FZ -max_total_time=$secs -artifact_prefix=$WORK/ $WORK/corpus"
	# -close_fd_mask=2: the reader's line per input on stderr is silenced; libFuzzer's own reports still come
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=16384 -close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$WORK/" "$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'pcapfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs in $secs s, $cov, no failure"
fi
echo "+ PCAPFUZZ_RUNS=$runs $FZ"
PCAPFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>"$WORK/fuzz.err" || { grep -v '^isorun: pcap' "$WORK/fuzz.err" | tail -n 20; fail "pcapfuzz failed (above)"; }
pass "$runs random inputs (no libFuzzer: clang missing), no failure"
