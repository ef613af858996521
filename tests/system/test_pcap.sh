#!/bin/bash
# test_pcap.sh - isorun --pcap: the frames the kernel's switch moves, read back with tshark. 1: VM to VM (no NIC):
# two udp-echo VMs, two udpclient VMs each talking to one; every datagram both ways is in the file, the forged frames
# the switch dropped are not; --pcap-vm 2 keeps only VM 2's frames; a run without --pcap has no capture port, no
# capture word and writes no file; a bad capture= word is refused. 2: through the NIC (loadgen on QEMU's stream
# netdev) and VM to VM in one run: both kinds in one file, every echo loadgen got is there both ways, timestamps
# are wall time. 3: a VM floods another
# (capture=all) while isorun stops reading for 3 s: the run ends normally, frames were lost and counted, frames
# written + lost = frames the switch moved (bounded, counted drops), and an idle VM beside them receives nothing
# (the capture shows VMs nothing).
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf
NET=$B/tests/net
for g in udpclient.elf flood.elf; do
	[ -f "$NET/$g" ] || fail "no guest image $NET/$g (make net-guests)"
done
command -v tshark >/dev/null || skip "no tshark (scripts/deps.sh installs it)"
LOADGEN=$B/bin/loadgen
[ -x "$LOADGEN" ] || fail "$LOADGEN is missing (make runner)"
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"
INJECT=$WORK/frameinject
${HOSTCC:-gcc} -O2 -Wall -Wextra -Werror -I"$ROOT/lib" -o "$INJECT" "$ROOT/tests/system/frameinject.c" ||
	fail "cannot compile tests/system/frameinject.c"
SOCKDIR=$(mktemp -d /tmp/pcap.XXXXXX) || fail "mktemp failed"
ISO_PID=
cleanup() {
	[ -n "$ISO_PID" ] && kill -TERM "$ISO_PID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT

# nf FILE FILTER: how many frames of FILE match the display filter.
nf() {
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}
# written NAME: "N frames written; the kernel sent S and lost L" from isorun's stderr, as "N S L".
written() {
	sed -n 's/^isorun: pcap .*: \([0-9]*\) frames written; the kernel sent \([0-9]*\) and lost \([0-9]*\) .*/\1 \2 \3/p' \
		"$WORK/$1.out"
}
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# 1. VM to VM. VMs 0 and 1 echo (10.0.0.2, .3); client VM 2 (10.0.0.4) talks to VM 0, VM 3 (10.0.0.5) to VM 1,
# 20 datagrams each, after 10 forged frames each that the switch drops.
vmargs=("$EX/udp-echo.elf:1:7 20" "$EX/udp-echo.elf:1:7 20" "$NET/udpclient.elf:1:0 20" "$NET/udpclient.elf:1:1 20")
run_isorun all --timeout 60 --pcap "$WORK/all.pcap" "${vmargs[@]}"
expect_rc all 0
[ -s "$WORK/all.pcap" ] || fail "all: no capture file"
read -r w s l <<<"$(written all)"
[ -n "$w" ] && [ "$w" = "$s" ] && [ "$l" = 0 ] || fail "all: isorun wrote ${w:-?} frames, the kernel sent ${s:-?}, lost ${l:-?} (want all, none lost)"
grep -q "\"pcap\": {\"frames_written\": $w, \"kernel_frames\": $w, \"kernel_lost\": 0, \"ended\": 1, \"malformed\": 0}" "$WORK/all.json" ||
	fail "all: isorun's JSON does not say $w frames written, sent, 0 lost: $(grep -o '"pcap": [^}]*}\?' "$WORK/all.json")"
tot=$(tshark -r "$WORK/all.pcap" 2>/dev/null | wc -l)
[ "$tot" = "$w" ] || fail "all: tshark reads $tot frames, isorun wrote $w"
for pair in "10.0.0.4 10.0.0.2" "10.0.0.5 10.0.0.3"; do
	set -- $pair
	a=$(nf "$WORK/all.pcap" "udp.dstport == 7 && ip.src == $1 && ip.dst == $2")
	b=$(nf "$WORK/all.pcap" "udp.srcport == 7 && ip.src == $2 && ip.dst == $1")
	[ "$a" = 20 ] && [ "$b" = 20 ] || fail "all: $1 -> $2: $a datagrams, back: $b (want 20 each way)"
done
forged=$(nf "$WORK/all.pcap" "(eth.src == 02:00:00:00:00:02 && ip && ip.src != 10.0.0.4) || (eth.src == 02:00:00:00:00:03 && ip && ip.src != 10.0.0.5) || (ip.src == 10.0.0.4 && eth.src != 02:00:00:00:00:02)")
[ "$forged" = 0 ] || fail "all: $forged forged frames in the capture (the switch dropped them: it must not show them)"
sw=$(grep -a '^@switch ' "$WORK/all.serial")
[ "$w" = $(( $(field "$sw" to_vm) + $(field "$sw" to_nic) )) ] || fail "all: $w frames captured, the switch moved to_vm + to_nic: $sw"

# --pcap-vm 2: VM 2's frames only (both ways), none of the other pair.
run_isorun vm2 --timeout 60 --pcap "$WORK/vm2.pcap" --pcap-vm 2 "${vmargs[@]}"
expect_rc vm2 0
tot2=$(tshark -r "$WORK/vm2.pcap" 2>/dev/null | wc -l)
mine=$(nf "$WORK/vm2.pcap" "eth.src == 02:00:00:00:00:02 || eth.dst == 02:00:00:00:00:02")
other=$(nf "$WORK/vm2.pcap" "ip.addr == 10.0.0.5 || ip.addr == 10.0.0.3 || eth.addr == 02:00:00:00:00:03")
udp2=$(nf "$WORK/vm2.pcap" "udp && ip.addr == 10.0.0.4 && ip.addr == 10.0.0.2")
[ "$tot2" -gt 0 ] && [ "$mine" = "$tot2" ] && [ "$other" = 0 ] && [ "$udp2" = 40 ] ||
	fail "vm2: $tot2 frames, $mine of VM 2, $other of the other pair, $udp2 datagrams of VM 2 <-> VM 0 (want all, 0, 40)"
"$ISORUN" --pcap-vm 2 "$EX/udp-echo.elf" >"$WORK/novm.out" 2>&1 && fail "--pcap-vm without --pcap was accepted"
grep -q 'needs --pcap' "$WORK/novm.out" || fail "--pcap-vm without --pcap: $(cat "$WORK/novm.out")"
"$ISORUN" --pcap "$WORK/x.pcap" --pcap-vm 4294967295 "$EX/udp-echo.elf" >"$WORK/badvm.out" 2>&1 && fail "--pcap-vm 4294967295 was accepted"
[ -e "$WORK/x.pcap" ] && fail "a refused command line wrote $WORK/x.pcap"

# Without --pcap: no capture port, no kernel word, no file.
ls "$WORK" >"$WORK/files.before"
run_isorun none -v --timeout 60 "${vmargs[@]}"
expect_rc none 0
grep -q 'iso.pcap\|capture=' "$WORK/none.out" && fail "none: a capture port or word without --pcap: $(grep -o 'iso.pcap\|capture=[^ ]*' "$WORK/none.out" | head -n 2)"
grep -aq 'virtio-console .* named=2 ' "$WORK/none.serial" || fail "none: the kernel saw other than 2 named ports: $(grep -a virtio-console "$WORK/none.serial")"
ls "$WORK" | grep -v '^none\.\|^files\.' >"$WORK/files.after"
grep -v '^none\.\|^files\.' "$WORK/files.before" | diff - "$WORK/files.after" >/dev/null || fail "none: files appeared: $(diff "$WORK/files.before" "$WORK/files.after")"
grep -q 'isorun: pcap' "$WORK/none.out" && fail "none: isorun spoke of a capture"
grep -q '"pcap": null' "$WORK/none.json" || fail "none: isorun's JSON has a pcap object without --pcap"
for bad in capture=x capture=4294967295 capture=1..2 capture=; do
	run_isorun badword --timeout 30 --append "$bad" "$EX/udp-echo.elf:1:7 1"
	expect_rc badword 2
	grep -aq "bad command-line word '$bad'" "$WORK/badword.serial" || fail "badword $bad: $(grep -a isokernel: "$WORK/badword.serial" | tail -n 2)"
done
msg1="VM to VM: $w frames ($(nf "$WORK/all.pcap" arp) ARP), 80 datagrams, forged frames absent; --pcap-vm 2: $tot2 frames all VM 2's"

# 2. Through the NIC and VM to VM in one run: VM 0 echoes for loadgen, VM 1 for client VM 2.
cmd="$ISORUN --json $WORK/nic.json --serial-log $WORK/nic.serial --net-socket $SOCKDIR/nic.sock --timeout 60"
cmd="$cmd --pcap $WORK/nic.pcap $EX/udp-echo.elf:1:7 $EX/udp-echo.elf:1:7 '$NET/udpclient.elf:1:1 20' >$WORK/nic.out 2>&1"
echo "+ loadgen --run '$cmd' --udp-echo --vms 1 --concurrency 4 --duration 2 --wait 20"
"$LOADGEN" --run "$cmd" --socket "$SOCKDIR/nic.sock" --json "$WORK/nic.lg.json" --udp-echo --vms 1 --concurrency 4 \
	--duration 2 --wait 20 >"$WORK/nic.lg" 2>&1 || fail "nic: loadgen exited $? (see $WORK/nic.lg)"
grep 'isorun: pcap' "$WORK/nic.out" | sed 's/^/  | /'
resp=$(grep -o '"responses": [0-9]*' "$WORK/nic.lg.json" | head -n 1 | sed 's/.*: //')
[ "${resp:-0}" -gt 0 ] || fail "nic: loadgen got no echoes"
read -r w s l <<<"$(written nic)"
[ -n "$w" ] && [ "$w" = "$s" ] || fail "nic: isorun wrote ${w:-?} frames, the kernel sent ${s:-?}"
in=$(nf "$WORK/nic.pcap" "udp.dstport == 7 && ip.src == 10.0.0.1 && ip.dst == 10.0.0.2 && eth.src == 02:fe:00:00:00:01")
out=$(nf "$WORK/nic.pcap" "udp.srcport == 7 && ip.src == 10.0.0.2 && ip.dst == 10.0.0.1 && eth.dst == 02:fe:00:00:00:01")
v2v=$(nf "$WORK/nic.pcap" "udp && ip.addr == 10.0.0.4 && ip.addr == 10.0.0.3")
if [ "$l" = 0 ]; then
	[ "$in" -ge "$resp" ] && [ "$out" -ge "$resp" ] && [ "$v2v" = 40 ] ||
		fail "nic: $in datagrams in from the NIC, $out out, $v2v VM to VM; loadgen got $resp echoes (want >= $resp, >= $resp, 40)"
else
	[ "$in" -gt 0 ] && [ "$out" -gt 0 ] && [ "$v2v" -gt 0 ] || fail "nic: $in in, $out out, $v2v VM to VM ($l lost)"
fi
sw=$(grep -a '^@switch ' "$WORK/nic.serial")
moved=$(( $(field "$sw" to_vm) + $(field "$sw" to_nic) ))
[ $(( s + l )) -ge $moved ] && [ $(( s + l )) -le $(( moved + $(field "$sw" from_nic) )) ] ||
	fail "nic: captured $s + lost $l: want the switch's to_vm + to_nic ($moved) and at most from_nic more: $sw"
first=$(tshark -r "$WORK/nic.pcap" -T fields -e frame.time_epoch -c 1 2>/dev/null | cut -d. -f1)
now=$(date +%s)
[ -n "$first" ] && [ $(( now - first )) -ge 0 ] && [ $(( now - first )) -lt 3600 ] ||
	fail "nic: the first frame's time ${first:-none} is not within the last hour (now $now)"
msg2="NIC + VM to VM: $w frames, $in in / $out out through the NIC for $resp echoes, $v2v VM to VM, $l lost"

# 3. Flood: VM 1 floods the echo VM 0 inside the switch for 10 s, VM 2 idles (udp-echo); capture=all. First
# frameinject's bad frames from outside: those the switch drops (unknown ethertypes) are in the capture too.
echo "+ isorun --net-socket $SOCKDIR/flood.sock --pcap $WORK/flood.pcap (flood)"
"$ISORUN" --timeout 120 --json "$WORK/flood.json" --serial-log "$WORK/flood.serial" --net-socket "$SOCKDIR/flood.sock" \
	--pcap "$WORK/flood.pcap" "$EX/udp-echo.elf:1:7" "$NET/flood.elf:1:vm 10 0" "$EX/udp-echo.elf:1:7" \
	>"$WORK/flood.out" 2>&1 &
ISO_PID=$!
for _ in $(seq 1 120); do [ -S "$SOCKDIR/flood.sock" ] && break; sleep 0.25; done
sleep 2
"$INJECT" "$SOCKDIR/flood.sock" 10.0.0.0 --udp 0 --go 1 >"$WORK/flood.go" 2>&1 ||
	fail "flood: could not start the flooder: $(cat "$WORK/flood.go")"
# A host that stops reading (isorun stopped for 3 s mid-flood): the capture port fills and the kernel drops and
# counts; the switch and the VMs go on (QEMU throttles the port; the guest never waits for it).
sleep 1
kill -STOP "$ISO_PID"
sleep 3
kill -CONT "$ISO_PID"
for _ in $(seq 1 160); do grep -q 'flood: vm sent=' "$WORK/flood.out" && break; sleep 0.25; done
kill -TERM "$ISO_PID"
wait "$ISO_PID"
ISO_PID=
grep 'isorun: pcap\|flood: vm' "$WORK/flood.out" | sed 's/^/  | /'
grep -aq '^@done ' "$WORK/flood.serial" || fail "flood: no @done: the run did not end"
grep -q 'flood: vm sent=' "$WORK/flood.out" || fail "flood: the flooder did not finish"
read -r w s l <<<"$(written flood)"
[ -n "$w" ] && [ "$w" = "$s" ] || fail "flood: isorun wrote ${w:-?} frames, the kernel sent ${s:-?}"
sw=$(grep -a '^@switch ' "$WORK/flood.serial")
moved=$(( $(field "$sw" to_vm) + $(field "$sw" to_nic) ))
[ $(( s + l )) -ge $moved ] && [ $(( s + l )) -le $(( moved + $(field "$sw" from_nic) )) ] ||
	fail "flood: captured $s + lost $l: want the switch's to_vm + to_nic ($moved) and at most from_nic more: $sw"
idle=$(grep -a '^@vm id=2 ' "$WORK/flood.serial")
[ -n "$idle" ] || fail "flood: no @vm record for the idle VM 2"
rx=$(field "$idle" rx_frames)
[ "${rx:-0}" = 0 ] || fail "flood: the idle VM 2 received $rx frames: $idle"
[ "$l" -gt 0 ] || fail "flood: with the host not reading for 3 s the kernel lost no frame (it must drop, not wait)"
odd=$(nf "$WORK/flood.pcap" "!(eth.type == 0x0800 || eth.type == 0x0806)")
[ "$odd" -gt 0 ] || fail "flood: none of frameinject's frames of unknown ethertypes (dropped by the switch) is in the capture"
tot3=$(tshark -r "$WORK/flood.pcap" 2>/dev/null | wc -l)
[ "$tot3" = "$w" ] || fail "flood: tshark reads $tot3 frames, isorun wrote $w"
pass "$msg1; $msg2; flood: $odd dropped frames from outside, $s frames captured, $l lost and counted (the switch moved $moved, $(field "$sw" from_nic) came from outside), idle VM received 0"
