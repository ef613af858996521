#!/bin/bash
# test_bochs.sh - a second opinion: the kernel boots from a GRUB ISO in Bochs 2.7 and runs 3 hello VMs to @done code=0.
# timeout: 420
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf
for t in bochs grub-mkrescue xorriso mformat; do
	command -v $t >/dev/null || skip "$t is not installed (scripts/deps.sh installs bochs, grub-pc-bin, xorriso, mtools)"
done
[ -d /usr/lib/grub/i386-pc ] || skip "grub-pc-bin (BIOS GRUB modules) is not installed"
LIMIT=${BOCHS_SECONDS:-300}

"$ROOT/scripts/mkiso.sh" "$WORK/boot.iso" "$KERNEL" "timeout_ms=$((LIMIT * 1000 / 2))" "$EX/hello.elf:3:bochs" ||
	fail "mkiso.sh could not build the ISO"
# Debian's bochs has no term display unless bochs-term is installed; rfb waits for no client with timeout=0.
display='rfb, options="timeout=0"'
ls /usr/lib/*/bochs/plugins/libbx_term_gui.so >/dev/null 2>&1 && display=term
sed -e "s|@ISO@|$WORK/boot.iso|; s|@SERIAL@|$WORK/serial.txt|; s|@LOG@|$WORK/bochs.log|" \
	-e "s|@MEGS@|256|; s|@DISPLAY@|$display|" "$ROOT/scripts/bochsrc.in" >"$WORK/bochsrc"
echo c >"$WORK/bochs.rc"

# Bochs aborts with a buffer overflow under a UTF-8 locale: run it in the C locale.
(cd "$WORK" && exec env LC_ALL=C LANG=C bochs -q -f bochsrc -rc bochs.rc) >"$WORK/bochs.stdout" 2>&1 </dev/null &
pid=$!
start=$(date +%s)
while kill -0 $pid 2>/dev/null && [ $(($(date +%s) - start)) -lt "$LIMIT" ]; do
	grep -aq '^@done' "$WORK/serial.txt" 2>/dev/null && break
	sleep 1
done
secs=$(($(date +%s) - start))
kill $pid 2>/dev/null
wait $pid 2>/dev/null
[ -s "$WORK/serial.txt" ] || fail "no serial output from Bochs in $secs s (see $WORK/bochs.stdout, $WORK/bochs.log)"
grep -aq '^@done' "$WORK/serial.txt" || fail "no @done in Bochs's serial output after $secs s (see $WORK/serial.txt)"

cp "$WORK/serial.txt" "$WORK/bochs.serial"
run_isorun bochs --replay "$WORK/serial.txt"
expect_rc bochs 0
grep -aq '^@done code=0' "$WORK/serial.txt" || fail "the kernel did not end with @done code=0"
all_exited_ok bochs hello.elf 3
for id in $(vm_ids bochs hello.elf); do
	vm_output bochs "$id" | grep -qE 'hello from a pvisa guest \(vm [0-9]+, 2 args\)' ||
		fail "hello vm $id did not print its line under Bochs"
done
pass "3 hello VMs exited 0 under Bochs ($(grep -a '^@boot' "$WORK/serial.txt" | head -n 1 | cut -c1-60)...; $secs s)"
