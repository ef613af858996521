#!/bin/bash
# test_tenantnet.sh - per-tenant networks (lib/netplan.h; isorun IMG:COUNT@T). 1: without a NIC, tenant 0, 1 and 2
# each run a udp-echo/udpclient pair at the same address numbers, and two probers (tests/net/xtenant) address another
# tenant's VM directly (its MAC, an ARP request for its IPv4): every pair's 20 datagrams echo inside its tenant, no
# prober gets a frame or an ARP answer of the other tenant, the switch counts the probers' frames as cross_tenant, and
# the VMs have their tenant's addresses. 2: with a NIC (tests/system/uplink.c outside): the cross-tenant frames come
# out at the uplink, a datagram from outside claiming a tenant's own address to that tenant is dropped, and one
# routed from another tenant's address is delivered and answered. 3: loadgen --tenant 4 echoes off tenant 4's VMs.
# timeout: 240
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf
NET=$B/tests/net
for g in udpclient xtenant; do
	[ -f "$NET/$g.elf" ] || fail "no guest image $NET/$g.elf (make net-guests)"
done
QEMU_BIN=${QEMU:-qemu-system-x86_64}

# 1. Three networks, no NIC. Tenant 0's numbers go in creation order among its own VMs (0 echo, 1 client, 2
# prober), as in each tenant.
run_isorun tenants --timeout 90 \
	"$EX/udp-echo.elf:1:7 20" "$NET/udpclient.elf:1:0 20" "$NET/xtenant.elf:1:1 0 10" \
	"$EX/udp-echo.elf:1@1:7 20" "$NET/udpclient.elf:1@1:0 20" "$NET/xtenant.elf:1@1:2 0 10" \
	"$EX/udp-echo.elf:1@2:7 20" "$NET/udpclient.elf:1@2:0 20"
expect_rc tenants 0
all_exited_ok tenants udp-echo.elf 3
all_exited_ok tenants udpclient.elf 3
all_exited_ok tenants xtenant.elf 2
for id in $(vm_ids tenants udpclient.elf); do
	vm_output tenants "$id" | grep -q 'udpclient: 20 of 20 echoes, 0 wrong' || fail "client vm $id: $(vm_output tenants "$id")"
done
for id in $(vm_ids tenants xtenant.elf); do
	vm_output tenants "$id" | grep -q 'xtenant: sent=10 arp=10 received=0 arp_answers=0' ||
		fail "prober vm $id: $(vm_output tenants "$id")"
done
n=$(vm_records tenants udpclient.elf | grep -cE ' tx_spoofed=10( |$)')
[ "$n" = 3 ] || fail "expected every client's 10 forged frames dropped in every tenant, got $n: $(vm_records tenants udpclient.elf)"
# Addresses: each tenant's echo is its number 0 (10.t.0.2; tenant 0: 10.0.0.2), its client number 1.
for t in 0 1 2; do
	id=$(vm_records tenants udp-echo.elf | grep -v ' tenant=' | sed 's/^@vm id=\([0-9]*\).*/\1/')
	[ "$t" = 0 ] || id=$(vm_records tenants udp-echo.elf | grep -E " tenant=$t( |$)" | grep -E ' addr=0( |$)' | sed 's/^@vm id=\([0-9]*\).*/\1/')
	[ -n "$id" ] || fail "no @vm record of tenant $t's echo at address number 0: $(vm_records tenants udp-echo.elf)"
	vm_output tenants "$id" | grep -q "listening on 10.$t.0.2:7" || fail "tenant $t's echo: $(vm_output tenants "$id")"
done
vm_records tenants udpclient.elf | grep -E ' tenant=2( |$)' | grep -qE ' addr=1( |$)' || fail "tenant 2's client is not its number 1"
sw=$(grep -a '^@switch ' "$WORK/tenants.serial")
cross=$(echo "$sw" | tr ' ' '\n' | sed -n 's/^cross_tenant=//p')
# 20 datagrams by MAC always; the ARP requests count while their target is live (up to 20 more).
[ -n "$cross" ] && [ "$cross" -ge 20 ] && [ "$cross" -le 40 ] || fail "cross_tenant should be 20..40: $sw"
echo "$sw" | grep -q ' drop_spoofed=30 ' || fail "the switch did not count 30 spoofed frames: $sw"
first="cross_tenant=$cross, $(echo "$sw" | grep -o 'vm_to_vm=[0-9]*')"

# 2. With the uplink outside.
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx stream || skip "$QEMU_BIN has no stream netdev (QEMU >= 7.2 needed)"
UPLINK=$WORK/uplink
${HOSTCC:-gcc} -O2 -Wall -Wextra -Werror -I"$ROOT/lib" -o "$UPLINK" "$ROOT/tests/system/uplink.c" ||
	fail "cannot compile tests/system/uplink.c"
SOCKDIR=$(mktemp -d /tmp/tenantnet.XXXXXX) || fail "mktemp failed"
ISO_PID=
cleanup() {
	[ -n "$ISO_PID" ] && kill -TERM "$ISO_PID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT
echo "+ isorun --net-socket $SOCKDIR/up.sock (tenant 2: udp-echo; tenant 1: xtenant 2 0 40) & uplink"
"$ISORUN" --timeout 60 --json "$WORK/up.json" --serial-log "$WORK/up.serial" --net-socket "$SOCKDIR/up.sock" \
	"$EX/udp-echo.elf:1@2:7 1" "$NET/xtenant.elf:1@1:2 0 40" >"$WORK/up.out" 2>&1 &
ISO_PID=$!
"$UPLINK" "$SOCKDIR/up.sock" 8 >"$WORK/uplink.out" 2>&1
urc=$?
wait "$ISO_PID"
RC=$?
ISO_PID=
sed 's/^/  | /' "$WORK/uplink.out"
grep '"image": "udp-echo.elf"' "$WORK/up.json" | grep '"tenant": 2[,}]' | grep -q '"ipv4": "10.2.0.2", "mac": "06:02:00:00:00:00"' ||
	fail "tenant 2's echo does not have 10.2.0.2 / 06:02:00:00:00:00 in up.json"
grep -a '^@\(switch\|vm\) ' "$WORK/up.serial" | sed 's/^/  | /'
[ $urc = 0 ] || fail "uplink exited $urc"
expect_rc up 0
up=$(grep '^uplink: ' "$WORK/uplink.out")
val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
[ "$(val "$up" to_tenant_mac)" -ge 1 ] || fail "no cross-tenant frame came out at the uplink: $up"
[ "$(val "$up" arp_for)" -ge 1 ] || fail "no cross-tenant ARP request came out at the uplink: $up"
[ "$(val "$up" routed_echo)" -ge 1 ] || fail "a datagram routed from tenant 1's address was not answered: $up"
[ "$(val "$up" spoof_echo)" = 0 ] || fail "a datagram claiming tenant 2's own address from outside was answered: $up"
sw=$(grep -a '^@switch ' "$WORK/up.serial")
[ "$(val "$sw" cross_tenant)" -ge 40 ] || fail "the switch counted fewer than the prober's 40 frames by MAC: $sw"
[ "$(val "$sw" drop_nic_spoofed)" -ge 1 ] || fail "the spoofed datagram was not dropped: $sw"
id=$(vm_ids up xtenant.elf)
vm_output up "$id" | grep -q 'received=0 arp_answers=0' || fail "prober: $(vm_output up "$id")"
# 3. loadgen reaches a tenant's block (--tenant): UDP echo to tenant 4's three VMs from outside.
LOADGEN=$B/bin/loadgen
[ -x "$LOADGEN" ] || fail "$LOADGEN is missing (make runner)"
cmd="$ISORUN --quiet --serial-log $WORK/lg.serial --net-socket $SOCKDIR/lg.sock $EX/udp-echo.elf:3@4:7 >$WORK/lg.out 2>&1"
echo "+ loadgen --run '$cmd' --tenant 4 --vms 3 --sweep"
"$LOADGEN" --run "$cmd" --socket "$SOCKDIR/lg.sock" --udp-echo --tenant 4 --vms 3 --sweep --concurrency 4 \
	--duration 2 >"$WORK/lg.lg" 2>&1
lrc=$?
tail -n 4 "$WORK/lg.lg" | sed 's/^/  | /'
[ $lrc = 0 ] || fail "loadgen --tenant 4 exited $lrc: $(tail -n 3 "$WORK/lg.lg")"
grep -q '3 VMs answered' "$WORK/lg.lg" || fail "not every tenant 4 VM answered loadgen: $(tail -n 3 "$WORK/lg.lg")"
grep -a '^@switch ' "$WORK/lg.serial" | grep -q ' drop_nic_spoofed=0 ' || fail "loadgen's frames to tenant 4 were dropped"
pass "$first; at the uplink: $(val "$up" to_tenant_mac) frames and $(val "$up" arp_for) ARP requests of tenant 1's prober, routed echo $(val "$up" routed_echo), spoofed dropped $(val "$sw" drop_nic_spoofed)"
