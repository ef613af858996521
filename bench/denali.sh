#!/bin/sh
# denali.sh - Denali's experiments on this kernel: web throughput vs VM count, idle-with-timeout vs spinning waiters, idle_spin=1.
# Writes B/results/denali.json and prints a table. Figures only: it asserts nothing about time (a run that breaks -
# loadgen cannot connect, QEMU fails - ends it with status 1; VMs that do not answer are a figure, not a failure).
#
#   sh bench/denali.sh [B]     B: the build directory (default build)
#
#   a. web: WEB_VMS http VMs (examples/http, 64-byte body), loadgen --http --zipf 1.0, closed loop of CONC requests
#      over keep-alive connections, PHASE_S s: requests/s, p50/p99, VMs answering (readiness probes included).
#   b. batched vs immediate interrupts: measured by bench-net (net.json "delivery"); not rerun here.
#   c. waiting: one busy udp-echo VM under loadgen beside N waiting VMs, N in WAIT_NS, each kind in turn: idle.elf
#      (waits with the idle hypercall, deadline a day away) and bench/spinwait.elf (polls the clock until the same
#      deadline); plus the busy VM alone. Then the kernel's own idle loop: IS_VMS idle VMs with the default (hlt)
#      vs kernel word idle_spin=1 (spins): QEMU's CPU use while every VM is idle (utime+stime from /proc/PID/stat
#      over CPU_S s), and the busy echo VM's throughput beside them in each mode.
#   d. a NIC emulated at register level: not measured (the kernel has none to offer its guests); said in the JSON.
# Environment: REPS (default 3; QUICK=1: 1), QUICK=1 (web up to 1,000 VMs, 2-s phases), BENCH_SMOKE=1 (tiny
# counts, for the harness's test), CONC (32), PHASE_S, WEB_VMS, WAIT_NS, IS_VMS, CPU_S. Plain POSIX sh + awk.
set -u

B=${1:-build}
ISORUN=$B/bin/isorun
LOADGEN=$B/bin/loadgen
HTTP=$B/examples/http.elf
ECHO=$B/examples/udp-echo.elf
IDLE=$B/examples/idle.elf
SPINW=$B/bench/spinwait.elf
OUT_DIR=$B/results
OUT=$OUT_DIR/denali.json

QUICK=${QUICK:-0}
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	REPS=1 PHASE_S=${PHASE_S:-1} WEB_VMS=${WEB_VMS:-1 10} WAIT_NS=${WAIT_NS:-10} IS_VMS=${IS_VMS:-10} CPU_S=${CPU_S:-1}
elif [ "$QUICK" = 1 ]; then
	REPS=1 PHASE_S=${PHASE_S:-2} WEB_VMS=${WEB_VMS:-1 10 100 1000} WAIT_NS=${WAIT_NS:-10 100 1000}
	IS_VMS=${IS_VMS:-100} CPU_S=${CPU_S:-2}
else
	REPS=${REPS:-3} PHASE_S=${PHASE_S:-5} WEB_VMS=${WEB_VMS:-1 10 100 1000 10000} WAIT_NS=${WAIT_NS:-10 100 1000}
	IS_VMS=${IS_VMS:-1000} CPU_S=${CPU_S:-3}
fi
CONC=${CONC:-32}
BODY=64
DAY_MS=86400000
WEB_TARGET_VMS=10000

for f in "$ISORUN" "$LOADGEN" "$HTTP" "$ECHO" "$IDLE" "$SPINW"; do
	[ -f "$f" ] || { echo "denali: $f is missing (run: make bench)" >&2; exit 1; }
done
case $REPS in ''|*[!0-9]*|0) echo "denali: REPS must be a positive number" >&2; exit 1 ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/denali.XXXXXX") || exit 1
BGPID=""
cleanup() { [ -n "$BGPID" ] && kill -KILL "$BGPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT_DIR" || exit 1

count() { echo $# ; }
NWEB=$(count $WEB_VMS)
NWAIT=$(count $WAIT_NS)
STEP=0
STEPS=$((REPS * (NWEB + 1 + 2 * NWAIT + 4)))
say() { printf 'denali: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
step() { STEP=$((STEP + 1)); printf 'denali: [%d/%d] %s\n' "$STEP" "$STEPS" "$*" >&2; }
. "$(dirname "$0")/lib.sh"       # median, calc, jget, jstrf, jnum

jlist() { if [ -s "$1" ]; then paste -sd, "$1" | sed 's/^/[/; s/$/]/'; else printf '[]'; fi; }
ACCEL=""

# lg NAME WAIT_S 'ISORUN ARGS' LOADGEN ARGS...: one loadgen --run isorun; loadgen's JSON in $T/NAME.lg.json. A run
# whose loadgen wrote no report is a failure; loadgen's status 1 (not every VM answered, timeouts) is a figure.
lg() {
	ln=$1 wt=$2 iargs=$3
	shift 3
	rm -f "$T/$ln.sock" "$T/$ln.json" "$T/$ln.lg.json"
	"$LOADGEN" --quiet --run "$ISORUN --quiet --json $T/$ln.json --net-socket $T/$ln.sock $iargs >$T/$ln.out 2>&1" \
		--socket "$T/$ln.sock" --json "$T/$ln.lg.json" --isorun-json "$T/$ln.json" --wait "$wt" "$@" >"$T/$ln.lg" 2>&1
	rc=$?
	if [ $rc -ge 2 ] || [ ! -s "$T/$ln.lg.json" ]; then
		sed 's/^/  | /' "$T/$ln.lg" >&2
		grep -v '^isorun: vm ' "$T/$ln.out" | tail -n 15 | sed 's/^/  | /' >&2
		fail "$ln: loadgen exited $rc"
	fi
	a=$(jstrf accel "$T/$ln.json")
	[ -n "$a" ] && ACCEL=$a
	return 0
}

# record NAME PREFIX: appends throughput, p50, p99, timeouts, vms_answered of NAME's loadgen report to PREFIX.*.
record() {
	for k in throughput p50 p99 timeouts vms_answered errors; do jget $k "$T/$1.lg.json" >>"$2.$k"; done
	grep '"name": "main"' "$T/$1.lg.json" | sed -n 's/.*"qemu_vcpu": \([0-9.]*\).*/\1/p' | head -n 1 >>"$2.vcpu"
}

say "REPS=$REPS QUICK=$QUICK SMOKE=$SMOKE PHASE_S=$PHASE_S CONC=$CONC WEB_VMS='$WEB_VMS' WAIT_NS='$WAIT_NS' IS_VMS=$IS_VMS -> $OUT"

# ---- a. web throughput vs number of VMs -------------------------------------------------------------------------
for n in $WEB_VMS; do
	r=1
	while [ $r -le "$REPS" ]; do
		step "web: $n http VM(s), zipf 1.0, $CONC in flight, $PHASE_S s, run $r/$REPS"
		lg web $((60 + n / 20)) "'$HTTP:$n:80 $BODY'" --http --vms "$n" --zipf 1.0 --concurrency "$CONC" \
			--duration "$PHASE_S"
		record web "$T/web.$n"
		say "  $(tail -n 1 "$T/web.$n.throughput") req/s, p50 $(tail -n 1 "$T/web.$n.p50") us, p99 $(tail -n 1 "$T/web.$n.p99") us, $(tail -n 1 "$T/web.$n.vms_answered") of $n VMs answered ($ACCEL)"
		r=$((r + 1))
	done
done
web_accel=$ACCEL

# ---- c. idle-with-timeout vs spinning waiters --------------------------------------------------------------------
# The busy VM (id 0) first, then N waiters. A spinning waiter holds the CPU for a whole quantum (10 ms), so with
# N of them the echo VM waits about N quanta for a turn: timeouts are raised to 60 s and the readiness wait with N.
wait_run() {
	kind=$1 nw=$2 r=$3
	case $kind in
	alone) w="" ;;
	idle) w="$IDLE:$nw:$DAY_MS" ;;
	spin) w="$SPINW:$nw:$DAY_MS" ;;
	esac
	step "waiting: 1 busy udp-echo VM beside $nw $kind waiter(s), $PHASE_S s, run $r/$REPS"
	lg wait $((60 + nw / 10)) "$ECHO:1:7 $w" --udp-echo --vms 1 --concurrency "$CONC" --duration "$PHASE_S" \
		--timeout 60000
	record wait "$T/wait.$kind.$nw"
	say "  $(tail -n 1 "$T/wait.$kind.$nw.throughput") echoes/s, p50 $(tail -n 1 "$T/wait.$kind.$nw.p50") us, p99 $(tail -n 1 "$T/wait.$kind.$nw.p99") us, timeouts $(tail -n 1 "$T/wait.$kind.$nw.timeouts") ($ACCEL)"
}
r=1
while [ $r -le "$REPS" ]; do
	wait_run alone 0 $r
	for nw in $WAIT_NS; do
		wait_run idle "$nw" $r
		wait_run spin "$nw" $r
	done
	r=$((r + 1))
done

# qemu_cpu MODE R: IS_VMS idle VMs with the kernel's idle loop MODE (halt|spin); QEMU's CPU seconds per second over
# CPU_S s once the VMs are all waiting, appended to $T/is.MODE.cpu.
qemu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
qemu_cpu() {
	mode=$1 r=$2
	app=""
	[ "$mode" = spin ] && app="--append idle_spin=1"
	step "kernel idle loop ($mode): QEMU CPU use while $IS_VMS VMs idle, $CPU_S s, run $r/$REPS"
	"$ISORUN" -v --quiet $app "$IDLE:$IS_VMS:$DAY_MS" >"$T/is.out" 2>&1 &
	BGPID=$!
	qpid="" i=0
	# all VMs live: the kernel's @live record (isobench's signal too), or 120 s at most
	while [ $i -lt 1200 ]; do
		[ -z "$qpid" ] && qpid=$(ps -o pid= --ppid "$BGPID" 2>/dev/null | head -n 1 | tr -d ' ')
		grep -aq "^@live" "$T/is.out" 2>/dev/null && break
		kill -0 "$BGPID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$qpid" ] && kill -0 "$BGPID" 2>/dev/null || { tail -n 15 "$T/is.out" >&2; fail "idle loop $mode: isorun ended early"; }
	sleep 1
	hz=$(getconf CLK_TCK)
	t0=$(qemu_ticks "$qpid") s0=$(date +%s.%N)
	sleep "$CPU_S"
	t1=$(qemu_ticks "$qpid") s1=$(date +%s.%N)
	kill -TERM "$BGPID" 2>/dev/null
	wait "$BGPID"
	BGPID=""
	[ -n "$t0" ] && [ -n "$t1" ] || fail "idle loop $mode: no /proc/$qpid/stat"
	calc '%.4f\n' '(t1 - t0) / hz / (s1 - s0)' -v t0="$t0" -v t1="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" >>"$T/is.$mode.cpu"
	say "  QEMU used $(tail -n 1 "$T/is.$mode.cpu") CPU s per s"
}
is_load() {
	mode=$1 r=$2
	app=""
	[ "$mode" = spin ] && app="--append idle_spin=1"
	step "kernel idle loop ($mode): busy udp-echo VM beside $IS_VMS idle VMs, $PHASE_S s, run $r/$REPS"
	lg isl $((60 + IS_VMS / 10)) "$app $ECHO:1:7 $IDLE:$IS_VMS:$DAY_MS" --udp-echo --vms 1 --concurrency "$CONC" \
		--duration "$PHASE_S"
	record isl "$T/is.$mode"
	say "  $(tail -n 1 "$T/is.$mode.throughput") echoes/s, p50 $(tail -n 1 "$T/is.$mode.p50") us ($ACCEL)"
}
r=1
while [ $r -le "$REPS" ]; do
	for mode in halt spin; do qemu_cpu $mode $r; done
	for mode in halt spin; do is_load $mode $r; done
	r=$((r + 1))
done

# ---- the JSON -------------------------------------------------------------------------------------------------
m() { jnum "$(median "$1")"; }
web_json() {
	first=1
	for n in $WEB_VMS; do
		[ $first = 1 ] || printf ',\n'
		first=0
		p=$T/web.$n
		ans=$(median "$p.vms_answered")
		printf '    {"vms": %s, "throughput": %s, "p50_us": %s, "p99_us": %s, "vms_answered": %s, "answered_fraction": %s, "timeouts": %s, "errors": %s, "cpu_us_per_response_vcpu": %s, "runs_throughput": %s}' \
			"$n" "$(m "$p.throughput")" "$(m "$p.p50")" "$(m "$p.p99")" "$(jnum "$ans")" \
			"$(jnum "$(calc '%.4f' 'a / n' -v a="${ans:-0}" -v n="$n")")" "$(m "$p.timeouts")" "$(m "$p.errors")" \
			"$(m "$p.vcpu")" "$(jlist "$p.throughput")"
	done
	printf '\n'
}
alone=$(median "$T/wait.alone.0.throughput")
wait_obj() {
	p=$T/wait.$1.$2
	tp=$(median "$p.throughput")
	printf '{"waiters": %s, "kind": "%s", "throughput": %s, "p50_us": %s, "p99_us": %s, "timeouts": %s, "ratio_to_alone": %s, "runs_throughput": %s}' \
		"$2" "$1" "$(jnum "$tp")" "$(m "$p.p50")" "$(m "$p.p99")" "$(m "$p.timeouts")" \
		"$(jnum "$(calc '%.3g' 'a > 0 ? t / a : 0' -v t="$(jnum "$tp" | sed 's/null/0/')" -v a="$(jnum "$alone" | sed 's/null/0/')")")" \
		"$(jlist "$p.throughput")"
}
wait_json() {
	printf '    %s' "$(wait_obj alone 0)"
	for nw in $WAIT_NS; do
		for kind in idle spin; do printf ',\n    %s' "$(wait_obj $kind "$nw")"; done
	done
	printf '\n'
}
is_obj() {
	p=$T/is.$1
	printf '{"mode": "%s", "kernel_word": "%s", "qemu_cpu_s_per_s_all_idle": %s, "busy_throughput": %s, "busy_p50_us": %s, "busy_p99_us": %s, "runs_qemu_cpu": %s}' \
		"$1" "$([ "$1" = spin ] && echo idle_spin=1 || echo '(default)')" "$(m "$p.cpu")" "$(m "$p.throughput")" \
		"$(m "$p.p50")" "$(m "$p.p99")" "$(jlist "$p.cpu")"
}
web_max=0
for n in $WEB_VMS; do web_max=$n; done
web_full=$(median "$T/web.$web_max.vms_answered")
web_met=null
[ "$web_max" -ge $WEB_TARGET_VMS ] && web_met=$(calc '%s' 'a >= n ? "true" : "false"' -v a="${web_full:-0}" -v n="$web_max")

{
	printf '{\n'
	printf '  "date": "%s", "accel": "%s", "runs": %s, "quick": %s, "smoke": %s,\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$web_accel" \
		"$REPS" "$([ "$QUICK" = 1 ] && echo true || echo false)" "$([ "$SMOKE" = 1 ] && echo true || echo false)"
	printf '  "method": "every run is loadgen --run isorun over QEMU'"'"'s stream netdev; figures are medians over runs; throughput = responses per second in a closed loop of %s requests in flight; vms_answered counts readiness probes too",\n' "$CONC"
	printf '  "web": {"accel": "%s", "image": "http.elf (examples/http.c), port 80, %s-byte body", "load": "loadgen --http --zipf 1.0 --concurrency %s, keep-alive", "phase_seconds": %s,\n' \
		"$web_accel" $BODY "$CONC" "$PHASE_S"
	printf '    "target": {"vms": %s, "all_answering": %s, "measured_vms": %s, "vms_answered": %s},\n' $WEB_TARGET_VMS "$web_met" "$web_max" "$(jnum "$web_full")"
	printf '    "results": [\n'
	web_json
	printf '  ]},\n'
	printf '  "interrupts": {"source": "net.json delivery (make bench-net)", "note": "batched (a VM with new frames joins the back of the run queue) vs immediate (net_immediate=1: the front) is measured by bench/net.sh at 1/100/1,000/10,000 VMs; not rerun here"},\n'
	printf '  "waiting": {"accel": "%s", "busy": "udp-echo.elf, VM 0, loadgen --udp-echo --concurrency %s, 64-byte datagrams", "waiters": "idle.elf %s (idle hypercall with a deadline) vs spinwait.elf %s (polls the clock until the same deadline)", "quantum_us": 10000, "phase_seconds": %s, "timeout_ms": 60000, "alone_throughput": %s,\n' \
		"$ACCEL" "$CONC" $DAY_MS $DAY_MS "$PHASE_S" "$(jnum "$alone")"
	printf '    "results": [\n'
	wait_json
	printf '  ]},\n'
	printf '  "idle_spin": {"idle_vms": %s, "cpu_seconds": %s, "note": "kernel idle loop: hlt until the next deadline or interrupt (default) vs idle_spin=1 (spins); qemu_cpu_s_per_s_all_idle = QEMU utime+stime from /proc/PID/stat over cpu_seconds once the kernel reported every VM live (@live), all VMs waiting a day; busy_* = a udp-echo VM under load beside the same idle VMs",\n' \
		"$IS_VMS" "$CPU_S"
	printf '    "results": [\n    %s,\n    %s\n  ]},\n' "$(is_obj halt)" "$(is_obj spin)"
	printf '  "nic_emulation": {"measured": false, "note": "Denali compared its simplified virtual NIC with one emulated at register level; this kernel offers its guests only the simplified, hypercall-level NIC (pv_net_*) and has no register-level NIC emulation to compare with, so that experiment is not reproduced"}\n'
	printf '}\n'
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"

# ---- the table ----------------------------------------------------------------------------------------------------
printf '\nDenali experiments (%s), median of %s run(s)\n' "$web_accel" "$REPS"
printf '  web, zipf 1.0, %s in flight:\n  %8s %12s %10s %10s %12s\n' "$CONC" VMs "req/s" "p50 us" "p99 us" answering
for n in $WEB_VMS; do
	printf '  %8s %12s %10s %10s %12s\n' "$n" "$(median "$T/web.$n.throughput")" "$(median "$T/web.$n.p50")" \
		"$(median "$T/web.$n.p99")" "$(median "$T/web.$n.vms_answered")/$n"
done
printf '  busy echo VM beside waiters (alone: %s/s):\n  %8s %8s %12s %10s %10s\n' "$alone" waiters kind "echoes/s" "p99 us" timeouts
for nw in $WAIT_NS; do
	for kind in idle spin; do
		printf '  %8s %8s %12s %10s %10s\n' "$nw" $kind "$(median "$T/wait.$kind.$nw.throughput")" \
			"$(median "$T/wait.$kind.$nw.p99")" "$(median "$T/wait.$kind.$nw.timeouts")"
	done
done
printf '  kernel idle loop, %s idle VMs: QEMU CPU s/s halt %s, spin %s; busy echo beside them halt %s/s, spin %s/s\n' \
	"$IS_VMS" "$(median "$T/is.halt.cpu")" "$(median "$T/is.spin.cpu")" "$(median "$T/is.halt.throughput")" \
	"$(median "$T/is.spin.throughput")"
printf 'wrote %s\n' "$OUT"
