#!/bin/bash
# test_netbounce.sh - the bare NIC path: with netbounce=1 the kernel's virtio-net driver bounces every frame for
# the NIC's own MAC back with the MACs swapped; udpbounce.c sends 1,000 small and 200 full-size frames through
# QEMU's dgram netdev and checks each comes back intact, then 100 frames to another MAC that must not come back
# (they go to the switch, which has no VM for them). That run takes the NIC's MSI-X receive interrupt (QEMU's
# virtio-net-pci has MSI-X); two short runs bounce 300 frames with net_poll=1 (polled, no interrupt) and with
# idle_spin=1 (the idle loop spins instead of halting). Also: netbounce=1 without a NIC changes nothing.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example tiny.elf
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx dgram || skip "$QEMU_BIN has no dgram netdev (QEMU >= 7.2 needed)"
"$QEMU_BIN" -device virtio-net-pci,help >/dev/null 2>&1 || skip "$QEMU_BIN has no virtio-net-pci device"
HELPER=$WORK/udpbounce
${HOSTCC:-gcc} -O2 -Wall -Wextra -Werror -o "$HELPER" "$ROOT/tests/system/udpbounce.c" ||
	fail "cannot compile tests/system/udpbounce.c"

# Unix datagram sockets: no ports to race for; short paths (sun_path holds 108 bytes).
SOCKDIR=$(mktemp -d /tmp/netbounce.XXXXXX) || fail "mktemp failed"
trap 'rm -rf "$SOCKDIR"' EXIT
QSOCK=$SOCKDIR/q.sock
HSOCK=$SOCKDIR/h.sock
TIMEOUT_S=10
# isorun has no option for extra kernel words: a second -append replaces its own (QEMU keeps the last one).
run_isorun nonic --timeout 30 --qemu-arg -append --qemu-arg "timeout_ms=30000 netbounce=1" "$EX/tiny.elf"
expect_rc nonic 0
grep -aq '^@net ' "$WORK/nonic.serial" && fail "nonic: an @net line without a NIC"
grep -aq 'virtio-net' "$WORK/nonic.serial" && fail "nonic: the kernel spoke of virtio-net without a NIC"

run_isorun bounce --timeout $TIMEOUT_S \
	--qemu-arg -append --qemu-arg "timeout_ms=$((TIMEOUT_S * 1000)) netbounce=1" \
	--qemu-arg -netdev \
	--qemu-arg "dgram,id=n0,local.type=unix,local.path=$QSOCK,remote.type=unix,remote.path=$HSOCK" \
	--qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,disable-modern=on,romfile=,mac=52:54:00:12:34:56" \
	"$EX/tiny.elf" >"$WORK/bounce.log" 2>&1 &
runner=$!
"$HELPER" "$HSOCK" "$QSOCK" 1000 60 32 $((TIMEOUT_S - 2)) >"$WORK/small.out" 2>&1
small=$?
big=1
[ $small = 0 ] && { "$HELPER" "$HSOCK" "$QSOCK" 200 1514 32 5 >"$WORK/big.out" 2>&1; big=$?; }
other=1
[ $big = 0 ] && { "$HELPER" --other "$HSOCK" "$QSOCK" 100 60 32 5 >"$WORK/other.out" 2>&1; other=$?; }
wait $runner
cat "$WORK/bounce.log" "$WORK/small.out" "$WORK/big.out" "$WORK/other.out" 2>/dev/null
RC=$(sed -n 's/^  (isorun exit status \([0-9]*\))$/\1/p' "$WORK/bounce.log")
[ $small = 0 ] || fail "small frames: $(cat "$WORK/small.out")"
[ $big = 0 ] || fail "full-size frames: $(cat "$WORK/big.out")"
[ $other = 0 ] || fail "frames to another MAC: $(cat "$WORK/other.out")"
expect_rc bounce 0
net=$(grep -a '^@net ' "$WORK/bounce.serial")
[ -n "$net" ] || fail "no @net line from the kernel"
echo "kernel: $net"
val() { echo "$net" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
rx=$(val rx) tx=$(val tx)
[ "$rx" -ge 1300 ] || fail "the kernel counted $rx frames received, expected at least 1,300"
[ $((rx - tx)) = 100 ] || fail "the kernel received $rx frames and sent $tx: 100 (to another MAC) should stay"
[ "$(val bounced)" = "$tx" ] || fail "bounced=$(val bounced), expected every frame sent ($tx)"
sw=$(grep -a '^@switch ' "$WORK/bounce.serial")
echo "kernel: $sw"
from_nic=$(echo "$sw" | sed -n 's/.* *from_nic=\([0-9]*\).*/\1/p')
[ "$from_nic" = 100 ] || fail "the switch got $from_nic frames from the NIC, expected the 100 for another MAC"
for k in dropped tx_full rx_bad tx_bad broken; do
	[ "$(val $k)" = 0 ] || fail "$k=$(val $k) in: $net"
done
rate=$(sed -n 's/.* rate=\([0-9]*\) frames\/s.*/\1/p' "$WORK/small.out")
rate_big=$(sed -n 's/.* rate=\([0-9]*\) frames\/s.*/\1/p' "$WORK/big.out")
grep -aq '^isokernel: virtio-net .* rx=msix ' "$WORK/bounce.serial" || fail "the NIC did not run on its MSI-X interrupt"
[ "$(val irqs)" -gt 0 ] || fail "no NIC interrupt counted in: $net"

# mode_run NAME WORDS: 300 frames bounced with extra kernel words; isorun is stopped by SIGTERM (the kernel ends
# the run at once, as at its timeout) and must exit 0; sets net to the run's @net line.
mode_run() {
	"$ISORUN" --timeout 60 --serial-log "$WORK/$1.serial" --append "netbounce=1 $2" \
		--qemu-arg -netdev \
		--qemu-arg "dgram,id=n0,local.type=unix,local.path=$QSOCK,remote.type=unix,remote.path=$HSOCK" \
		--qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,disable-modern=on,romfile=,mac=52:54:00:12:34:56" \
		"$EX/tiny.elf" >"$WORK/$1.out" 2>&1 &
	local pid=$! urc rc
	"$HELPER" "$HSOCK" "$QSOCK" 300 60 8 20 >"$WORK/$1.udp" 2>&1
	urc=$?
	kill -TERM $pid
	wait $pid
	rc=$?
	cat "$WORK/$1.udp"
	[ $urc = 0 ] || fail "$2: $(cat "$WORK/$1.udp")"
	[ $rc = 0 ] || fail "$2: isorun exited $rc (see $WORK/$1.out)"
	net=$(grep -a '^@net ' "$WORK/$1.serial")
	echo "kernel ($2): $net"
	[ "$(val rx)" -ge 300 ] && [ "$(val rx)" = "$(val tx)" ] || fail "$2: not every frame came back: $net"
}
mode_run polled net_poll=1
grep -aq '^isokernel: virtio-net .* rx=polled (net_poll=1)' "$WORK/polled.serial" || fail "net_poll=1: not polled"
[ "$(val irqs)" = 0 ] && [ "$(val polls)" -gt 0 ] || fail "net_poll=1: irqs=$(val irqs) polls=$(val polls)"
mode_run spin idle_spin=1
grep -aq '^isokernel: virtio-net .* rx=msix ' "$WORK/spin.serial" || fail "idle_spin=1: the NIC left MSI-X mode"

pass "1,000 x 60 B and 200 x 1514 B frames bounced with MACs swapped, 100 to another MAC switched, not bounced; $rate frames/s (60 B), $rate_big frames/s (1514 B), window 32, accel $(summary_line bounce accel); MSI-X interrupt, net_poll=1 and idle_spin=1 modes each bounced 300"
