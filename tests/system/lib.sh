# lib.sh - shared by the system tests: paths, verdicts (PASS/FAIL/SKIP lines), isorun runs and checks of their output.
# A test sources this, calls need_* and run_isorun, checks, and ends with pass, fail or skip.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
ISORUN=$B/bin/isorun
KERNEL=$B/isokernel.bin
EX=$B/examples
FAKEK=$B/tests/system/fakekernel.elf
T=$(basename "$0" .sh)
T=${T#test_}
WORK=$B/tests/system/$T
rm -rf "$WORK"
mkdir -p "$WORK"

pass() { echo "PASS: $T${1:+: $1}"; exit 0; }
fail() { echo "FAIL: $T: $1"; exit 1; }
skip() { echo "SKIP: $T: $1"; exit 77; }

need_runner() { [ -x "$ISORUN" ] || fail "$ISORUN is missing (make runner)"; }
need_kernel() { [ -f "$KERNEL" ] || skip "no kernel: $KERNEL is missing (make kernel)"; }
need_fakek() { [ -f "$FAKEK" ] || fail "$FAKEK is missing (make $FAKEK)"; }
need_example() {
	for e in "$@"; do
		[ -f "$EX/$e" ] || skip "no guest image $EX/$e (make examples)"
	done
}

# run_isorun NAME [isorun args...]: output in $WORK/NAME.out, JSON in NAME.json, raw serial in NAME.serial; sets RC.
run_isorun() {
	n=$1
	shift
	echo "+ isorun --json $WORK/$n.json --serial-log $WORK/$n.serial $*"
	"$ISORUN" --json "$WORK/$n.json" --serial-log "$WORK/$n.serial" "$@" >"$WORK/$n.out" 2>&1
	RC=$?
	sed 's/^/  | /' "$WORK/$n.out" | tail -n 40
	echo "  (isorun exit status $RC)"
}

# expect_rc NAME WANT: isorun's exit status for run NAME was WANT.
expect_rc() {
	[ "$RC" = "$2" ] || fail "$1: isorun exited $RC, expected $2 (see $WORK/$1.out)"
}

# json_num NAME KEY: a top-level number from NAME.json (empty if absent or null).
json_num() {
	grep -o "^  \"$2\": -\?[0-9][0-9.]*" "$WORK/$1.json" | head -n 1 | sed 's/.*: //'
}

# json_has NAME KEY...: every KEY is a top-level field of NAME.json.
json_has() {
	n=$1
	shift
	for k in "$@"; do
		grep -q "^  \"$k\": " "$WORK/$n.json" || fail "$n: JSON has no field \"$k\""
	done
}

# vm_records NAME IMAGE: the @vm lines of IMAGE in NAME.serial.
vm_records() {
	grep -a "^@vm .*image=\"$2\"" "$WORK/$1.serial"
}

# vm_ids NAME IMAGE: the ids of IMAGE's VMs.
vm_ids() {
	vm_records "$1" "$2" | sed 's/^@vm id=\([0-9]*\).*/\1/'
}

# vm_output NAME ID: the guest lines VM ID printed, without the "[vm N] " prefix.
vm_output() {
	grep -a "^\[vm $2\] " "$WORK/$1.out" | sed "s/^\[vm $2\] //"
}

# all_exited_ok NAME IMAGE COUNT: COUNT VMs of IMAGE, each "state=exited status=0".
all_exited_ok() {
	got=$(vm_records "$1" "$2" | wc -l)
	ok=$(vm_records "$1" "$2" | grep -c ' state=exited status=0')
	[ "$got" = "$3" ] || fail "$1: $got @vm records for $2, expected $3"
	[ "$ok" = "$3" ] || fail "$1: only $ok of $3 $2 VMs exited with status 0: $(vm_records "$1" "$2" | grep -v ' state=exited status=0' | head -n 3)"
}

# summary_line NAME LABEL: the value of isorun's summary line LABEL.
summary_line() {
	grep "^isorun: $2  " "$WORK/$1.out" | sed "s/^isorun: $2 *//"
}
