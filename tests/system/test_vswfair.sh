#!/bin/bash
# test_vswfair.sh - shares of one VM's receive queue (tests/net/fair.c, no NIC): VM 0 reads every frame for 4 s while
# 2, then 10, then 70 (more than the queue's 64 places) flooding VMs send to it as fast as the switch takes them and one more VM sends 20 frames, 50 ms apart;
# all 20 must reach VM 0 (at least 15 beside 70) (before the switch counted each sender's share per queue, two flooders held all 64 places
# and it got none through). Two hello VMs run beside each and must print their line exactly and exit 0.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf
FAIR=$B/tests/net/fair.elf
[ -f "$FAIR" ] || fail "no guest image $FAIR (make net-guests)"

# run NAME FLOODERS WANT [ISORUN ARGS]: VM 0 sinks, VMs 1..FLOODERS flood it, VM FLOODERS+1 sends 20 of which
# WANT must arrive, then 2 hello VMs.
run() {
	local n=$1 k=$2 want=$3 args=("$FAIR:1:sink 4" "$FAIR:$2:flood 0 3" "$FAIR:1:send 0 20 500 50" "$EX/hello.elf:2") hid line
	shift 3
	run_isorun "$n" --timeout 60 "$@" "${args[@]}"
	expect_rc "$n" 0
	all_exited_ok "$n" fair.elf $((k + 2))
	all_exited_ok "$n" hello.elf 2
	for hid in $(vm_ids "$n" hello.elf); do
		line=$(vm_output "$n" "$hid")
		[ "$line" = "hello.elf: hello from a pvisa guest (vm $hid, 1 args), pi ~ 3.14286" ] ||
			fail "$n: hello vm $hid printed: $line"
	done
	vm_output "$n" $((k + 1)) | grep -qx 'fair: sent 20' || fail "$n: the sender did not send its 20: $(vm_output "$n" $((k + 1)))"
	GOT=$(vm_output "$n" 0 | sed -n "s/^fair: from vm $((k + 1)): //p")
	FLOODED=$(vm_output "$n" 0 | grep "^fair: from vm " | grep -v "^fair: from vm $((k + 1)): " | sed 's/.*: //' |
		awk '{ s += $1 } END { print s + 0 }')
	SW=$(grep -a '^@switch ' "$WORK/$n.serial")
	echo "$n: the sender got ${GOT:-0} of 20 through; the $k flooders $FLOODED; $(echo "$SW" | grep -o 'drop_share=[0-9]*')"
	[ "${GOT:-0}" -ge "$want" ] || fail "$n: beside $k flooders the sender got ${GOT:-0} of 20 frames through (want $want) (VM 0 read: $(vm_output "$n" 0 | tr '\n' ' '))"
	[ "$FLOODED" -gt 1000 ] || fail "$n: the flooders got only $FLOODED frames through: they did not flood"
}
run two 2 20
msg="beside 2 flooders 20 of 20 ($FLOODED flooded frames read)"
run ten 10 20
msg="$msg, beside 10 flooders 20 of 20 ($FLOODED flooded frames read)"
# More flooders than the queue has places (64), with a 1 ms quantum so that the sender's 20 turns fit in the run: a
# newcomer always gets in but may be pushed out by later newcomers before VM 0 reads, as the flooders' frames may.
run seventy 70 15 --quantum 1000
pass "$msg, beside 70 flooders $GOT of 20 ($FLOODED flooded frames read); hello VMs exact"
