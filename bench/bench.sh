#!/bin/sh
# bench.sh - the micro-benchmarks of `make bench` (bench/suite.sh): hypercall round trip, VM switch, per-VM memory and creation.
# Writes B/results/micro.json (BENCH_MICRO_OUT overrides; suite.sh merges it into bench.json) and prints a table. It measures and reports; it asserts nothing about time
# (a run that breaks - no result line, a failed VM - does end it with status 1).
#
#   sh bench/bench.sh [B]     B: the build directory (default build)
#
# Environment: REPS (default 5) repetitions of each measurement, medians reported; QUICK=1 (REPS=1 and
# 1,000 VMs instead of 10,000); NVMS (VMs per memory run); HCALL_N (hypercalls per measurement, default
# 200000); SWITCH_N (timed yields per instance, default 100000); IDLE_MS (idle VMs' deadline, default 2000);
# BENCH_SMOKE=1: the harness test's form (one run, 100 VMs, 20,000 calls, 10,000 yields).
# Plain POSIX sh + awk: no python, no jq.
set -u

B=${1:-build}
ISORUN=$B/bin/isorun
BENCH_B=$B/bench
MAXRSS=$BENCH_B/maxrss
EX_B=$B/examples
OUT_DIR=$B/results
OUT=${BENCH_MICRO_OUT:-$OUT_DIR/micro.json}

QUICK=${QUICK:-0}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	REPS=1 NVMS=${NVMS:-100} HCALL_N=${HCALL_N:-20000} SWITCH_N=${SWITCH_N:-10000} IDLE_MS=${IDLE_MS:-500}
elif [ "$QUICK" = 1 ]; then
	REPS=1
	NVMS=${NVMS:-1000}
else
	REPS=${REPS:-5}
	NVMS=${NVMS:-10000}
fi
HCALL_N=${HCALL_N:-200000}
SWITCH_N=${SWITCH_N:-100000}
IDLE_MS=${IDLE_MS:-2000}
ICOUNT_ARGS="--accel tcg --qemu-arg -icount --qemu-arg shift=0"

for f in "$ISORUN" "$MAXRSS" "$BENCH_B/hcall.elf" "$BENCH_B/switch.elf" "$EX_B/tiny.elf" "$EX_B/hello.elf" "$EX_B/idle.elf"; do
	[ -f "$f" ] || { echo "bench: $f is missing (run: make bench)" >&2; exit 1; }
done
case $REPS in ''|*[!0-9]*|0) echo "bench: REPS must be a positive number" >&2; exit 1 ;; esac
case $NVMS in ''|*[!0-9]*|0|1) echo "bench: NVMS must be a number >= 2" >&2; exit 1 ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT_DIR" || exit 1

STEP=0
STEPS=$((REPS * 6 + REPS * 6))
say() { printf 'bench: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
step() { STEP=$((STEP + 1)); printf 'bench: [%d/%d] %s\n' "$STEP" "$STEPS" "$*" >&2; }
. "$(dirname "$0")/lib.sh"       # median, calc, jget, jstrf, jnum

# ---- small helpers -------------------------------------------------------------------------------------

# 1 when every number in file $1 is the same, else 0.
all_same() { sort -u "$1" | awk 'END { print (NR == 1) ? 1 : 0 }'; }
# The value of key $1 in a guest result line on stdin ("... key=value ...").
kv() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# A top-level numeric or string field of an isorun JSON report (they are one per line, two spaces in).
jfield() { sed -n "s/^  \"$1\": *\"*\([^\",]*\)\"*,*$/\1/p" "$2" | head -n 1; }
# JSON string contents: drop quotes, backslashes and control characters.
jstr() { printf '%s' "$1" | tr -d '"\\' | tr -d '\000-\037'; }
jbool() { [ "$1" = 1 ] && printf 'true' || printf 'false'; }

# run_isorun OUTFILE JSONFILE ARGS...: runs isorun under maxrss. Sets RC (isorun's status) and HWM_KIB, the
# peak RSS of isorun's process tree: wait4's ru_maxrss covers the descendants isorun waited for, i.e. QEMU
# (isorun itself stays far smaller), taken after QEMU ended - no sampling race even for 0.3 s runs.
run_isorun() {
	o=$1 j=$2
	shift 2
	rm -f "$T/rss"
	"$MAXRSS" "$T/rss" "$ISORUN" --json "$j" "$@" >"$o" 2>"$o.err"
	RC=$?
	HWM_KIB=$(cat "$T/rss" 2>/dev/null)
}

# ---- the guest measurements ----------------------------------------------------------------------------

# hcall_run MODE REP ARGS...: one hcall run; appends to $T/MODE.{clock,enosys,loop,tsc_hz,accel}.
hcall_run() {
	m=$1 r=$2
	shift 2
	step "hypercall ($m) run $r/$REPS: $HCALL_N calls each"
	run_isorun "$T/o" "$T/j" "$@" "$BENCH_B/hcall.elf:1:$HCALL_N"
	line=$(grep '\] bench hcall ' "$T/o" | head -n 1)
	[ "$RC" = 0 ] && [ -n "$line" ] || { cat "$T/o" "$T/o.err" >&2; fail "hcall run ($m)"; }
	for k in clock_mono_cycles enosys_cycles loop_cycles tsc_hz; do
		printf '%s\n' "$line" | kv $k >>"$T/$m.$k"
	done
	jfield accel "$T/j" >"$T/$m.accel"
	say "  clock_mono $(printf '%s\n' "$line" | kv clock_mono_cycles) cycles, enosys $(printf '%s\n' "$line" | kv enosys_cycles), loop $(printf '%s\n' "$line" | kv loop_cycles) ($(cat "$T/$m.accel"))"
}

# switch_run MODE VMS REP ARGS...: one switch run with VMS instances; appends the median over instances of
# cycles per yield to $T/MODE.yieldVMS, the overlap of the timed intervals to $T/MODE.overlapVMS and
# switches per yield to $T/MODE.spyVMS.
switch_run() {
	m=$1 nv=$2 r=$3
	shift 3
	step "yield ($m) with $nv VM(s) run $r/$REPS: $SWITCH_N yields each"
	run_isorun "$T/o" "$T/j" "$@" "$BENCH_B/switch.elf:$nv:$SWITCH_N"
	grep '\] bench switch ' "$T/o" >"$T/lines"
	[ "$RC" = 0 ] && [ "$(wc -l <"$T/lines")" -eq "$nv" ] || { cat "$T/o" "$T/o.err" >&2; fail "switch run ($m, $nv VMs)"; }
	: >"$T/inst"
	while read -r line; do printf '%s\n' "$line" | kv yield_cycles >>"$T/inst"; done <"$T/lines"
	median "$T/inst" >>"$T/$m.yield$nv"
	# Overlap: the common part of the instances' timed intervals over their union (1.0 = fully concurrent).
	while read -r line; do
		printf '%s %s\n' "$(printf '%s\n' "$line" | kv t0_ns)" "$(printf '%s\n' "$line" | kv t1_ns)"
	done <"$T/lines" | awk 'NR == 1 { a = $1; b = $2; lo = $1; hi = $2; next }
		{ if ($1 > a) a = $1; if ($2 < b) b = $2; if ($1 < lo) lo = $1; if ($2 > hi) hi = $2 }
		END { ov = (b > a && hi > lo) ? (b - a) / (hi - lo) : 0; printf "%.4f\n", ov }' >>"$T/$m.overlap$nv"
	sw=$(jfield switches "$T/j")
	calc '%.4f\n' 's / (v * (n + 400))' -v s="${sw:-0}" -v v="$nv" -v n="$SWITCH_N" >>"$T/$m.spy$nv"
	head -n 1 "$T/lines" | kv tsc_hz >>"$T/$m.tsc_hz"
	jfield accel "$T/j" >"$T/$m.accel"
	say "  $(tr '\n' ' ' <"$T/inst")cycles/yield per instance; overlap $(tail -n 1 "$T/$m.overlap$nv"), switches/yield $(tail -n 1 "$T/$m.spy$nv")"
}

# mem_run KIND SPEC1 SPECN REP: the KIND run with NVMS VMs and its 1-VM baseline (QEMU's RSS difference).
mem_run() {
	k=$1 s1=$2 sn=$3 r=$4
	step "per-VM memory: $NVMS x $k run $r/$REPS"
	run_isorun "$T/o" "$T/j" --quiet "$sn"
	[ "$RC" = 0 ] || { cat "$T/o" "$T/o.err" >&2; fail "$NVMS x $k (isorun status $RC)"; }
	for f in kernel_bytes_per_vm guest_bytes_per_vm create_ns_per_vm peak_live_vms run_seconds vms_exited_ok; do
		jfield $f "$T/j" >>"$T/$k.$f"
	done
	jfield accel "$T/j" >"$T/$k.accel"
	hn=$HWM_KIB
	step "per-VM memory: 1 x $k run $r/$REPS (QEMU RSS baseline)"
	run_isorun "$T/o" "$T/j" --quiet "$s1"
	[ "$RC" = 0 ] || { cat "$T/o" "$T/o.err" >&2; fail "1 x $k (isorun status $RC)"; }
	h1=$HWM_KIB
	[ -n "$hn" ] && [ -n "$h1" ] || fail "maxrss wrote no peak RSS"
	echo "$hn" >>"$T/$k.hwm_n"
	echo "$h1" >>"$T/$k.hwm_1"
	calc '%.0f\n' '(hn - h1) * 1024 / (n - 1)' -v hn="$hn" -v h1="$h1" -v n="$NVMS" >>"$T/$k.host_bytes_per_vm"
	say "  kernel $(tail -n 1 "$T/$k.kernel_bytes_per_vm") B/VM, guest $(tail -n 1 "$T/$k.guest_bytes_per_vm") B/VM, create $(tail -n 1 "$T/$k.create_ns_per_vm") ns/VM, peak live $(tail -n 1 "$T/$k.peak_live_vms"); QEMU peak RSS $hn KiB vs $h1 KiB (1 VM): $(tail -n 1 "$T/$k.host_bytes_per_vm") B/VM"
}

say "REPS=$REPS QUICK=$QUICK NVMS=$NVMS HCALL_N=$HCALL_N SWITCH_N=$SWITCH_N IDLE_MS=$IDLE_MS -> $OUT"

# (a) the default accelerator, (b) TCG with -icount shift=0 (one TSC tick per guest instruction).
for mode in def icount; do
	if [ $mode = def ]; then set --; else set -- $ICOUNT_ARGS; fi
	r=1
	while [ $r -le "$REPS" ]; do
		hcall_run $mode $r "$@"
		switch_run $mode 1 $r "$@"
		switch_run $mode 2 $r "$@"
		r=$((r + 1))
	done
done

# (c) per-VM memory and creation.
r=1
while [ $r -le "$REPS" ]; do
	mem_run tiny "$EX_B/tiny.elf:1" "$EX_B/tiny.elf:$NVMS" $r
	mem_run hello "$EX_B/hello.elf:1" "$EX_B/hello.elf:$NVMS" $r
	mem_run idle "$EX_B/idle.elf:1:$IDLE_MS" "$EX_B/idle.elf:$NVMS:$IDLE_MS" $r
	r=$((r + 1))
done

# ---- medians and the report ----------------------------------------------------------------------------

for m in def icount; do
	for k in clock_mono_cycles enosys_cycles loop_cycles tsc_hz yield1 yield2 overlap2 spy1 spy2; do
		eval "${m}_$k=\$(median \"\$T/$m.$k\")"
	done
	for k in clock_mono_cycles enosys_cycles yield1 yield2; do
		eval "${m}_${k}_same=\$(all_same \"\$T/$m.$k\")"
	done
	eval "${m}_identical=\$(calc '%d' 'a && b && c && d' -v a=\$${m}_clock_mono_cycles_same -v b=\$${m}_enosys_cycles_same -v c=\$${m}_yield1_same -v d=\$${m}_yield2_same)"
	eval "${m}_accel=\$(cat \"\$T/$m.accel\")"
	eval "y1=\$${m}_yield1 y2=\$${m}_yield2 hz=\$${m}_tsc_hz c=\$${m}_clock_mono_cycles e=\$${m}_enosys_cycles"
	eval "${m}_switch_cycles=\$(calc '%.2f' 'y2 - y1' -v y1=$y1 -v y2=$y2)"
	eval "${m}_switch_ns=\$(calc '%.1f' '(y2 - y1) * 1e9 / hz' -v y1=$y1 -v y2=$y2 -v hz=$hz)"
	eval "${m}_yield1_ns=\$(calc '%.1f' 'y1 * 1e9 / hz' -v y1=$y1 -v hz=$hz)"
	eval "${m}_yield2_ns=\$(calc '%.1f' 'y2 * 1e9 / hz' -v y2=$y2 -v hz=$hz)"
	eval "${m}_clock_mono_ns=\$(calc '%.1f' 'c * 1e9 / hz' -v c=$c -v hz=$hz)"
	eval "${m}_enosys_ns=\$(calc '%.1f' 'e * 1e9 / hz' -v e=$e -v hz=$hz)"
done

for k in tiny hello idle; do
	for f in kernel_bytes_per_vm guest_bytes_per_vm create_ns_per_vm peak_live_vms run_seconds vms_exited_ok hwm_n hwm_1 host_bytes_per_vm; do
		eval "${k}_$f=\$(median \"\$T/$k.$f\")"
	done
	eval "${k}_accel=\$(cat \"\$T/$k.accel\")"
	eval "${k}_total=\$(calc '%.0f' 'a + b' -v a=\$${k}_kernel_bytes_per_vm -v b=\$${k}_guest_bytes_per_vm)"
done

KMAX=8192 TINYMAX=16384 HELLOMAX=49152
kworst=$(printf '%s\n%s\n%s\n' "$tiny_kernel_bytes_per_vm" "$hello_kernel_bytes_per_vm" "$idle_kernel_bytes_per_vm" | sort -g | tail -n 1)
k_met=$(calc '%d' 'w <= m' -v w="$kworst" -v m=$KMAX)
t_met=$(calc '%d' 'w <= m' -v w="$tiny_total" -v m=$TINYMAX)
h_met=$(calc '%d' 'w <= m' -v w="$hello_total" -v m=$HELLOMAX)
all_met=$(calc '%d' 'a && b && c' -v a="$k_met" -v b="$t_met" -v c="$h_met")

cpu=$(jstr "$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)")
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
kern=$(jstr "$(uname -sr)")
qemu_ver=$(jstr "$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)")
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# ', "identical_across_runs": true|false' from two all_same flags, in the icount objects only.
same_field() { [ "$m" = icount ] && printf ', "identical_across_runs": %s' "$(jbool "$(calc '%d' 'a && b' -v a="$1" -v b="$2")")"; }
# hypercall/vm_switch objects for mode $1; $2 = the unit word.
hcall_obj() {
	m=$1 u=$2
	eval "printf '{\"accel\": \"%s\", \"n\": %s, \"clock_mono_ns\": %s, \"enosys_ns\": %s, \"clock_mono_$u\": %s, \"enosys_$u\": %s, \"loop_$u\": %s, \"tsc_hz\": %s%s, \"note\": \"%s\"}' \
		\"\$${m}_accel\" $HCALL_N \$${m}_clock_mono_ns \$${m}_enosys_ns \$${m}_clock_mono_cycles \$${m}_enosys_cycles \
		\$${m}_loop_cycles \$${m}_tsc_hz \"\$(same_field \$${m}_clock_mono_cycles_same \$${m}_enosys_cycles_same)\" \
		'per call, median of 1000-call batches, net of the empty-loop cost (loop_$u); enosys = call number 1000'"
}
switch_obj() {
	m=$1 u=$2
	eval "printf '{\"accel\": \"%s\", \"n\": %s, \"ns\": %s, \"$u\": %s, \"yield_1vm_$u\": %s, \"yield_2vm_$u\": %s, \"yield_1vm_ns\": %s, \"yield_2vm_ns\": %s, \"overlap_2vm\": %s, \"switches_per_yield_1vm\": %s, \"switches_per_yield_2vm\": %s, \"tsc_hz\": %s%s, \"note\": \"%s\"}' \
		\"\$${m}_accel\" $SWITCH_N \$${m}_switch_ns \$${m}_switch_cycles \$${m}_yield1 \$${m}_yield2 \$${m}_yield1_ns \$${m}_yield2_ns \
		\$${m}_overlap2 \$${m}_spy1 \$${m}_spy2 \$${m}_tsc_hz \
		\"\$(same_field \$${m}_yield1_same \$${m}_yield2_same)\" \
		'switch = per-yield(2 VMs) - per-yield(1 VM); 2-VM figure = median of the instances (timed after 200 warm-up yields, 200 cool-down yields after); overlap_2vm = common part of the timed intervals / their union'"
}
pervm_obj() {
	k=$1
	eval "printf '{\"vms\": %s, \"accel\": \"%s\", \"kernel_bytes_per_vm\": %s, \"guest_bytes_per_vm\": %s, \"total_bytes_per_vm\": %s, \"create_ns_per_vm\": %s, \"peak_live_vms\": %s, \"vms_exited_ok\": %s, \"run_seconds\": %s, \"qemu_peak_rss_kib\": %s, \"qemu_peak_rss_kib_1vm\": %s, \"host_bytes_per_vm\": %s}' \
		$NVMS \"\$${k}_accel\" \$(jnum \$${k}_kernel_bytes_per_vm) \$(jnum \$${k}_guest_bytes_per_vm) \$(jnum \$${k}_total) \
		\$(jnum \$${k}_create_ns_per_vm) \$(jnum \$${k}_peak_live_vms) \$(jnum \$${k}_vms_exited_ok) \$(jnum \$${k}_run_seconds) \
		\$(jnum \$${k}_hwm_n) \$(jnum \$${k}_hwm_1) \$(jnum \$${k}_host_bytes_per_vm)"
}

{
	printf '{\n'
	printf '  "machine": {"cpu": "%s", "cores": %s, "kernel": "%s", "qemu": "%s"},\n' "$cpu" "$cores" "$kern" "$qemu_ver"
	printf '  "date": "%s",\n' "$date"
	printf '  "accel": "%s",\n' "$def_accel"
	printf '  "runs": %s,\n' "$REPS"
	printf '  "quick": %s,\n' "$(jbool "$QUICK")"
	printf '  "method": "every figure is the median over runs; cycles are guest TSC ticks (lfence; rdtsc) converted with the kernel'"'"'s tsc_hz; under TCG the guest TSC follows the host clock",\n'
	printf '  "hypercall": %s,\n' "$(hcall_obj def cycles)"
	printf '  "vm_switch": %s,\n' "$(switch_obj def cycles)"
	printf '  "icount": {"accel": "%s", "qemu_args": "-icount shift=0", "mode": "deterministic: instruction counts", "identical_across_runs": %s, "note": "TCG with -icount shift=0: the guest TSC advances one tick per guest instruction (tsc_hz about 1e9), so these figures are guest instruction counts (the *_ns fields are the same numbers read as virtual ns), not host time",\n' "$icount_accel" "$(jbool "$icount_identical")"
	printf '    "hypercall": %s,\n' "$(hcall_obj icount instructions)"
	printf '    "vm_switch": %s},\n' "$(switch_obj icount instructions)"
	printf '  "per_vm": {"note": "isorun --quiet --json with %s VMs; bytes per VM from the kernel'"'"'s accounting; host_bytes_per_vm = (QEMU peak RSS with %s VMs - with 1 VM) / %s, peak RSS = ru_maxrss of the isorun process tree from wait4 (bench/maxrss.c), i.e. QEMU'"'"'s; idle VMs wait %s ms so all are live together",\n' "$NVMS" "$NVMS" "$((NVMS - 1))" "$IDLE_MS"
	printf '    "tiny": %s,\n' "$(pervm_obj tiny)"
	printf '    "hello": %s,\n' "$(pervm_obj hello)"
	printf '    "idle": %s},\n' "$(pervm_obj idle)"
	printf '  "targets": {"kernel_bytes_per_vm_max": %s, "kernel_bytes_per_vm": %s, "kernel_bytes_per_vm_met": %s,\n' $KMAX "$(jnum "$kworst")" "$(jbool "$k_met")"
	printf '    "tiny_total_max": %s, "tiny_total": %s, "tiny_total_met": %s,\n' $TINYMAX "$(jnum "$tiny_total")" "$(jbool "$t_met")"
	printf '    "hello_total_max": %s, "hello_total": %s, "hello_total_met": %s,\n' $HELLOMAX "$(jnum "$hello_total")" "$(jbool "$h_met")"
	printf '    "all_met": %s, "note": "kernel_bytes_per_vm: the worst of tiny, hello, idle; total = kernel_bytes_per_vm + guest_bytes_per_vm"}\n' "$(jbool "$all_met")"
	printf '}\n'
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"

# ---- the table -----------------------------------------------------------------------------------------
yn() { [ "$1" = 1 ] && printf 'met' || printf 'NOT met'; }
printf '\n'
printf 'benchmark (%s, %s cores, %s), median of %s run(s)\n' "$cpu" "$cores" "$kern" "$REPS"
printf '%-34s %14s %12s %22s\n' "measurement" "ns" "cycles" "instructions (icount)"
printf '%-34s %14s %12s %22s\n' "hypercall clock_mono ($def_accel)" "$def_clock_mono_ns" "$def_clock_mono_cycles" "$icount_clock_mono_cycles"
printf '%-34s %14s %12s %22s\n' "hypercall ENOSYS ($def_accel)" "$def_enosys_ns" "$def_enosys_cycles" "$icount_enosys_cycles"
printf '%-34s %14s %12s %22s\n' "yield, 1 VM (no switch)" "$def_yield1_ns" "$def_yield1" "$icount_yield1"
printf '%-34s %14s %12s %22s\n' "yield, 2 VMs (switch each time)" "$def_yield2_ns" "$def_yield2" "$icount_yield2"
printf '%-34s %14s %12s %22s\n' "VM switch ($def_accel)" "$def_switch_ns" "$def_switch_cycles" "$icount_switch_cycles"
printf '\n%-7s %8s %10s %10s %10s %12s %10s %14s\n' "per VM" "VMs" "kernel B" "guest B" "total B" "create ns" "peak live" "host RSS B/VM"
for k in tiny hello idle; do
	eval "printf '%-7s %8s %10s %10s %10s %12s %10s %14s\n' $k $NVMS \$${k}_kernel_bytes_per_vm \$${k}_guest_bytes_per_vm \$${k}_total \$${k}_create_ns_per_vm \$${k}_peak_live_vms \$${k}_host_bytes_per_vm"
done
printf '\ntargets: kernel bytes/VM %s <= %s %s; tiny total %s <= %s %s; hello total %s <= %s %s\n' \
	"$kworst" $KMAX "$(yn "$k_met")" "$tiny_total" $TINYMAX "$(yn "$t_met")" "$hello_total" $HELLOMAX "$(yn "$h_met")"
printf 'wrote %s\n' "$OUT"
