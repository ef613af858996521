#!/bin/bash
# test_udpecho.sh - 1,000 udp-echo VMs behind the kernel's virtual switch, driven from outside by build/bin/loadgen over
# QEMU's stream netdev (isorun --net-socket): every VM must answer and every echo carry the payload sent. First a
# short run against the kernel's netbounce mode checks loadgen's framing on its own (frames sent to the NIC's own
# MAC come back MAC-swapped).
# The runs end when their load does (loadgen stops isorun with SIGTERM). Then bare and switched paths side by side,
# a busy VM with idle ones dismissed midway, and keep-alive HTTP to 50 http VMs (open loop).
# Skips until udp-echo.elf exists and the kernel knows net_ip/net_bits (the switch).
# timeout: 240
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example tiny.elf
[ -f "$EX/udp-echo.elf" ] || skip "no guest image $EX/udp-echo.elf (examples/udp-echo.c not built yet)"
LOADGEN=$B/bin/loadgen
[ -x "$LOADGEN" ] || fail "$LOADGEN is missing (make runner)"
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"

# Does the kernel have the switch? One that does not refuses the unknown key net_ip with exit 2.
run_isorun probe --timeout 5 --subnet 10.0.0.0/8 "$EX/tiny.elf"
grep -aq "unknown command-line key 'net_ip'" "$WORK/probe.serial" &&
	skip "the kernel has no virtual switch yet (it refuses net_ip=)"
expect_rc probe 0

SOCKDIR=$(mktemp -d /tmp/udpecho.XXXXXX) || fail "mktemp failed"
trap 'rm -rf "$SOCKDIR"' EXIT

# lg NAME ISORUN_ARGS -- LOADGEN_ARGS: loadgen --run isorun; loadgen's report in NAME.lg (+ NAME.lg.json), isorun's
# output in NAME.out (+ NAME.json, NAME.serial); sets LGRC.
lg() {
	n=$1
	shift
	iargs=()
	while [ "$1" != -- ]; do iargs+=("$1"); shift; done
	shift
	cmd="$ISORUN --quiet --json $WORK/$n.json --serial-log $WORK/$n.serial --net-socket $SOCKDIR/$n.sock"
	cmd="$cmd $(printf '%q ' "${iargs[@]}")>$WORK/$n.out 2>&1"
	echo "+ loadgen --run '$cmd' --socket $SOCKDIR/$n.sock --json $WORK/$n.lg.json $*"
	"$LOADGEN" --run "$cmd" --socket "$SOCKDIR/$n.sock" --json "$WORK/$n.lg.json" "$@" >"$WORK/$n.lg" 2>&1
	LGRC=$?
	grep -v ' s: ' "$WORK/$n.lg" | sed 's/^/  | /'
	grep -v '^isorun: vm [0-9]* ' "$WORK/$n.out" | tail -n 14 | sed 's/^/  | /'
	grep -a '^@net ' "$WORK/$n.serial" | sed 's/^/  | /'
	echo "  (loadgen exit status $LGRC)"
}
lgnum() {
	grep -o "\"$2\": [0-9.]*" "$WORK/$1.lg.json" | head -n 1 | sed 's/.*: //'
}

# 1. loadgen alone: the kernel bounces every frame sent to the NIC's MAC (loadgen --bounce); 20 "VMs" (addresses of
# the plan), closed loop.
lg bounce --timeout 8 --append netbounce=1 "$EX/tiny.elf" -- --udp-echo --bounce --vms 20 --concurrency 16 \
	--duration 2 --wait 6
[ $LGRC = 0 ] || fail "bounce: loadgen exited $LGRC (see $WORK/bounce.lg)"
[ "$(lgnum bounce responses)" -gt 100 ] || fail "bounce: only $(lgnum bounce responses) frames came back"

# 2. 1,000 udp-echo VMs on 172.16.0.0/12 (not the kernel's default), Zipf-distributed closed loop.
N=1000
lg echo --timeout 35 --subnet 172.16.0.0/12 "$EX/udp-echo.elf:$N:7" -- --udp-echo --subnet 172.16.0.0/12 \
	--vms $N --concurrency 64 --zipf 0.8 --duration 8 --wait 20 --size 100
[ -f "$WORK/echo.lg.json" ] || fail "echo: loadgen wrote no JSON (exit $LGRC)"
answered=$(lgnum echo vms_answered)
[ "$answered" = $N ] || fail "echo: $answered of $N VMs answered"
[ "$(lgnum echo errors)" = 0 ] || fail "echo: $(lgnum echo errors) wrong echoes"
[ $LGRC = 0 ] || fail "echo: loadgen exited $LGRC (see $WORK/echo.lg)"
started=$(json_num echo vms_started)
[ "$started" = $N ] || fail "echo: the kernel started ${started:-no} VMs, expected $N"
grep -q '"id": 999, .*"ipv4": "172.16.3.233", "mac": "02:00:00:00:03:e7"' "$WORK/echo.json" ||
	fail "echo: isorun's JSON lacks VM 999's planned address 172.16.3.233 / 02:00:00:00:03:e7"
# The run ended when its load did: loadgen sent isorun SIGTERM, the kernel stopped the run (stopped=1, every @vm
# line and the summary) and isorun wrote its JSON, though --timeout 35 was far off.
[ "$(json_num echo stopped)" = 1 ] || fail "echo: the run was not stopped by the host (isorun JSON: stopped=$(json_num echo stopped))"
grep -q '"run_stopped": "sigterm"' "$WORK/echo.lg.json" || fail "echo: loadgen did not stop the run with SIGTERM"
# 4. Bare and switched side by side (loadgen --alternate): with netbounce=1 the driver bounces frames sent to the
# NIC's own MAC and switches the rest; both kinds must come back right, through the paths meant.
lg side --timeout 30 --append netbounce=1 "$EX/udp-echo.elf:1:7" -- --udp-echo --vms 1 --alternate 1 \
	--concurrency 8 --duration 1 --wait 10
[ $LGRC = 0 ] || fail "side: loadgen exited $LGRC (see $WORK/side.lg)"
for ph in bare switched; do
	r=$(grep -o "\"name\": \"$ph\", \"requests\": [0-9]*, \"responses\": [0-9]*" "$WORK/side.lg.json" | sed 's/.*: //')
	[ "${r:-0}" -gt 0 ] || fail "side: no $ph echoes"
done
[ "$(lgnum side wrong)" = 0 ] || fail "side: $(lgnum side wrong) wrong echoes"
bounced=$(grep -a '^@net ' "$WORK/side.serial" | sed -n 's/.* bounced=\([0-9]*\).*/\1/p')
to_vm=$(grep -a '^@switch ' "$WORK/side.serial" | sed -n 's/.* to_vm=\([0-9]*\).*/\1/p')
[ "${bounced:-0}" -gt 0 ] && [ "${to_vm:-0}" -gt 0 ] || fail "side: the driver bounced ${bounced:-no} frames, the switch gave ${to_vm:-no} to the VM"
# 5. One busy VM among idle ones, then alone (loadgen --dismiss): the 20 idle VMs exit on their second datagram.
lg dismiss --timeout 30 "$EX/udp-echo.elf:1:7" "$EX/udp-echo.elf:20:7 2" -- --udp-echo --vms 1 --dismiss 20 \
	--concurrency 8 --duration 1 --wait 10 --kernel-log "$WORK/dismiss.serial"
[ $LGRC = 0 ] || fail "dismiss: loadgen exited $LGRC (see $WORK/dismiss.lg)"
[ "$(json_num dismiss vms_exited_ok)" = 20 ] || fail "dismiss: $(json_num dismiss vms_exited_ok) of 20 idle VMs exited"
grep -q '"ratio": {"of": "crowd/alone"' "$WORK/dismiss.lg.json" || fail "dismiss: no crowd/alone ratio"
# 6. loadgen's other workload while we are here: keep-alive HTTP GETs, open loop, to 50 http VMs (if built).
httpmsg="no http.elf: HTTP leg not run"
if [ -f "$EX/http.elf" ]; then
	lg http --timeout 12 "$EX/http.elf:50:80" -- --http --vms 50 --rate 1000 --duration 3 --wait 8
	[ $LGRC = 0 ] || fail "http: loadgen exited $LGRC (see $WORK/http.lg)"
	[ "$(lgnum http vms_answered)" = 50 ] || fail "http: $(lgnum http vms_answered) of 50 VMs answered"
	[ "$(lgnum http errors)" = 0 ] || fail "http: $(lgnum http errors) errors"
	httpmsg="http: 50 VMs, $(lgnum http responses) GETs at $(lgnum http throughput)/s open loop, p99 $(lgnum http p99) us"
fi
pass "$N of $N udp-echo VMs answered; $(lgnum echo responses) echoes in $(lgnum echo seconds) s ($(lgnum echo throughput)/s), p50 $(lgnum echo p50) us, p99 $(lgnum echo p99) us, $(lgnum echo timeouts) timeouts, Jain $(lgnum echo jain) (Zipf 0.8); bounce $(lgnum bounce throughput) frames/s; side by side $bounced bounced, $to_vm switched; 20 idle VMs dismissed; $httpmsg"
