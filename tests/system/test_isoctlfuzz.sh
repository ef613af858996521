#!/bin/bash
# test_isoctlfuzz.sh - isoctl's reply decoding (isoctl/reply.c) against hostile isod replies (tests/fuzz/isoctl_replyfuzz.c).
# timeout: 300
# With libFuzzer (clang): ISOCTLFUZZ_SECONDS of fuzzing (default 20 here; `make fuzz` gives 60) from a seed corpus of
# real reply shapes (isod/API.md), else ISOCTLFUZZ_RUNS mutated seeds. A crash or a failed check leaves the input in $WORK.
. "$(dirname "$0")/lib.sh"
FZ=$B/tests/fuzz/isoctl_replyfuzz
[ -x "$FZ" ] || fail "$FZ is missing (make $FZ)"
secs=${ISOCTLFUZZ_SECONDS:-20}
runs=${ISOCTLFUZZ_RUNS:-20000}
[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || fail "ISOCTLFUZZ_SECONDS and ISOCTLFUZZ_RUNS must be numbers"
if "$FZ" -help=1 2>&1 | grep -q 'libFuzzer'; then
	c=$WORK/corpus
	mkdir -p "$c"
	sha=$(printf '%0128d' 0)
	# The first byte picks the HTTP status (0: 200, 7: 422).
	printf '\000{"status":"OK","reply":{"next":7,"items":[{"id":17,"image":3,"state":"blocked","cpu_ns":5,"priv_kib":24,"rx_frames":12,"tx_frames":1,"rx_drops":0,"service":1}]}}' >"$c/tlist"
	printf '\000{"status":"OK","reply":{"next":null,"items":[{"name":"web","image_sha512":"%s","image":3,"desired":5,"live":5,"quota_kib":256,"guar_kib":32,"args":"80"}]}}' "$sha" >"$c/svcs"
	printf '\000{"tenants":[{"id":1,"name":"alice","max_vms":5,"max_mem_kib":1024,"cpu_share":1,"live_vms":1,"mem_kib":5,"cpu_ns":9,"services":1,"images":1,"image_bytes":4,"refused":{"auth":1,"replay":0,"quota":2}}]}' >"$c/tenants"
	printf '\007{"status":"E_QUOTA","error":"over the tenant'"'"'s quota"}' >"$c/refused"
	printf '\000{"sha512":"%s","bytes":4096}' "$sha" >"$c/upload"
	printf '\000{"status":"OK","reply":{"id":4,"instances":0,"text_pages":3,"data_pages":1,"bss_pages":2,"shared_bytes":16384,"name":"http"}}' >"$c/image"
	echo "+ $FZ -max_total_time=$secs -artifact_prefix=$WORK/ $c"
	(cd "$WORK" && "$FZ" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 -artifact_prefix="$WORK/" "$c") \
		>"$WORK/fuzz.log" 2>&1
	rc=$?
	tail -n 25 "$WORK/fuzz.log"
	[ $rc -eq 0 ] || fail "libFuzzer stopped with status $rc: $(grep -m1 -E 'isoctl_replyfuzz:|ERROR|SUMMARY' "$WORK/fuzz.log")"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/fuzz.log" | tail -n 1)
	pass "libFuzzer: ${n:-?} inputs in $secs s, $cov, no failure"
fi
echo "+ ISOCTLFUZZ_RUNS=$runs $FZ"
ISOCTLFUZZ_RUNS=$runs "$FZ" >"$WORK/fuzz.log" 2>&1 || { tail -n 20 "$WORK/fuzz.log"; fail "isoctl_replyfuzz failed (above)"; }
pass "$runs mutated replies (no libFuzzer: clang missing), no failure"
