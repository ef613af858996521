#!/bin/bash
# test_serve.sh - isorun --serve and kctl: a running kernel gets an image, 1,000 VMs, listings, a save and a restore,
# half its VMs destroyed, malformed control messages (ctlbad) and two clients at once, all while an HTTP VM made at
# boot keeps answering loadgen's keep-alive GETs; then kctl stop ends the run with exit status 0.
# Between steps the test waits until loadgen has more answers than before (never a timing assertion). SAVE/RESTORE
# run when the kernel says it has VM state support (kctl hello), and are reported as skipped otherwise.
# timeout: 420
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example http.elf idle.elf
KCTL=$B/bin/kctl
CTLBAD=$B/tests/fuzz/ctlbad
LOADGEN=$B/bin/loadgen
for x in "$KCTL" "$CTLBAD" "$LOADGEN"; do [ -x "$x" ] || fail "$x is missing (make runner)"; done
QEMU_BIN=${QEMU:-qemu-system-x86_64}
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"

SOCKDIR=$(mktemp -d /tmp/serve.XXXXXX) || fail "mktemp failed"
IPID= LGPID=
cleanup() {
	[ -n "$LGPID" ] && kill "$LGPID" 2>/dev/null
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null && sleep 2 && kill -9 "$IPID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT
export KCTL_SOCKET=$SOCKDIR/ctl.sock

# k NAME ARGS...: kctl ARGS, output in $WORK/NAME.k; sets KRC.
k() {
	n=$1
	shift
	"$KCTL" "$@" >"$WORK/$n.k" 2>&1
	KRC=$?
	echo "+ kctl $(echo "$*" | cut -c 1-120) (exit $KRC)"
	head -n 5 "$WORK/$n.k" | sed 's/^/  | /'
}
answered() {
	grep -ao '[0-9][0-9]* answered,' "$WORK/lg.err" | tail -n 1 | sed 's/ answered,//'
}
# more_answers LABEL: wait (up to 2 min) until loadgen counts more answers than when called.
more_answers() {
	before=$(answered)
	for _ in $(seq 240); do
		[ "$(answered)" -gt "${before:-0}" ] 2>/dev/null && return 0
		kill -0 "$LGPID" 2>/dev/null || fail "loadgen ended early (after $1): $(tail -n 3 "$WORK/lg.err")"
		sleep 0.5
	done
	fail "the HTTP VM stopped answering after $1 (loadgen: $(tail -n 1 "$WORK/lg.err"))"
}
json_count() { grep -o "\"$2\"" "$WORK/$1" | wc -l; }

echo "+ isorun --serve $KCTL_SOCKET --net-socket $SOCKDIR/net.sock --mem 256 $EX/http.elf:1:80"
"$ISORUN" --serve "$KCTL_SOCKET" --net-socket "$SOCKDIR/net.sock" --mem 256 --timeout 600 --quiet \
	--json "$WORK/serve.json" --serial-log "$WORK/serve.serial" "$EX/http.elf:1:80" >"$WORK/serve.out" 2>&1 &
IPID=$!
for _ in $(seq 120); do
	"$KCTL" hello >"$WORK/hello.k" 2>&1 && break
	kill -0 "$IPID" 2>/dev/null || fail "isorun ended before serving: $(tail -n 5 "$WORK/serve.out")"
	sleep 0.5
done
k hello hello
[ $KRC = 0 ] || fail "kctl hello: exit $KRC"
grep -q 'serve yes' "$WORK/hello.k" || fail "the kernel does not say it serves: $(cat "$WORK/hello.k")"

"$LOADGEN" --socket "$SOCKDIR/net.sock" --http --vms 1 --concurrency 2 --duration 600 --wait 60 \
	--json "$WORK/lg.json" >"$WORK/lg.out" 2>"$WORK/lg.err" &
LGPID=$!
more_answers "the start"
more_answers "the start"                                  # measuring, not only the readiness probe

k load load "$EX/idle.elf"
[ $KRC = 0 ] && grep -q '^loaded image 1: idle.elf' "$WORK/load.k" || fail "load: exit $KRC: $(cat "$WORK/load.k")"
k loadagain load "$EX/idle.elf"
[ $KRC = 1 ] && grep -q 'E_ARG: an image named idle.elf is loaded' "$WORK/loadagain.k" ||
	fail "a second image of the same name: exit $KRC: $(cat "$WORK/loadagain.k")"
k loadbad load "$ROOT/tests/system/test_serve.sh" --name notelf
[ $KRC = 1 ] && grep -q 'E_IMAGE: not an ELF file' "$WORK/loadbad.k" || fail "a non-ELF image: exit $KRC: $(cat "$WORK/loadbad.k")"
more_answers "load"

k create create idle.elf 1000 --args 600000
[ $KRC = 0 ] && grep -q '^created 1000 of 1000 VMs of idle.elf: ids ' "$WORK/create.k" || fail "create: exit $KRC"
ids=$(sed -n 's/^created 1000 of 1000 VMs of idle.elf: ids \([0-9]*\)\.\.\([0-9]*\)$/\1 \2/p' "$WORK/create.k")
set -- $ids
first=$1 last=$2
[ $((last - first)) = 999 ] || fail "create: ids $first..$last are not 1,000 in a row"
more_answers "create"

k list list --json
[ $KRC = 0 ] || fail "list: exit $KRC"
[ "$(grep -c '"image": "idle.elf"' "$WORK/list.k")" = 1000 ] || fail "list: $(grep -c idle.elf "$WORK/list.k") idle VMs, want 1000"
[ "$(grep -c '"image": "http.elf"' "$WORK/list.k")" = 1 ] || fail "list: the http VM is missing"

# Two clients at once: served one after the other, both answered.
"$KCTL" list >"$WORK/c1.k" 2>&1 & c1=$!
"$KCTL" stats --json >"$WORK/c2.k" 2>&1 & c2=$!
wait $c1 || fail "the first of two clients failed: $(tail -n 2 "$WORK/c1.k")"
wait $c2 || fail "the second of two clients failed: $(tail -n 2 "$WORK/c2.k")"
[ "$(grep -c ' idle.elf ' "$WORK/c1.k")" = 1000 ] || fail "two clients: the list was cut"

echo "+ ctlbad $KCTL_SOCKET"
"$CTLBAD" "$KCTL_SOCKET" >"$WORK/ctlbad.out" 2>&1 || { cat "$WORK/ctlbad.out"; fail "ctlbad: malformed messages not answered as specified"; }
sed 's/^/  | /' "$WORK/ctlbad.out"
k hello2 hello
[ $KRC = 0 ] || fail "kctl hello after the malformed messages: exit $KRC"
more_answers "the malformed messages"

saved="skipped: this kernel has no VM state support (kctl hello says save/restore no)"
victim=$((first + 1))
rid=
if grep -q 'save/restore yes' "$WORK/hello.k"; then
	# The VM moved is one that wakes 8 s after its start and exits 0: the restored VM must finish that work.
	k short create idle.elf 1 --args 8000
	victim=$(sed -n 's/^created 1 of 1 VMs of idle.elf: ids \([0-9]*\)\.\..*/\1/p' "$WORK/short.k")
	[ -n "$victim" ] || fail "create of the VM to move: exit $KRC"
	# A restored VM keeps its saved address: while the original lives the restore is refused (a move, not a fork).
	k save save "$victim" "$WORK/vm.state"
	[ $KRC = 0 ] && [ -s "$WORK/vm.state" ] || fail "save $victim: exit $KRC"
	k restorebusy restore "$WORK/vm.state"
	[ $KRC = 1 ] && grep -q 'E_VMSTATE' "$WORK/restorebusy.k" || fail "restore beside the original: exit $KRC, want 1 and E_VMSTATE"
	k move save "$victim" "$WORK/vm.state" --end
	[ $KRC = 0 ] && grep -q 'it has ended' "$WORK/move.k" || fail "save $victim --end: exit $KRC"
	k restore restore "$WORK/vm.state"
	[ $KRC = 0 ] || fail "restore: exit $KRC"
	rid=$(sed -n 's/^restored .* as vm \([0-9]*\)$/\1/p' "$WORK/restore.k")
	k list2 list --json
	grep -q "\"id\": $rid, \"image\": \"idle.elf\", \"state\": \"blocked\"" "$WORK/list2.k" ||
		fail "the restored VM $rid is not listed as an idle.elf VM waiting for its deadline"
	grep -q "\"id\": $victim," "$WORK/list2.k" && fail "VM $victim is still listed after save --end"
	saved="VM $victim saved ($(stat -c %s "$WORK/vm.state") bytes; a restore beside it refused), saved again with --end and restored as VM $rid"
else
	k save save "$victim" "$WORK/vm.state"
	[ $KRC = 1 ] && grep -q 'E_UNSUPP' "$WORK/save.k" || fail "save without VM state support: exit $KRC, want 1 and E_UNSUPP"
	echo "NOTE: SAVE/RESTORE skipped: the kernel reports no VM state support"
fi
more_answers "save/restore"

k destroy destroy $(seq "$first" 2 "$last")
[ $KRC = 0 ] && grep -q '^destroyed 500 of 500 VMs' "$WORK/destroy.k" || fail "destroy: exit $KRC"
k destroyagain destroy "$first"
[ $KRC = 1 ] && grep -q 'E_NOENT' "$WORK/destroyagain.k" || fail "destroying a destroyed VM: exit $KRC, want 1 and E_NOENT"
k list3 list --json
[ "$(grep -c '"image": "idle.elf"' "$WORK/list3.k")" -ge 500 ] || fail "after destroy: fewer than 500 idle VMs listed"
grep -q "\"id\": $first," "$WORK/list3.k" && fail "VM $first is listed after its destruction"
k stats stats --json
grep -q '"ended_by_host": 500,'  "$WORK/stats.k" || fail "stats: ended_by_host is not 500: $(cat "$WORK/stats.k")"
more_answers "destroy"

kill -TERM "$LGPID"
wait "$LGPID"
lgrc=$?
LGPID=
[ $lgrc = 0 ] || fail "loadgen exited $lgrc: $(tail -n 5 "$WORK/lg.err")"
lgn() { grep -o "\"$1\": [0-9.]*" "$WORK/lg.json" | head -n 1 | sed 's/.*: //'; }
[ "$(lgn errors)" = 0 ] || fail "loadgen: $(lgn errors) errors"
[ "$(lgn vms_answered)" = 1 ] || fail "loadgen: the http VM did not answer"

if [ -n "$rid" ]; then
	for _ in $(seq 240); do
		grep -aq "^@vm id=$rid image=\"idle.elf\" state=" "$WORK/serve.serial" && break
		sleep 0.5
	done
	grep -aq "^@vm id=$rid image=\"idle.elf\" state=exited status=0 " "$WORK/serve.serial" ||
		fail "the restored VM $rid did not finish its work: $(grep -a "^@vm id=$rid " "$WORK/serve.serial")"
	saved="$saved, which then woke and exited 0"
fi
k stop stop
[ $KRC = 0 ] || fail "kctl stop: exit $KRC"
wait "$IPID"
RC=$?
IPID=
tail -n 12 "$WORK/serve.out" | sed 's/^/  | /'
expect_rc serve 0
n=$(grep -ac '^@vm .*reason="destroyed by the host"' "$WORK/serve.serial")
[ "$n" = 500 ] || fail "$n @vm records say destroyed by the host, want 500"
grep -aq '^@image name="idle.elf" count=0' "$WORK/serve.serial" || fail "no @image record for the loaded image"
grep -q '"stopped": 1' "$WORK/serve.json" || fail "the JSON report does not say the host stopped the run"
pass "1 image loaded, 1,000 VMs created, listed (2 clients at once), 500 destroyed, 10 malformed messages answered; $saved; the HTTP VM answered $(lgn responses) GETs meanwhile ($(lgn timeouts) timeouts, 0 errors); stop: exit 0"
