#!/bin/bash
# test_fork.sh - fork (pvisa/PVISA.md "fork", pvisa/CTL.md FORK/T_FORK): a guest's fork() gives a child with its own id,
# address and random bytes and memory apart from its parent's (tests/guest/fork.c checks itself); from outside, kctl
# fork makes children of a running udp-echo VM that each answer loadgen from their own address, of an idle VM that
# wake at its deadline, and of a VM in the middle of copies across page boundaries that finish them right; refusals
# (no such VM, bad count) are errors, never faults; in tenant mode a tenant forks its own VM up to its quota
# (E_QUOTA after), never another's (E_NOENT).
# timeout: 420
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf idle.elf hello.elf http.elf
GT=$B/tests/guest
HB=$B/hostile
KCTL=$B/bin/kctl
LOADGEN=$B/bin/loadgen
for x in "$GT/fork.elf" "$GT/forkcopy.elf" "$HB/forkbomb.elf"; do [ -f "$x" ] || skip "no $x (make guest-tests)"; done
for x in "$KCTL" "$LOADGEN"; do [ -x "$x" ] || fail "$x is missing (make runner)"; done
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"

# 1. fork() inside a guest: two VMs, each "ok: fork", nothing alike but the memory written before the fork.
run_isorun guest --timeout 60 "$GT/fork.elf"
expect_rc guest 0
all_exited_ok guest fork.elf 2
grep -a '^\[vm [0-9]*\] FAIL' "$WORK/guest.out" && fail "guest: the fork test's checks failed (see $WORK/guest.out)"
p=$(grep -a '^\[vm [0-9]*\] fork: role=parent ' "$WORK/guest.out" | sed 's/^\[vm [0-9]*\] //')
c=$(grep -a '^\[vm [0-9]*\] fork: role=child ' "$WORK/guest.out" | sed 's/^\[vm [0-9]*\] //')
[ -n "$p" ] && [ -n "$c" ] || fail "guest: no parent or no child line"
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
for f in id ip mac arc4 kern; do
	[ "$(field "$p" $f)" != "$(field "$c" $f)" ] || fail "guest: parent and child have the same $f: $(field "$p" $f)"
done
[ "$(field "$p" ret)" = "$(field "$c" id)" ] || fail "guest: fork returned $(field "$p" ret), the child is $(field "$c" id)"
grep -aq '^@summary .* forks=1 fork_cycles=' "$WORK/guest.serial" || fail "guest: the summary does not count 1 fork"

# 2. A fork bomb beside 2 hello VMs, no tenants: it stops where host memory does (--mem 64), each of its VMs refused
# with PV_ENOMEM or PV_EAGAIN and exiting 0; the hello VMs finish.
run_isorun bomb --timeout 120 --mem 64 "$HB/forkbomb.elf" "$EX/hello.elf:2"
expect_rc bomb 0
grep -a 'hostile: NOT STOPPED' "$WORK/bomb.out" && fail "bomb: fork failed with an unlisted error"
all_exited_ok bomb hello.elf 2
nbomb=$(vm_records bomb forkbomb.elf | grep -c .)
all_exited_ok bomb forkbomb.elf "$nbomb"
[ "$nbomb" -gt 100 ] || fail "bomb: only $nbomb VMs: the bomb did not fill the memory"
[ "$(grep -ac 'forkbomb: vm=.* last=E\(NOMEM\|AGAIN\)' "$WORK/bomb.out")" = "$nbomb" ] ||
	fail "bomb: not every one of its $nbomb VMs said it was refused"

# 3. From outside: a kernel that serves, a udp-echo VM made at boot (id 0, address 0) forked 4 times (addresses
# 1..4: the next free ones); then an idle VM (its deadline 20 s on) and forkcopy (copying for 20 s), created by kctl.
SOCKDIR=$(mktemp -d /tmp/fork.XXXXXX) || fail "mktemp failed"
IPID= LGPID=
cleanup() {
	[ -n "$LGPID" ] && kill "$LGPID" 2>/dev/null
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null && sleep 2 && kill -9 "$IPID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT
export KCTL_SOCKET=$SOCKDIR/ctl.sock
k() {
	n=$1
	shift
	"$KCTL" "$@" >"$WORK/$n.k" 2>&1
	KRC=$?
	echo "+ kctl $* (exit $KRC)"
	head -n 5 "$WORK/$n.k" | sed 's/^/  | /'
}
"$ISORUN" --serve "$KCTL_SOCKET" --net-socket "$SOCKDIR/net.sock" --mem 256 --timeout 300 \
	--json "$WORK/serve.json" --serial-log "$WORK/serve.serial" "$EX/udp-echo.elf:1:7" >"$WORK/serve.out" 2>&1 &
IPID=$!
for _ in $(seq 120); do
	"$KCTL" hello >/dev/null 2>&1 && break
	kill -0 "$IPID" 2>/dev/null || fail "isorun ended before serving: $(tail -n 5 "$WORK/serve.out")"
	sleep 0.5
done
k fork0 fork 0 -n 4
[ $KRC = 0 ] && grep -q '^forked 4 of 4 children of VM 0: ids 1\.\.4$' "$WORK/fork0.k" ||
	fail "kctl fork 0 -n 4: exit $KRC: $(cat "$WORK/fork0.k")"
# made ID NAME: the id of the one VM `kctl create` made (its output in NAME.k).
made() { sed -n 's/^created 1 of 1 VMs of .*: ids \([0-9]*\)\.\..*/\1/p' "$WORK/$1.k"; }
k loadidle load "$EX/idle.elf"
k loadcopy load "$GT/forkcopy.elf"
k idle create idle.elf 1 --args 20000
k copy create forkcopy.elf 1 --args 20000
idle=$(made idle) copy=$(made copy)
[ -n "$idle" ] && [ -n "$copy" ] || fail "kctl create of idle.elf or forkcopy.elf failed"
k forkidle fork "$idle" -n 3
[ $KRC = 0 ] || fail "kctl fork $idle -n 3: exit $KRC: $(cat "$WORK/forkidle.k")"
for i in 1 2 3 4 5; do
	k "copy$i" fork "$copy"
	[ $KRC = 0 ] || fail "kctl fork $copy ($i): exit $KRC: $(cat "$WORK/copy$i.k")"
	sleep 0.3
done
k none fork 999
[ $KRC = 1 ] && grep -q 'E_NOENT' "$WORK/none.k" || fail "fork of no VM: exit $KRC: $(cat "$WORK/none.k")"
k zero fork 0 -n 0
[ $KRC = 2 ] || fail "fork -n 0: exit $KRC, expected 2 (usage)"
k big fork 0 -n 5000
[ $KRC = 2 ] || fail "fork -n 5000: exit $KRC, expected 2 (usage: at most 1024)"

# The udp-echo VM and its 4 children: every one answers from its own address (loadgen counts a VM answered only
# when the echo comes from that VM's address), addresses 0..4.
"$LOADGEN" --socket "$SOCKDIR/net.sock" --udp-echo --vms 5 --sweep --concurrency 4 --duration 2 --wait 60 \
	--json "$WORK/lg.json" >"$WORK/lg.out" 2>&1 || fail "loadgen: $(tail -n 3 "$WORK/lg.out")"
sed 's/^/  | /' "$WORK/lg.out" | tail -n 6
answered=$(grep -o '"vms_answered": [0-9]*' "$WORK/lg.json" | sed 's/.*: //')
[ "$answered" = 5 ] || fail "$answered of the 5 udp-echo VMs (1 made at boot, 4 forked) answered"
grep -q '"errors": 0,' "$WORK/lg.json" || fail "loadgen saw bad echoes: $(grep -o '"errors": [0-9]*' "$WORK/lg.json")"
# An idle child moved (saved with --end, restored) before it wrote a page: its pages still shared with its parent go
# into the state with their bytes (an image's copy-on-write page would go by reference, and a stack page could not),
# so it is restored and wakes at the deadline like the others (its @vm record under its new id).
ichild=$(sed -n 's/.*ids \([0-9]*\)\.\..*/\1/p' "$WORK/forkidle.k")
k save save "$ichild" "$WORK/child.state" --end
[ $KRC = 0 ] || fail "kctl save $ichild --end: exit $KRC: $(cat "$WORK/save.k")"
k restore restore "$WORK/child.state"
[ $KRC = 0 ] || fail "kctl restore of the forked child: exit $KRC: $(cat "$WORK/restore.k")"

# The idle VMs wake at their deadline and forkcopy's end 20 s after boot: wait for their 10 records (up to 2 min).
for _ in $(seq 240); do
	[ "$(grep -ac '^@vm .*image="\(idle\|forkcopy\).elf"' "$WORK/serve.serial")" -ge 10 ] && break
	sleep 0.5
done
k stats stats --json
grep -q '"forks": 12' "$WORK/stats.k" || fail "stats: forks is not 12: $(grep forks "$WORK/stats.k")"
k stop stop
for _ in $(seq 240); do kill -0 "$IPID" 2>/dev/null || break; sleep 0.5; done
kill -0 "$IPID" 2>/dev/null && fail "isorun did not end after kctl stop"
wait "$IPID"
IPID=
grep -a '^@vm ' "$WORK/serve.serial" | grep -v 'state=exited status=0' | grep -v 'udp-echo.elf.*state=running' &&
	fail "a VM other than the udp-echo ones did not exit 0 (above)"
[ "$(vm_records serve idle.elf | grep -c 'state=exited status=0')" = 4 ] ||
	fail "the idle VM and its 3 children did not all wake and exit 0"
[ "$(vm_records serve forkcopy.elf | grep -c 'state=exited status=0')" = 6 ] ||
	fail "forkcopy and its 5 children did not all finish their copies right"
grep -a '^\[vm [0-9]*\] FAIL' "$WORK/serve.out" && fail "a forkcopy VM saw a copy go wrong (above)"

# 5. An HTTP VM forked while loadgen keeps its keep-alive connections busy: the child drops its copies of them without
# a segment (they are the parent's), the parent's GETs go on without an error, and the child serves HTTP from its
# own address (a second loadgen, both VMs).
"$ISORUN" --serve "$KCTL_SOCKET" --net-socket "$SOCKDIR/h.sock" --mem 256 --timeout 300 \
	--json "$WORK/http.json" --serial-log "$WORK/http.serial" "$EX/http.elf:1:80" >"$WORK/http.out" 2>&1 &
IPID=$!
for _ in $(seq 120); do
	"$KCTL" hello >/dev/null 2>&1 && break
	kill -0 "$IPID" 2>/dev/null || fail "isorun (http) ended before serving: $(tail -n 5 "$WORK/http.out")"
	sleep 0.5
done
"$LOADGEN" --socket "$SOCKDIR/h.sock" --http --vms 1 --concurrency 2 --duration 8 --wait 60 \
	--json "$WORK/h1.json" >"$WORK/h1.out" 2>"$WORK/h1.err" &
LGPID=$!
for _ in $(seq 240); do
	grep -q ' answered,' "$WORK/h1.err" && break               # measuring: its connections are open
	kill -0 "$LGPID" 2>/dev/null || break
	sleep 0.25
done
k hfork fork 0
[ $KRC = 0 ] || fail "kctl fork of the HTTP VM: exit $KRC: $(cat "$WORK/hfork.k")"
wait "$LGPID" || fail "loadgen (HTTP, during the fork): $(tail -n 3 "$WORK/h1.err")"
grep -q '"errors": 0,' "$WORK/h1.json" || fail "the parent's HTTP connections saw errors after the fork: $(tail -n 2 "$WORK/h1.out")"
[ "$(grep -o '"responses": [0-9]*' "$WORK/h1.json" | head -n 1 | sed 's/.*: //')" -gt 0 ] || fail "no HTTP answers"
"$LOADGEN" --socket "$SOCKDIR/h.sock" --http --vms 2 --sweep --concurrency 2 --duration 2 --wait 60 \
	--json "$WORK/h2.json" >"$WORK/h2.out" 2>&1 || fail "loadgen (HTTP, both): $(tail -n 3 "$WORK/h2.out")"
[ "$(grep -o '"vms_answered": [0-9]*' "$WORK/h2.json" | sed 's/.*: //')" = 2 ] ||
	fail "the forked HTTP VM did not answer from its own address: $(tail -n 2 "$WORK/h2.out")"
grep -q '"errors": 0,' "$WORK/h2.json" || fail "HTTP errors from the parent or the child: $(tail -n 2 "$WORK/h2.out")"
k hstop stop
wait "$IPID"
IPID=

# 4. Tenant mode: tenant 1 may have 3 VMs; its service's VM forks up to the quota, then E_QUOTA; tenant 2 cannot
# fork it, nor can an unsigned FORK.
cd "$WORK" || fail "cd $WORK"
"$KCTL" keygen op >/dev/null && "$KCTL" keygen alice >/dev/null && "$KCTL" keygen bob >/dev/null || fail "keygen"
"$ISORUN" --serve "$KCTL_SOCKET" --operator-key op.pub --mem 256 --timeout 300 \
	--json "$WORK/tenant.json" --serial-log "$WORK/tenant.serial" >"$WORK/tenant.out" 2>&1 &
IPID=$!
for _ in $(seq 120); do
	"$KCTL" hello >/dev/null 2>&1 && break
	kill -0 "$IPID" 2>/dev/null || fail "isorun (tenant mode) ended before serving: $(tail -n 5 "$WORK/tenant.out")"
	sleep 0.5
done
k tadd1 tenant-add 1 alice --pubkey alice.pub --max-vms 3 --max-mem 100000 --key op.key
k tadd2 tenant-add 2 bob --pubkey bob.pub --max-vms 3 --max-mem 100000 --key op.key
k tload tload "$EX/idle.elf" --key alice.key --tenant alice
k svc svc-set web "$EX/idle.elf" 1 --args 60000 --key alice.key --tenant alice
[ $KRC = 0 ] || fail "svc-set: exit $KRC: $(cat "$WORK/svc.k")"
id=$(sed -n 's/.*ids \([0-9]*\)\.\..*/\1/p' "$WORK/svc.k")
[ -n "$id" ] || fail "svc-set made no VM: $(cat "$WORK/svc.k")"
k plainfork fork "$id"
[ $KRC = 1 ] && grep -q E_AUTH "$WORK/plainfork.k" || fail "unsigned FORK in tenant mode: exit $KRC: $(cat "$WORK/plainfork.k")"
k bobfork tfork "$id" --key bob.key --tenant bob
[ $KRC = 1 ] && grep -q E_NOENT "$WORK/bobfork.k" || fail "bob forked alice's VM: exit $KRC: $(cat "$WORK/bobfork.k")"
k alicefork tfork "$id" -n 5 --key alice.key --tenant alice
[ $KRC = 1 ] && grep -q '^forked 2 of 5 children' "$WORK/alicefork.k" && grep -q 'stopped after 2 of 5: E_QUOTA' "$WORK/alicefork.k" ||
	fail "alice's fork up to her quota of 3 VMs: exit $KRC: $(cat "$WORK/alicefork.k")"
k alicemore tfork "$id" --key alice.key --tenant alice
[ $KRC = 1 ] && grep -q E_QUOTA "$WORK/alicemore.k" || fail "a fork over the quota: exit $KRC: $(cat "$WORK/alicemore.k")"
# Bob's fork bomb (tests/hostile/forkbomb.c): stops at his 3 VMs, every VM refused with PV_ENOMEM, none faulted.
k bload tload "$HB/forkbomb.elf" --key bob.key --tenant bob
k bomb svc-set bomb "$HB/forkbomb.elf" 1 --args "3 2000" --key bob.key --tenant bob
[ $KRC = 0 ] || fail "svc-set bomb: exit $KRC: $(cat "$WORK/bomb.k")"
for _ in $(seq 120); do
	[ "$(grep -ac '^@vm .*image="forkbomb.elf"' "$WORK/tenant.serial")" -ge 3 ] && break
	sleep 0.5
done
[ "$(grep -ac '^@vm .*image="forkbomb.elf".* state=exited status=0' "$WORK/tenant.serial")" = 3 ] ||
	fail "bob's fork bomb did not end as 3 VMs that exited 0: $(grep -a '^@vm .*forkbomb' "$WORK/tenant.serial")"
[ "$(grep -a 'forkbomb: vm=' "$WORK/tenant.out" | grep -c 'last=ENOMEM')" = 3 ] ||
	fail "bob's bomb: not every VM was refused with PV_ENOMEM: $(grep -a 'forkbomb:' "$WORK/tenant.out")"
k stats2 stats
grep -q '^fork_refused [1-9]' "$WORK/stats2.k" || fail "stats: no fork counted as refused: $(grep fork "$WORK/stats2.k")"
k svcs svcs --key alice.key --tenant alice
k tenants tenants
grep -q '^1 alice max_vms=3 .* live_vms=3 ' "$WORK/tenants.k" || fail "alice's live VMs are not 3: $(cat "$WORK/tenants.k")"
kill "$IPID" 2>/dev/null                                  # tenant mode refuses STOP: the host's signal ends it
wait "$IPID"
IPID=
pass "fork(): parent and child differ in id, address, random bytes; a fork bomb of $nbomb VMs stopped by memory, witnesses fine; kctl fork: 4 udp-echo children answered from their own addresses, 3 idle children woke (one saved and restored first), 5 forkcopy children finished; an HTTP VM forked under keep-alive load, no errors, its child serving too; tenant fork stopped at the quota (E_QUOTA), another tenant's refused (E_NOENT)"
