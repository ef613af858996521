#!/bin/sh
# net.sh - the network benchmarks behind `make bench-net`: switched path vs bare path, one busy VM among idle ones vs
# alone, batched vs immediate delivery. Writes B/results/net.json and prints a table. Figures only: it asserts
# nothing about time (a run that breaks - loadgen fails, a VM never answers - ends it with status 1).
#
#   sh bench/net.sh [B]     B: the build directory (default build)
#
# Every run is `loadgen --run 'isorun ...'` over QEMU's stream netdev (isorun --net-socket), UDP echo (examples/
# udp-echo) in a closed loop of CONC datagrams in flight, SIZE-byte payloads. loadgen stops each run with SIGTERM
# once its load is done.
#   1. switch_vs_bare: kernel netbounce=1, one udp-echo VM; loadgen --alternate ALT: bare phases (frames to the NIC's
#      own MAC, sent straight back by the driver) and switched phases (to the VM, through the switch and the VM's
#      netstack) alternate in ONE run, PHASE_S s each, pairs in turn bare first and switched first; ratio = the
#      median over the pairs of switched / bare (adjacent phases: the host's speed drifts over seconds), and
#      ratio_of_medians = median switched / median bare, kept beside it. REPS runs. Then the
#      same at SW_IN_FLIGHT datagrams in flight ("1 8"; one run each per rep): switch_vs_bare.by_in_flight.
#   2. busy_among_idle: VM 0 busy, IDLE (9,999) udp-echo VMs idle, each started with an exit count of 2; loadgen
#      --dismiss: DISMISS_REPEAT crowd phases, then the idle VMs get their second datagram and exit, then as many
#      alone phases with the same load, in ONE run. Beside it a fresh run of VM 0 alone (DISMISS_REPEAT phases
#      of --alternate-free load: one phase of DISMISS_REPEAT x PHASE_S s), the two in alternating order.
#      ratio = median over IDLE_REPS pairs of crowd median / fresh-alone throughput (the throughput the VM has
#      alone, in a kernel that never had the others); in_run_ratio = crowd / alone after the dismissal.
#   3. delivery: batched (default) vs immediate (kernel net_immediate=1) at 1, 100, 1,000, 10,000 VMs, load spread
#      uniformly over the VMs, PHASE_S s per run; the two modes alternate, REPS runs each: medians of throughput,
#      p50, p99.
# Environment: REPS (default 3), QUICK=1 (REPS=1, shorter phases), CONC (32), SIZE (64), PHASE_S, ALT, IDLE,
# DISMISS_REPEAT, IDLE_REPS (REPS + 2), DELIVERY_VMS ("1 100 1000 10000"), SW_IN_FLIGHT ("1 8"; empty: none).
# Plain POSIX sh + awk.
set -u

B=${1:-build}
ISORUN=$B/bin/isorun
LOADGEN=$B/bin/loadgen
ECHO=$B/examples/udp-echo.elf
OUT_DIR=$B/results
OUT=$OUT_DIR/net.json

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=1 PHASE_S=${PHASE_S:-1} ALT=${ALT:-3} DISMISS_REPEAT=${DISMISS_REPEAT:-1}
else
	REPS=${REPS:-3} PHASE_S=${PHASE_S:-3} ALT=${ALT:-5} DISMISS_REPEAT=${DISMISS_REPEAT:-3}
fi
CONC=${CONC:-32}
SIZE=${SIZE:-64}
IDLE=${IDLE:-9999}
IDLE_REPS=${IDLE_REPS:-$((REPS + 2))}   # busy among idle swings most (a shared host): more pairs
DELIVERY_VMS=${DELIVERY_VMS:-1 100 1000 10000}
SW_IN_FLIGHT=${SW_IN_FLIGHT-1 8}         # switched vs bare again at these datagrams in flight (one run each per rep)
SWITCH_TARGET=0.80
IDLE_TARGET=0.95

for f in "$ISORUN" "$LOADGEN" "$ECHO"; do
	[ -f "$f" ] || { echo "bench-net: $f is missing (run: make bench-net)" >&2; exit 1; }
done
case $REPS in ''|*[!0-9]*|0) echo "bench-net: REPS must be a positive number" >&2; exit 1 ;; esac
case $IDLE_REPS in ''|*[!0-9]*|0) echo "bench-net: IDLE_REPS must be a positive number" >&2; exit 1 ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/benchnet.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT_DIR" || exit 1

ndel=0
for n in $DELIVERY_VMS; do ndel=$((ndel + 1)); done
STEP=0
nsw=0
for c in $SW_IN_FLIGHT; do nsw=$((nsw + 1)); done
STEPS=$((REPS * (1 + 2 * ndel + nsw) + 2 * IDLE_REPS))
say() { printf 'bench-net: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
step() { STEP=$((STEP + 1)); printf 'bench-net: [%d/%d] %s\n' "$STEP" "$STEPS" "$*" >&2; }
. "$(dirname "$0")/lib.sh"       # median, calc, jget, jstrf, jnum

# JSON list of the lines of file $1.
jlist() { paste -sd, "$1" | sed 's/^/[/; s/$/]/'; }

# phase_cpu JSON PHASE OUT: appends "main vcpu loadgen" (CPU microseconds per echo: QEMU's main thread, its vCPU,
# loadgen) of every phase named PHASE in loadgen's JSON to OUT.
phase_cpu() {
	grep "\"name\": \"$2\"" "$1" |
		sed -n 's/.*"qemu_main": \([0-9.]*\), "qemu_vcpu": \([0-9.]*\), "loadgen": \([0-9.]*\).*/\1 \2 \3/p' >>"$3"
}
# cpu_obj FILE: {"qemu_main": m, "qemu_vcpu": v, "loadgen": l}, medians of the columns phase_cpu wrote.
cpu_obj() {
	for c in 1 2 3; do awk -v c=$c '{ print $c }' "$1" >"$1.$c"; done
	printf '{"qemu_main": %s, "qemu_vcpu": %s, "loadgen": %s}' "$(jnum "$(median "$1.1")")" "$(jnum "$(median "$1.2")")" \
		"$(jnum "$(median "$1.3")")"
}

# lg NAME 'ISORUN ARGS' LOADGEN ARGS...: one run; loadgen's JSON in $T/NAME.lg.json, isorun's in $T/NAME.json.
lg() {
	ln=$1 iargs=$2
	shift 2
	rm -f "$T/$ln.sock" "$T/$ln.json" "$T/$ln.lg.json"
	"$LOADGEN" --quiet --run "$ISORUN --quiet --json $T/$ln.json --serial-log $T/$ln.serial --net-socket $T/$ln.sock $iargs >$T/$ln.out 2>&1" \
		--socket "$T/$ln.sock" --json "$T/$ln.lg.json" --isorun-json "$T/$ln.json" --kernel-log "$T/$ln.serial" \
		--udp-echo --size "$SIZE" --concurrency "$CONC" "$@" >"$T/$ln.lg" 2>&1
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$T/$ln.lg.json" ]; then
		sed 's/^/  | /' "$T/$ln.lg" >&2
		grep -v '^isorun: vm ' "$T/$ln.out" | tail -n 15 | sed 's/^/  | /' >&2
		fail "$ln: loadgen exited $rc"
	fi
	ACCEL=$(jstrf accel "$T/$ln.json")
}

# ---- 1. switched vs bare ---------------------------------------------------------------------------------
r=1
while [ $r -le "$REPS" ]; do
	step "switched vs bare, run $r/$REPS: 1 udp-echo VM, netbounce=1, $ALT x (bare $PHASE_S s, switched $PHASE_S s)"
	lg sw "--append netbounce=1 $ECHO:1:7" --vms 1 --alternate "$ALT" --duration "$PHASE_S" --wait 30
	jget numerator_median "$T/sw.lg.json" >>"$T/sw.switched"
	jget denominator_median "$T/sw.lg.json" >>"$T/sw.bare"
	jget value "$T/sw.lg.json" >>"$T/sw.ratio"
	jget ratio_of_medians "$T/sw.lg.json" >>"$T/sw.rom"
	phase_cpu "$T/sw.lg.json" bare "$T/sw.cpu.bare"
	phase_cpu "$T/sw.lg.json" switched "$T/sw.cpu.switched"
	hc=$(jget hypercalls "$T/sw.json")
	# the kernel counts every hypercall; frames the switch took from the VM = the switched echoes
	fv=$(sed -n 's/^@switch .*from_vm=\([0-9]*\).*/\1/p' "$T/sw.serial" | tail -n 1)
	calc '%.3f\n' 'f > 0 ? h / f : 0' -v h="${hc:-0}" -v f="${fv:-0}" >>"$T/sw.hpe"
	say "  bare $(tail -n 1 "$T/sw.bare")/s, switched $(tail -n 1 "$T/sw.switched")/s: ratio $(tail -n 1 "$T/sw.ratio") (of medians $(tail -n 1 "$T/sw.rom")); $(tail -n 1 "$T/sw.hpe") hypercalls per switched echo ($ACCEL)"
	r=$((r + 1))
done
sw_accel=$ACCEL

# ---- 1b. the same at other loads: with few datagrams in flight the ratio is one of round trips, with many
# the VM's own CPU per echo sets it --------------------------------------------------------------------------
r=1
while [ $r -le "$REPS" ]; do
	for c in $SW_IN_FLIGHT; do
		step "switched vs bare at $c in flight, run $r/$REPS: $ALT x (bare $PHASE_S s, switched $PHASE_S s)"
		lg swc "--append netbounce=1 $ECHO:1:7" --vms 1 --alternate "$ALT" --duration "$PHASE_S" --wait 30 \
			--concurrency "$c"
		jget numerator_median "$T/swc.lg.json" >>"$T/swc.$c.switched"
		jget denominator_median "$T/swc.lg.json" >>"$T/swc.$c.bare"
		jget value "$T/swc.lg.json" >>"$T/swc.$c.ratio"
		say "  $c in flight: bare $(tail -n 1 "$T/swc.$c.bare")/s, switched $(tail -n 1 "$T/swc.$c.switched")/s: ratio $(tail -n 1 "$T/swc.$c.ratio")"
	done
	r=$((r + 1))
done

# by_in_flight: the rows of 1b, then the main figure (CONC in flight)
in_flight_json() {
	for c in $SW_IN_FLIGHT; do
		printf '{"in_flight": %s, "bare": %s, "switched": %s, "ratio": %s}, ' "$c" "$(jnum "$(median "$T/swc.$c.bare")")" \
			"$(jnum "$(median "$T/swc.$c.switched")")" "$(jnum "$(median "$T/swc.$c.ratio")")"
	done
	printf '{"in_flight": %s, "bare": %s, "switched": %s, "ratio": %s}' "$CONC" "$(jnum "$sw_bare")" "$(jnum "$sw_sw")" \
		"$(jnum "$sw_ratio")"
}

# ---- 2. one busy VM among idle VMs vs alone ---------------------------------------------------------------
# idle_crowd: the --dismiss run (crowd phases, the dismissal, alone phases); idle_fresh: VM 0 alone in a run of its
# own, the same load for as long. Odd pairs run the crowd first, even pairs the fresh run first (drift cancels).
idle_crowd() {
	step "busy among idle, pair $r/$IDLE_REPS: VM 0 busy + $IDLE idle; $DISMISS_REPEAT x crowd, dismissal, $DISMISS_REPEAT x alone, $PHASE_S s each"
	lg idle "$ECHO:1:7 '$ECHO:$IDLE:7 2'" --vms 1 --dismiss "$IDLE" --repeat "$DISMISS_REPEAT" \
		--duration "$PHASE_S" --wait 240
	gone=$(jget vms_exited_ok "$T/idle.json")
	[ "${gone:-0}" = "$IDLE" ] || fail "busy among idle: $gone of $IDLE idle VMs exited after their dismissal"
	jget numerator_median "$T/idle.lg.json" >"$T/idle.crowd.last"
	cat "$T/idle.crowd.last" >>"$T/idle.crowd"
	jget denominator_median "$T/idle.lg.json" >>"$T/idle.alone"
	jget value "$T/idle.lg.json" >>"$T/idle.inrun"
	phase_cpu "$T/idle.lg.json" crowd "$T/idle.cpu.crowd"
	phase_cpu "$T/idle.lg.json" alone "$T/idle.cpu.alone"
	say "  crowd $(tail -n 1 "$T/idle.crowd")/s, alone after the dismissal $(tail -n 1 "$T/idle.alone")/s ($ACCEL)"
}
idle_fresh() {
	step "busy among idle, pair $r/$IDLE_REPS: VM 0 alone in a fresh run, $((DISMISS_REPEAT * PHASE_S)) s"
	lg fresh "$ECHO:1:7" --vms 1 --duration "$((DISMISS_REPEAT * PHASE_S))" --wait 30
	jget throughput "$T/fresh.lg.json" >"$T/idle.fresh.last"
	cat "$T/idle.fresh.last" >>"$T/idle.fresh"
	phase_cpu "$T/fresh.lg.json" main "$T/idle.cpu.fresh"
	say "  alone in a fresh run $(tail -n 1 "$T/idle.fresh")/s ($ACCEL)"
}
r=1
while [ $r -le "$IDLE_REPS" ]; do
	if [ $((r % 2)) = 1 ]; then idle_crowd; idle_fresh; else idle_fresh; idle_crowd; fi
	calc '%.4f\n' 'f > 0 ? c / f : 0' -v c="$(cat "$T/idle.crowd.last")" -v f="$(cat "$T/idle.fresh.last")" >>"$T/idle.ratio"
	say "  pair $r: crowd / fresh alone = $(tail -n 1 "$T/idle.ratio")"
	r=$((r + 1))
done
idle_accel=$ACCEL

# ---- 3. batched vs immediate delivery ---------------------------------------------------------------------
for n in $DELIVERY_VMS; do
	r=1
	while [ $r -le "$REPS" ]; do
		for mode in batched immediate; do
			app=""
			[ $mode = immediate ] && app="--append net_immediate=1"
			step "delivery $mode, $n VMs, run $r/$REPS: $PHASE_S s, uniform over the VMs"
			lg del "$app $ECHO:$n:7" --vms "$n" --duration "$PHASE_S" --wait 240
			for k in throughput p50 p99; do jget $k "$T/del.lg.json" >>"$T/del.$mode.$n.$k"; done
			phase_cpu "$T/del.lg.json" main "$T/del.$mode.$n.cpu"
			say "  $(tail -n 1 "$T/del.$mode.$n.throughput")/s, p50 $(tail -n 1 "$T/del.$mode.$n.p50") us, p99 $(tail -n 1 "$T/del.$mode.$n.p99") us ($ACCEL)"
		done
		r=$((r + 1))
	done
done
del_accel=$ACCEL

# ---- medians and the report --------------------------------------------------------------------------------
sw_bare=$(median "$T/sw.bare") sw_sw=$(median "$T/sw.switched") sw_ratio=$(median "$T/sw.ratio") sw_hpe=$(median "$T/sw.hpe")
idle_crowd=$(median "$T/idle.crowd") idle_alone=$(median "$T/idle.alone") idle_ratio=$(median "$T/idle.ratio")
idle_fresh=$(median "$T/idle.fresh") idle_inrun=$(median "$T/idle.inrun")
sw_met=$(calc '%d' 'r >= t' -v r="$sw_ratio" -v t=$SWITCH_TARGET)
idle_met=$(calc '%d' 'r >= t' -v r="$idle_ratio" -v t=$IDLE_TARGET)
jb() { [ "$1" = 1 ] && printf true || printf false; }

del_json() {
	first=1
	for n in $DELIVERY_VMS; do
		for mode in batched immediate; do
			[ $first = 1 ] || printf ',\n'
			first=0
			printf '    {"vms": %s, "mode": "%s", "throughput": %s, "p50_us": %s, "p99_us": %s, "runs_throughput": %s, "cpu_us_per_echo": %s}' \
				"$n" $mode "$(jnum "$(median "$T/del.$mode.$n.throughput")")" "$(jnum "$(median "$T/del.$mode.$n.p50")")" \
				"$(jnum "$(median "$T/del.$mode.$n.p99")")" "$(jlist "$T/del.$mode.$n.throughput")" "$(cpu_obj "$T/del.$mode.$n.cpu")"
		done
	done
	printf '\n'
}

{
	printf '{\n'
	printf '  "date": "%s", "accel": "%s", "runs": %s, "quick": %s, "cores": %s,\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		"$sw_accel" "$REPS" "$(jb "$QUICK")" "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo null)"
	printf '  "method": "loadgen --run isorun over the stream netdev; UDP echo, closed loop, %s datagrams in flight, %s-byte payloads; every figure a median over runs (and over phases inside a run where said); throughput = echoes per second; cpu_us_per_echo = CPU microseconds per echo of QEMU'"'"'s main thread (I/O loop: socket, virtio queues), its other threads (the vCPU) and loadgen, from /proc, medians over phases",\n' "$CONC" "$SIZE"
	printf '  "switch_vs_bare": {"accel": "%s", "vms": 1, "alternations": %s, "phase_seconds": %s, "bare": %s, "switched": %s, "ratio": %s, "target": %s, "met": %s,\n' \
		"$sw_accel" "$ALT" "$PHASE_S" "$(jnum "$sw_bare")" "$(jnum "$sw_sw")" "$(jnum "$sw_ratio")" $SWITCH_TARGET "$(jb "$sw_met")"
	printf '    "hypercalls_per_switched_echo": %s, "runs_ratio": %s, "runs_ratio_of_medians": %s,\n' "$(jnum "$sw_hpe")" \
		"$(jlist "$T/sw.ratio")" "$(jlist "$T/sw.rom")"
	printf '    "by_in_flight": [%s],\n' "$(in_flight_json)"
	printf '    "cpu_us_per_echo": {"bare": %s, "switched": %s},\n' "$(cpu_obj "$T/sw.cpu.bare")" "$(cpu_obj "$T/sw.cpu.switched")"
	printf '    "note": "one run per figure: kernel netbounce=1 bounces frames addressed to the NIC'"'"'s own MAC (bare) and switches the rest; bare and switched phases alternate in pairs, bare first and switched first in turn; ratio = the median over a run'"'"'s pairs of switched / bare, then the median over runs; runs_ratio_of_medians = each run'"'"'s median switched / median bare"},\n'
	printf '  "busy_among_idle": {"accel": "%s", "idle_vms": %s, "pairs": %s, "phases_each": %s, "phase_seconds": %s, "crowd": %s, "alone": %s, "ratio": %s, "target": %s, "met": %s, "runs_ratio": %s,\n' \
		"$idle_accel" "$IDLE" "$IDLE_REPS" "$DISMISS_REPEAT" "$PHASE_S" "$(jnum "$idle_crowd")" "$(jnum "$idle_fresh")" "$(jnum "$idle_ratio")" $IDLE_TARGET \
		"$(jb "$idle_met")" "$(jlist "$T/idle.ratio")"
	printf '    "alone_after_dismissal": %s, "in_run_ratio": %s, "runs_in_run_ratio": %s, "runs_crowd": %s, "runs_alone": %s,\n' \
		"$(jnum "$idle_alone")" "$(jnum "$idle_inrun")" "$(jlist "$T/idle.inrun")" "$(jlist "$T/idle.crowd")" "$(jlist "$T/idle.fresh")"
	printf '    "cpu_us_per_echo": {"crowd": %s, "alone": %s, "alone_after_dismissal": %s},\n' "$(cpu_obj "$T/idle.cpu.crowd")" \
		"$(cpu_obj "$T/idle.cpu.fresh")" "$(cpu_obj "$T/idle.cpu.alone")"
	printf '    "note": "pairs of runs in alternating order: VM 0 under load while the idle udp-echo VMs wait for frames (crowd, median of the phases), and VM 0 alone in a run of its own (alone); ratio = median over pairs of crowd / alone. In the crowd run the idle VMs then get their second datagram and exit and the load runs again: alone_after_dismissal, in_run_ratio = crowd / that"},\n'
	printf '  "delivery": {"accel": "%s", "phase_seconds": %s, "note": "batched: a VM with new frames joins the back of the run queue; immediate (net_immediate=1): the front. Load spread uniformly over the VMs; separate runs, modes alternating", "results": [\n' \
		"$del_accel" "$PHASE_S"
	del_json
	printf '  ]}\n}\n'
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"

# ---- the table --------------------------------------------------------------------------------------------------
yn() { [ "$1" = 1 ] && printf 'met' || printf 'NOT met'; }
printf '\nnetwork benchmarks (%s), UDP echo, %s in flight, median of %s run(s)\n' "$sw_accel" "$CONC" "$REPS"
printf '  switched vs bare (1 VM):  bare %s/s, switched %s/s, ratio %s (target >= %s: %s); %s hypercalls per echo\n' \
	"$sw_bare" "$sw_sw" "$sw_ratio" $SWITCH_TARGET "$(yn "$sw_met")" "$sw_hpe"
printf '  CPU us per echo (QEMU main / vCPU / loadgen): bare %s, switched %s\n' \
	"$(median "$T/sw.cpu.bare.1") / $(median "$T/sw.cpu.bare.2") / $(median "$T/sw.cpu.bare.3")" \
	"$(median "$T/sw.cpu.switched.1") / $(median "$T/sw.cpu.switched.2") / $(median "$T/sw.cpu.switched.3")"
printf '  1 busy among %s idle:  crowd %s/s, alone %s/s, ratio %s (target >= %s: %s); alone after the dismissal %s/s\n' \
	"$IDLE" "$idle_crowd" "$idle_fresh" "$idle_ratio" $IDLE_TARGET "$(yn "$idle_met")" "$idle_alone"
printf '  %-8s %-10s %12s %10s %10s %14s\n' "VMs" "delivery" "echoes/s" "p50 us" "p99 us" "vCPU us/echo"
for n in $DELIVERY_VMS; do
	for mode in batched immediate; do
		printf '  %-8s %-10s %12s %10s %10s %14s\n' "$n" $mode "$(median "$T/del.$mode.$n.throughput")" \
			"$(median "$T/del.$mode.$n.p50")" "$(median "$T/del.$mode.$n.p99")" "$(median "$T/del.$mode.$n.cpu.2")"
	done
done
printf 'wrote %s\n' "$OUT"
