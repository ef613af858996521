#!/bin/bash
# test_pcap.sh - isorun --pcap: 3 udp-echo VMs answer loadgen through the NIC, and tshark reads from the capture the requests to and the echoes from each VM, and per-VM filters by address.
# timeout: 180
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
[ -f "$EX/udp-echo.elf" ] || skip "no guest image $EX/udp-echo.elf"
LOADGEN=$B/bin/loadgen
[ -x "$LOADGEN" ] || fail "$LOADGEN is missing (make runner)"
command -v tshark >/dev/null || skip "no tshark (scripts/deps.sh installs it)"
"${QEMU:-qemu-system-x86_64}" -netdev help 2>/dev/null | grep -qx stream || skip "QEMU has no stream netdev"

"$ISORUN" --pcap "$WORK/x.pcap" "$EX/udp-echo.elf" >"$WORK/nonic.out" 2>&1
[ $? = 2 ] && grep -q 'needs a NIC' "$WORK/nonic.out" || fail "--pcap without a NIC was not refused"

SOCKDIR=$(mktemp -d /tmp/pcap.XXXXXX) || fail "mktemp failed"
trap 'rm -rf "$SOCKDIR"' EXIT
cmd="$ISORUN --quiet --timeout 60 --json $WORK/run.json --net-socket $SOCKDIR/n.sock --pcap $WORK/run.pcap $EX/udp-echo.elf:3:7 >$WORK/run.out 2>&1"
echo "+ loadgen --run '$cmd' ..."
"$LOADGEN" --run "$cmd" --socket "$SOCKDIR/n.sock" --json "$WORK/lg.json" --udp-echo --vms 3 --sweep --requests 30 \
	--concurrency 1 --wait 40 --size 100 >"$WORK/lg.out" 2>&1
rc=$?
tail -n 5 "$WORK/lg.out" | sed 's/^/  | /'
[ $rc = 0 ] || fail "loadgen exited $rc (see $WORK/lg.out)"
[ -s "$WORK/run.pcap" ] || fail "no capture written"
tshark -r "$WORK/run.pcap" -q -z io,stat,0 >"$WORK/stat.out" 2>&1 || fail "tshark cannot read the capture: $(head -n 3 "$WORK/stat.out")"
for i in 0 1 2; do
	ip=10.0.0.$((2 + i))
	to=$(tshark -r "$WORK/run.pcap" -Y "udp.dstport == 7 && ip.dst == $ip && udp.length == 108" 2>/dev/null | wc -l)
	from=$(tshark -r "$WORK/run.pcap" -Y "udp.srcport == 7 && ip.src == $ip && udp.length == 108" 2>/dev/null | wc -l)
	echo "  VM $i ($ip): $to requests, $from echoes in the capture"
	[ "$to" -ge 10 ] && [ "$from" -ge 10 ] || fail "VM $i: $to requests and $from echoes captured (want >= 10 each)"
done
arp=$(tshark -r "$WORK/run.pcap" -Y arp 2>/dev/null | wc -l)
pass "tshark read the capture: every VM's requests and echoes (per-VM filters by address), $arp ARP frames"
