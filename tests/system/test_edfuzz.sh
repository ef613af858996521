#!/bin/bash
# test_edfuzz.sh - the kernel's Ed25519 verifier and SHA-512 (isokernel/crypto/ built for the host) against libsodium
# on fuzzed signatures, keys and messages (tests/fuzz/edfuzz.c): every verdict and digest must be libsodium's.
# timeout: 600
# With libFuzzer (clang): EDFUZZ_RUNS inputs (default 5000 here; `make fuzz` gives 200000), else EDFUZZ_RUNS random
# inputs of the harness's own driver. A difference, a crash or a sanitizer report leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/edfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
runs=${EDFUZZ_RUNS:-5000}
[[ $runs =~ ^[0-9]+$ ]] || fail "EDFUZZ_RUNS must be a number"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	mkdir -p "$WORK/corpus"
	for form in 0 1; do                   # one seed per form: a key seed and a short message
		printf "\\$(printf '%03o' $form)%s" "0123456789abcdef0123456789abcdef-op-message" >"$WORK/corpus/seed$form"
	done
	echo "+ $FZ -runs=$runs -artifact_prefix=$WORK/ $WORK/corpus"
	(cd "$WORK" && "$FZ" -runs="$runs" -max_len=2200 -print_final_stats=1 -artifact_prefix="$WORK/" \
		"$WORK/corpus") >"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'edfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs, $cov, every verdict and digest libsodium's"
fi
echo "+ EDFUZZ_RUNS=$runs $FZ"
EDFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "edfuzz failed (above)"; }
pass "$runs random inputs (no libFuzzer: clang missing), every verdict and digest libsodium's"
