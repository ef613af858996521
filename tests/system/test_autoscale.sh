#!/bin/bash
# test_autoscale.sh - examples/autoscale through isod: alice's autoscaler scales her service up under load (loadgen)
#   and down when idle; run with alice's key against bob's service it is refused and bob's service is unchanged.
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isoctl_lib.sh"
why=$(isod_missing)
[ -z "$why" ] || skip "$why"
[ -x "$AUTOSCALE" ] && [ -x "$LOADGEN" ] || fail "autoscale or loadgen is missing (make isoctl runner)"
AS_PID=
cleanup() {
	[ -n "$AS_PID" ] && kill "$AS_PID" 2>/dev/null
	isod_stop
}
trap cleanup EXIT

isod_start || fail "isod did not come up (see $WORK/isod.log)"
tenant_new alice 16 256MiB || fail "tenant add alice"
tenant_new bob 16 256MiB || fail "tenant add bob"
# alice pushes first: her VM is the first of her address block (or of the one network), where loadgen aims.
"$ISOCTL" --tenant alice push "$EX/http.elf" --name web --count 1 --args 80 || fail "alice's push was refused"
svc_target alice web || fail "alice's web VM never said its address (isoctl logs web)"
"$ISOCTL" --tenant bob push "$EX/http.elf" --name bweb --count 2 --args 80 || fail "bob's push was refused"

# The same autoscaler with alice's key against bob's service: signed as bob with alice's key (E_AUTH), and as
# alice naming bob's service (not hers: refused as unknown). Neither changes bob's service.
echo "+ autoscale --tenant bob --key alice.key --service bweb"
"$AUTOSCALE" --tenant bob --key "$ISOCTL_KEYS/alice.key" --service bweb --lo 1 --hi 2 --interval 1 --rounds 3 \
	>"$WORK/as-bob.log" 2>&1
rc=$?
cat "$WORK/as-bob.log"
[ $rc -eq 1 ] && grep -q 'refused: E_AUTH' "$WORK/as-bob.log" || fail "alice's key on bob's service: exit $rc, not refused E_AUTH"
"$AUTOSCALE" --tenant alice --service bweb --lo 1 --hi 2 --interval 1 --rounds 3 >"$WORK/as-bob2.log" 2>&1
rc=$?
cat "$WORK/as-bob2.log"
[ $rc -eq 1 ] && grep -q 'refused: E_NOENT' "$WORK/as-bob2.log" || fail "alice naming bob's service: exit $rc, not refused"
[ "$(svc_field bob bweb desired)" = 2 ] && [ "$(svc_field bob bweb live)" = 2 ] ||
	fail "bob's service changed: desired $(svc_field bob bweb desired), live $(svc_field bob bweb live)"

# alice's autoscaler: band [2, 20] rx frames per VM per second, 1..4 VMs, a look every 2 s.
"$AUTOSCALE" --tenant alice --service web --lo 2 --hi 20 --interval 2 --min 1 --max 4 >"$WORK/as.log" 2>&1 &
AS_PID=$!
echo "+ loadgen --http --subnet $LG_SUBNET --vms $LG_VMS --concurrency 8 --duration 30"
"$LOADGEN" --socket "$NETSOCK" --http --subnet "$LG_SUBNET" --vms "$LG_VMS" --sweep --concurrency 8 --duration 30 \
	--wait 60 --quiet \
	--json "$WORK/load.json" >"$WORK/load.log" 2>&1 &
LG_PID=$!
up=
for _ in $(seq 1 60); do
	d=$(svc_field alice web desired)
	[ -n "$d" ] && [ "$d" -gt 1 ] && { up=$d; break; }
	sleep 1
done
wait "$LG_PID"
[ -n "$up" ] || { cat "$WORK/as.log"; fail "alice's service was not scaled up under load"; }
# Idle now: back down to 1.
down=
for _ in $(seq 1 60); do
	[ "$(svc_field alice web desired)" = 1 ] && { down=1; break; }
	sleep 1
done
kill "$AS_PID" 2>/dev/null
wait "$AS_PID" 2>/dev/null
AS_PID=
cat "$WORK/as.log"
[ -n "$down" ] || fail "alice's service was not scaled down when idle (desired $(svc_field alice web desired))"
grep -q "scaled web to $up" "$WORK/as.log" || fail "the autoscaler's log does not show the scale to $up"
[ "$(svc_field bob bweb desired)" = 2 ] || fail "bob's service changed while alice's scaled"
pass "alice's autoscaler scaled web 1 -> $up under load and back to 1 idle; with alice's key on bob's service: refused (E_AUTH, E_NOENT), bob's bweb kept 2 VMs"
