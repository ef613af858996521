#!/bin/bash
# test_fakeboot.sh - isorun through real QEMU with a fake runlog kernel: module and kernel command lines, quiet, deadline kill.
# timeout: 120
. "$(dirname "$0")/lib.sh"
need_runner
need_fakek
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null || skip "no QEMU"

# A path with a space and commas must reach QEMU intact; ARGS commas arrive single.
d="$WORK/dir with space,comma"
mkdir -p "$d"
cp /bin/true "$d/my svc,1.elf"
run_isorun mods --accel tcg --kernel "$FAKEK" --timeout 30 --quota 512 --quantum 2000 \
	"$d/my svc,1.elf:2:a,b  c" /bin/true
expect_rc mods 0
grep -qE '^fakekernel: module=/[^ ]*/img0\.elf my_svc_1\.elf 2 a,b  c$' "$WORK/mods.out" ||
	fail "mods: module 0's command line is not '<path> my_svc_1.elf 2 a,b  c'"
grep -qE '^fakekernel: module=/[^ ]*/img1\.elf true 1$' "$WORK/mods.out" ||
	fail "mods: module 1's command line is not '<path> true 1'"
grep -qE '^fakekernel: cmdline=/[^ ]*/isokernel\.bin timeout_ms=30000 quota_kib=512 quantum_us=2000 guar_kib=32( seed=[0-9]{1,19}){4}$' \
	"$WORK/mods.out" || fail "mods: kernel command line is not as documented"
# The seeds are fresh in every run (the host's random source for the kernel's key).
seed1=$(grep -o ' seed=.*' "$WORK/mods.out")
[ "$(vm_output mods 0)" = "args=a,b  c" ] || fail "mods: vm 0's console output is wrong"
grep -q '^isorun: accel  *tcg' "$WORK/mods.out" || fail "mods: summary does not name the accelerator"
json_has mods accel qemu_mem_mib run_seconds kernel_exit_code vms
[ "$(json_num mods qemu_mem_mib)" = 65 ] || fail "mods: qemu_mem_mib is not 64 MiB + 2 x (6 + 2 x 32) KiB rounded up"
[ "$(json_num mods guarantee_kib)" = 32 ] || fail "mods: guarantee_kib is not the default 32"

# A run too large for the default guarantee within QEMU_MAX_MIB gets a smaller one, and isorun says so (--mem keeps
# this QEMU small: the fake kernel starts one VM per module whatever the count).
run_isorun big --accel tcg --kernel "$FAKEK" --mem 80 /bin/true:300000
grep -qE '^fakekernel: cmdline=.* guar_kib=24 ' "$WORK/big.out" || fail "big: 300,000 VMs did not get a 24 KiB guarantee"
grep -q '^isorun: 300000 VMs: default guarantee 24 KiB a VM' "$WORK/big.out" || fail "big: isorun did not say it lowered the guarantee"

run_isorun quiet --accel tcg --kernel "$FAKEK" --quiet /bin/true
expect_rc quiet 0
grep -q 'quiet=1' "$WORK/quiet.out" || fail "quiet: quiet=1 not on the kernel command line"
seed2=$(grep -o ' seed=.*' "$WORK/quiet.out")
[ -n "$seed2" ] && [ "$seed1" != "$seed2" ] || fail "quiet: the kernel's seed words are missing or repeat those of the run before"
grep -q '^\[vm ' "$WORK/quiet.out" && fail "quiet: guest output printed"

# --qemu-arg is appended; --mem overrides the estimate; -v prints the command.
run_isorun extra -v --accel tcg --kernel "$FAKEK" --mem 80 --qemu-arg -name --qemu-arg isorun-test /bin/true
expect_rc extra 0
grep -q 'running: .* -m 80 .*-name isorun-test$' "$WORK/extra.out" || fail "extra: -v command line lacks --mem/--qemu-arg"
grep -q '^@done code=0' "$WORK/extra.out" || fail "extra: -v does not echo '@' records"

# The kernel never ends: isorun kills QEMU at 1.5 x timeout + 20 s and exits 3.
run_isorun hang --accel tcg --kernel "$FAKEK" --timeout 1 /bin/true:1:hang
expect_rc hang 3
grep -q 'did not finish within' "$WORK/hang.out" || fail "hang: isorun did not say it killed QEMU"
pass "module/kernel command lines (fresh seeds each run), default guest RAM and guarantee, quiet, --mem/--qemu-arg/-v, deadline kill"
