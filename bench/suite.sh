#!/bin/sh
# suite.sh - `make bench`: runs every benchmark in turn with progress, merges their JSON into B/results/bench.json, writes REPORT.md.
#
#   sh bench/suite.sh [B]     B: the build directory (default build)
#
# In order: bench.sh (hypercall, VM switch, per-VM memory: micro.json), isobench per-VM overhead of tiny, hello and
# http (pervm-IMAGE.json), isobench --sched (sched.json), bench/net.sh (net.json), the Linux-process baseline
# (bench/baseline/forkbench: baseline.json), bench/denali.sh (denali.json); then one object in bench.json: machine,
# accelerator, date, commit, form, what was skipped and why, the command of every piece, each piece's JSON under its
# name, and the issue targets with measured values (met / not met); then bench/report.sh (plots, REPORT.md).
# Forms: full (default: VM counts up to 100,000 where memory allows, REPS runs, 20-40 min or more under TCG);
# QUICK=1 (counts up to 1,000, one run: a few minutes, for CI); BENCH_SMOKE=1 (tiny counts: the harness's own test).
# Environment: REPS (full form; default 3), BENCH_ONLY (space-separated subset of: micro pervm sched net baseline
# denali - the others are kept from an earlier run if their JSON exists), BASELINE_ARGS (extra forkbench options).
# Each piece keeps its own JSON file. Plain POSIX sh + awk: no python, no jq.
set -u

B=${1:-build}
R=$B/results
OUT=$R/bench.json
ISOBENCH=$B/bin/isobench
FORKBENCH=$B/bench/baseline/forkbench
JFLAT="awk -f bench/jflat.awk"
QUICK=${QUICK:-0}
SMOKE=${BENCH_SMOKE:-0}
ONLY=${BENCH_ONLY:-micro pervm sched net baseline denali}

if [ "$SMOKE" = 1 ]; then
	FORM=smoke REPS=1 PERVM_VMS=1,10,100 SCHED_VMS=1,10 
	BL_OPTS="--quick --ns 1,10 --services tiny_static,udp_echo,http --udp-port 27007 --http-port 28080"
elif [ "$QUICK" = 1 ]; then
	FORM=quick REPS=1 PERVM_VMS=1,10,100,1000 SCHED_VMS=1,10,100,1000 BL_OPTS="--quick"
else
	FORM=full REPS=${REPS:-3} PERVM_VMS=1,10,100,1000,10000,100000 SCHED_VMS=1,10,100,1000,10000,100000
	BL_OPTS="--ns 1,10,100,1000,10000 --reps $REPS"
fi
export REPS QUICK BENCH_SMOKE=$SMOKE

mkdir -p "$R" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/suite.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

START=$(date +%s)
STEP=0 STEPS=10
say() { printf 'bench: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
step() { STEP=$((STEP + 1)); printf 'bench: [%d/%d] %s (%d s so far)\n' "$STEP" "$STEPS" "$*" $(($(date +%s) - START)) >&2; }
wanted() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
# JSON string contents: drop quotes, backslashes and control characters.
jstr() { printf '%s' "$1" | tr -d '"\\' | tr -d '\000-\037'; }

: >"$T/skipped"
: >"$T/commands"
skipped() { printf '{"what": "%s", "why": "%s"}\n' "$(jstr "$1")" "$(jstr "$2")" >>"$T/skipped"; say "skipped: $1: $2"; }
# run NAME CMD...: runs CMD (progress on stderr), records it as the command of NAME; a failure ends the suite.
run() {
	n=$1
	shift
	printf '"%s": "%s"\n' "$n" "$(jstr "$*")" >>"$T/commands"
	say "+ $*"
	"$@" || fail "$n: '$*' exited $?"
}
recorded() { printf '"%s": "%s"\n' "$1" "$(jstr "$2")" >>"$T/commands"; }

say "form $FORM (QUICK=$QUICK BENCH_SMOKE=$SMOKE), REPS=$REPS, pieces: $ONLY -> $OUT"
[ "$FORM" = full ] || skipped "VM counts above $(echo "$PERVM_VMS" | tr , "\n" | tail -n 1) in the per-VM, scheduler and web runs$([ "$SMOKE" = 1 ] && echo "; bench-net at 1 and 10 VMs")" "the $FORM form (QUICK=1: a few minutes for CI; BENCH_SMOKE=1: the harness test); run make bench without QUICK for the full form"

# ---- 1. micro-benchmarks ------------------------------------------------------------------------------------
step "micro-benchmarks: hypercall, VM switch, per-VM memory (bench/bench.sh)"
if wanted micro; then run micro sh bench/bench.sh "$B"; else recorded micro "sh bench/bench.sh $B (kept from an earlier run)"; fi

# ---- 2. per-VM overhead vs VM count ---------------------------------------------------------------------------
# A count runs only if its guest RAM (isorun's default: 64 MiB + 64 KiB per VM, every VM must fit in its 64 KiB
# share) fits 1.5 times into MemAvailable now; larger counts are skipped with that reason.
mem_avail_kib=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
fit_counts() {
	list="" img=$1
	for c in $(echo "$2" | tr ',' ' '); do
		need=$(( (65536 + c * 64) * 3 / 2 ))
		if [ "$need" -le "${mem_avail_kib:-0}" ]; then
			list="${list:+$list,}$c"
		else
			skipped "isobench $img at $c VMs" "needs about $((need / 1024)) MiB of host memory (1.5 x isorun's guest RAM of 64 MiB + 64 KiB per VM), only $((mem_avail_kib / 1024)) MiB available"
		fi
	done
	echo "$list"
}
for img in tiny hello http; do
	step "per-VM overhead of $img.elf vs VM count (isobench)"
	if wanted pervm; then
		vms=$(fit_counts $img "$PERVM_VMS")
		run "pervm_$img" "$ISOBENCH" --image "$B/examples/$img.elf" --vms "$vms" --reps "$REPS" --json "$R/pervm-$img.json"
	else
		recorded "pervm_$img" "(kept from an earlier run: $R/pervm-$img.json)"
	fi
done

# ---- 3. scheduler cost among idle VMs ----------------------------------------------------------------------------
step "scheduler cost per quantum vs idle VMs (isobench --sched)"
if wanted sched; then
	vms=$(fit_counts idle "$SCHED_VMS")
	run sched "$ISOBENCH" --sched --icount --vms "$vms" --reps "$REPS" --json "$R/sched.json"
else
	recorded sched "(kept from an earlier run: $R/sched.json)"
fi

# ---- 4. network ------------------------------------------------------------------------------------------------------
step "network: switched vs bare, busy among idle, batched vs immediate (bench/net.sh)"
if wanted net; then
	if [ "$SMOKE" = 1 ]; then
		run net env QUICK=1 ALT=2 IDLE=10 IDLE_REPS=1 DELIVERY_VMS="1 10" SW_IN_FLIGHT= sh bench/net.sh "$B"
	else
		run net sh bench/net.sh "$B"
	fi
else
	recorded net "sh bench/net.sh $B (kept from an earlier run)"
fi

# ---- 5. the Linux-process baseline ------------------------------------------------------------------------------------
step "Linux forked-process baseline (forkbench)"
if wanted baseline; then
	# shellcheck disable=SC2086
	run baseline "$FORKBENCH" $BL_OPTS ${BASELINE_ARGS:-} --json "$R/baseline.json"
else
	recorded baseline "(kept from an earlier run: $R/baseline.json)"
fi

# ---- 6. Denali's experiments ---------------------------------------------------------------------------------------
step "Denali experiments: web vs VMs, idle vs spinning waiters, idle_spin (bench/denali.sh)"
if wanted denali; then run denali sh bench/denali.sh "$B"; else recorded denali "sh bench/denali.sh $B (kept from an earlier run)"; fi

# ---- 7. merge ---------------------------------------------------------------------------------------------------------
step "merging into $OUT"
for p in micro pervm-tiny pervm-hello pervm-http sched net baseline denali; do
	[ -s "$R/$p.json" ] || fail "$R/$p.json is missing"
	$JFLAT "$R/$p.json" >"$T/$p.flat" || fail "$R/$p.json is not valid JSON"
done

# fv FLAT PATH: the value at PATH in a flattened file (empty if absent or null).
fv() { awk -F '\t' -v p="$2" '$1 == p && $2 != "z" { print $3; exit }' "$T/$1.flat"; }
# at FLAT ARRAY KEY VALUE FIELD: FIELD of the element of ARRAY whose KEY is VALUE.
at() {
	awk -F '\t' -v a="$2." -v k="$3" -v v="$4" -v f="$5" '
		index($1, a) == 1 { rest = substr($1, length(a) + 1); i = rest; sub(/\..*/, "", i); sub(/^[0-9]+\./, "", rest)
			if (rest == k && $3 == v) hit[i] = 1; if (rest == f && $2 != "z") val[i] = $3 }
		END { for (i in hit) if (i in val) { print val[i]; exit } }' "$T/$1.flat"
}
# maxkey FLAT ARRAY KEY: the largest KEY over the elements of ARRAY.
maxkey() {
	awk -F '\t' -v a="$2." -v k="$3" 'index($1, a) == 1 { r = substr($1, length(a) + 1); sub(/^[0-9]+\./, "", r)
		if (r == k && $2 == "n" && (m == "" || $3 + 0 > m + 0)) m = $3 } END { print m }' "$T/$1.flat"
}
num() { case $1 in ''|null|*[!0-9.eE+-]*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }
# cmp VALUE OP TARGET: true/false, null when VALUE is missing.
cmp() { case $1 in ''|null) printf 'null' ;; *) awk -v v="$1" -v t="$3" "BEGIN { print (v $2 t) ? \"true\" : \"false\" }" ;; esac; }
div() { case $1$2 in *null*) printf 'null' ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "null"; else printf "%.3f", a / b }' ;; esac; }

tiny_max=$(maxkey pervm-tiny results vms)
tiny_total=$(at pervm-tiny results vms "$tiny_max" total_bytes_per_vm)
tiny_host=$(at pervm-tiny results vms "$tiny_max" host.host_bytes_per_vm)
tiny_rate=$(at pervm-tiny results vms "$tiny_max" creates_per_s)
tiny_live_ns=$(at pervm-tiny results vms "$tiny_max" all_live_ns)
tiny_live_rate=$(awk -v n="$tiny_max" -v t="$tiny_live_ns" 'BEGIN { if (t + 0 > 0) printf "%.1f", n * 1e9 / t; else print "null" }')
bl_mem=$(at baseline headline name tiny_static mem_bytes_per_instance)
bl_rate=$(at baseline headline name tiny_static start_per_s)
bl_n=$(at baseline headline name tiny_static n)
mem_ratio=$(div "$(num "$bl_mem")" "$(num "$tiny_total")")
host_ratio=$(div "$(num "$bl_mem")" "$(num "$tiny_host")")
rate_ratio=$(div "$(num "$tiny_rate")" "$(num "$bl_rate")")
live_ratio=$(div "$(num "$tiny_live_rate")" "$(num "$bl_rate")")
peak_live=$(awk -F '\t' '$1 ~ /^results\.[0-9]+\.peak_live_vms$/ && $3 + 0 > m + 0 { m = $3 } END { print m }' \
	"$T/pervm-tiny.flat" "$T/pervm-hello.flat" "$T/pervm-http.flat")
sched_lo=$(awk -F '\t' '$1 ~ /^results\.[0-9]+\.idle_vms$/ { print $3 }' "$T/sched.flat" | sort -g | head -n 1)
sched_hi=$(awk -F '\t' '$1 ~ /^results\.[0-9]+\.idle_vms$/ { print $3 }' "$T/sched.flat" | sort -g | tail -n 1)
# The verdict uses guest instructions (-icount shift=0: no drift, no host noise) when measured; cycles otherwise.
sched_flat_cycles=$(fv sched flat.max_over_min)
sched_flat=$(fv sched icount.flat.max_over_min)
sched_unit="guest instructions per pass under -icount shift=0; in TSC cycles under the accelerator: $sched_flat_cycles"
[ -n "$sched_flat" ] || { sched_flat=$sched_flat_cycles; sched_unit="TSC cycles per pass (no -icount run)"; }
sw_ratio=$(fv net switch_vs_bare.ratio)
idle_ratio=$(fv net busy_among_idle.ratio)
idle_n=$(fv net busy_among_idle.idle_vms)
web_vms=$(fv denali web.target.measured_vms)
web_ans=$(fv denali web.target.vms_answered)
web_met=$(fv denali web.target.all_answering)
[ -n "$web_met" ] || web_met=null
live_met=$(cmp "$peak_live" '>=' 100000)
# a form that never tried 100,000 VMs has not measured the target
[ "$live_met" = false ] && ! echo "$PERVM_VMS" | grep -q 100000 && live_met=null
sched_met=$(cmp "$sched_flat" '<=' 1.10)
[ "$sched_hi" -ge 100000 ] 2>/dev/null || [ "$sched_met" = false ] || sched_met=null

target() { # NAME "WHAT" VALUE TARGET MET NOTE
	printf '    {"name": "%s", "what": "%s", "value": %s, "target": "%s", "met": %s, "note": "%s"}' "$1" "$2" "$(num "$3")" "$4" "$5" "$(jstr "$6")"
}
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+uncommitted"
accel=$(fv pervm-tiny accel)
{
	printf '{\n'
	printf '  "tool": "make bench (bench/suite.sh)",\n'
	printf '  "machine": {"cpu": "%s", "cores": %s, "ram_bytes": %s, "kernel": "%s", "qemu": "%s", "kvm_device": %s},\n' \
		"$(jstr "$(fv pervm-tiny machine.cpu)")" "$(num "$(fv pervm-tiny machine.cores)")" "$(num "$(fv pervm-tiny machine.ram_bytes)")" \
		"$(jstr "$(fv pervm-tiny machine.kernel)")" "$(jstr "$(fv pervm-tiny machine.qemu)")" "$( [ -e /dev/kvm ] && echo true || echo false)"
	printf '  "accelerator": "%s",\n' "$(jstr "$accel")"
	printf '  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "commit": "%s",\n' "$commit"
	printf '  "pieces_run": "%s",\n' "$ONLY"
	printf '  "form": "%s", "quick": %s, "smoke": %s, "reps": %s, "seconds": %s,\n' "$FORM" "$([ "$QUICK" = 1 ] && echo true || echo false)" \
		"$([ "$SMOKE" = 1 ] && echo true || echo false)" "$REPS" $(($(date +%s) - START))
	printf '  "skipped": ['
	paste -sd, "$T/skipped" | tr -d '\n'
	printf '],\n'
	printf '  "commands": {'
	paste -sd, "$T/commands" | sed 's/,"/, "/g' | tr -d '\n'
	printf '},\n'
	printf '  "targets": [\n'
	target live_vms "most VMs live at once (per-VM runs of tiny, hello, http)" "$peak_live" ">= 100000" "$live_met" \
		"peak_live_vms, largest over the per-VM runs"; printf ',\n'
	target tiny_memory_vs_process "Linux static process bytes / tiny VM bytes (kernel + guest) at $tiny_max VMs" "$mem_ratio" ">= 5" \
		"$(cmp "$mem_ratio" '>=' 5)" "tiny total_bytes_per_vm $tiny_total vs tiny_static mem_bytes_per_instance $bl_mem at $bl_n processes (MemAvailable drop); host view (QEMU RSS growth per VM $tiny_host B): $host_ratio"; printf ',\n'
	target creation_rate_vs_process "tiny VMs created per s / Linux static processes started per s" "$rate_ratio" ">= 4" \
		"$(cmp "$rate_ratio" '>=' 4)" "creates_per_s $tiny_rate at $tiny_max VMs (kernel creation loop) vs start_per_s $bl_rate at $bl_n processes (fork+exec until ready); counting until every VM had its first quantum: $tiny_live_rate/s, ratio $live_ratio"; printf ',\n'
	target sched_flat "scheduler cost per quantum, largest / smallest median over $sched_lo..$sched_hi idle VMs" "$sched_flat" "<= 1.10 from 1 to 100000" \
		"$sched_met" "isobench --sched --icount: icount.flat.max_over_min of sched_cycles_per_pass_median ($sched_unit); met is null when 100,000 was not measured and the ratio is within 10%"; printf ',\n'
	target switched_vs_bare "switched / bare UDP echo throughput (1 VM)" "$sw_ratio" ">= 0.80" "$(cmp "$sw_ratio" '>=' 0.80)" "net.json switch_vs_bare.ratio"; printf ',\n'
	target busy_among_idle "busy VM among $idle_n idle / alone" "$idle_ratio" ">= 0.95" "$(cmp "$idle_ratio" '>=' 0.95)" "net.json busy_among_idle.ratio"; printf ',\n'
	target http_10000_answering "HTTP VMs answering at $web_vms VMs" "$web_ans" "10000 of 10000" "$web_met" \
		"denali.json web: vms_answered at the largest count; met is null when 10,000 were not run"
	printf '\n  ],\n'
	printf '  "micro": '; cat "$R/micro.json"; printf '  ,\n'
	printf '  "pervm": {\n    "tiny": '; cat "$R/pervm-tiny.json"
	printf '    , "hello": '; cat "$R/pervm-hello.json"
	printf '    , "http": '; cat "$R/pervm-http.json"
	printf '  },\n  "sched": '; cat "$R/sched.json"
	printf '  ,\n  "net": '; cat "$R/net.json"
	printf '  ,\n  "baseline": '; cat "$R/baseline.json"
	printf '  ,\n  "denali": '; cat "$R/denali.json"
	printf '}\n'
} >"$OUT.tmp" || fail "cannot write $OUT"
$JFLAT "$OUT.tmp" >"$T/bench.flat" || fail "the merged JSON does not parse (kept in $OUT.tmp)"
mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"
say "wrote $OUT"

# ---- 8. plots and the report ----------------------------------------------------------------------------------------------
step "plots and REPORT.md (bench/report.sh)"
sh bench/report.sh "$B" || fail "bench/report.sh failed"
say "done in $(($(date +%s) - START)) s: $R/bench.json, $R/REPORT.md"
