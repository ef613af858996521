#!/bin/bash
# push.sh - pushing through isod (issue 12's figures): push to first answer for 1 VM, VMs created per second for one
#   push of 10,000 and for 1,000 scales of 10, as JSON. `make bench-push`. Figures only: no assertion on a time.
# usage: bench/push.sh [B]     B: the build directory (default build)
#   PUSH_VMS=N (default 10000) VMs of the big push and of the scales; PUSH_STEP=S (default 10) VMs per scale;
#   PUSH_JSON=FILE (default B/bench/push.json); ISOD_ACCEL=kvm|tcg|auto (default auto here); PUSH_ISOD_ARGS="..."
#   extra isod options (e.g. --mem 4096).
# JSON: accel (what isod's isorun used, if its logs say), accel_requested, first_answer_s (from the start of `isoctl push web.elf --count 1` until
#   the VM answered an HTTP GET from the host: upload, signed T_LOAD and SVC_SET, the VM's start, loadgen's first
#   answer), push_reply_s (the push command alone), big: {vms, seconds, vms_per_s} (one `isoctl push --count N`),
#   scales: {requests, step, vms, seconds, vms_per_s, requests_per_s} (N/S `isoctl scale` commands, each a new
#   process: its key, GET /v1/tenants, SVCS and SVC_SET), host_load_start/end.
# Exit status: 0 when the JSON was written; 2 when isod or the build is missing.
cd "$(dirname "$0")/.." || exit 2
B=${1:-${B:-build}}
case $B in /*) ;; *) B=$PWD/$B ;; esac
WORK=$B/bench/push
rm -rf "$WORK"
mkdir -p "$WORK"
. tests/system/isoctl_lib.sh
why=$(isod_missing)
[ -z "$why" ] || { echo "bench-push: $why" >&2; exit 2; }
[ -x "$LOADGEN" ] || { echo "bench-push: $LOADGEN is missing (make runner)" >&2; exit 2; }
N=${PUSH_VMS:-10000}
S=${PUSH_STEP:-10}
JSON=${PUSH_JSON:-$B/bench/push.json}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
load() { cut -d' ' -f1 /proc/loadavg; }
trap isod_stop EXIT

export ISOD_ACCEL=${ISOD_ACCEL:-auto}
load0=$(load)
# shellcheck disable=SC2086
isod_start --mem $((1024 + N / 8)) $PUSH_ISOD_ARGS || { echo "bench-push: isod did not start" >&2; exit 2; }
tenant_new bench $((N + 100)) 64GiB >/dev/null || { echo "bench-push: tenant add failed" >&2; exit 1; }

# 1. Push to first answer: one http VM (the first of the tenant's address block, or of the one network).
t0=$(now)
"$ISOCTL" --tenant bench push "$B/examples/http.elf" --name web --count 1 --args 80 >"$WORK/push1.out" ||
	{ cat "$WORK/push1.out"; exit 1; }
push_reply=$(since "$t0")
svc_target bench web >/dev/null || echo "bench-push: the VM never said its address" >&2
"$LOADGEN" --socket "$NETSOCK" --http --subnet "$LG_SUBNET" --vms "$LG_VMS" --requests 1 --wait 120 --quiet --json "$WORK/first.json" \
	>"$WORK/first.log" 2>&1 || echo "bench-push: loadgen: $(tail -n 1 "$WORK/first.log")" >&2
first=$(since "$t0")
echo "push to first answer: ${first} s (the push itself ${push_reply} s)"

# 2. One push of N.
t0=$(now)
"$ISOCTL" --tenant bench push "$B/examples/http.elf" --name big --count "$N" --args 80 >"$WORK/big.out" ||
	{ cat "$WORK/big.out"; exit 1; }
big_s=$(since "$t0")
big_rate=$(awk -v n="$N" -v s="$big_s" 'BEGIN { printf "%.1f", n / s }')
echo "one push of $N: ${big_s} s, $big_rate VMs/s"
"$ISOCTL" --tenant bench rm big >/dev/null || exit 1

# 3. N/S scales of S: the service grows S VMs at a time.
"$ISOCTL" --tenant bench push "$B/examples/http.elf" --name steps --count 0 --args 80 >/dev/null || exit 1
reqs=$((N / S))
t0=$(now)
for i in $(seq 1 "$reqs"); do
	"$ISOCTL" --tenant bench scale steps $((i * S)) >/dev/null || { echo "bench-push: scale $i refused" >&2; exit 1; }
done
steps_s=$(since "$t0")
steps_rate=$(awk -v n="$((reqs * S))" -v s="$steps_s" 'BEGIN { printf "%.1f", n / s }')
req_rate=$(awk -v n="$reqs" -v s="$steps_s" 'BEGIN { printf "%.1f", n / s }')
echo "$reqs scales of $S: ${steps_s} s, $steps_rate VMs/s, $req_rate requests/s"
accel=$(cat "$WORK/state/isorun.log" "$WORK/state/logs/kernel.log" 2>/dev/null | grep -o -i 'accel[^a-z]*\(kvm\|tcg\)' |
	head -n 1 | grep -o -i '\(kvm\|tcg\)$')
isod_stop
mkdir -p "$(dirname "$JSON")"
cat >"$JSON" <<JSON
{
  "accel": "${accel:-unknown}",
  "accel_requested": "$ISOD_ACCEL",
  "first_answer_s": $first,
  "push_reply_s": $push_reply,
  "big": {"vms": $N, "seconds": $big_s, "vms_per_s": $big_rate},
  "scales": {"requests": $reqs, "step": $S, "vms": $((reqs * S)), "seconds": $steps_s, "vms_per_s": $steps_rate, "requests_per_s": $req_rate},
  "host_load_start": $load0,
  "host_load_end": $(load)
}
JSON
echo "written: $JSON"
