#!/bin/bash
# test_vmsave.sh - a VM saved while it runs, ended and restored under a new id (the selftest_save test hook) finishes
# its work with the right output: idle in a sleep, and busy computing (preempted); the others beside it untouched.
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
G=$B/tests/guest/savecount.elf
[ -f "$G" ] || skip "no $G (make guest-tests)"

# check_moved NAME STEPS: VM 1 of 3 was saved and restored as another id; between them they printed every step once,
# in order, and the restored one ends as the untouched VM 0 does.
check_moved() {
	n=$1
	expect_rc "$n" 0
	hook=$(grep "test hook: VM 1 saved" "$WORK/$n.out") || fail "$n: no save by the test hook (see $WORK/$n.out)"
	new=$(echo "$hook" | sed -n 's/.*restored as VM \([0-9]*\).*/\1/p')
	[ -n "$new" ] || fail "$n: the restore failed: $hook"
	[ "$new" != 1 ] || fail "$n: the restored VM kept id 1"
	all_exited_ok "$n" savecount.elf 3
	vm_records "$n" savecount.elf | grep -q '^@vm id=1 ' && fail "$n: the saved VM has an @vm record of its own"
	vm_records "$n" savecount.elf | grep -q "^@vm id=$new " || fail "$n: no @vm record for VM $new"
	before=$(vm_output "$n" 1 | grep -c '^step ')      # how far it got depends on the host's speed: reported only
	{ vm_output "$n" 1; vm_output "$n" "$new"; } | grep '^step ' | sed 's/ sum=.*//' >"$WORK/$n.steps"
	vm_output "$n" 0 | grep '^step ' | sed 's/ sum=.*//' >"$WORK/$n.want"
	cmp -s "$WORK/$n.steps" "$WORK/$n.want" || fail "$n: the steps of VMs 1 and $new are not each step once, in order"
	{ vm_output "$n" 1; vm_output "$n" "$new"; } | grep '^FAIL' && fail "$n: the moved VM's checks failed"
	got=$(vm_output "$n" "$new" | grep -E '^(sum=|ok: )')
	want=$(vm_output "$n" 0 | grep -E '^(sum=|ok: )')
	[ "$got" = "$want" ] && [ -n "$want" ] || fail "$n: VM $new ended with \"$got\", VM 0 with \"$want\""
	vm_output "$n" 2 | grep -qx 'ok: savecount' || fail "$n: VM 2 beside it failed"
	bytes=$(echo "$hook" | sed -n 's/.*saved (\([0-9]*\) bytes.*/\1/p')
}

# Idle: 40 steps of 25 ms sleeps; saved at 400 ms, in the middle (mostly asleep, a deadline to carry).
run_isorun idle --timeout 60 --append "selftest_save=1 selftest_save_at=400" "$G:3"
check_moved idle
idle_steps=$before idle_bytes=$bytes

# Busy: computing without sleeping, preempted by the timer; saved at 300 ms, runnable. 6,000 steps take the three
# VMs ~2.7 s on an idle host (1,500 were over in 0.7 s, before a save at 1 s): the save lands inside the work however
# fast the host is.
run_isorun busy --timeout 180 --append "selftest_save=1 selftest_save_at=300" "$G:3:6000 0"
check_moved busy
pass "idle VM saved after $idle_steps of 40 steps ($idle_bytes bytes), busy VM after $before of 60 hundreds ($bytes bytes); both restored under new ids and finished with the untouched VM's sum"
