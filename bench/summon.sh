#!/bin/bash
# summon.sh - summoned services (issue 13's figures): summon latency, first frame in to first answer out, for
#   udp-echo (loadgen, closed loop, one request at a time to a new dormant instance each: p50/p99) against the same
#   VMs once live (the same requests again); and the kernel bytes per dormant instance with DORMANT (1,000,000)
#   instances registered as 16 tenants' summoned services (free frames in STATS before and after the SVC_SETs).
#   Writes B/bench/summon.json. Figures only: it fails only if a request is refused or an answer is missing.
#   HTTP the same way (NH requests; the connection's handshake included in each request's latency).
#     bash bench/summon.sh [B]      environment: N (1000 summons), NH (200), DORMANT (1000000), ACCEL (default tcg)
set -eu
B=${1:-build}
N=${N:-1000} NH=${NH:-200} DORMANT=${DORMANT:-1000000} ACCEL=${ACCEL:-tcg}
KCTL=$B/bin/kctl ISORUN=$B/bin/isorun LOADGEN=$B/bin/loadgen IMG=$B/examples/udp-echo.elf
OUT=$B/bench/summon.json
W=$(mktemp -d /tmp/bsummon.XXXXXX)
IPID=
trap '[ -n "$IPID" ] && kill $IPID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$B/bench"
say() { echo "summon: $*" >&2; }
kst() { "$KCTL" stats | awk -v k="$1" '$1 == k { print $2 }'; }
"$KCTL" keygen "$W/op" >/dev/null

"$ISORUN" --accel "$ACCEL" --quiet --serve "$W/k.sock" --operator-key "$W/op.pub" --mem 1024 --net-socket "$W/n.sock" \
	--json "$W/run.json" --serial-log "$W/serial" >"$W/isorun.out" 2>&1 &
IPID=$!
export KCTL_SOCKET=$W/k.sock
for _ in $(seq 300); do "$KCTL" hello >/dev/null 2>&1 && break; sleep 0.1; done
"$KCTL" hello >/dev/null

# tenant T [IMAGE]: admitted, IMAGE (udp-echo) loaded (the image's frames are in use before any measurement).
tenant() {
	"$KCTL" keygen "$W/t$1" >/dev/null
	KCTL_KEY=$W/op.key KCTL_TENANT=0 "$KCTL" tenant-add "$1" "t$1" --pubkey "$W/t$1.pub" --max-vms 5000 \
		--max-mem 3000000 >/dev/null
	KCTL_KEY=$W/t$1.key KCTL_TENANT=$1 "$KCTL" tload "${2:-$IMG}" >/dev/null
}
# lg NAME [WORKLOAD TENANT COUNT]: loadgen, one request at a time, each to the next VM of the tenant.
lg() {
	n=${4:-$N}
	"$LOADGEN" --socket "$W/n.sock" "${2:---udp-echo}" --tenant "${3:-1}" --vms "$n" --sweep --requests "$n" \
		--concurrency 1 --wait 0 --timeout 10000 --quiet --json "$W/$1.json" >"$W/$1.out" 2>&1 ||
		{ cat "$W/$1.out" >&2; exit 1; }
	grep -q "$n VMs answered" "$W/$1.out" || { say "$1: not every VM answered: $(tail -n 2 "$W/$1.out")"; exit 1; }
	tail -n 3 "$W/$1.out" | sed 's/^/  /' >&2
}
lat() { python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["latency_us"]; print(l[sys.argv[2]])' "$W/$1.json" "$2"; }

# 1. Latency: N summons one after the other, then the same N VMs live.
tenant 1
KCTL_KEY=$W/t1.key KCTL_TENANT=1 "$KCTL" svc-set echo "$IMG" "$N" --summon --quota 512 >/dev/null
say "$N requests, each to a dormant instance (a summon)"
lg cold
[ "$(kst summons)" = "$N" ] || { say "summons: $(kst summons), want $N"; exit 1; }
say "the same $N requests to the live VMs"
lg warm

# HTTP: a TCP SYN summons; loadgen's latency is the request's, its connection's handshake included (a new
# loadgen process opens new connections, so the live run has the handshake too).
tenant 18 "$B/examples/http.elf"
KCTL_KEY=$W/t18.key KCTL_TENANT=18 "$KCTL" svc-set web "$B/examples/http.elf" "$NH" --summon --quota 1024 >/dev/null
say "$NH HTTP requests, each to a dormant instance"
lg hcold --http 18 "$NH"
say "the same $NH HTTP requests to the live VMs"
lg hwarm --http 18 "$NH"

# 2. Bytes per dormant instance: DORMANT instances over 16 tenants (a tenant's block has 65,533 addresses).
per=$(((DORMANT + 15) / 16))
for t in $(seq 2 17); do tenant "$t"; done
f0=$(kst free_frames)
k0=$(date +%s.%N)
for t in $(seq 2 17); do
	KCTL_KEY=$W/t$t.key KCTL_TENANT=$t "$KCTL" svc-set big "$IMG" "$per" --summon --quota 512 >/dev/null
done
k1=$(date +%s.%N)
f1=$(kst free_frames)
reg=$((per * 16))
live=$(kst live)
say "$reg dormant instances: $((f0 - f1)) frames"
kb=$(grep -a '^@summon op=add .*svc="big"' "$W/serial" | sed 's/.*kernel_bytes=\([0-9]*\).*/\1/' | awk '{s += $1} END {print s}')

python3 - "$OUT" <<PY
import json, sys
def lg(n):
    d = json.load(open("$W/%s.json" % n))
    return {"requests": d["requests"], "responses": d["responses"], "timeouts": d["timeouts"],
            "latency_us": d["latency_us"], "vms_answered": d["vms_answered"]}
out = {
    "accel": "$ACCEL",
    "summon_latency_udp_echo": {"what": "first frame to a dormant instance -> its first answer, at the host (loadgen)",
                                "summoned": lg("cold"), "live": lg("warm")},
    "summon_latency_http": {"what": "first HTTP request (connect + GET) to a dormant instance -> response, at the host",
                            "summoned": lg("hcold"), "live": lg("hwarm")},
    "dormant": {"instances": $reg, "tenants": 16, "free_frames_before": $f0, "free_frames_after": $f1,
                "kernel_bytes": ($f0 - $f1) * 4096, "kernel_bytes_per_instance": ($f0 - $f1) * 4096 / $reg,
                "kernel_bytes_reported": $kb, "svc_set_seconds": round($k1 - $k0, 3), "live_vms": $live},
}
json.dump(out, open(sys.argv[1], "w"), indent=1)
print(json.dumps(out, indent=1))
PY
