#!/bin/sh
# fork.sh - `make bench-fork`: what a fork costs (pvisa/PVISA.md "fork"), under QEMU's TCG (no KVM: TCG's figures).
#   (a) us per fork: bench/forkvm.c (HEAP_KIB of touched heap) forks FORKS children; the kernel times each fork from
#       its checks to the queued child (@summary fork_cycles, TSC) - plain TCG (guest TSC time, host-speed dependent)
#       and -icount shift=0 (one TSC tick per guest instruction: instructions per fork, stable); the guest's own
#       clock around fork() too (the hypercall's round trip included).
#   (b) sharing, for udp-echo and for http: a serving kernel boots one VM of it, loadgen has it answer a request, `kctl fork 0 -n 100`, loadgen
#       sends one request to each of the 101 (each answers from its own address); the kernel's free frames before and
#       after say what the 100 children cost. The same again with 100 fresh instances (`kctl create`) instead of
#       children: the difference per child is the pages a child shares with its parent (mapped, not owned). kctl list
#       gives each VM's mapped pages (priv_kib: its own and the shared copy-on-write ones), the frames are also taken
#       right after the fork/create, before the requests; the image's text and rodata are shared by every instance
#       either way (not in priv_kib).
#   (c) Linux: bench/forkbase.c, a static process with the same heap, fork() of 100 children that each write a page
#       (its "request"); us per fork and each child's Rss / Private / Shared from /proc/PID/smaps_rollup.
# Writes B/bench/fork.json (FORK_OUT overrides) and prints a table. REPS (default 3) runs of (a) and (c), medians.
# Figures only: nothing about time is asserted (a run that fails to fork or to answer ends the script with 1).
#
#   sh bench/fork.sh [B]
set -u

B=${1:-build}
ISORUN=$B/bin/isorun KCTL=$B/bin/kctl LOADGEN=$B/bin/loadgen
VM=$B/bench/forkvm.elf BASE=$B/bench/forkbase ECHO=$B/examples/udp-echo.elf HTTP=$B/examples/http.elf
OUT=${FORK_OUT:-$B/bench/fork.json}
REPS=${REPS:-3} FORKS=${FORKS:-100} HEAP_KIB=${HEAP_KIB:-64} CHILDREN=100
for f in "$ISORUN" "$KCTL" "$LOADGEN" "$VM" "$BASE" "$ECHO" "$HTTP" "$B/isokernel.bin"; do
	[ -f "$f" ] || { echo "bench-fork: $f is missing (run: make bench-fork)" >&2; exit 1; }
done
. "$(dirname "$0")/lib.sh"       # median, calc, jget, jnum
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-fork.XXXXXX") || exit 1
IPID=
cleanup() {
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null && sleep 2 && kill -9 "$IPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$(dirname "$OUT")" || exit 1
die() { echo "bench-fork: $*" >&2; exit 1; }
# kv KEY FILE: KEY=value from the first line of FILE that has it.
kv() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1; }

# (a) one boot of forkvm: MODE plain or icount.
timing() {
	mode=$1 rep=$2 o=$T/t-$1-$2
	if [ "$mode" = icount ]; then set -- --qemu-arg -icount --qemu-arg shift=0; else set --; fi
	"$ISORUN" --accel tcg --timeout 300 "$@" --serial-log "$o.serial" "$VM:1:$FORKS $HEAP_KIB" >"$o.out" 2>&1 ||
		die "forkvm ($mode) failed: $(tail -n 3 "$o.out")"
	grep -a '^@summary' "$o.serial" >"$o.sum"
	grep -a '^@boot' "$o.serial" >"$o.boot"
	grep 'forkvm: forks=' "$o.out" | sed 's/^\[vm [0-9]*\] //' >"$o.vm"
	[ "$(kv forks "$o.vm")" = "$FORKS" ] || die "forkvm ($mode) made $(kv forks "$o.vm") of $FORKS children"
	cyc=$(kv fork_cycles_median "$o.sum") hz=$(kv tsc_hz "$o.boot")
	echo "$cyc" >>"$T/$mode.cyc"
	calc '%.2f\n' 'c / hz * 1e6' -v c="$cyc" -v hz="$hz" >>"$T/$mode.us"
	calc '%.2f\n' 'g / 1000' -v g="$(kv guest_ns_median "$o.vm")" >>"$T/$mode.gus"
	kv priv_kib "$o.vm" >"$T/parent_kib"
	printf 'bench-fork: %s run %d/%d: %s TSC per fork (kernel), guest %s ns\n' "$mode" "$rep" "$REPS" "$cyc" \
		"$(kv guest_ns_median "$o.vm")" >&2
}

# kstat NAME: a field of kctl stats.
kstat() { "$KCTL" stats | sed -n "s/^$1 //p"; }
# lg VMS: loadgen sends one request to each of VMS VMs of the service $SVC (readiness probes: each answers once).
lg() {
	"$LOADGEN" --socket "$T/net.sock" --$LGMODE --vms "$1" --sweep --requests "$1" --wait 120 \
		--json "$T/lg.json" >"$T/lg.out" 2>&1 || die "loadgen: $(tail -n 2 "$T/lg.out")"
	[ "$(jget vms_answered "$T/lg.json")" = "$1" ] || die "only $(jget vms_answered "$T/lg.json") of $1 VMs answered"
}
# children_kib: the median priv_kib of VMs 1.. (kctl list: id image state hypercalls cpu_ms priv_kib ...).
children_kib() { "$KCTL" list | awk 'NR > 1 && $1 != 0 { print $6 }' >"$T/ck"; median "$T/ck"; }

# (b) MODE fork or create, SVC echo or http: frames the 100 extra VMs hold after each answered a request; figures
# in the variables MODE_SVC_*.
family() {
	mode=$1 svc=$2
	if [ "$svc" = http ]; then IMG=$HTTP PORT=80 LGMODE=http; else IMG=$ECHO PORT=7 LGMODE=udp-echo; fi
	name=$(basename "$IMG")
	export KCTL_SOCKET=$T/ctl.sock
	"$ISORUN" --serve "$KCTL_SOCKET" --net-socket "$T/net.sock" --mem 1024 --timeout 600 --quiet \
		"$IMG:1:$PORT" >"$T/serve-$mode.out" 2>&1 &
	IPID=$!
	for _ in $(seq 240); do "$KCTL" hello >/dev/null 2>&1 && break; sleep 0.5; done
	lg 1
	f0=$(kstat free_frames)
	if [ "$mode" = fork ]; then
		"$KCTL" fork 0 -n "$CHILDREN" >"$T/k.out" 2>&1 || die "kctl fork: $(cat "$T/k.out")"
	else
		"$KCTL" create "$name" "$CHILDREN" --args $PORT >"$T/k.out" 2>&1 || die "kctl create: $(cat "$T/k.out")"
	fi
	fm=$(kstat free_frames)
	lg $((CHILDREN + 1))
	f1=$(kstat free_frames)
	eval "${mode}_${svc}_frames_before=\$(calc '%.2f' '(a - b) / n' -v a=$f0 -v b=$fm -v n=$CHILDREN)"
	ik=$("$KCTL" images | sed -n "s/.* $name .*shared_bytes=\\([0-9]*\\).*/\\1/p" | head -n 1)
	eval "${svc}_image_kib=$((ik / 1024))"
	eval "${mode}_${svc}_frames=\$(calc '%.2f' '(a - b) / n' -v a=$f0 -v b=$f1 -v n=$CHILDREN)"
	eval "${mode}_${svc}_mapped_kib=\$(children_kib)"
	eval "${svc}_parent_kib=\$($KCTL list | awk '\$1 == 0 { print \$6 }')"
	"$KCTL" stop >/dev/null 2>&1
	wait "$IPID"
	IPID=
	printf 'bench-fork: %s %s: %s frames per VM beyond the first\n' "$svc" "$mode" "$(eval echo \$${mode}_${svc}_frames)" >&2
}

# The "sharing" object of one service.
sharing_json() {
	svc=$1
	cat <<J
    "$svc": {
      "image_shared_kib": $(jnum "$(eval echo \$${svc}_image_kib)"),
      "parent_mapped_kib": $(jnum "$(eval echo \$${svc}_parent_kib)"),
      "forked_child_mapped_kib": $(jnum "$(eval echo \$fork_${svc}_mapped_kib)"),
      "forked_child_frames_before_request": $(jnum "$(eval echo \$fork_${svc}_frames_before)"),
      "forked_child_frames": $(jnum "$(eval echo \$fork_${svc}_frames)"),
      "created_vm_mapped_kib": $(jnum "$(eval echo \$create_${svc}_mapped_kib)"),
      "created_vm_frames_before_request": $(jnum "$(eval echo \$create_${svc}_frames_before)"),
      "created_vm_frames": $(jnum "$(eval echo \$create_${svc}_frames)"),
      "pages_shared_per_child": $(jnum "$(calc '%.2f' 'c - f' -v c="$(eval echo \$create_${svc}_frames)" -v f="$(eval echo \$fork_${svc}_frames)")")
    }
J
}

for r in $(seq 1 "$REPS"); do
	timing plain "$r"
	timing icount "$r"
	"$BASE" "$FORKS" "$HEAP_KIB" >"$T/linux-$r.json" || die "forkbase failed"
	jget us_per_fork "$T/linux-$r.json" >>"$T/linux.us"
	jget child_private_kib "$T/linux-$r.json" >>"$T/linux.priv"
	jget child_shared_kib "$T/linux-$r.json" >>"$T/linux.shared"
	jget child_rss_kib "$T/linux-$r.json" >>"$T/linux.rss"
done
for svc in echo http; do
	family fork $svc
	family create $svc
done
load=$(cut -d ' ' -f 1-3 /proc/loadavg)
host=$(uname -m) cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cat >"$OUT" <<JSON
{
  "bench": "fork",
  "accel": "tcg",
  "note": "QEMU TCG (no KVM). plain: guest TSC time, host-speed dependent; icount: -icount shift=0, TSC ticks are guest instructions (stable). Sharing: kctl fork of a serving udp-echo VM vs kctl create of fresh instances, each VM answering one loadgen request; frames from the kernel's free count (page tables, VM structures, ports included alike in both)",
  "reps": $REPS,
  "forks_per_run": $FORKS,
  "heap_kib": $HEAP_KIB,
  "parent_mapped_kib": $(jnum "$(cat "$T/parent_kib")"),
  "tcg": {
    "us_per_fork_kernel": $(jnum "$(median "$T/plain.us")"),
    "tsc_per_fork_kernel": $(jnum "$(median "$T/plain.cyc")"),
    "us_per_fork_guest": $(jnum "$(median "$T/plain.gus")")
  },
  "icount": {
    "qemu_args": "-icount shift=0",
    "instructions_per_fork_kernel": $(jnum "$(median "$T/icount.cyc")"),
    "us_per_fork_guest_at_1_insn_per_ns": $(jnum "$(median "$T/icount.gus")")
  },
  "sharing": {
    "children": $CHILDREN,
    "what": "echo: examples/udp-echo.c, http: examples/http.c; frames per VM beyond the first (kernel free-frame count), mapped KiB from kctl list (priv_kib, own and shared copy-on-write pages)",
$(sharing_json echo),
$(sharing_json http)
  },
  "linux": {
    "what": "bench/forkbase.c: static process, same heap, fork() of $FORKS children each writing a page; /proc/PID/smaps_rollup",
    "us_per_fork": $(jnum "$(median "$T/linux.us")"),
    "child_rss_kib": $(jnum "$(median "$T/linux.rss")"),
    "child_private_kib": $(jnum "$(median "$T/linux.priv")"),
    "child_shared_kib": $(jnum "$(median "$T/linux.shared")")
  },
  "host_load": "$load",
  "host": "$(printf '%s' "$host $cpu" | tr -d '"\\')"
}
JSON
printf '\nfork (medians of %d runs; TCG; host load %s)\n' "$REPS" "$load"
printf '  %-62s %s\n' "us per fork, kernel-timed (TCG)" "$(median "$T/plain.us")" \
	"instructions per fork, kernel (icount)" "$(median "$T/icount.cyc")" \
	"us per fork() seen by the guest (TCG)" "$(median "$T/plain.gus")" \
	"Linux: us per fork() (host)" "$(median "$T/linux.us")" \
	"udp-echo child: KiB mapped / frames owned" "$fork_echo_mapped_kib / $fork_echo_frames" \
	"fresh udp-echo VM: KiB mapped / frames owned" "$create_echo_mapped_kib / $create_echo_frames" \
	"http child: KiB mapped / frames owned" "$fork_http_mapped_kib / $fork_http_frames" \
	"fresh http VM: KiB mapped / frames owned" "$create_http_mapped_kib / $create_http_frames" \
	"frames per http child before its request: forked / fresh" "$fork_http_frames_before / $create_http_frames_before" \
	"pages a child shares with its parent after a request: echo / http" \
	"$(calc '%.2f' 'c - f' -v c="$create_echo_frames" -v f="$fork_echo_frames") / $(calc '%.2f' 'c - f' -v c="$create_http_frames" -v f="$fork_http_frames")" \
	"image text/rodata shared by every instance (KiB): echo / http" "$echo_image_kib / $http_image_kib" \
	"Linux child: KiB Rss / private / shared" "$(median "$T/linux.rss") / $(median "$T/linux.priv") / $(median "$T/linux.shared")"
echo "  written: $OUT"
