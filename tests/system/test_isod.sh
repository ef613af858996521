#!/bin/bash
# test_isod.sh - isod end to end: the operator admits alice and bob (signed T_ADD through POST /v1/ops), alice uploads
# the HTTP example, loads it and runs ISOD_VMS (1,000) VMs as a service that loadgen reaches through the NIC (her
# address block, lib/netplan.h); bob's attempts on her service (stop, scale, logs, save, destroy, list, her image signed by her in his
# name) are refused (403/404) and leave it whole, a replayed request 409; the
# operator lowers her quota (T_SET, then her scale-up is 422); malformed JSON, oversized bodies and 100 concurrent
# clients get their answers; isod is SIGKILLed during a push and restarted: her service comes back with its desired
# count and answers again; at the end no isorun or QEMU of the test is left.
# timeout: 1500
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isod_lib.sh"
need_runner
need_kernel
need_example http.elf
need_isod
N=${ISOD_VMS:-1000}
ALICE_NET=$(alice_net)
LGPID=
cleanup() {
	[ -n "$LGPID" ] && kill "$LGPID" 2>/dev/null
	isod_stop
}
trap cleanup EXIT

# answers NAME COUNT: loadgen reaches every one of alice's COUNT VMs (exit 0 only if each answered).
answers() {
	echo "+ loadgen --http --subnet $ALICE_NET --vms $2 --sweep --requests $2 --wait 600"
	"$LOADGEN" --socket "$NETSOCK" --http --subnet "$ALICE_NET" --vms "$2" --sweep --concurrency 32 --requests "$2" \
		--wait 600 --quiet --json "$WORK/$1.lg.json" >"$WORK/$1.lg.out" 2>&1
	rc=$?
	echo "  loadgen exit $rc: $(jget "$WORK/$1.lg.json" vms_ready) of $2 VMs answered, $(jget "$WORK/$1.lg.json" responses) responses"
	[ $rc -eq 0 ] || fail "$1: not every VM answered (loadgen: $(tail -n 3 "$WORK/$1.lg.out"))"
}

cd "$WORK" || fail "no $WORK"
for k in op alice bob; do "$SIGN" keygen "$WORK/$k" || fail "keygen $k"; done

echo "== isod up, the operator admits alice and bob"
isod_start --operator-pub "$WORK/op.pub" --mem 2048
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 1 $((N + 100)) 4000000 100 "$WORK/alice.pub" alice)"
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 2 10 100000 100 "$WORK/bob.pub" bob)"
expect_api 409 POST /v1/ops "$(sign "$WORK/op.key" 0 T_ADD 3 10 100000 100 "$WORK/bob.pub" bob)"     # name taken
[ "$(jget resp status)" = E_EXIST ] || fail "a second tenant named bob: expected E_EXIST"
expect_api 403 POST /v1/ops "$(sign "$WORK/alice.key" 1 T_ADD 3 10 100000 100 "$WORK/bob.pub" carol)" # not the operator
expect_api 200 GET /v1/tenants
[ "$(jget resp tenants.0.name)" = alice ] && [ "$(jget resp tenants.1.name)" = bob ] || fail "tenants: $(cat resp)"

echo "== alice pushes the HTTP example and runs $N VMs"
expect_api 200 POST /v1/images "@$EX/http.elf"
SHA=$(jget resp sha512)
[ ${#SHA} = 128 ] || fail "no sha512 in $(cat resp)"
[ "$SHA" = "$(sha512sum "$EX/http.elf" | cut -c 1-128)" ] || fail "isod's sha512 is not the file's"
expect_api 404 POST /v1/ops "$(sign "$WORK/alice.key" 1 T_LOAD "$(printf '%0128d' 0)" nothing)"
[ "$(jget resp status)" = NOT_FOUND ] || fail "T_LOAD of an image never posted: $(cat resp)"
expect_api 200 POST /v1/ops "$(sign "$WORK/alice.key" 1 T_LOAD "$SHA" http.elf)"
SET=$(sign "$WORK/alice.key" 1 SVC_SET web "$SHA" "$N" 0 0 80)
expect_api 200 POST /v1/ops "$SET"
[ "$(jget resp reply.created)" = "$N" ] || fail "SVC_SET web $N: $(cat resp)"
answers first "$N"

echo "== bob cannot touch alice's service; a replay is refused"
expect_api 409 POST /v1/ops "$SET"
[ "$(jget resp status)" = E_REPLAY ] || fail "the replayed SVC_SET: $(cat resp)"
expect_api 404 POST /v1/ops "$(sign "$WORK/bob.key" 2 SVC_DEL web)"
expect_api 403 POST /v1/ops "$(sign "$WORK/bob.key" 1 SVC_DEL web)"          # bob's key, alice's id
expect_api 404 POST /v1/logs "$(sign -s web "$WORK/bob.key" 2 SVCS 0)"
expect_api 403 POST /v1/logs "$(sign -s web "$WORK/bob.key" 1 SVCS 0)"
expect_api 404 POST /v1/ops "$(sign "$WORK/bob.key" 2 T_SAVE 0)"             # save her VM 0
expect_api 404 POST /v1/ops "$(sign "$WORK/bob.key" 2 T_DESTROY 0)"          # end it
expect_api 403 POST /v1/ops "$(sign "$WORK/bob.key" 1 SVC_SET web "$SHA" 1 0 0 80)"   # scale her web, her id
expect_api 403 POST /v1/ops "$(sign "$WORK/alice.key" 2 T_LOAD "$SHA" http.elf)"      # her signature, his id
expect_api 200 POST /v1/ops "$(sign "$WORK/bob.key" 2 T_LIST 0)"
[ "$(jget resp reply.items.0.id)" = "?" ] || fail "bob's T_LIST shows VMs: $(head -c 300 resp)"
expect_api 200 POST /v1/logs "$(sign -s web "$WORK/alice.key" 1 SVCS 0)"
grep -q '^vm=0 ' "$WORK/resp" || fail "alice's log has no line of VM 0"
# follow: the tail, then the client leaves (curl's --max-time) and isod keeps serving
curl -s --max-time 3 --unix-socket "$ST/isod.sock" --data-binary \
	"$(sign -s web "$WORK/alice.key" 1 SVCS 0 | sed 's/"tail":1000/"tail":5,"follow":true/')" http://isod/v1/logs >"$WORK/follow.out"
echo "  follow: $(wc -l <"$WORK/follow.out") lines before the client left"
[ "$(wc -l <"$WORK/follow.out")" = 5 ] || fail "logs follow: expected the last 5 lines: $(head -c 300 "$WORK/follow.out")"
expect_api 200 POST /v1/ops "$(sign "$WORK/alice.key" 1 SVCS 0)"
[ "$(jget resp reply.items.0.desired)" = "$N" ] && [ "$(jget resp reply.items.0.live)" = "$N" ] ||
	fail "alice's SVCS after bob's attempts: $(head -c 300 resp)"

echo "== the operator lowers alice's quota"
expect_api 200 POST /v1/ops "$(sign "$WORK/op.key" 0 T_SET 1 $((N / 2)) 4000000 100)"
expect_api 422 POST /v1/ops "$(sign "$WORK/alice.key" 1 SVC_SET web "$SHA" $((N + 1)) 0 0 80)"
[ "$(jget resp status)" = E_QUOTA ] || fail "a scale-up over the lowered quota: $(cat resp)"
expect_api 200 GET /v1/tenants
[ "$(jget resp tenants.0.max_vms)" = $((N / 2)) ] || fail "alice's max_vms after T_SET: $(cat resp)"

echo "== hostile requests and 100 concurrent clients"
expect_api 400 POST /v1/ops '{"op": "T_ADD", "payload": '
[ "$(jget resp status)" = BAD_JSON ] || fail "malformed JSON: $(cat resp)"
expect_api 400 POST /v1/ops '{"op": "CREATE", "payload": "00"}'
expect_api 400 POST /v1/ops '{"op": "T_DEL", "payload": "0011"}'
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
expect_api 413 POST /v1/ops "@$WORK/big.json"
head -c $((3 << 20)) /dev/urandom >"$WORK/big.elf"
expect_api 413 POST /v1/images "@$WORK/big.elf"
expect_api 404 GET /v1/nothing
CPIDS=
for i in $(seq 100); do
	if [ $((i % 2)) = 0 ]; then
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 300 --unix-socket "$ST/isod.sock" http://isod/v1/tenants
	else
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 300 --unix-socket "$ST/isod.sock" -X POST \
			--data-binary '{"op":"SVCS","payload":"zz"}' http://isod/v1/ops
	fi >"$WORK/conc.$i" &
	CPIDS="$CPIDS $!"
done
wait $CPIDS                    # not a bare wait: isod is a background job of this shell too
ok=$(cat "$WORK"/conc.* | grep -c '^200$'); bad=$(cat "$WORK"/conc.* | grep -c '^400$')
echo "  100 concurrent clients: $ok answered 200, $bad answered 400"
[ "$ok" = 50 ] && [ "$bad" = 50 ] || fail "100 concurrent clients: $ok x 200, $bad x 400 (expected 50 and 50)"
expect_api 200 GET /metrics
grep -q "^isod_vms{tenant=\"alice\",state=\"live\"} $N\$" "$WORK/resp" || fail "metrics: no isod_vms for alice's $N VMs"
grep -q '^isod_requests_refused_total{reason="E_REPLAY"} 1$' "$WORK/resp" || fail "metrics: the replay is not counted"

echo "== isod is SIGKILLed during a push, then restarted"
OLD_ISORUN=$(cat "$ST/isorun.pid")
# bob's push: T_LOAD, then his service b scaled 1, 2, ..., 10, 1, 2, ... (40 SVC_SETs, signed beforehand); the kill
# lands somewhere in it
cnt() { [ "$1" = 0 ] && echo 0 || echo $(( ($1 - 1) % 10 + 1 )); }
sign "$WORK/bob.key" 2 T_LOAD "$SHA" http.elf >"$WORK/push.0"
for i in $(seq 40); do sign "$WORK/bob.key" 2 SVC_SET b "$SHA" "$(cnt "$i")" 0 0 80 >"$WORK/push.$i"; done
(for i in $(seq 0 40); do
	c=$(api POST /v1/ops "$(cat "$WORK/push.$i")")
	echo "$i $c"
	[ "$c" = 200 ] || break        # the push ends at the kill: nothing reaches the next isod
done >"$WORK/killed.code") &
PUSH=$!
sleep 0.15
kill -9 "$IDPID"
wait "$IDPID" 2>/dev/null
IDPID=
for _ in $(seq 120); do kill -0 "$OLD_ISORUN" 2>/dev/null || break; sleep 0.5; done
kill -0 "$OLD_ISORUN" 2>/dev/null && fail "isorun $OLD_ISORUN outlived the SIGKILLed isod by 60 s"
isod_start
expect_api 200 POST /v1/ops "$(sign "$WORK/alice.key" 1 SVCS 0)"
[ "$(jget resp reply.items.0.name)" = web ] && [ "$(jget resp reply.items.0.desired)" = "$N" ] &&
	[ "$(jget resp reply.items.0.live)" = "$N" ] || fail "alice's web after the restart: $(head -c 400 resp)"
wait "$PUSH"
last_ok=$(awk '$2 == 200 { k = $1 } END { print k + 0 }' "$WORK/killed.code")
echo "  alice's web is back: desired $N, live $N; bob's push got: $(tr '\n' ' ' <"$WORK/killed.code")"
expect_api 200 POST /v1/ops "$(sign "$WORK/bob.key" 2 SVCS 0)"
d=$(jget resp reply.items.0.desired)
[ "$d" = '?' ] && d=0
# every op answered 200 was stored first: b comes back with the count of the last one answered OK, or of the next
# (the kill fell between its commit and its answer), and with all of its VMs
want=$(cnt "$last_ok") next=$(cnt $((last_ok < 40 ? last_ok + 1 : last_ok)))
[ "$d" = "$want" ] || [ "$d" = "$next" ] ||
	fail "bob's b came back with $d VMs; the last SVC_SET answered OK (op $last_ok) set $want, the next $next"
[ "$d" = 0 ] || [ "$(jget resp reply.items.0.live)" = "$d" ] || fail "bob's b: live is not desired: $(head -c 300 resp)"
echo "  bob's service b after the restart: desired $d (the last op answered OK, $last_ok of 40, set $want)"
answers restarted "$N"

echo "== the kernel dies (QEMU killed): isod restarts it and replays"
IR=$(cat "$ST/isorun.pid")
QPID=$(pgrep -P "$IR" | head -n 1)
[ -n "$QPID" ] || fail "no QEMU under isorun $IR"
kill -9 "$QPID"
for _ in $(seq 600); do
	api GET /v1/info >/dev/null
	[ "$(jget resp kernel_restarts)" = 1 ] && [ "$(jget resp kernel_up)" = True ] && break
	sleep 0.5
done
[ "$(jget resp kernel_restarts)" = 1 ] && [ "$(jget resp kernel_up)" = True ] || fail "no restart: $(cat resp)"
expect_api 200 POST /v1/ops "$(sign "$WORK/alice.key" 1 SVCS 0)"
[ "$(jget resp reply.items.0.live)" = "$N" ] || fail "alice's web after the kernel's restart: $(head -c 300 resp)"
expect_api 200 GET /metrics
grep -q '^isod_kernel_restarts_total 1$' "$WORK/resp" || fail "metrics: the restart is not counted"
expect_api 200 GET /v1/tenants
[ "$(jget resp tenants.0.max_vms)" = $((N / 2)) ] || fail "alice's lowered quota did not come back: $(cat resp)"

echo "== cleanup"
isod_stop
sleep 1
left=$(pgrep -f -- "$NETSOCK" | wc -l)
[ "$left" = 0 ] || fail "$left processes (QEMU, isorun) still use $NETSOCK after isod ended"
pass "$N VMs pushed and answering, refusals 403/404/409/413/422, 100 concurrent clients, SIGKILL and replay"
