#!/bin/bash
# test_summon.sh - summoned services (isokernel/summon.c; kctl svc-set --summon). A tenant-mode kernel with a NIC
# (isorun --serve --net-socket; loadgen plays the outside). 1: alice pushes udp-echo as a summoned service of 10,000
# instances: no VM runs; loadgen sends a datagram to 1,000 of them, every one answers; SVCS shows 1,000 live and
# 9,000 dormant, STATS 1,000 summons; after the reclaim time (15 s) all 1,000 are ended and dormant again. 2: bob's
# udpcount (an echo that counts in its heap) with --keep-state: reclaimed by saving, its next datagram restores it
# and its count goes on; SVC_DEL frees the saved state. 3 (hostile, a kernel with low limits): a flood of first
# frames to 60,000 different dormant addresses is rate-limited (summons bounded, the rest counted) and the kernel
# still answers; a summoned guest that never idles holds at most SUMMON_HOLD_PER frames, is ended at the ready
# deadline and its frames counted as dropped. Waits poll kctl's answers, never a timing assertion.
# timeout: 600
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf
KCTL=$B/bin/kctl
LOADGEN=$B/bin/loadgen
NET=$B/tests/net
for f in "$KCTL" "$LOADGEN"; do
	[ -x "$f" ] || fail "$f is missing (make runner)"
done
[ -f "$NET/udpcount.elf" ] || fail "no guest image $NET/udpcount.elf (make net-guests)"
[ -f "$B/hostile/endless.elf" ] || fail "no guest image $B/hostile/endless.elf (make hostile)"
"${QEMU:-qemu-system-x86_64}" -netdev help 2>/dev/null | grep -qx stream || skip "QEMU has no stream netdev (>= 7.2)"

SOCKDIR=$(mktemp -d /tmp/summon.XXXXXX) || fail "mktemp failed"
IPID=
cleanup() {
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null && sleep 2 && kill -9 "$IPID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT
unset KCTL_KEY KCTL_TENANT
(cd "$WORK" && for n in op alice bob carol dave; do "$KCTL" keygen $n || exit 1; done) >/dev/null || fail "keygen failed"
OP="--key $WORK/op.key"

# boot NAME [APPEND]: a tenant-mode kernel with a NIC at $SOCKDIR/NAME.net, kctl's socket $SOCKDIR/NAME.ctl.
boot() {
	export KCTL_SOCKET=$SOCKDIR/$1.ctl
	NETSOCK=$SOCKDIR/$1.net
	echo "+ isorun --serve --operator-key op.pub --net-socket $1.net --mem 1024 ${2:+--append '$2'}"
	"$ISORUN" --serve "$KCTL_SOCKET" --operator-key "$WORK/op.pub" --mem 1024 --timeout 560 --net-socket "$NETSOCK" \
		${2:+--append "$2"} --json "$WORK/$1.json" --serial-log "$WORK/$1.serial" >"$WORK/$1.out" 2>&1 &
	IPID=$!
	for _ in $(seq 240); do
		"$KCTL" hello >/dev/null 2>&1 && return
		kill -0 "$IPID" 2>/dev/null || fail "isorun ended before serving: $(tail -n 5 "$WORK/$1.out")"
		sleep 0.5
	done
	fail "the kernel never answered HELLO"
}
# k NAME ARGS...: kctl ARGS into $WORK/NAME.k, which must succeed.
k() {
	n=$1
	shift
	"$KCTL" "$@" >"$WORK/$n.k" 2>&1 || fail "kctl $*: $(cat "$WORK/$n.k")"
	echo "+ kctl $(echo "$*" | sed "s|$WORK/||g; s|$B/||g" | cut -c 1-110)"
	head -n 3 "$WORK/$n.k" | sed 's/^/  | /'
}
kst() { "$KCTL" stats | awk -v k="$1" '$1 == k { print $2 }'; }
# svc TENANT-OPTS NAME FIELD: a number from `kctl svcs`.
svc() { "$KCTL" svcs $1 | grep "^$2 " | grep -o " $3=[0-9]*" | cut -d= -f2; }
# wait_for WHAT 'SHELL CONDITION': until the condition (evaluated afresh each time) holds (up to 3 minutes).
wait_for() {
	for _ in $(seq 360); do
		eval "$2" && return
		sleep 0.5
	done
	fail "never: $1"
}
# lg NAME ARGS...: loadgen over the NIC, UDP echo; its report in $WORK/NAME.lg.
lg() {
	n=$1
	shift
	echo "+ loadgen --udp-echo $*"
	"$LOADGEN" --socket "$NETSOCK" --udp-echo --quiet "$@" >"$WORK/$n.lg" 2>&1
	LRC=$?
	tail -n 4 "$WORK/$n.lg" | sed 's/^/  | /'
}

# 1. 10,000 instances, 1,000 summoned.
boot main
A="--key $WORK/alice.key --tenant alice"
k addalice tenant-add 1 alice --pubkey "$WORK/alice.pub" --max-vms 2000 --max-mem 2000000 $OP
k aload tload "$EX/udp-echo.elf" $A
k aset svc-set echo "$EX/udp-echo.elf" 10000 --summon --reclaim-after 15 --quota 512 $A
grep -q 'created 0, ended 0, live 0, desired 10000' "$WORK/aset.k" || fail "summoned service: $(cat "$WORK/aset.k")"
[ "$(svc "$A" echo dormant)" = 10000 ] && [ "$(svc "$A" echo live)" = 0 ] || fail "svcs: $("$KCTL" svcs $A)"
# refused NAME STATUS ARGS...: kctl ARGS must fail with STATUS.
refused() {
	n=$1 st=$2
	shift 2
	"$KCTL" "$@" >"$WORK/$n.k" 2>&1
	[ $? = 1 ] && grep -q ": $st: " "$WORK/$n.k" || fail "$n: want $st: $(cat "$WORK/$n.k")"
	echo "+ kctl $1 ... refused: $(head -n 1 "$WORK/$n.k" | cut -c 1-100)"
}
refused keeponly E_ARG svc-set x "$EX/udp-echo.elf" 10 --keep-state $A
refused reclaimonly E_ARG svc-set x "$EX/udp-echo.elf" 10 --reclaim-after 5 $A
refused toomany E_ARG svc-set x "$EX/udp-echo.elf" 65534 --summon $A
refused zero E_ARG svc-set x "$EX/udp-echo.elf" 0 --summon $A
refused other E_EXIST svc-set echo "$EX/udp-echo.elf" 10000 --summon --reclaim-after 16 --quota 512 $A
refused plain E_EXIST svc-set echo "$EX/udp-echo.elf" 10 --quota 512 $A
refused nofit E_LIMIT svc-set big "$EX/udp-echo.elf" 60000 --summon $A      # 10,000 of 65,533 taken
k same svc-set echo "$EX/udp-echo.elf" 10000 --summon --reclaim-after 15 --quota 512 $A
[ "$(kst live)" = 0 ] || fail "VMs live before any frame: $(kst live)"
grep -aq '^@summon op=add tenant=1 svc="echo" first=0 count=10000 ' "$WORK/main.serial" || fail "no @summon add record"
lg one --tenant 1 --vms 1000 --sweep --requests 1000 --concurrency 16 --wait 180 --timeout 10000
[ $LRC = 0 ] || fail "loadgen exited $LRC: $(tail -n 3 "$WORK/one.lg")"
grep -q '1000 VMs answered' "$WORK/one.lg" || fail "not every summoned VM answered: $(tail -n 3 "$WORK/one.lg")"
grep -q '1000 requests, 1000 responses, 0 errors, 0 timeouts' "$WORK/one.lg" || fail "lost requests: $(cat "$WORK/one.lg")"
[ "$(svc "$A" echo live)" = 1000 ] && [ "$(svc "$A" echo dormant)" = 9000 ] && [ "$(svc "$A" echo starting)" = 0 ] ||
	fail "svcs after 1,000 summons: $("$KCTL" svcs $A)"
[ "$(kst summons)" = 1000 ] && [ "$(kst live)" = 1000 ] || fail "stats: summons $(kst summons), live $(kst live)"
[ "$(kst held_drops)" = 0 ] || fail "held frames dropped: $(kst held_drops)"
k alist tlist $A
[ "$(grep -c ' echo' "$WORK/alist.k")" -ge 1000 ] || fail "tlist does not show the 1,000 VMs: $(head -n 3 "$WORK/alist.k")"
first="1000 of 10000 summoned, $(kst held_frames) frames held, $(grep -o 'p50 [0-9]* us' "$WORK/one.lg")"
wait_for "1,000 reclaimed" '[ "$(kst reclaim_ended)" = 1000 ]'
[ "$(svc "$A" echo live)" = 0 ] && [ "$(svc "$A" echo dormant)" = 10000 ] || fail "svcs after reclaim: $("$KCTL" svcs $A)"
[ "$(kst live)" = 0 ] || fail "VMs live after reclaim: $(kst live)"
# A reclaimed instance is summoned again by its next frame.
lg again --tenant 1 --vms 3 --sweep --requests 3 --concurrency 1 --wait 60 --timeout 10000
grep -q '3 VMs answered' "$WORK/again.lg" || fail "reclaimed instances did not come back: $(tail -n 3 "$WORK/again.lg")"
[ "$(kst summons)" = 1003 ] || fail "summons after the second round: $(kst summons)"

# 2. KEEP_STATE: saved by reclaim, restored by the next frame with its memory.
Bb="--key $WORK/bob.key --tenant bob"
k addbob tenant-add 2 bob --pubkey "$WORK/bob.pub" --max-vms 10 --max-mem 100000 $OP
k bload tload "$NET/udpcount.elf" $Bb
k bset svc-set cnt "$NET/udpcount.elf" 2 --summon --keep-state --reclaim-after 2 $Bb
lg cnt1 --tenant 2 --vms 1 --requests 3 --concurrency 1 --wait 60 --timeout 10000
grep -q '1 VMs answered' "$WORK/cnt1.lg" || fail "udpcount did not answer: $(tail -n 3 "$WORK/cnt1.lg")"
wait_for "bob's instance saved" '[ "$(svc "$Bb" cnt saved)" = 1 ]'
[ "$(kst reclaim_saved)" = 1 ] && [ "$(svc "$Bb" cnt live)" = 0 ] || fail "saved: $("$KCTL" svcs $Bb)"
before=$(grep -a '\] udpcount: ' "$WORK/main.out" | tail -n 1)
n1=${before##*: }
vm1=$(echo "$before" | sed 's/^\[vm \([0-9]*\)\].*/\1/')
[ "$n1" -ge 4 ] || fail "udpcount counted $n1 before the save (probe + 3 requests): $before"
lg cnt2 --tenant 2 --vms 1 --requests 2 --concurrency 1 --wait 60 --timeout 10000
grep -q '1 VMs answered' "$WORK/cnt2.lg" || fail "the saved instance did not answer: $(tail -n 3 "$WORK/cnt2.lg")"
[ "$(kst woken)" = 1 ] || fail "woken: $(kst woken)"
wait_for "the woken VM's output" 'grep -aq "\] udpcount: $((n1 + 3))\$" "$WORK/main.out"'
after=$(grep -a "\] udpcount: $((n1 + 1))\$" "$WORK/main.out")
vm2=$(echo "$after" | sed 's/^\[vm \([0-9]*\)\].*/\1/')
[ -n "$vm2" ] && [ "$vm2" != "$vm1" ] || fail "count $((n1 + 1)) not from a restored VM (before: vm $vm1): $after"
wait_for "bob's instance saved again" '[ "$(svc "$Bb" cnt saved)" = 1 ]'
free0=$(kst free_frames)
k bdel svc-del cnt $Bb
free1=$(kst free_frames)
[ "$free1" -ge $((free0 + 4)) ] || fail "svc-del freed $((free1 - free0)) frames of a saved state (20 KiB of guest memory)"
second="counted $n1 in vm $vm1, saved, woken as vm $vm2 at $((n1 + 1)); svc-del freed $((free1 - free0)) frames"
k adel svc-del echo $A
[ "$(kst live)" = 0 ] || fail "VMs live after svc-del: $(kst live)"
kill "$IPID" 2>/dev/null
wait "$IPID" 2>/dev/null
IPID=

# 3. Hostile, with low limits: 50 summons/s per source, a 1 s ready deadline.
boot hostile "summon_rate=100 summon_src_rate=50 summon_ready_ms=1000"
C="--key $WORK/carol.key --tenant carol"
D="--key $WORK/dave.key --tenant dave"
k addcarol tenant-add 3 carol --pubkey "$WORK/carol.pub" --max-vms 2000 --max-mem 2000000 $OP
k cload tload "$EX/udp-echo.elf" $C
k cset svc-set echo "$EX/udp-echo.elf" 60000 --summon --reclaim-after 60 --quota 512 $C
lg flood --tenant 3 --vms 60000 --sweep --rate 20000 --duration 3 --wait 1 --timeout 1000
s=$(kst summons) l=$(kst summon_limited)
[ "$s" -ge 1 ] && [ "$s" -le 400 ] || fail "a flood of first frames made $s VMs (50/s per source allowed)"
[ "$l" -ge 5000 ] || fail "only $l first frames were refused by the rate limit"
[ "$(svc "$C" echo dormant)" -ge 59600 ] || fail "svcs after the flood: $("$KCTL" svcs $C)"
"$KCTL" hello >/dev/null || fail "the kernel does not answer after the flood"
# SVC_DEL while first frames keep coming: VMs summoned between its passes end with it, nothing is left.
echo "+ loadgen flood in the background; kctl svc-set echo2 (another 1,000), svc-del echo and echo2 under it"
k cset2 svc-set echo2 "$EX/udp-echo.elf" 1000 --summon --quota 512 $C
"$LOADGEN" --socket "$NETSOCK" --udp-echo --quiet --tenant 3 --vms 61000 --sweep --rate 5000 --duration 4 --wait 1 \
	--timeout 500 >"$WORK/flood2.lg" 2>&1 &
LPID=$!
sleep 2
k cdel svc-del echo $C
k cdel2 svc-del echo2 $C
wait "$LPID"
"$KCTL" hello >/dev/null || fail "the kernel does not answer after SVC_DEL under a flood"
k csvcs svcs $C
[ -s "$WORK/csvcs.k" ] && fail "carol's services after svc-del: $(cat "$WORK/csvcs.k")"
[ "$(kst live)" = 0 ] || fail "VMs live after carol's services went: $(kst live)"
k addave tenant-add 4 dave --pubkey "$WORK/dave.pub" --max-vms 10 --max-mem 100000 $OP
k dload tload "$B/hostile/endless.elf" $D
k dset svc-set spin "$B/hostile/endless.elf" 1 --summon $D
lg spin --tenant 4 --vms 1 --rate 500 --duration 1 --wait 1 --timeout 500
spin_done() { [ "$(kst ready_timeouts)" -ge 1 ] && [ "$(svc "$D" spin dormant)" = 1 ]; }
wait_for "the spinner ended at the ready deadline, its instance dormant" spin_done
h=$(kst held_frames) d=$(kst held_drops) s2=$(kst summons) rt=$(kst ready_timeouts)
[ "$h" -le $((16 * s2)) ] || fail "held $h frames for $s2 summoned VMs: more than 16 each"
[ "$d" -ge 100 ] || fail "frames for the spinner past 16 not counted as dropped: held_drops $d"
grep -aq '^@summon op=ready_timeout tenant=4 addr=0 ' "$WORK/hostile.serial" || fail "no ready_timeout record"
# T_DEL with a summoned service whose instance is starting (frames held): everything goes.
"$LOADGEN" --socket "$NETSOCK" --udp-echo --quiet --tenant 4 --vms 1 --rate 200 --duration 3 --wait 1 \
	--timeout 500 >"$WORK/spin2.lg" 2>&1 &
LPID=$!
wait_for "the spinner starting again" '[ "$(svc "$D" spin starting)" = 1 ]'
k ddel tenant-del 4 $OP
wait "$LPID"
"$KCTL" hello >/dev/null || fail "the kernel does not answer after T_DEL of a tenant with a starting VM"
[ "$(kst live)" = 0 ] || fail "VMs live after T_DEL: $(kst live)"
pass "$first; reclaimed 1000; $second; flood: $s summons, $l limited; spinner: held_drops $d, ready_timeouts $rt"
