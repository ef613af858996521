# isoctl_lib.sh - sourced by the tests and benchmarks that drive isod with isoctl: start and stop isod, keys, tenants.
# Needs B (an absolute build directory) and WORK (a scratch directory) set; sets ISOD_SOCKET, ISOCTL_KEYS, NETSOCK.
ISOD=$B/bin/isod
ISOCTL=$B/bin/isoctl
AUTOSCALE=$B/bin/autoscale
LOADGEN=$B/bin/loadgen
export ISOD_SOCKET=$WORK/state/isod.sock
export ISOCTL_KEYS=$WORK/keys
NETSOCK=$WORK/net.sock
ISOD_PID=

# isod_missing: why the isod flow cannot run here (empty if it can).
isod_missing() {
	[ -x "$ISOD" ] || { echo "isod is not built ($ISOD; branch isod not merged yet?)"; return; }
	[ -x "$ISOCTL" ] || { echo "$ISOCTL is missing (make isoctl)"; return; }
	[ -f "$B/isokernel.bin" ] || { echo "no kernel ($B/isokernel.bin; make kernel)"; return; }
	[ -f "$B/examples/http.elf" ] || { echo "no $B/examples/http.elf (make examples)"; return; }
	"$B/bin/isorun" --help 2>&1 | grep -q -- --operator-key ||
		{ echo "isorun has no --operator-key: no tenant mode in this build (branch tenant not merged yet?)"; return; }
	"${QEMU:-qemu-system-x86_64}" -netdev help 2>/dev/null | grep -qx stream || echo "QEMU has no stream netdev"
}

# isod_start [isod options...]: keys for the operator, isod on $WORK/state with the net socket (--accel
# $ISOD_ACCEL, default tcg: KVM on a shared host comes and goes); waits until the kernel answers (isoctl tenant ls),
# up to 180 s.
isod_start() {
	mkdir -p "$ISOCTL_KEYS"
	[ -f "$ISOCTL_KEYS/operator.key" ] || "$ISOCTL" keygen operator >/dev/null || return 1
	echo "+ isod --state $WORK/state --operator-pub $ISOCTL_KEYS/operator.pub --net-socket $NETSOCK --accel ${ISOD_ACCEL:-tcg} $*"
	"$ISOD" --state "$WORK/state" --operator-pub "$ISOCTL_KEYS/operator.pub" --net-socket "$NETSOCK" \
		--accel "${ISOD_ACCEL:-tcg}" "$@" \
		>"$WORK/isod.log" 2>&1 &
	ISOD_PID=$!
	for _ in $(seq 1 360); do
		"$ISOCTL" tenant ls >/dev/null 2>&1 && return 0
		kill -0 "$ISOD_PID" 2>/dev/null || { tail -n 20 "$WORK/isod.log"; return 1; }
		sleep 0.5
	done
	tail -n 20 "$WORK/isod.log"
	return 1
}

# isod_stop: SIGTERM (isod ends the kernel gracefully), then SIGKILL after 60 s.
isod_stop() {
	[ -n "$ISOD_PID" ] || return 0
	kill -TERM "$ISOD_PID" 2>/dev/null
	for _ in $(seq 1 120); do
		kill -0 "$ISOD_PID" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$ISOD_PID" 2>/dev/null
	wait "$ISOD_PID" 2>/dev/null
	ISOD_PID=
}

# tenant_new NAME MAX_VMS MAX_MEM: a key pair and the operator's T_ADD.
tenant_new() {
	[ -f "$ISOCTL_KEYS/$1.key" ] || "$ISOCTL" keygen "$1" >/dev/null || return 1
	"$ISOCTL" tenant add "$1" --pubkey "$ISOCTL_KEYS/$1.pub" --max-vms "$2" --max-mem "$3" --cpu-share 1
}

# svc_field TENANT SVC FIELD: a number from isoctl ps --json (desired, live, ...) of that service.
svc_field() {
	"$ISOCTL" --json --tenant "$1" ps | tr -d ' \n' | sed 's/},{/}\n{/g' | grep "\"name\":\"$2\"" |
		grep -o "\"$3\":[0-9]*" | head -n 1 | cut -d: -f2
}

# tenant_id NAME: the tenant's id (isoctl tenant ls --json).
tenant_id() {
	"$ISOCTL" --json tenant ls | tr -d ' \n' | sed 's/},{/}\n{/g' | grep "\"name\":\"$1\"" | grep -o '"id":[0-9]*' |
		head -n 1 | cut -d: -f2
}

# svc_target TENANT SVC: sets LG_SUBNET and LG_VMS so that loadgen --subnet $LG_SUBNET --vms $LG_VMS reaches the
# service's first VM, from the address its http VM prints ("listening on A.B.C.D:80"): in its tenant's block
# (10.t.0.0/16, lib/netplan.h) when B is the tenant's id, else in the one network 10.0.0.0/8 (slot = VM id).
svc_target() {
	local ip t a b c d
	for _ in $(seq 1 300); do
		ip=$("$ISOCTL" --tenant "$1" logs "$2" 2>/dev/null | grep -o 'listening on [0-9.]*' | head -n 1 | cut -d' ' -f3)
		[ -n "$ip" ] && break
		sleep 0.1
	done
	[ -n "$ip" ] || return 1
	t=$(tenant_id "$1")
	IFS=. read -r a b c d <<<"$ip"
	if [ "$b" = "$t" ]; then
		LG_SUBNET=10.$t.0.0/16
		LG_VMS=$((c * 256 + d - 1))
	else
		LG_SUBNET=10.0.0.0/8
		LG_VMS=$(((b << 16) + c * 256 + d - 1))
	fi
	echo "  $1's $2: first VM at $ip: loadgen --subnet $LG_SUBNET --vms $LG_VMS"
}
