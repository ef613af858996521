#!/bin/sh
# report.sh - B/results/REPORT.md and the PNG plots from B/results/bench.json (what bench/suite.sh merged).
#
#   sh bench/report.sh [B]     B: the build directory (default build)
#
# Reads bench.json with bench/jflat.awk (no python, no jq), writes the plots' data under B/results/plots/, the PNGs
# (gnuplot with bench/plots/*.gp; without gnuplot the plots are skipped and the report says why) under B/results/,
# and REPORT.md: machine, accelerator, date, commit, the targets met or not, then every table and plot with the
# command that made it.
set -u

B=${1:-build}
R=$B/results
J=$R/bench.json
MD=$R/REPORT.md
P=$R/plots
[ -s "$J" ] || { echo "report: $J is missing (run: make bench)" >&2; exit 1; }
mkdir -p "$P" || exit 1
F=$P/bench.flat
awk -f bench/jflat.awk "$J" >"$F" || { echo "report: $J is not valid JSON" >&2; exit 1; }

# v PATH: the value at PATH ("-" if absent or null).
v() { awk -F '\t' -v p="$1" '$1 == p { print ($2 == "z") ? "-" : $3; f = 1; exit } END { if (!f) print "-" }' "$F"; }
# rows ARRAY FIELD...: one line per element of ARRAY, the FIELDs (dotted paths inside the element) separated by
# blanks; missing or null as $MISS (default "-").
rows() {
	a=$1
	shift
	awk -F '\t' -v a="$a." -v fields="$*" -v miss="${MISS:--}" '
		BEGIN { nf = split(fields, f, " "); max = -1 }
		index($1, a) == 1 { r = substr($1, length(a) + 1); i = r; sub(/\..*/, "", i); if (i !~ /^[0-9]+$/) next
			sub(/^[0-9]+\.?/, "", r); val[i, r] = ($2 == "z") ? miss : $3; if (i + 0 > max) max = i + 0 }
		END { for (i = 0; i <= max; i++) { l = ""; for (j = 1; j <= nf; j++) l = l (j > 1 ? " " : "") (((i, f[j]) in val) ? val[i, f[j]] : miss); print l } }' "$F"
}
# md_rows: blank-separated lines to markdown table rows.
md_rows() { sed 's/ / | /g; s/^/| /; s/$/ |/'; }
cmd() { printf '\n```\n%s\n```\n' "$1"; }
c() { v "commands.$1"; }
metw() { case $1 in true) echo met ;; false) echo "**not met**" ;; *) echo "not measured" ;; esac; }

# ---- plots ------------------------------------------------------------------------------------------------
for img in tiny hello http; do
	MISS=NaN rows pervm.$img.results vms kernel_bytes_per_vm guest_bytes_per_vm host.host_bytes_per_vm create_ns_per_vm \
		>"$P/pervm-$img.dat"
done
MISS=NaN rows sched.results idle_vms sched_cycles_per_pass_median sched_ns_per_pass_median | awk '$1 > 0' >"$P/sched.dat"
sched_base=$(awk 'NR == 1 { print $2 }' "$P/sched.dat")
MISS=NaN rows denali.web.results vms throughput p50_us p99_us vms_answered >"$P/web.dat"
MISS=NaN rows net.delivery.results vms mode throughput p99_us | awk '
	{ n[$1] = 1; t[$1, $2] = $3; p[$1, $2] = $4; if (!($1 in o)) { o[$1] = ++k; ord[k] = $1 } }
	END { for (i = 1; i <= k; i++) { x = ord[i]; print x, t[x, "batched"], t[x, "immediate"], p[x, "batched"], p[x, "immediate"] } }' >"$P/delivery.dat"
bl() { awk -F '\t' -v n="$1" -v f="$2" '$1 ~ /^baseline\.headline\.[0-9]+\.name$/ && $3 == n { i = $1; sub(/\.name$/, "", i) }
	i != "" && $1 == i "." f { print ($2 == "z") ? "NaN" : $3; exit }' "$F"; }
tmax=$(rows pervm.tiny.results vms | tail -n 1)
trow=$(rows pervm.tiny.results total_bytes_per_vm host.host_bytes_per_vm creates_per_s all_live_ns | tail -n 1)
set -- $trow
t_total=$1 t_host=$2 t_rate=$3 t_live=$4
t_liverate=$(awk -v n="$tmax" -v t="$t_live" 'BEGIN { if (t + 0 > 0) printf "%.0f", n * 1e9 / t; else print "NaN" }')
{
	echo "\"tiny VM (kernel+guest)\" $t_total"
	echo "\"tiny VM (QEMU RSS growth)\" $(echo "$t_host" | sed 's/^-$/NaN/')"
	for s in tiny_static tiny_dynamic tiny_nolibc tiny_static_vfork; do
		x=$(bl $s mem_bytes_per_instance)
		[ -n "$x" ] && echo "\"Linux $s\" $x"
	done
} >"$P/baseline-mem.dat"
{
	echo "\"tiny VM (created)\" $t_rate"
	echo "\"tiny VM (all live)\" $t_liverate"
	for s in tiny_static tiny_dynamic tiny_nolibc tiny_static_vfork; do
		x=$(bl $s start_per_s)
		[ -n "$x" ] && echo "\"Linux $s\" $x"
	done
} >"$P/baseline-rate.dat"

GP=""
gp_why=""
if command -v gnuplot >/dev/null 2>&1; then
	GP=gnuplot
else
	gp_why="gnuplot is not installed (scripts/deps.sh installs gnuplot-nox): no plots in this report"
	echo "report: $gp_why" >&2
fi
# plot NAME 'VARS' SCRIPT: runs gnuplot, records the command in $P/NAME.cmd; the PNG is $R/NAME.png.
plot() {
	rm -f "$R/$1.png"
	printf 'gnuplot -e "%s; out='"'"'%s'"'"'" %s\n' "$2" "$R/$1.png" "$3" >"$P/$1.cmd"
	[ -n "$GP" ] || return 0
	gnuplot -e "$2; out='$R/$1.png'" "$3" 2>"$P/$1.err" || { echo "report: gnuplot failed for $1:" >&2; cat "$P/$1.err" >&2; return 1; }
	[ -s "$R/$1.png" ] || { echo "report: gnuplot wrote no $R/$1.png" >&2; return 1; }
}
plot pervm-bytes "dir='$P'" bench/plots/pervm.gp || exit 1
plot create-time "dir='$P'" bench/plots/create.gp || exit 1
plot sched "dat='$P/sched.dat'; base=${sched_base:-0}" bench/plots/sched.gp || exit 1
plot web "dat='$P/web.dat'" bench/plots/web.gp || exit 1
plot delivery "dat='$P/delivery.dat'" bench/plots/delivery.gp || exit 1
plot baseline "mem='$P/baseline-mem.dat'; rate='$P/baseline-rate.dat'" bench/plots/baseline.gp || exit 1
# fig NAME CAPTION: the markdown for a plot and the command that made it (or why there is none).
fig() {
	if [ -n "$GP" ]; then
		printf '\n![%s](%s.png)\n\nPlot: `%s`\n' "$2" "$1" "$(cat "$P/$1.cmd")"
	else
		printf '\n(plot %s.png not drawn: %s)\n' "$1" "$gp_why"
	fi
}

# ---- REPORT.md ----------------------------------------------------------------------------------------------
{
	echo "# Benchmark report"
	echo
	echo "Generated by \`sh bench/report.sh $B\` from \`$J\` (written by \`make bench\`, i.e. \`sh bench/suite.sh $B\`)."
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| machine | $(v machine.cpu), $(v machine.cores) cores, $(v machine.ram_bytes) bytes RAM, $(v machine.kernel) |"
	echo "| QEMU | $(v machine.qemu) |"
	echo "| accelerator | $(v accelerator) (/dev/kvm present: $(v machine.kvm_device)) |"
	echo "| date | $(v date) |"
	echo "| commit | $(v commit) |"
	echo "| form | $(v form) (quick: $(v quick), smoke: $(v smoke)), $(v reps) run(s) per figure, $(v seconds) s in all |"
	echo "| pieces run by this make bench | $(v pieces_run) (any other piece: its JSON kept from an earlier run, see its command) |"
	echo
	echo "Every timing is a median over runs; every ratio is taken within one run (or one \`make bench\`) before the median."
	echo "Under TCG the guest TSC follows the host clock; the hypercall and VM-switch figures are also given under"
	echo "\`-icount shift=0\` (guest instruction counts, which do not drift between runs) in section 1."
	echo
	echo "## Targets (issues 3 and 4)"
	echo
	echo "| target | measured | goal | verdict | how |"
	echo "|---|---|---|---|---|"
	rows targets name | while read -r n; do
		i=$(rows targets name | grep -n "^$n\$" | cut -d: -f1)
		i=$((i - 1))
		echo "| $(v targets.$i.what) | $(v targets.$i.value) | $(v targets.$i.target) | $(metw "$(v targets.$i.met)") | $(v targets.$i.note) |"
	done
	echo
	echo "## Skipped"
	echo
	if [ "$(rows skipped what | grep -c .)" = 0 ]; then
		echo "Nothing was skipped."
	else
		rows skipped what | while read -r w; do echo "- $w"; done
		awk -F '\t' '$1 ~ /^skipped\.[0-9]+\.why$/ { print "  - why: " $3 }' "$F"
	fi
	[ -n "$gp_why" ] && echo "- plots: $gp_why"
	echo
	echo "## 1. Micro-benchmarks: hypercall, VM switch, per-VM memory"
	cmd "$(c micro)"
	echo
	echo "| measurement | ns ($(v micro.accel)) | cycles | guest instructions (-icount shift=0) |"
	echo "|---|---|---|---|"
	echo "| hypercall clock_mono | $(v micro.hypercall.clock_mono_ns) | $(v micro.hypercall.clock_mono_cycles) | $(v micro.icount.hypercall.clock_mono_instructions) |"
	echo "| hypercall ENOSYS | $(v micro.hypercall.enosys_ns) | $(v micro.hypercall.enosys_cycles) | $(v micro.icount.hypercall.enosys_instructions) |"
	echo "| VM switch | $(v micro.vm_switch.ns) | $(v micro.vm_switch.cycles) | $(v micro.icount.vm_switch.instructions) |"
	echo
	echo "icount figures identical across runs: $(v micro.icount.identical_across_runs)."
	echo
	echo "| image | VMs | kernel B/VM | guest B/VM | total B/VM | create ns/VM | peak live | host RSS B/VM |"
	echo "|---|---|---|---|---|---|---|---|"
	for k in tiny hello idle; do
		echo "$k $(v micro.per_vm.$k.vms) $(v micro.per_vm.$k.kernel_bytes_per_vm) $(v micro.per_vm.$k.guest_bytes_per_vm) $(v micro.per_vm.$k.total_bytes_per_vm) $(v micro.per_vm.$k.create_ns_per_vm) $(v micro.per_vm.$k.peak_live_vms) $(v micro.per_vm.$k.host_bytes_per_vm)" | md_rows
	done
	echo
	echo "## 2. Per-VM overhead vs number of VMs (isobench)"
	for img in tiny hello http; do
		echo
		echo "### $img.elf"
		cmd "$(c pervm_$img)"
		echo
		echo "| VMs | kernel B/VM | guest private B/VM | guest B/VM (shared image split) | total B/VM | host RSS B/VM | create ns/VM | creates/s | all live (ms) | peak live |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		rows pervm.$img.results vms kernel_bytes_per_vm guest_private_bytes_per_vm guest_bytes_per_vm total_bytes_per_vm \
			host.host_bytes_per_vm create_ns_per_vm creates_per_s all_live_ns peak_live_vms |
			awk '{ if ($9 != "-") $9 = sprintf("%.1f", $9 / 1e6); print }' | md_rows
	done
	fig pervm-bytes "bytes per VM vs VMs"
	fig create-time "creation time per VM vs VMs"
	echo
	echo "## 3. Scheduler cost per quantum vs idle VMs (isobench --sched)"
	cmd "$(c sched)"
	echo
	echo "| idle VMs | cycles/pass (median) | ns/pass (median) | pick cycles (median) | timer delivery cycles (median) |"
	echo "|---|---|---|---|---|"
	rows sched.results idle_vms sched_cycles_per_pass_median sched_ns_per_pass_median sched_pick_cycles_median timer_delivery_cycles_median | md_rows
	echo
	echo "Flatness (largest / smallest median): $(v sched.flat.max_over_min) (within 10%: $(v sched.flat.within_10pct))."
	if [ -n "$(v sched.icount.flat.max_over_min)" ]; then
		echo
		echo "The same under TCG \`-icount shift=0\` (the guest TSC counts instructions: no drift, no host noise):"
		echo
		echo "| idle VMs | instructions/pass (median) | pick instructions (median) | timer delivery instructions (median) |"
		echo "|---|---|---|---|"
		rows sched.icount.results idle_vms sched_cycles_per_pass_median sched_pick_cycles_median timer_delivery_cycles_median | md_rows
		echo
		echo "Flatness in instructions: $(v sched.icount.flat.max_over_min) (within 10%: $(v sched.icount.flat.within_10pct)). Timer delivery wakes an idle VM from a binary heap, so it grows with log N."
	fi
	fig sched "scheduler cost vs idle VMs"
	echo
	echo "## 4. Network (bench-net)"
	cmd "$(c net)"
	echo
	echo "| experiment | figures | ratio | goal | verdict |"
	echo "|---|---|---|---|---|"
	echo "| switched vs bare, 1 VM (median of pairs of adjacent phases) | bare $(v net.switch_vs_bare.bare)/s, switched $(v net.switch_vs_bare.switched)/s | $(v net.switch_vs_bare.ratio) | >= $(v net.switch_vs_bare.target) | $(metw "$(v net.switch_vs_bare.met)") |"
	echo "| switched vs bare at other loads (datagrams in flight: ratio) | $(rows net.switch_vs_bare.by_in_flight in_flight ratio | awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), $1, $2 }') | | | |"
	echo "| 1 busy among $(v net.busy_among_idle.idle_vms) idle vs alone (pairs of runs) | crowd $(v net.busy_among_idle.crowd)/s, alone $(v net.busy_among_idle.alone)/s, median of $(v net.busy_among_idle.pairs) pairs | $(v net.busy_among_idle.ratio) | >= $(v net.busy_among_idle.target) | $(metw "$(v net.busy_among_idle.met)") |"
	echo "| the same VM after the $(v net.busy_among_idle.idle_vms) exited (same run) | alone $(v net.busy_among_idle.alone_after_dismissal)/s | $(v net.busy_among_idle.in_run_ratio) | | |"
	echo
	echo "Batched vs immediate delivery (Denali's interrupt batching; UDP echo spread over the VMs):"
	echo
	echo "| VMs | mode | echoes/s | p50 us | p99 us |"
	echo "|---|---|---|---|---|"
	rows net.delivery.results vms mode throughput p50_us p99_us | md_rows
	fig delivery "batched vs immediate delivery"
	echo
	echo "## 5. Linux forked-process baseline (forkbench)"
	cmd "$(c baseline)"
	echo
	echo "| service | instances | memory B/instance (MemAvailable drop) | PSS B/instance | start/s | throughput/s | p99 us |"
	echo "|---|---|---|---|---|---|---|"
	rows baseline.headline name n mem_bytes_per_instance pss_bytes_per_instance start_per_s throughput_per_s latency_p99_us | md_rows
	echo
	echo "Project vs baseline (tiny at $tmax VMs): see the targets above; the bars below are the same figures."
	fig baseline "isolation kernel vs forked Linux process"
	echo
	echo "## 6. Denali's experiments (bench/denali.sh)"
	cmd "$(c denali)"
	echo
	echo "### a. Web throughput vs number of VMs"
	echo
	echo "$(v denali.web.image); $(v denali.web.load); $(v denali.web.phase_seconds) s per run."
	echo
	echo "| http VMs | requests/s | p50 us | p99 us | VMs answering | fraction | timeouts |"
	echo "|---|---|---|---|---|---|---|"
	rows denali.web.results vms throughput p50_us p99_us vms_answered answered_fraction timeouts | md_rows
	fig web "web throughput vs VMs"
	echo
	echo "### b. Batched vs immediate interrupts"
	echo
	echo "Measured by bench-net: the delivery table and plot in section 4 ($(v denali.interrupts.note))."
	echo
	echo "### c. Waiting with the idle hypercall vs spinning on the clock"
	echo
	echo "One busy VM: $(v denali.waiting.busy); waiters: $(v denali.waiting.waiters); quantum $(v denali.waiting.quantum_us) us. Alone: $(v denali.waiting.alone_throughput) echoes/s."
	echo
	echo "| waiters | kind | echoes/s | vs alone | p50 us | p99 us | timeouts |"
	echo "|---|---|---|---|---|---|---|"
	rows denali.waiting.results waiters kind throughput ratio_to_alone p50_us p99_us timeouts | md_rows
	echo
	echo "The kernel's own idle loop, $(v denali.idle_spin.idle_vms) idle VMs: $(v denali.idle_spin.note)."
	echo
	echo "| idle loop | kernel word | QEMU CPU s per s, all VMs idle | busy echo VM beside them: echoes/s | p50 us | p99 us |"
	echo "|---|---|---|---|---|---|"
	rows denali.idle_spin.results mode kernel_word qemu_cpu_s_per_s_all_idle busy_throughput busy_p50_us busy_p99_us | md_rows
	echo
	echo "### d. Simplified NIC vs a NIC emulated at register level"
	echo
	echo "$(v denali.nic_emulation.note)."
} >"$MD.tmp" && mv "$MD.tmp" "$MD" || exit 1
echo "report: wrote $MD$([ -n "$GP" ] && echo " and $(ls "$R"/*.png | wc -l) PNG plots in $R")" >&2
