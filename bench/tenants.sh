#!/bin/bash
# tenants.sh - many tenants in one host (issue 12's figure): TENANTS (100) tenants admitted by the operator, each
#   loads its own copy of examples/idle.elf (T_LOAD: per-tenant images, never shared) and runs VMS (1,000) idle VMs
#   as one service (SVC_SET), all through signed requests (kctl) to one `isorun --serve --operator-key` kernel.
#   Writes B/results/tenants.json: VMs live per tenant, kernel bytes per VM, per tenant and per image, times.
#   Figures only; it fails only if a request is refused or a VM count is wrong.
#     bash bench/tenants.sh [B]      environment: TENANTS, VMS, ACCEL (default tcg)
set -eu
B=${1:-build}
TENANTS=${TENANTS:-100} VMS=${VMS:-1000} ACCEL=${ACCEL:-tcg}
KCTL=$B/bin/kctl ISORUN=$B/bin/isorun IMG=$B/examples/idle.elf
OUT=$B/results/tenants.json
W=$(mktemp -d /tmp/tenants.XXXXXX)
trap 'kill $IPID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$B/results"
"$KCTL" keygen "$W/op" >/dev/null
now() { date +%s.%N; }
say() { echo "tenants: $*" >&2; }

total=$((TENANTS * VMS))
mem=$((total * 24 / 1024 + 512))
say "$TENANTS tenants x $VMS idle VMs ($total), guest RAM $mem MiB, $ACCEL"
"$ISORUN" --accel "$ACCEL" --quiet --serve "$W/k.sock" --operator-key "$W/op.pub" --mem "$mem" --guarantee 8 \
	--json "$W/run.json" >"$W/isorun.out" 2>&1 &
IPID=$!
export KCTL_SOCKET=$W/k.sock
for _ in $(seq 300); do "$KCTL" hello >/dev/null 2>&1 && break; sleep 0.1; done
"$KCTL" hello >/dev/null
k0=$(now)
for t in $(seq "$TENANTS"); do
	"$KCTL" keygen "$W/t$t" >/dev/null
	KCTL_KEY=$W/op.key KCTL_TENANT=0 "$KCTL" tenant-add "$t" "t$t" --pubkey "$W/t$t.pub" --max-vms "$VMS" \
		--max-mem $((VMS * 64 + 4096)) --cpu-share 1 >/dev/null
done
k1=$(now)
for t in $(seq "$TENANTS"); do
	KCTL_KEY=$W/t$t.key KCTL_TENANT=$t "$KCTL" tload "$IMG" >/dev/null
	KCTL_KEY=$W/t$t.key KCTL_TENANT=$t "$KCTL" svc-set idle "$IMG" "$VMS" --args 3600000 --quota 64 \
		--guarantee 8 >/dev/null || { say "tenant $t: svc-set refused"; exit 1; }
	[ $((t % 10)) = 0 ] && say "$t tenants running $((t * VMS)) VMs"
done
k2=$(now)
"$KCTL" tenants --json >"$W/tenants.json"
"$KCTL" stats --json >"$W/stats.json"
kill -INT $IPID      # STOP is a v1 op, refused in tenant mode: the host stops the run
wait $IPID || true
python3 - "$W" "$OUT" "$TENANTS" "$VMS" "$k0" "$k1" "$k2" <<'EOF'
import json, sys
w, out, nt, nv, k0, k1, k2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *map(float, sys.argv[5:])
ten = json.load(open(w + "/tenants.json")); st = json.load(open(w + "/stats.json")); run = json.load(open(w + "/run.json"))
tl = ten["tenants"] if isinstance(ten, dict) and "tenants" in ten else ten
live = [t["live_vms"] for t in tl]
res = {"tenants": nt, "vms_per_tenant_asked": nv, "tenants_seen": len(tl),
       "live_vms_per_tenant_min": min(live), "live_vms_per_tenant_max": max(live), "live_vms": sum(live),
       "images": sum(t["images"] for t in tl), "image_bytes_per_tenant": tl[0]["image_bytes"],
       "admit_s": round(k1 - k0, 3), "load_and_run_s": round(k2 - k1, 3),
       "kernel_bytes_per_vm": run.get("kernel_bytes_per_vm"), "kernel_bytes_peak": run.get("kernel_bytes_peak"),
       "image_frames": st.get("image_frames"), "accel": run.get("accel")}
json.dump(res, open(out, "w"), indent=2); print(json.dumps(res, indent=2))
if res["live_vms_per_tenant_min"] != nv or len(tl) != nt:
    sys.exit("tenants: expected %d tenants with %d live VMs each" % (nt, nv))
EOF
