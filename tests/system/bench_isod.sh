#!/bin/bash
# bench_isod.sh - `make bench-isod`: isod's figures, written to $B/bench/isod.json (figures only, no assertions):
#   push_to_first_answer_s   a fresh tenant's image POST, T_LOAD and SVC_SET of 1 VM, until loadgen's first answer
#   svc_set_big              one SVC_SET of BENCH_ISOD_VMS (10,000) VMs: seconds of the request, VMs/s, and until
#                            loadgen had an HTTP answer from every one of them (all_answered_s, answering_vms_per_s)
#   svc_set_steps            BENCH_ISOD_STEPS (1,000) SVC_SETs of 10 VMs each (a service scaled 10, 20, ...): requests/s
#                            and VMs/s over the whole series (payloads signed beforehand)
#   replay_s                 isod restarted on that state: from its start until its kernel is up with every op replayed
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isod_lib.sh"
need_runner
need_kernel
need_example http.elf
need_isod
BIG=${BENCH_ISOD_VMS:-10000}
STEPS=${BENCH_ISOD_STEPS:-1000}
OUT=$B/bench/isod.json
mkdir -p "$B/bench"
trap isod_stop EXIT
cd "$WORK" || exit 2
now() { date +%s.%N; }
for k in op t1 t2 t3; do "$SIGN" keygen "$WORK/$k" || fail "keygen"; done

isod_start --operator-pub "$WORK/op.pub" --mem 4096
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 1 10 1000000 100 "$WORK/t1.pub" one)"
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 2 "$BIG" 100000000 100 "$WORK/t2.pub" big)"
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 3 $((STEPS * 10)) 100000000 100 "$WORK/t3.pub" steps)"

echo "== push to first answer (1 VM)"
t0=$(now)
expect_api 200 POST /v1/images "@$EX/http.elf"
SHA=$(jget resp sha512)
expect_api 200 POST /v1/ops "$(sign "$WORK/t1.key" 1 T_LOAD "$SHA" http.elf)"
expect_api 200 POST /v1/ops "$(sign "$WORK/t1.key" 1 SVC_SET web "$SHA" 1 0 0 80)"
t1=$(now)
"$LOADGEN" --socket "$NETSOCK" --http --subnet "$(alice_net)" --vms 1 --requests 1 --wait 120 --quiet \
	--json "$WORK/first.json" >"$WORK/first.out" 2>&1 || fail "the first VM never answered: $(tail -n 2 "$WORK/first.out")"
ready=$(jget "$WORK/first.json" ready_seconds)
first=$(python3 -c "print(round($t1 - $t0 + $ready, 3))")
echo "  push to first answer: $first s (requests $(python3 -c "print(round($t1 - $t0, 3))") s, then loadgen's $ready s)"

echo "== one SVC_SET of $BIG VMs"
expect_api 200 POST /v1/ops "$(sign "$WORK/t2.key" 2 T_LOAD "$SHA" http.elf)"
body=$(sign "$WORK/t2.key" 2 SVC_SET big "$SHA" "$BIG" 0 0 80)
t0=$(now)
expect_api 200 POST /v1/ops "$body"
t1=$(now)
big_s=$(python3 -c "print(round($t1 - $t0, 3))")
big_made=$(jget "$WORK/resp" reply.created)
echo "  $big_made VMs in $big_s s (the request)"
# until every one of them answered HTTP (loadgen's readiness probes): tenant 2's block, or ids 1..BIG in the one plan
# (then VM 0, tenant 1's, is probed too)
if [ "$(alice_net)" = 10.1.0.0/16 ]; then big_net=10.2.0.0/16 big_vms=$BIG; else big_net=10.0.0.0/8 big_vms=$((BIG + 1)); fi
"$LOADGEN" --socket "$NETSOCK" --http --subnet "$big_net" --vms "$big_vms" --sweep --requests "$big_vms" --concurrency 64 \
	--wait 900 --quiet --json "$WORK/big.json" >"$WORK/big.out" 2>&1
big_ready=$(jget "$WORK/big.json" ready_seconds)
big_answered=$(jget "$WORK/big.json" vms_ready)
big_all=$(python3 -c "print(round($big_s + $big_ready, 3))")
echo "  $big_answered of $big_vms VMs answered $big_ready s after the reply ($big_all s from the request)"
expect_api 200 POST /v1/ops "$(sign "$WORK/t2.key" 2 SVC_DEL big)"

echo "== $STEPS SVC_SETs of 10 VMs"
expect_api 200 POST /v1/ops "$(sign "$WORK/t3.key" 3 T_LOAD "$SHA" http.elf)"
for i in $(seq "$STEPS"); do
	sign "$WORK/t3.key" 3 SVC_SET steps "$SHA" $((i * 10)) 0 0 80 >"$WORK/step.$i.json"
done
for i in $(seq "$STEPS"); do
	[ "$i" = 1 ] || echo next
	printf 'unix-socket = "%s"\nheader = "Content-Type: application/json"\nurl = "http://isod/v1/ops"\n' "$ST/isod.sock"
	printf 'data-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$WORK/step.$i.json"
done >"$WORK/steps.curl"
# one curl, one keep-alive connection: the figure is isod's and the kernel's, not a process start per request
t0=$(now)
curl -s -K "$WORK/steps.curl" >"$WORK/steps.codes"
t1=$(now)
refused=$(grep -vc '^200$' "$WORK/steps.codes")
[ "$(wc -l <"$WORK/steps.codes")" = "$STEPS" ] || fail "curl made $(wc -l <"$WORK/steps.codes") of $STEPS requests"
steps_s=$(python3 -c "print(round($t1 - $t0, 3))")
echo "  $STEPS requests in $steps_s s ($refused refused)"

echo "== restart: replay"
isod_stop
t0=$(now)
isod_start
t1=$(now)
replay_s=$(python3 -c "print(round($t1 - $t0, 3))")
expect_api 200 GET /v1/tenants
echo "  replay (boot included): $replay_s s"

python3 - "$OUT" <<EOF
import json, sys
r = {
  "accel": "$ISOD_ACCEL",
  "push_to_first_answer_s": $first,
  "svc_set_big": {"vms": $BIG, "created": int("$big_made") if "$big_made".isdigit() else None, "seconds": $big_s,
                  "vms_per_s": round($BIG / $big_s, 1) if $big_s > 0 else None,
                  "loadgen_vms": $big_vms, "answered": int("$big_answered") if "$big_answered".isdigit() else None,
                  "all_answered_s": $big_all, "answering_vms_per_s": round($big_vms / $big_all, 1)},
  "svc_set_steps": {"requests": $STEPS, "vms_each": 10, "refused": $refused, "seconds": $steps_s,
                    "requests_per_s": round($STEPS / $steps_s, 1), "vms_per_s": round($STEPS * 10 / $steps_s, 1)},
  "replay_s": $replay_s,
}
json.dump(r, open(sys.argv[1], "w"), indent=2)
print(json.dumps(r, indent=2))
EOF
isod_stop
pass "written $OUT"
