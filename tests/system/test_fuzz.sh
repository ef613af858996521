#!/bin/bash
# test_fuzz.sh - hcfuzz VMs make random hypercalls and check every result, beside 2 hello VMs whose line must be exact.
# timeout: 300
# FUZZ_CALLS calls per fuzzer (default 50000), FUZZ_VMS fuzzers (default 2) seeded FUZZ_SEED, +1, ... (default: a
# fresh seed, printed); `make fuzz` runs 10^6 calls. A failing seed repeats with FUZZ_SEED=<its seed> FUZZ_VMS=1.
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example hello.elf
FZ=$B/tests/fuzz/hcfuzz.elf
[ -f "$FZ" ] || fail "$FZ is missing (make fuzz-guest)"
calls=${FUZZ_CALLS:-50000}
vms=${FUZZ_VMS:-2}
seed=${FUZZ_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}
[[ $calls =~ ^[0-9]+$ && $vms =~ ^[1-9][0-9]*$ ]] || fail "FUZZ_CALLS and FUZZ_VMS must be numbers"
seeds=()
for ((i = 0; i < vms; i++)); do seeds+=("$(printf '0x%016x' $((seed + i)))"); done
echo "fuzz: seed=${seeds[0]} calls=$calls per fuzzer VM, $vms fuzzer VMs (seeds ${seeds[*]})"

# Under TCG a call takes ~15 us with the checks around it (measured): a generous limit, scaled.
limit=$((60 + calls * vms / 5000))
args=()
for s in "${seeds[@]}"; do args+=("$FZ:1:$s $calls"); done
run_isorun fuzz --timeout $limit "${args[@]}" "$EX/hello.elf:2"
[ "$RC" != 3 ] || fail "the kernel died (isorun exit 3: panic, QEMU failure or no @done); seeds ${seeds[*]}"
if grep -a 'hcfuzz: FAIL' "$WORK/fuzz.out" >"$WORK/failures"; then
	sed 's/^/  /' "$WORK/failures"
	fail "the fuzzer found $(grep -c 'hcfuzz: FAIL ' "$WORK/failures") failure lines (above; seeds ${seeds[*]})"
fi
# Each fuzzer ends "hcfuzz: seed=S calls=N ok", N >= FUZZ_CALLS (its last action may be a sequence of calls).
for s in "${seeds[@]}"; do
	n=$(grep -ao "hcfuzz: seed=$s calls=[0-9]* ok\$" "$WORK/fuzz.out" | sed 's/.*calls=\([0-9]*\) ok/\1/')
	[ -n "$n" ] && [ "$n" -ge "$calls" ] || fail "the fuzzer seeded $s did not finish ok"
done
all_exited_ok fuzz hcfuzz.elf "$vms"
all_exited_ok fuzz hello.elf 2
for id in $(vm_ids fuzz hello.elf); do
	line=$(vm_output fuzz "$id")
	[ "$line" = "hello.elf: hello from a pvisa guest (vm $id, 1 args), pi ~ 3.14286" ] ||
		fail "witness vm $id printed something else: $line"
done
expect_rc fuzz 0
pass "$vms x $calls calls (seeds ${seeds[*]}), witnesses exact; $(json_num fuzz run_seconds) s under $(summary_line fuzz accel)"
