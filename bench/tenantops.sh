#!/bin/bash
# tenantops.sh - what the signed tenant ops cost (make bench-tenantops): B/results/tenantops.json. Figures only.
# One kernel in tenant mode (isorun --serve --operator-key), one tenant, examples/idle.elf:
#   one SVC_SET of VMS VMs (default 10,000; made 128 per main-loop pass) and REQS SVC_SETs of 10 (default 100),
#   as wall time through kctl and VMs per second; the kernel's create_ns_per_vm; scaling VMS down to half (the newest
#   end, 128 per pass); T_DEL of VMS VMs (the kernel's end_ns and its longest pass, from the @tenant record); a signed
#   SVCS and an unsigned TENANTS round trip (each a kctl process: connect, sign with a counter file, reply).
# Usage: bench/tenantops.sh BUILD_DIR   (VMS=N REQS=N RT=N to change the counts)
set -u
B=$(cd "${1:-build}" && pwd)
VMS=${VMS:-10000}
REQS=${REQS:-100}
RT=${RT:-50}
K=$B/bin/kctl
IMG=$B/examples/idle.elf
OUT=$B/results/tenantops.json
D=$(mktemp -d /tmp/tenantops.XXXXXX)
IPID=
trap '[ -n "$IPID" ] && kill -INT "$IPID" 2>/dev/null; sleep 1; rm -rf "$D"' EXIT
export KCTL_SOCKET=$D/ctl.sock
mkdir -p "$B/results"
for x in "$K" "$B/bin/isorun" "$IMG"; do [ -e "$x" ] || { echo "tenantops: $x missing (make kernel runner examples)"; exit 2; }; done
(cd "$D" && "$K" keygen op >/dev/null && "$K" keygen t >/dev/null) || exit 2

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
"$B/bin/isorun" --serve "$KCTL_SOCKET" --operator-key "$D/op.pub" --mem $(( 256 + VMS / 10 )) --timeout 1800 --quiet \
	--serial-log "$D/serial" >"$D/isorun.out" 2>&1 &
IPID=$!
for _ in $(seq 240); do "$K" hello >/dev/null 2>&1 && break; sleep 0.5; done
A="--key $D/t.key --tenant 1"
"$K" tenant-add 1 t --pubkey "$D/t.pub" --max-vms $(( VMS + 10 * REQS + 10 )) --max-mem 100000000 --key "$D/op.key" >/dev/null &&
	"$K" tload "$IMG" $A >/dev/null || { echo "tenantops: setup failed"; cat "$D/isorun.out"; exit 1; }
svc() { "$K" svc-set "$1" "$IMG" "$2" --quota 64 --guarantee 8 --args 600000 $A >/dev/null || echo "tenantops: svc-set $1 $2 failed"; }

t0=$(now_ms); svc big "$VMS"; t1=$(now_ms)
one_ms=$(( t1 - t0 ))
t0=$(now_ms); for i in $(seq "$REQS"); do svc "s$i" 10; done; t1=$(now_ms)
reqs_ms=$(( t1 - t0 ))
t0=$(now_ms); svc big $(( VMS / 2 )); t1=$(now_ms)
down_ms=$(( t1 - t0 ))
svc big "$VMS"
t0=$(now_ms); for _ in $(seq "$RT"); do "$K" svcs $A >/dev/null; done; t1=$(now_ms)
signed_us=$(( (t1 - t0) * 1000 / RT ))
t0=$(now_ms); for _ in $(seq "$RT"); do "$K" tenants >/dev/null; done; t1=$(now_ms)
unsigned_us=$(( (t1 - t0) * 1000 / RT ))
t0=$(now_ms); "$K" tenant-del 1 --key "$D/op.key" >/dev/null; t1=$(now_ms)
del_ms=$(( t1 - t0 ))
rec=$(grep -a '^@tenant id=1 .*op=del' "$D/serial")
end_ns=$(echo "$rec" | grep -o 'end_ns=[0-9]*' | cut -d= -f2)
pass_ns=$(echo "$rec" | grep -o 'end_pass_ns_max=[0-9]*' | cut -d= -f2)
tbytes=$(echo "$rec" | grep -o ' bytes=[0-9]*' | cut -d= -f2)
kill -INT "$IPID"; wait "$IPID"; IPID=
create_ns=$(grep -ao 'create_ns_per_vm=[0-9]*' "$D/serial" | tail -n 1 | cut -d= -f2)
accel=$(grep -ao '^@boot abi=[0-9]* accel=[a-z]*' "$D/serial" | head -n 1 | sed 's/.*accel=//')

cat >"$OUT" <<EOF
{
  "accel": "${accel:-unknown}",
  "vms": $VMS,
  "svc_set_one_request_ms": $one_ms,
  "svc_set_one_request_vms_per_s": $(( VMS * 1000 / (one_ms > 0 ? one_ms : 1) )),
  "svc_set_requests_of_10": $REQS,
  "svc_set_requests_of_10_ms": $reqs_ms,
  "svc_set_requests_of_10_vms_per_s": $(( REQS * 10 * 1000 / (reqs_ms > 0 ? reqs_ms : 1) )),
  "create_ns_per_vm": ${create_ns:-null},
  "scale_down_half_ms": $down_ms,
  "t_del_ms": $del_ms,
  "t_del_end_ns": ${end_ns:-null},
  "t_del_longest_pass_ns": ${pass_ns:-null},
  "signed_svcs_round_trip_us": $signed_us,
  "unsigned_tenants_round_trip_us": $unsigned_us,
  "kernel_bytes_per_tenant": ${tbytes:-null}
}
EOF
cat "$OUT"
