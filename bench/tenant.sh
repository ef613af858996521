#!/bin/sh
# tenant.sh - `make bench-tenant`: what tenants cost the kernel, under TCG -icount shift=0 (deterministic: TSC ticks are
# guest instructions). Writes B/results/tenant.json and prints a table. Figures only: it asserts nothing about them (a run
# that breaks - no result line - ends it with status 1).
#   1. switch: a frame through the switch, instructions per frame (tests/net/vswself): to the VM itself and back (send +
#      receive), and to the gateway (the NIC path, per send), for a host VM (tenant 0) and a tenant's VM.
#   2. scheduler: a yield (bench/switch), instructions per yield with 1 VM and 2 VMs, round robin (the default) and with
#      CPU shares on (share=0:1).
#   3. CPU split: two CPU-bound VMs each of tenant 1 (share 1) and tenant 2 (share 3) (tests/guest/cpuhog), CPU by tenant.
# BASE_KERNEL=PATH: a kernel without tenants (e.g. built from the commit before them) measured beside for 1 and 2.
#   sh bench/tenant.sh [B]
set -u
B=${1:-build}
ISORUN=$B/bin/isorun
OUT=$B/results/tenant.json
ICOUNT="--accel tcg --qemu-arg -icount --qemu-arg shift=0"
BASE=${BASE_KERNEL:-}
for f in "$ISORUN" "$B/isokernel.bin" "$B/tests/net/vswself.elf" "$B/bench/switch.elf" "$B/tests/guest/cpuhog.elf"; do
	[ -f "$f" ] || { echo "bench-tenant: $f is missing (make bench-tenant builds it)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/btenant.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$B/results" || exit 1

# one KERNEL KEY ARGS...: the number after KEY= in the run's guest output (the first one).
one() {
	k=$1 key=$2
	shift 2
	# shellcheck disable=SC2086
	"$ISORUN" --kernel "$k" $ICOUNT --timeout 120 "$@" >"$T/out" 2>&1
	v=$(grep -o "$key=[0-9]*" "$T/out" | head -n 1 | sed 's/.*=//')
	[ -n "$v" ] || { echo "bench-tenant: no $key in the run of $*:" >&2; tail -n 5 "$T/out" >&2; exit 1; }
	echo "$v"
}

# kernels: "now" and, with BASE_KERNEL, "base"
measure() {
	k=$1
	self0=$(one "$k" cycles_per_frame "$B/tests/net/vswself.elf:1:20000")
	gw0=$(one "$k" cycles_per_frame --net-socket "$T/n.sock" "$B/tests/net/vswself.elf:1:20000 gw")
	y1=$(one "$k" yield_cycles "$B/bench/switch.elf:1:20000")
	y2=$(one "$k" yield_cycles "$B/bench/switch.elf:2:20000")
}

echo "bench-tenant: kernel $B/isokernel.bin" >&2
measure "$B/isokernel.bin"
selft=$(one "$B/isokernel.bin" cycles_per_frame "$B/tests/net/vswself.elf:1@3:20000")
gwt=$(one "$B/isokernel.bin" cycles_per_frame --net-socket "$T/n.sock" "$B/tests/net/vswself.elf:1@3:20000 gw")
ys1=$(one "$B/isokernel.bin" yield_cycles --share 0:1 "$B/bench/switch.elf:1:20000")
ys2=$(one "$B/isokernel.bin" yield_cycles --share 0:1 "$B/bench/switch.elf:2:20000")
"$ISORUN" $ICOUNT --timeout 120 --serial-log "$T/split.log" --share 1:1 --share 2:3 \
	"$B/tests/guest/cpuhog.elf:2@1:500" "$B/tests/guest/cpuhog.elf:2@2:500" >"$T/out" 2>&1 ||
	{ echo "bench-tenant: the CPU-split run failed" >&2; tail -n 5 "$T/out" >&2; exit 1; }
c1=$(grep -aE '^@vm .* tenant=1( |$)' "$T/split.log" | sed 's/.* cpu_us=\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
c2=$(grep -aE '^@vm .* tenant=2( |$)' "$T/split.log" | sed 's/.* cpu_us=\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
ratio=$(awk -v a="$c2" -v b="$c1" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
now="{\"self_frame\": $self0, \"gw_frame\": $gw0, \"yield_1vm\": $y1, \"yield_2vm\": $y2}"
base=null
if [ -n "$BASE" ]; then
	echo "bench-tenant: base kernel $BASE" >&2
	measure "$BASE"
	base="{\"self_frame\": $self0, \"gw_frame\": $gw0, \"yield_1vm\": $y1, \"yield_2vm\": $y2}"
fi
cat >"$OUT" <<JSON
{
  "what": "tenant networks and CPU shares: instructions under TCG -icount shift=0 (deterministic)",
  "unit": "guest instructions (TSC ticks at one per instruction)",
  "host_vm": $now,
  "host_vm_base_kernel": $base,
  "tenant_vm": {"self_frame": $selft, "gw_frame": $gwt},
  "shares_on": {"yield_1vm": $ys1, "yield_2vm": $ys2},
  "cpu_split": {"shares": "1:3", "tenant1_cpu_us": $c1, "tenant2_cpu_us": $c2, "ratio": $ratio}
}
JSON
printf '%-44s %10s %10s\n' "instructions (icount)" "host VM" "tenant VM"
printf '%-44s %10s %10s\n' "frame to itself and back (send + receive)" "$(echo "$now" | sed 's/.*self_frame": \([0-9]*\).*/\1/')" "$selft"
printf '%-44s %10s %10s\n' "frame to the gateway (per send)" "$(echo "$now" | sed 's/.*gw_frame": \([0-9]*\).*/\1/')" "$gwt"
printf '%-44s %10s %10s\n' "yield, 1 VM / 2 VMs, round robin" "$(echo "$now" | sed 's/.*yield_1vm": \([0-9]*\).*yield_2vm": \([0-9]*\).*/\1 \/ \2/')" "-"
printf '%-44s %10s\n' "yield, 1 VM / 2 VMs, shares on" "$ys1 / $ys2"
[ "$base" != null ] && printf '%-44s %s\n' "base kernel (host VM)" "$base"
printf 'CPU split at shares 1:3: %s us : %s us (ratio %s)\nbench-tenant: wrote %s\n' "$c1" "$c2" "$ratio" "$OUT"
