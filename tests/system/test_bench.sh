#!/bin/bash
# test_bench.sh - the `make bench` harness in its smallest form (BENCH_SMOKE=1): every piece runs, bench.json parses with every top-level key and numbers where numbers belong, REPORT.md has every section and each PNG it shows exists.
# timeout: 300
# Runs in a build directory of its own ($WORK/b: links to B's binaries and images, its own results/), so the smoke
# figures never replace the results of a real `make bench`. It checks structure, never a timing.
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example tiny.elf hello.elf idle.elf http.elf udp-echo.elf
for f in "$B/bin/isobench" "$B/bin/loadgen" "$B/bench/baseline/forkbench" "$B/bench/maxrss" "$B/bench/hcall.elf" \
	"$B/bench/switch.elf" "$B/bench/spinwait.elf" "$B/bench/spin.elf"; do
	[ -e "$f" ] || fail "$f is missing (make bench-images isobench bench-baseline-bins)"
done
cd "$ROOT" || fail "no $ROOT"

SB=$WORK/b
mkdir -p "$SB/results"
for e in "$B"/*; do
	case $(basename "$e") in results|tests) ;; *) ln -s "$e" "$SB/$(basename "$e")" ;; esac
done
R=$SB/results
FLAT=$WORK/bench.flat

echo "+ BENCH_SMOKE=1 sh bench/suite.sh $SB"
BENCH_SMOKE=1 sh bench/suite.sh "$SB" >"$WORK/suite.out" 2>&1
rc=$?
grep -E '^bench: \[|^bench: (skipped|FAILED)' "$WORK/suite.out" | sed 's/^/  | /'
[ $rc = 0 ] || { tail -n 30 "$WORK/suite.out"; fail "bench/suite.sh exited $rc"; }
steps=$(grep -c '^bench: \[[0-9]*/10\]' "$WORK/suite.out")
[ "$steps" = 10 ] || fail "progress: $steps of 10 step lines"

# every piece keeps its own JSON, and each parses
for p in micro pervm-tiny pervm-hello pervm-http sched net baseline denali bench; do
	[ -s "$R/$p.json" ] || fail "$R/$p.json is missing"
	awk -f bench/jflat.awk "$R/$p.json" >/dev/null || fail "$p.json does not parse"
done
# the reader rejects what is not JSON (so the check above can fail)
head -c 2000 "$R/bench.json" >"$WORK/cut.json"
awk -f bench/jflat.awk "$WORK/cut.json" >/dev/null 2>&1 && fail "jflat.awk accepted a truncated bench.json"
printf '{"a": 1,}\n' | awk -f bench/jflat.awk >/dev/null 2>&1 && fail "jflat.awk accepted a trailing comma"
awk -f bench/jflat.awk "$R/bench.json" >"$FLAT"

# type PATH: the type letter of PATH in bench.json (n s b z o a), empty when absent.
type() { awk -F '\t' -v p="$1" '$1 == p { print $2; exit }' "$FLAT"; }
has_prefix() { grep -q "^$1[.	]" "$FLAT"; }
for k in tool machine accelerator date commit form quick smoke reps seconds skipped commands targets micro pervm sched net \
	baseline denali; do
	has_prefix "$k" || fail "bench.json has no top-level \"$k\""
done
want() { # TYPES PATH...: each PATH has one of the type letters in TYPES
	ty=$1
	shift
	for p in "$@"; do
		t=$(type "$p")
		case $ty in *"$t"*) [ -n "$t" ] ;; *) false ;; esac || fail "bench.json: $p is '${t:-absent}', expected one of [$ty]"
	done
}
want s accelerator date commit form machine.cpu machine.qemu
want n machine.cores machine.ram_bytes reps seconds
want b quick smoke machine.kvm_device
acc=$(awk -F '\t' '$1 == "accelerator" { print $3 }' "$FLAT")
case $acc in kvm|tcg) ;; *) fail "accelerator is '$acc'" ;; esac
[ "$(awk -F '\t' '$1 == "smoke" { print $3 }' "$FLAT")" = true ] || fail "smoke is not true"
ncmd=$(grep -c '^commands\.[a-z_]*	s	' "$FLAT")
[ "$ncmd" = 8 ] || fail "$ncmd commands recorded, expected 8 (micro, pervm x3, sched, net, baseline, denali)"
nt=$(grep -c '^targets\.[0-9]*\.name	' "$FLAT")
[ "$nt" = 7 ] || fail "$nt targets, expected 7"
i=0
while [ $i -lt "$nt" ]; do
	want s targets.$i.name targets.$i.what targets.$i.target
	want nz targets.$i.value
	want bz targets.$i.met
	i=$((i + 1))
done
want n micro.hypercall.clock_mono_ns micro.vm_switch.ns micro.icount.vm_switch.instructions micro.per_vm.tiny.kernel_bytes_per_vm
for img in tiny hello http; do
	for j in 0 1 2; do
		want n pervm.$img.results.$j.vms pervm.$img.results.$j.kernel_bytes_per_vm pervm.$img.results.$j.guest_bytes_per_vm \
			pervm.$img.results.$j.total_bytes_per_vm pervm.$img.results.$j.create_ns_per_vm
	done
done
want n sched.results.0.idle_vms sched.results.0.sched_cycles_per_pass_median sched.results.1.sched_cycles_per_pass_median \
	sched.flat.max_over_min
want n net.switch_vs_bare.ratio net.busy_among_idle.ratio net.delivery.results.0.throughput
want n baseline.headline.0.mem_bytes_per_instance baseline.headline.0.start_per_s
want n denali.web.results.0.throughput denali.web.results.0.p99_us denali.web.results.1.vms_answered \
	denali.waiting.alone_throughput denali.waiting.results.1.throughput denali.waiting.results.2.throughput \
	denali.idle_spin.results.0.qemu_cpu_s_per_s_all_idle denali.idle_spin.results.1.qemu_cpu_s_per_s_all_idle
want s denali.waiting.results.1.kind denali.waiting.results.2.kind denali.nic_emulation.note
want b denali.nic_emulation.measured

# the report: every section, the targets table, each PNG it shows exists and is a PNG, and with gnuplot all six
MD=$R/REPORT.md
[ -s "$MD" ] || fail "$MD is missing"
for s in '# Benchmark report' '## Targets (issues 3 and 4)' '## Skipped' '## 1. Micro-benchmarks' '## 2. Per-VM overhead' \
	'## 3. Scheduler cost' '## 4. Network' '## 5. Linux forked-process baseline' "## 6. Denali's experiments" \
	'### a. Web throughput' '### b. Batched vs immediate' '### c. Waiting' '### d. Simplified NIC' '| accelerator | ' \
	'| commit | ' '| date | ' '| machine | '; do
	grep -qF "$s" "$MD" || fail "REPORT.md has no '$s'"
done
rowsn=$(sed -n '/^## Targets/,/^## Skipped/p' "$MD" | grep -cE '\| (met|\*\*not met\*\*|not measured) \|')
[ "$rowsn" = 7 ] || fail "REPORT.md targets table has $rowsn verdict rows, expected 7"
ncb=$(grep -c '^```$' "$MD")
[ "$ncb" -ge 16 ] || fail "REPORT.md shows $((ncb / 2)) commands, expected at least 8"
pngs=$(grep -o '](\([a-z-]*\)\.png)' "$MD" | sed 's/^](//; s/)$//')
for p in $pngs; do
	[ -s "$R/$p" ] || fail "REPORT.md shows $p but $R/$p is missing"
	[ "$(head -c 4 "$R/$p" | tail -c 3)" = PNG ] || fail "$R/$p is not a PNG"
	grep -qF "out='$R/$p'" "$MD" || fail "REPORT.md gives no command for $p"
done
np=$(echo "$pngs" | grep -c .)
if command -v gnuplot >/dev/null 2>&1; then
	[ "$np" = 6 ] || fail "gnuplot is installed but REPORT.md shows $np plots, expected 6"
else
	grep -q 'gnuplot is not installed' "$MD" || fail "no gnuplot, and REPORT.md does not say why there are no plots"
	echo "note: gnuplot is not installed: plots skipped (the report says so)"
fi
pass "smoke form: $steps steps, bench.json with $(wc -l <"$FLAT") values, REPORT.md with $np plots ($acc)"
