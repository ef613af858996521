#!/bin/bash
# test_nicspoof.sh - frames from outside in a VM's name: frameinject (--spoof 0:1, on QEMU's stream netdev) sends VM 0
# (tests/net/fair.c sink: counts every frame it reads by sender) 30 frames claiming VM 1 (a udp-echo VM): its MAC as
# source, its IPv4 as source, ARP replies giving its IPv4 to the injector's MAC. The switch must drop and count them
# all (@switch drop_nic_spoofed=30) and VM 0 must read none (before, all 30 were delivered as if VM 1 had sent
# them). The gateway's own frames still pass (frameinject's readiness echo with VM 1). Two hello VMs run beside it
# and must print their line exactly and exit 0.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf hello.elf
FAIR=$B/tests/net/fair.elf
[ -f "$FAIR" ] || fail "no guest image $FAIR (make net-guests)"
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"
INJECT=$WORK/frameinject
${HOSTCC:-gcc} -O2 -Wall -Wextra -Werror -I"$ROOT/lib" -o "$INJECT" "$ROOT/tests/system/frameinject.c" ||
	fail "cannot compile tests/system/frameinject.c"
SOCKDIR=$(mktemp -d /tmp/nicspoof.XXXXXX) || fail "mktemp failed"
ISO_PID=
cleanup() {
	[ -n "$ISO_PID" ] && kill -TERM "$ISO_PID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT

n=spoof
echo "+ isorun --net-socket $SOCKDIR/$n.sock ..."
"$ISORUN" --timeout 100 --json "$WORK/$n.json" --serial-log "$WORK/$n.serial" --net-socket "$SOCKDIR/$n.sock" \
	"$FAIR:1:sink 10" "$EX/udp-echo.elf:1:7" "$EX/hello.elf:2" >"$WORK/$n.out" 2>&1 &
ISO_PID=$!
t0=$(date +%s)
"$INJECT" "$SOCKDIR/$n.sock" 10.0.0.0 --udp 1 --no-abuse --spoof 0:1 >"$WORK/inject.out" 2>&1
irc=$?
sed 's/^/  | /' "$WORK/inject.out"
while [ $(($(date +%s) - t0)) -lt 12 ]; do sleep 0.25; done   # the sink reads for 10 s from its start
kill -TERM "$ISO_PID" 2>/dev/null
wait "$ISO_PID"
ISO_PID=
grep -v '^\[vm [0-9]*\] ' "$WORK/$n.out" | tail -n 4 | sed 's/^/  | /'
grep -a '^@\(switch\|vm\) ' "$WORK/$n.serial" | sed 's/^/  | /'
[ $irc = 0 ] || fail "frameinject exited $irc: $(tail -n 2 "$WORK/inject.out")"
sent=$(sed -n 's/^frameinject: sent spoofed=\([0-9]*\)$/\1/p' "$WORK/inject.out")
[ "$sent" = 30 ] || fail "frameinject did not send its 30 forged frames: $(cat "$WORK/inject.out")"
all_exited_ok $n fair.elf 1
all_exited_ok $n hello.elf 2
for hid in $(vm_ids $n hello.elf); do
	line=$(vm_output $n "$hid")
	[ "$line" = "hello.elf: hello from a pvisa guest (vm $hid, 1 args), pi ~ 3.14286" ] ||
		fail "hello vm $hid printed: $line"
done
sw=$(grep -a '^@switch ' "$WORK/$n.serial")
got=$(field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=\([0-9]*\)$/\1/p"; }; field "$sw" drop_nic_spoofed)
read0=$(vm_output $n 0 | tr '\n' ' ')
[ -z "$read0" ] || fail "VM 0 read frames in VM 1's name (or others): $read0"
[ "$got" = 30 ] || fail "@switch drop_nic_spoofed=${got:-missing}, expected 30: $sw"
grep -q '"drop_nic_spoofed": 30' "$WORK/$n.json" || fail "isorun's JSON has no \"drop_nic_spoofed\": 30"
pass "30 frames from outside in VM 1's name (MAC, IPv4, ARP) dropped, drop_nic_spoofed=30, VM 0 read none; hello VMs exact"
