#!/bin/bash
# test_fsarcfuzz.sh - the --files archive check (guestlib/fsarc.c built for the host) against hostile archives (tests/fuzz/fsarcfuzz.c): whatever it accepts is read whole without a read outside it.
# timeout: 300
# With libFuzzer (clang): FSARCFUZZ_RUNS inputs (default 200000 here; `make fuzz` gives 500000), seeded with an
# archive guest-fspack packs; else FSARCFUZZ_RUNS random inputs of the harness's own driver.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/fsarcfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
runs=${FSARCFUZZ_RUNS:-200000}
[[ $runs =~ ^[0-9]+$ ]] || fail "FSARCFUZZ_RUNS must be a number"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus" "$WORK/tree/dir/sub"
	echo hello >"$WORK/tree/a"
	echo see >"$WORK/tree/dir/c"
	: >"$WORK/tree/dir/sub/empty"
	"$B/bin/guest-fspack" "$WORK/tree" "$WORK/tree.arc" || fail "guest-fspack failed (make guestlib)"
	{ printf '\0'; cat "$WORK/tree.arc"; } >"$WORK/corpus/packed"    # form 0: the archive itself
	printf '\1' >"$WORK/corpus/patches"                              # form 1: the built-in archive, unpatched
	echo "+ $FZ -runs=$runs -artifact_prefix=$WORK/ $WORK/corpus"
	(cd "$WORK" && "$FZ" -runs="$runs" -max_len=4096 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'fsarcfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs, $cov, every accepted archive read whole inside its bounds"
fi
echo "+ FSARCFUZZ_RUNS=$runs $FZ"
FSARCFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "fsarcfuzz failed (above)"; }
pass "$(tail -n 1 "$WORK/fuzz.log") (no libFuzzer: clang missing)"
