# isod_lib.sh - shared by test_isod.sh and bench_isod.sh: start/stop isod, call its API over its Unix socket, sign ops.
# Needs lib.sh sourced first ($B, $WORK, fail).
ISOD=$B/bin/isod
SIGN=$B/tests/system/isodsign
LOADGEN=$B/bin/loadgen
ISOD_ACCEL=${ISOD_ACCEL:-tcg}
ST=$WORK/state
NETSOCK=$WORK/net.sock
IDPID=

need_isod() {
	for x in "$ISOD" "$SIGN" "$LOADGEN"; do [ -x "$x" ] || fail "$x is missing (make isod runner)"; done
	command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh)"
	command -v python3 >/dev/null || fail "python3 is missing"
	"${QEMU:-qemu-system-x86_64}" -netdev help 2>/dev/null | grep -qx stream || skip "QEMU has no stream netdev"
}

# isod_start [ARGS...]: start isod on $ST with a NIC on $NETSOCK, wait (up to 5 min) until its kernel is up.
isod_start() {
	echo "+ isod --state $ST --net-socket $NETSOCK --accel $ISOD_ACCEL $*"
	"$ISOD" --state "$ST" --net-socket "$NETSOCK" --accel "$ISOD_ACCEL" "$@" >>"$WORK/isod.err" 2>&1 &
	IDPID=$!
	for _ in $(seq 600); do
		api GET /v1/info >/dev/null 2>&1 && [ "$(jget "$WORK/resp" kernel_up)" = True ] && return 0
		kill -0 "$IDPID" 2>/dev/null || fail "isod ended: $(tail -n 5 "$WORK/isod.err")"
		sleep 0.5
	done
	fail "isod's kernel did not come up in 5 min: $(tail -n 5 "$WORK/isod.err"; tail -n 5 "$ST/isorun.log")"
}

# isod_stop: SIGTERM, wait for isod to end (it ends its kernel).
isod_stop() {
	[ -n "$IDPID" ] || return 0
	kill "$IDPID" 2>/dev/null
	for _ in $(seq 240); do kill -0 "$IDPID" 2>/dev/null || break; sleep 0.5; done
	kill -9 "$IDPID" 2>/dev/null
	wait "$IDPID" 2>/dev/null
	IDPID=
}

# api METHOD PATH [BODY|@FILE]: the reply's body in $WORK/resp; prints the HTTP status.
api() {
	local m=$1 p=$2
	shift 2
	if [ $# -gt 0 ]; then
		curl -s -o "$WORK/resp" -w '%{http_code}' --max-time 600 --unix-socket "$ST/isod.sock" -X "$m" \
			-H 'Content-Type: application/json' --data-binary "$1" "http://isod$p"
	else
		curl -s -o "$WORK/resp" -w '%{http_code}' --max-time 600 --unix-socket "$ST/isod.sock" -X "$m" "http://isod$p"
	fi
}

# jget FILE PATH: a value of the JSON in FILE (PATH like reply.created or tenants.0.max_vms), as Python prints it.
jget() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split('.'):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v)
except Exception as e:
    print('?')
EOF
}

# sign KEY SIGNER OP ARGS...: a POST /v1/ops body.
sign() {
	"$SIGN" "$@" || fail "isodsign $* failed"
}

# expect_api WANT METHOD PATH [BODY]: the call answers HTTP WANT (and says what it got).
expect_api() {
	local want=$1 got
	shift
	got=$(api "$@")
	echo "  $1 $2 -> $got $(head -c 200 "$WORK/resp")"
	[ "$got" = "$want" ] || fail "$1 $2: HTTP $got, expected $want: $(head -c 300 "$WORK/resp")"
}

# alice_net: where tenant 1's first VMs are (lib/netplan.h): its own block 10.1.0.0/16 (slots from 10.1.0.2) when the
# plan has tenant blocks, else the one plan by VM id (10.0.0.0/8; the tests make tenant 1's VMs first: ids 0..).
alice_net() {
	if grep -q 'netplan_tenant_base' "$ROOT/lib/netplan.h"; then echo 10.1.0.0/16; else echo 10.0.0.0/8; fi
}
