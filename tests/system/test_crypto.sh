#!/bin/bash
# test_crypto.sh - the kernel's own Ed25519 and SHA-512 (isokernel/crypto/) booted with selftest_verify=50: every
# RFC 8032 vector accepted, a corrupted copy of each rejected, 50 timed verifies all accepted; without the option no
# check runs, and a malformed value is refused like any bad command-line word. Under TCG (the figure it prints is TCG's).
# timeout: 180
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf

run_isorun verify --accel tcg --timeout 60 --append "selftest_verify=50" "$EX/hello.elf"
expect_rc verify 0
lines=$(grep -a '^isokernel: crypto: vector=' "$WORK/verify.out")
[ "$(echo "$lines" | grep -c .)" = 5 ] || fail "verify: $(echo "$lines" | grep -c .) vector lines, expected 5 (see $WORK/verify.out)"
for v in "TEST 1" "TEST 2" "TEST 3" "TEST 1024" "TEST SHA(abc)"; do
	echo "$lines" | grep -qF "vector=\"$v\" good=accept corrupted=reject" ||
		fail "verify: $v: $(echo "$lines" | grep -F "\"$v\"")"
done
timed=$(grep -a '^isokernel: crypto: verifies=' "$WORK/verify.out")
echo "$timed" | grep -q 'verifies=50 accepted=50 ' || fail "verify: the timed verifies: '$timed'"
grep -aq '^isokernel: crypto: selftest=ok ' "$WORK/verify.out" || fail "verify: no 'selftest=ok' line"
grep -aq '^isokernel: crypto: sha512_bytes=1048576 .* digest0=' "$WORK/verify.out" || fail "verify: no SHA-512 line"
all_exited_ok verify hello.elf 1
per=$(echo "$timed" | sed -n 's/.*ns_per_verify=\([0-9]*\).*/\1/p')
accel=$(sed -n 's/^isorun: accel *\([a-z]*\).*/\1/p' "$WORK/verify.out")

run_isorun off --accel tcg --timeout 60 "$EX/hello.elf"
expect_rc off 0
grep -aq 'crypto:' "$WORK/off.out" && fail "off: crypto lines without selftest_verify"

run_isorun bad --accel tcg --timeout 60 --append "selftest_verify=12x" "$EX/hello.elf"
expect_rc bad 2
grep -aq "bad command-line word 'selftest_verify=12x'" "$WORK/bad.out" "$WORK/bad.serial" ||
	fail "bad: selftest_verify=12x was not refused (see $WORK/bad.out)"
grep -aq 'crypto:' "$WORK/bad.out" && fail "bad: crypto lines after a refused option"
pass "5 RFC 8032 vectors accepted and their corrupted copies rejected in the kernel; 50/50 timed verifies accepted (${per} ns each, ${accel:-?})"
