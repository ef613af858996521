#!/bin/bash
# test_env.sh - ARGS keep their quotes up to 4 KiB, --env reaches environ and getenv, --stdin/--stdin-text reach stdin; bad input is refused.
# timeout: 180
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
AE=$B/tests/guest/argenv.elf
[ -f "$AE" ] || skip "no $AE (make guest-tests)"

# 1. Quoting: JSON and Lua-like code arrive intact; quotes at a word's start group blanks.
run_isorun quote --timeout 60 "$AE:2:GREETING {\"a\":1,\"b\":[2]} '-e print(\"a b\")' \"two words\" it's x'y" \
	--env GREETING=hello --env 'EMPTY=' --env 'GREETING=hi there' --env 'EQ=a=b'
expect_rc quote 0
all_exited_ok quote argenv.elf 2
for id in $(vm_ids quote argenv.elf); do
	want='argc=7
arg0=[argenv.elf]
arg1=[GREETING]
arg2=[{"a":1,"b":[2]}]
arg3=[-e print("a b")]
arg4=[two words]
arg5=[it'"'"'s]
arg6=[x'"'"'y]
env=[EMPTY=]
env=[GREETING=hi there]
env=[EQ=a=b]
getenv(GREETING)=[hi there]
stdin-bytes=0 sum=0 eof=1'
	got=$(vm_output quote "$id")
	[ "$got" = "$want" ] || fail "quote: vm $id printed:
$got
expected:
$want"
done

# 2. 4 KiB of ARGS (the documented limit), one word of it 3,000 bytes with quotes inside; stdin from a file with every
# byte value (NULs included), 60,000 bytes.
long=$(printf '"%.0sx' $(seq 1 1500))
words=$(printf 'w%.0s ' $(seq 1 600))
args="$long $words"
args=${args:0:4096}
[ ${#args} = 4096 ] || fail "test bug: ARGS are ${#args} bytes"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 234 + bytes(96))' > "$WORK/in.bin"
sum=$(python3 -c '
import sys
s = 0
for b in open(sys.argv[1], "rb").read():
    s = (s * 31 + b) % (1 << 64)
print(s)' "$WORK/in.bin")
run_isorun big --timeout 60 "$AE:1:$args" --stdin "$WORK/in.bin"
expect_rc big 0
id=$(vm_ids big argenv.elf)
out=$(vm_output big "$id")
nw=$(printf '%s\n' "$args" | wc -w)
echo "$out" | grep -qx "argc=$((nw + 1))" || fail "big: want argc=$((nw + 1)): $(echo "$out" | head -n 1)"
echo "$out" | grep -qxF "arg1=[$long]" || fail "big: the 3,000-byte word with quotes did not arrive intact"
echo "$out" | grep -qx "stdin-bytes=60000 sum=$sum eof=1" || fail "big: stdin: $(echo "$out" | grep stdin-bytes) (want 60000 bytes, sum $sum)"

# 3. --stdin - (isorun's own input) and --stdin-text.
printf 'from the pipe\n' | run_isorun pipe --timeout 60 "$AE" --stdin -
expect_rc pipe 0
vm_output pipe 0 | grep -qx 'stdin-bytes=14 .*eof=1' || fail "pipe: $(vm_output pipe 0 | grep stdin)"
run_isorun text --timeout 60 "$AE" --stdin-text 'abc'
vm_output text 0 | grep -qx 'stdin-head=\[abc\]' || fail "text: $(vm_output text 0 | grep stdin)"

# 4. Refused by isorun (exit 2): ARGS over 4 KiB, a bad --env, stdin over 64 KiB, two stdins.
for bad in "$AE:1:${args}y" "--env =x $AE" "--env NOEQ $AE" "--stdin-text a --stdin-text b $AE"; do
	# shellcheck disable=SC2086
	"$ISORUN" $bad >"$WORK/bad.out" 2>&1
	[ $? = 2 ] || fail "isorun $bad: exit status not 2: $(tail -n 2 "$WORK/bad.out")"
done
imgs=$(for _ in $(seq 33); do printf '%s ' "$AE"; done)
# shellcheck disable=SC2086
"$ISORUN" --env A=1 $imgs >"$WORK/bad.out" 2>&1
[ $? = 2 ] && grep -q 'at most 32 IMAGEs' "$WORK/bad.out" || fail "--env with 33 images (66 boot modules) was not refused"
head -c 65537 /dev/zero > "$WORK/big.bin"
"$ISORUN" --stdin "$WORK/big.bin" "$AE" >"$WORK/bad.out" 2>&1
[ $? = 2 ] || fail "--stdin of 65,537 bytes was not refused"
grep -q 'at most 65536' "$WORK/bad.out" || fail "--stdin too big: the message does not give the limit"

# 5. The kernel checks what isorun does not: a module it refuses (bad header), ARGS over 4 KiB past isorun.
printf 'XXXXYYYYZZZZWWWW' > "$WORK/bad.argx"
run_isorun badmod --timeout 60 "$AE" --qemu-arg -initrd --qemu-arg "$AE argenv.elf 1,$WORK/bad.argx @argx"
grep -aq '^@reject .*environment module: bad header' "$WORK/badmod.serial" ||
	fail "the kernel did not refuse a bad environment module: $(grep -a '@reject' "$WORK/badmod.serial")"
run_isorun longmod --timeout 60 "$AE" --qemu-arg -initrd --qemu-arg "$AE argenv.elf 1 ${args}y"
grep -aq '^@reject .*ARGS longer than 4096 bytes' "$WORK/longmod.serial" ||
	fail "the kernel did not refuse 4,097 bytes of ARGS: $(grep -a '@reject' "$WORK/longmod.serial")"
pass "quotes kept (JSON, code, 4,096 bytes of ARGS), --env in environ and getenv, --stdin file (60,000 bytes, every byte value), pipe and text; bad input refused"
